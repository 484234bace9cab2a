/* pci: enumeration of bus 0 through 0xCF8/0xCFC: the host bridge, the
 * virtio devices with their IDs and class codes, BAR sizing, and the
 * capability lists (MSI-X and the five virtio capabilities). The command
 * line says how many virtio devices of each kind to expect:
 * "expect=rng:1,blk:2". */
#include "guest.h"

static unsigned expected(const char *cmdline, const char *kind)
{
	const char *p = strstr(cmdline, kind);
	if (!p)
		return 0;
	return (unsigned)(p[strlen(kind) + 1] - '0');
}

static void check_device(unsigned slot, uint16_t id)
{
	char what[64];
	static const char *const names[] = { [1] = "net", [2] = "blk", [4] = "rng", [19] = "vsock" };
	const char *name = id < 20 && names[id] ? names[id] : "?";
	uint32_t class = pci_read32(slot, 8);
	printf_serial("slot %u: virtio-%s 1af4:%x class %06x rev %u subsystem %x\n", slot, name, 0x1040 + id,
		      class >> 8, class & 0xff, pci_read32(slot, 0x2c) >> 16);
	memcpy(what, "virtio-", 7);
	memcpy(what + 7, name, strlen(name) + 1);
	check((class & 0xff) == 1 && (pci_read32(slot, 0x2c) >> 16) == id, what, "modern revision and subsystem id");
	/* BAR sizing (PCI 3.0 6.2.5.1): decode off, write all ones, read the mask, restore */
	uint16_t cmd = pci_read16(slot, 4);
	uint32_t bar = pci_read32(slot, 0x10);
	pci_write16(slot, 4, cmd & ~3);
	pci_write32(slot, 0x10, 0xffffffff);
	uint32_t mask = pci_read32(slot, 0x10);
	pci_write32(slot, 0x10, bar);
	pci_write16(slot, 4, cmd);
	uint32_t size = ~(mask & ~0xfu) + 1;
	check(!(bar & 1) && size >= 0x4000 && !(size & (size - 1)) && !(bar & (size - 1)) && bar >= 0xc0000000u,
	      "BAR0 sizing", "bar %x size %x", bar, size);
	unsigned types = 0, n = 0;
	bool msix = false;
	for (uint8_t p = pci_read8(slot, 0x34); p && n < 48; p = pci_read8(slot, p + 1), n++) {
		if (pci_read8(slot, p) == 0x11)
			msix = true;
		if (pci_read8(slot, p) == 0x09)
			types |= 1u << pci_read8(slot, p + 3);
	}
	check((pci_read16(slot, 6) & 0x10) && msix, "MSI-X capability", NULL);
	/* a device-specific config capability only where the device has one (rng has none) */
	uint32_t want = id == 4 ? 0x2e : 0x3e;
	check(types == want, "virtio capabilities common/notify/isr/pci-cfg (+device)", "mask %x", types);
	/* the BAR responds: num_queues in the common config (offset 0x12) */
	uint16_t nq = mmio_read16((bar & ~0xfu) + 0x12);
	check(nq >= 1, "common config reachable through BAR0", NULL);
	/* an OS may move a BAR: the device follows, the old place goes quiet */
	uint32_t moved = 0xd0000000u + (bar & 0x0fffffffu);
	pci_write16(slot, 4, cmd & ~3);
	pci_write32(slot, 0x10, moved);
	pci_write16(slot, 4, cmd);
	bool follows = mmio_read16(moved + 0x12) == nq && mmio_read16((bar & ~0xfu) + 0x12) == 0xffff;
	pci_write16(slot, 4, cmd & ~3);
	pci_write32(slot, 0x10, bar);
	pci_write16(slot, 4, cmd);
	check(follows && mmio_read16((bar & ~0xfu) + 0x12) == nq, "BAR0 moved and moved back", "to %x", moved);
}

void guest_main(struct boot_info *bi)
{
	uint32_t id0 = pci_read32(0, 0), class0 = pci_read32(0, 8);
	check(id0 != 0xffffffff && (class0 >> 16) == 0x0600, "host bridge at 00:00.0", "%x class %x", id0, class0 >> 8);
	unsigned count[20] = { 0 };
	for (unsigned slot = 1; slot < 32; slot++) {
		uint32_t id = pci_read32(slot, 0);
		if (id == 0xffffffff)
			continue;
		check((id & 0xffff) == 0x1af4 && (id >> 16) >= 0x1041 && (id >> 16) < 0x1054, "virtio vendor/device id",
		      "%x", id);
		uint16_t vid = (uint16_t)((id >> 16) - 0x1040);
		if (vid < 20)
			count[vid]++;
		check_device(slot, vid);
	}
	check(pci_read32(0, 0x100 - 4) == 0 && pci_read32(31, 0) == 0xffffffff, "empty slots read all ones", NULL);
	check(count[4] == expected(bi->cmdline, "rng"), "rng count", "%u", count[4]);
	check(count[2] == expected(bi->cmdline, "blk"), "blk count", "%u", count[2]);
	check(count[1] == expected(bi->cmdline, "net"), "net count", "%u", count[1]);
}
