/* blk: virtio-blk end to end on the first disk (and, when the command line
 * says "ro", that the disk refuses writes). Writes a pattern to sectors
 * 8..15, reads it back, flushes, reads the sector the host prepared
 * ("HULLDISK" at sector 1) and the capacity ("sectors=N"). */
#include "vdrv.h"

struct req {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct vdev d;
static struct vqueue q;

static uint8_t request(uint32_t type, uint64_t sector, void *data, uint32_t len, bool device_writes)
{
	static struct req r;
	static uint8_t status;
	r = (struct req){ type, 0, sector };
	status = 0xee;
	struct vbuf b[3] = { { &r, sizeof(r), false }, { data, len, device_writes }, { &status, 1, true } };
	if (len)
		vq_submit(&q, b, 3);
	else
		vq_submit(&q, (struct vbuf[]){ b[0], b[2] }, 2);
	if (!vq_wait(&q, NULL, 2000000))
		return 0xff;
	return status;
}

static uint64_t arg(const char *cmdline, const char *key)
{
	const char *p = strstr(cmdline, key);
	uint64_t v = 0;
	for (p = p ? p + strlen(key) : ""; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

void guest_main(struct boot_info *bi)
{
	bool ro = strstr(bi->cmdline, " ro") || !strncmp(bi->cmdline, "ro", 2);
	check(vdev_open(&d, 2, 0), "virtio-blk found", NULL);
	uint64_t f = vdev_init(&d, (1ULL << 5) | (1ULL << 9));
	check(f & (1ULL << 9), "virtio-blk offers FLUSH", NULL);
	check(!!(f & (1ULL << 5)) == ro, "virtio-blk RO feature matches the disk", "%s", ro ? "ro" : "rw");
	vdev_queue(&d, &q, 0, 64, 0xffff);
	vdev_driver_ok(&d);
	uint64_t cap = mmio_read32(d.device) | ((uint64_t)mmio_read32(d.device + 4) << 32);
	check(cap == arg(bi->cmdline, "sectors="), "virtio-blk capacity", "%lu sectors", cap);
	static uint8_t buf[4096], back[4096];
	check(request(0, 1, buf, 512, true) == 0 && !memcmp(buf, "HULLDISK", 8), "virtio-blk read of a host-written sector",
	      NULL);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	uint8_t s = request(1, 8, buf, sizeof(buf), false);
	if (ro) {
		check(s == 1, "virtio-blk write refused on a read-only disk", "status %u", s);
		request(0, 8, back, sizeof(back), true);
		check(memcmp(back, buf, sizeof(buf)) != 0, "virtio-blk read-only disk unchanged", NULL);
		return;
	}
	check(s == 0, "virtio-blk write 8 sectors", "status %u", s);
	check(request(0, 8, back, sizeof(back), true) == 0 && !memcmp(back, buf, sizeof(buf)), "virtio-blk read back",
	      NULL);
	check(request(4, 0, NULL, 0, false) == 0, "virtio-blk flush", NULL);
	check(request(0, cap, back, 512, true) == 1, "virtio-blk read past the end fails", NULL);
	check(request(0x77, 0, back, 512, true) == 2, "virtio-blk unknown request unsupported", NULL);
	static char id[20];
	check(request(8, 0, id, 20, true) == 0 && !memcmp(id, "hull", 4), "virtio-blk device id", "%s", id);
}
