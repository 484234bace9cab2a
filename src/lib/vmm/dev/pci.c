/* dev/pci.c - PCI bus 0 behind configuration mechanism #1 (ports 0xCF8 and
 * 0xCFC, PCI Local Bus 3.0 section 3.2.2.3.2), a host bridge at slot 0 and
 * type 0 devices after it. BARs are assigned here, as firmware would, from a
 * 32-bit MMIO window and a port window; a guest that moves them is obeyed.
 * Byte writes to 0xCF9 are the PIIX/ICH reset control register. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "../vm.h"

#define PCI_MAX_SLOTS 32
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_IO_BASE 0xc000

struct vm_pci {
	uint32_t address;                        /* CONFIG_ADDRESS */
	struct vm_pci_device *slots[PCI_MAX_SLOTS];
	struct vm_pci_device bridge;
	uint64_t next_mmio;
	uint32_t next_io;
	unsigned next_slot;
};

/* The opaque registered on the bus for BAR i is (char *)dev + i: the device
 * pointer with the BAR index in its low bits (devices are 8-aligned). */
static void bar_unmap(struct vm_pci_device *dev, unsigned i)
{
	if (!dev->bar_mapped[i])
		return;
	struct vm_bus *bus = dev->bar_io[i] ? &dev->vm->pio : &dev->vm->mmio;
	vm_bus_remove(bus, (char *)dev + i, dev->bar_addr[i]);
	dev->bar_mapped[i] = false;
}

static void bar_dispatch(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	uintptr_t p = (uintptr_t)opaque;
	unsigned bar = (unsigned)(p & 7);
	struct vm_pci_device *dev = (struct vm_pci_device *)(p & ~(uintptr_t)7);
	dev->bar_fn(dev, bar, offset, data, len, is_write);
}

/* Map each BAR where the guest (or we) put it, when decoding is on. */
static void bars_update(struct vm_pci_device *dev)
{
	uint16_t cmd;
	memcpy(&cmd, dev->config + PCI_COMMAND, 2);
	for (unsigned i = 0; i < 6; i++) {
		if (!dev->bar_size[i])
			continue;
		uint32_t raw;
		memcpy(&raw, dev->config + PCI_BAR0 + 4 * i, 4);
		uint64_t addr = dev->bar_io[i] ? (raw & ~3u) : (raw & ~15u);
		bool on = dev->bar_io[i] ? (cmd & 1) : (cmd & 2);
		if (on && dev->bar_mapped[i] && dev->bar_addr[i] == addr)
			continue;
		bar_unmap(dev, i);
		if (!on || !addr || addr + dev->bar_size[i] > (dev->bar_io[i] ? 0x10000 : 0x100000000ULL))
			continue;
		struct vm_bus *bus = dev->bar_io[i] ? &dev->vm->pio : &dev->vm->mmio;
		struct hull_error *err = NULL;
		if (vm_bus_add(bus, addr, dev->bar_size[i], bar_dispatch, (char *)dev + i, &err) == 0) {
			dev->bar_addr[i] = addr;
			dev->bar_mapped[i] = true;
		}
		hull_error_free(err); /* an overlapping BAR stays unmapped, as on hardware that would conflict */
	}
	if (dev->bars_moved)
		dev->bars_moved(dev);
}

static struct vm_pci_device *target(struct vm_pci *pci, unsigned *reg)
{
	if (!(pci->address & 0x80000000u))
		return NULL;
	unsigned bus = (pci->address >> 16) & 0xff, slot = (pci->address >> 11) & 0x1f, fn = (pci->address >> 8) & 7;
	*reg = pci->address & 0xfc;
	if (bus || fn)
		return NULL;
	return pci->slots[slot];
}

static void config_access(struct vm_pci *pci, unsigned byte, uint8_t *data, uint32_t len, bool is_write)
{
	unsigned reg;
	struct vm_pci_device *dev = target(pci, &reg);
	reg += byte;
	if (!dev || reg + len > 256) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (!is_write) {
		memcpy(data, dev->config + reg, len);
		return;
	}
	for (uint32_t i = 0; i < len; i++) {
		uint8_t m = dev->wmask[reg + i];
		dev->config[reg + i] = (uint8_t)((dev->config[reg + i] & ~m) | (data[i] & m));
	}
	if (dev->bar_fn && reg < PCI_BAR0 + 24 && reg + len > PCI_COMMAND)
		bars_update(dev);
	/* Config writes past the header reach the device (virtio's PCI cfg window). */
	if (dev->bar_fn && reg >= 0x40)
		dev->bar_fn(dev, 0xff, reg, data, len, true);
}

static void config_read_hook(struct vm_pci *pci, unsigned byte, uint8_t *data, uint32_t len)
{
	unsigned reg;
	struct vm_pci_device *dev = target(pci, &reg);
	if (dev && dev->bar_fn && reg + byte >= 0x40 && reg + byte + len <= 256)
		dev->bar_fn(dev, 0xff, reg + byte, data, len, false);
}

static void pci_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct hull_vm *vm = opaque;
	struct vm_pci *pci = vm->pci;
	if (offset < 4) {
		if (offset == 1 && len == 1) {
			/* Reset control register: RST_CPU (bit 2) resets. */
			if (is_write && (data[0] & 4))
				vm_request_exit(vm, HULL_VM_EXIT_RESET, NULL);
			else if (!is_write)
				data[0] = 0;
			return;
		}
		if (offset != 0 || len != 4) {
			if (!is_write)
				memset(data, 0xff, len);
			return;
		}
		if (is_write)
			memcpy(&pci->address, data, 4);
		else
			memcpy(data, &pci->address, 4);
		return;
	}
	config_access(pci, (unsigned)(offset - 4), data, len, is_write);
	if (!is_write)
		config_read_hook(pci, (unsigned)(offset - 4), data, len);
}

int vm_pci_init(struct hull_vm *vm, struct hull_error **err)
{
	struct vm_pci *pci = hull_xcalloc(1, sizeof(*pci));
	vm->pci = pci;
	pci->next_mmio = VM_PCI_MMIO_BASE;
	pci->next_io = PCI_IO_BASE;
	struct vm_pci_device *b = &pci->bridge;
	/* A host bridge, class 06/00, Red Hat's generic PCIe host ID (as qemu's gpex). */
	uint16_t vendor = 0x1b36, device = 0x0008;
	memcpy(b->config, &vendor, 2);
	memcpy(b->config + 2, &device, 2);
	b->config[0x0b] = 0x06;
	b->vm = vm;
	pci->slots[0] = b;
	pci->next_slot = 1;
	return vm_bus_add(&vm->pio, 0xcf8, 8, pci_io, vm, err);
}

void vm_pci_free(struct hull_vm *vm)
{
	free(vm->pci);
	vm->pci = NULL;
}

unsigned vm_pci_cap_add(struct vm_pci_device *dev, const uint8_t *cap, unsigned len)
{
	/* Capabilities follow one another from 0x40, each dword aligned; their
	 * lengths are ours to remember (only vendor capabilities carry one). */
	unsigned at = dev->cap_end ? (dev->cap_end + 3) & ~3u : 0x40;
	if (at + len > 256)
		return 0;
	memcpy(dev->config + at, cap, len);
	dev->config[at + 1] = 0;
	if (dev->config[PCI_CAP_PTR]) {
		uint8_t p = dev->config[PCI_CAP_PTR];
		while (dev->config[p + 1])
			p = dev->config[p + 1];
		dev->config[p + 1] = (uint8_t)at;
	} else {
		dev->config[PCI_CAP_PTR] = (uint8_t)at;
	}
	dev->cap_end = at + len;
	dev->config[PCI_STATUS] |= 0x10; /* capabilities list */
	return at;
}

int vm_pci_add(struct hull_vm *vm, struct vm_pci_device *dev, struct hull_error **err)
{
	static const unsigned gsis[] = VM_PCI_INTX_GSIS;
	struct vm_pci *pci = vm->pci;
	if (pci->next_slot >= PCI_MAX_SLOTS)
		return hull_error_msg(err, ENOSPC, "no free PCI slot");
	dev->vm = vm;
	dev->slot = pci->next_slot++;
	dev->irq_line = gsis[dev->slot % HULL_ARRAY_SIZE(gsis)];
	dev->config[PCI_INTERRUPT_LINE] = (uint8_t)dev->irq_line;
	dev->config[0x3d] = 1; /* INTA# */
	/* Writable: command (I/O, memory, bus master, INTx disable), BARs, line. */
	dev->wmask[PCI_COMMAND] = 0x07;
	dev->wmask[PCI_COMMAND + 1] = 0x04;
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
	for (unsigned i = 0; i < 6; i++) {
		if (!dev->bar_size[i])
			continue;
		uint64_t size = dev->bar_size[i];
		uint32_t mask = (uint32_t)~(size - 1), addr;
		if (dev->bar_io[i]) {
			addr = (pci->next_io + (uint32_t)size - 1) & ~((uint32_t)size - 1);
			pci->next_io = addr + (uint32_t)size;
			addr |= 1;
			mask &= ~3u;
		} else {
			uint64_t a = (pci->next_mmio + size - 1) & ~(size - 1);
			if (a + size > VM_PCI_MMIO_BASE + VM_PCI_MMIO_SIZE)
				return hull_error_msg(err, ENOSPC, "PCI MMIO window is full");
			pci->next_mmio = a + size;
			addr = (uint32_t)a;
			mask &= ~15u;
		}
		memcpy(dev->config + PCI_BAR0 + 4 * i, &addr, 4);
		memcpy(dev->wmask + PCI_BAR0 + 4 * i, &mask, 4);
	}
	/* Firmware leaves decoding on, so a guest may use the BARs as found. */
	dev->config[PCI_COMMAND] |= 0x03;
	pci->slots[dev->slot] = dev;
	bars_update(dev);
	return 0;
}

/* vm_pci_refresh: map the BARs as the (restored) config space says. */
void vm_pci_refresh(struct vm_pci_device *dev)
{
	bars_update(dev);
}

uint32_t *vm_pci_address(struct hull_vm *vm)
{
	return &vm->pci->address;
}
