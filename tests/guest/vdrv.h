/* vdrv.h - a minimal virtio 1.2 PCI (modern) driver for the test guests:
 * find the device, read its capabilities, negotiate, set up split queues,
 * submit chains and wait for them. Guest memory is identity mapped. */
#ifndef HULL_GUEST_VDRV_H
#define HULL_GUEST_VDRV_H

#include "guest.h"

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct vqueue {
	unsigned index;
	uint16_t size;
	struct vdesc *desc;
	uint16_t *avail;       /* flags, idx, ring[] */
	volatile uint8_t *used;
	uint16_t last_used;
	uint16_t free_head;
	uint64_t notify;       /* MMIO address to write the queue index to */
};

struct vdev {
	int slot;
	uint64_t bar;
	uint64_t common, isr, device, notify;
	uint32_t notify_mult;
	unsigned msix_cap;
	uint64_t msix_table;
};

struct vbuf {
	void *addr;
	uint32_t len;
	bool device_writes;
};

#define VIRTIO_VENDOR 0x1af4
/* common config offsets (virtio 1.2 4.1.4.3) */
#define VC_DFSELECT 0x00
#define VC_DF 0x04
#define VC_GFSELECT 0x08
#define VC_GF 0x0c
#define VC_MSIX 0x10
#define VC_NUMQ 0x12
#define VC_STATUS 0x14
#define VC_QSELECT 0x16
#define VC_QSIZE 0x18
#define VC_QMSIX 0x1a
#define VC_QENABLE 0x1c
#define VC_QNOTIFY 0x1e
#define VC_QDESC 0x20
#define VC_QDRIVER 0x28
#define VC_QDEVICE 0x30

/* vdev_open: find virtio device `id` (number `nth` of that type) and map its caps; false if absent. */
bool vdev_open(struct vdev *d, uint16_t id, unsigned nth);
/* vdev_init: reset, ACKNOWLEDGE|DRIVER, accept want & offered (+VERSION_1), FEATURES_OK. Returns the features. */
uint64_t vdev_init(struct vdev *d, uint64_t want);
void vdev_queue(struct vdev *d, struct vqueue *q, unsigned index, uint16_t size, uint16_t msix_vector);
void vdev_driver_ok(struct vdev *d);
uint8_t vdev_status(struct vdev *d);
/* vq_submit: put a chain on the ring and notify; returns its head. */
uint16_t vq_submit(struct vqueue *q, const struct vbuf *b, unsigned n);
/* vq_wait: spin until a used element arrives (or spins run out); true with its length. */
bool vq_wait(struct vqueue *q, uint32_t *len, unsigned long spins);

#endif
