/* hostile: a guest that lies to its virtio-blk device. Each malformed ring
 * must make the device set DEVICE_NEEDS_RESET (virtio 1.2 2.1.2) and
 * nothing else: no host crash, no host memory touched. After a reset the
 * device works again. Then garbage goes to every BAR register, to config
 * space and to unclaimed ports; the VMM must still power off cleanly. */
#include "vdrv.h"

struct req {
	uint32_t type, reserved;
	uint64_t sector;
};

static struct vdev d;
static struct vqueue q;
static struct req r;
static uint8_t status, data[512];

static void fresh(void)
{
	vdev_init(&d, 1ULL << 9);
	vdev_queue(&d, &q, 0, 16, 0xffff);
	vdev_driver_ok(&d);
}

static bool broken_after(const char *what)
{
	/* the kick may be served by the VMM's I/O thread (an ioeventfd), so the
	 * status changes a little after the write: poll for it */
	mmio_write16(q.notify, 0);
	for (unsigned i = 0; i < 2000000; i++)
		if (vdev_status(&d) & 0x40)
			break;
	bool broken = vdev_status(&d) & 0x40;
	check(broken, what, "status %x", vdev_status(&d));
	return broken;
}

static void put_chain(uint16_t head)
{
	uint16_t idx = q.avail[1];
	q.avail[2 + idx % q.size] = head;
	barrier();
	q.avail[1] = (uint16_t)(idx + 1);
}

static bool good_read(void)
{
	r = (struct req){ 0, 0, 1 };
	status = 0xee;
	vq_submit(&q, (struct vbuf[]){ { &r, sizeof(r), false }, { data, 512, true }, { &status, 1, true } }, 3);
	return vq_wait(&q, NULL, 2000000) && status == 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

void guest_main(struct boot_info *bi)
{
	check(vdev_open(&d, 2, 0), "virtio-blk found", NULL);
	fresh();
	check(good_read(), "a well-formed request works", NULL);

	/* 1. a buffer far outside guest RAM */
	q.desc[0] = (struct vdesc){ 0xfffffffff000ULL, 512, 1, 1 };
	q.desc[1] = (struct vdesc){ (uint64_t)&status, 1, 2, 0 };
	put_chain(0);
	broken_after("buffer outside guest memory breaks the device");
	check(!good_read(), "a broken device takes no more requests", NULL);

	/* 2. a descriptor loop */
	fresh();
	q.desc[0] = (struct vdesc){ (uint64_t)&r, sizeof(r), 1, 1 };
	q.desc[1] = (struct vdesc){ (uint64_t)data, 512, 3, 0 };
	put_chain(0);
	broken_after("descriptor loop breaks the device");

	/* 3. an avail index far ahead of the ring */
	fresh();
	q.avail[1] = 1000;
	broken_after("avail index beyond the ring breaks the device");

	/* 4. a length that runs off the end of RAM */
	fresh();
	q.desc[0] = (struct vdesc){ (uint64_t)&r, 0xffffffffu, 0, 0 };
	put_chain(0);
	broken_after("length past the end of RAM breaks the device");

	/* 5. a head index outside the table, 6. next outside the table */
	fresh();
	put_chain(200);
	broken_after("head index outside the table breaks the device");
	fresh();
	q.desc[0] = (struct vdesc){ (uint64_t)&r, sizeof(r), 1, 999 };
	put_chain(0);
	broken_after("next index outside the table breaks the device");

	/* 7. rings placed outside guest memory */
	vdev_init(&d, 1ULL << 9);
	mmio_write16(d.common + VC_QSELECT, 0);
	mmio_write16(d.common + VC_QSIZE, 16);
	mmio_write64(d.common + VC_QDESC, 0xfffffffff000ULL);
	mmio_write64(d.common + VC_QDRIVER, 0x7ffffffff000ULL);
	mmio_write64(d.common + VC_QDEVICE, 0x1000000000ULL);
	mmio_write16(d.common + VC_QENABLE, 1);
	vdev_driver_ok(&d);
	q.notify = d.notify;
	broken_after("rings outside guest memory break the device");

	/* 8. writable descriptor before a readable one; a request with no status byte */
	fresh();
	q.desc[0] = (struct vdesc){ (uint64_t)data, 512, 3, 1 };
	q.desc[1] = (struct vdesc){ (uint64_t)&r, sizeof(r), 0, 0 };
	put_chain(0);
	broken_after("readable after writable breaks the device");
	fresh();
	q.desc[0] = (struct vdesc){ (uint64_t)&r, sizeof(r), 0, 0 };
	put_chain(0);
	broken_after("a request without a status byte breaks the device");

	/* recovery */
	fresh();
	check(good_read() && !memcmp(data, "HULLDISK", 8), "after a reset the device works again", NULL);

	/* garbage everywhere */
	for (unsigned i = 0; i < 3000; i++) {
		uint64_t v = rnd();
		uint32_t off = (uint32_t)(v % 0x8000);
		switch (v >> 62) {
		case 0: mmio_write32(d.bar + (off & ~3u), (uint32_t)rnd()); break;
		case 1: mmio_read32(d.bar + (off & ~3u)); break;
		case 2: pci_write32((unsigned)(rnd() % 32), (unsigned)(rnd() % 256) & ~3u, (uint32_t)rnd()); break;
		default: {
			/* any unclaimed or claimed port but the console, which reports the result */
			uint16_t port = (uint16_t)(0x100 + rnd() % 0x500);
			if (port < 0x3f8 || port > 0x3ff)
				outb(port, (uint8_t)rnd());
			break;
		}
		}
	}
	check(true, "the VMM survived 3000 garbage accesses", NULL);
}
