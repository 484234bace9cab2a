/* vdrv.c - the test guests' virtio PCI driver (see vdrv.h). */
#include "vdrv.h"

bool vdev_open(struct vdev *d, uint16_t id, unsigned nth)
{
	memset(d, 0, sizeof(*d));
	for (unsigned slot = 0; slot < 32; slot++) {
		uint32_t vd = pci_read32(slot, 0);
		if ((vd & 0xffff) != VIRTIO_VENDOR || (vd >> 16) != 0x1040u + id)
			continue;
		if (nth--)
			continue;
		d->slot = (int)slot;
		d->bar = pci_read32(slot, 0x10) & ~0xfULL;
		pci_write16(slot, 4, pci_read16(slot, 4) | 0x6); /* memory decode, bus master */
		for (uint8_t p = pci_read8(slot, 0x34); p; p = pci_read8(slot, p + 1)) {
			uint8_t cap = pci_read8(slot, p);
			if (cap == 0x11) {
				d->msix_cap = p;
				d->msix_table = d->bar + (pci_read32(slot, p + 4) & ~7u);
				continue;
			}
			if (cap != 0x09)
				continue;
			uint8_t type = pci_read8(slot, p + 3);
			uint64_t at = d->bar + pci_read32(slot, p + 8);
			if (type == 1)
				d->common = at;
			else if (type == 2) {
				d->notify = at;
				d->notify_mult = pci_read32(slot, p + 16);
			} else if (type == 3)
				d->isr = at;
			else if (type == 4)
				d->device = at;
		}
		return d->common && d->notify && d->isr;
	}
	return false;
}

uint8_t vdev_status(struct vdev *d)
{
	return mmio_read8(d->common + VC_STATUS);
}

uint64_t vdev_init(struct vdev *d, uint64_t want)
{
	mmio_write8(d->common + VC_STATUS, 0);
	mmio_write8(d->common + VC_STATUS, 1 | 2);
	mmio_write32(d->common + VC_DFSELECT, 0);
	uint64_t offered = mmio_read32(d->common + VC_DF);
	mmio_write32(d->common + VC_DFSELECT, 1);
	offered |= (uint64_t)mmio_read32(d->common + VC_DF) << 32;
	uint64_t take = (want | (1ULL << 32)) & offered;
	mmio_write32(d->common + VC_GFSELECT, 0);
	mmio_write32(d->common + VC_GF, (uint32_t)take);
	mmio_write32(d->common + VC_GFSELECT, 1);
	mmio_write32(d->common + VC_GF, (uint32_t)(take >> 32));
	mmio_write8(d->common + VC_STATUS, 1 | 2 | 8);
	if (!(vdev_status(d) & 8))
		return 0;
	return take;
}

void vdev_queue(struct vdev *d, struct vqueue *q, unsigned index, uint16_t size, uint16_t msix_vector)
{
	memset(q, 0, sizeof(*q));
	mmio_write16(d->common + VC_QSELECT, (uint16_t)index);
	mmio_write16(d->common + VC_QSIZE, size);
	q->index = index;
	q->size = size;
	q->desc = page_alloc(2);
	q->avail = page_alloc(1);
	q->used = page_alloc(2);
	mmio_write64(d->common + VC_QDESC, (uint64_t)q->desc);
	mmio_write64(d->common + VC_QDRIVER, (uint64_t)q->avail);
	mmio_write64(d->common + VC_QDEVICE, (uint64_t)q->used);
	mmio_write16(d->common + VC_QMSIX, msix_vector);
	q->notify = d->notify + (uint64_t)mmio_read16(d->common + VC_QNOTIFY) * d->notify_mult;
	mmio_write16(d->common + VC_QENABLE, 1);
}

void vdev_driver_ok(struct vdev *d)
{
	mmio_write8(d->common + VC_STATUS, 1 | 2 | 4 | 8);
}

uint16_t vq_submit(struct vqueue *q, const struct vbuf *b, unsigned n)
{
	/* descriptors are handed out round the table: fine while fewer than a
	 * ring's worth are outstanding, which is all these guests need */
	uint16_t head = q->free_head;
	for (unsigned k = 0; k < n; k++) {
		uint16_t i = (uint16_t)((head + k) % q->size);
		q->desc[i].addr = (uint64_t)b[k].addr;
		q->desc[i].len = b[k].len;
		q->desc[i].flags = (uint16_t)((b[k].device_writes ? 2 : 0) | (k + 1 < n ? 1 : 0));
		q->desc[i].next = (uint16_t)((i + 1) % q->size);
	}
	q->free_head = (uint16_t)((head + n) % q->size);
	uint16_t idx = q->avail[1];
	q->avail[2 + idx % q->size] = head;
	barrier();
	q->avail[1] = (uint16_t)(idx + 1);
	barrier();
	mmio_write16(q->notify, (uint16_t)q->index);
	return head;
}

bool vq_wait(struct vqueue *q, uint32_t *len, unsigned long spins)
{
	for (unsigned long i = 0; i < spins; i++) {
		uint16_t used_idx = *(volatile uint16_t *)(q->used + 2);
		if (used_idx != q->last_used) {
			barrier();
			const volatile uint32_t *e = (const volatile uint32_t *)(q->used + 4 + 8 * (q->last_used % q->size));
			if (len)
				*len = e[1];
			q->last_used++;
			return true;
		}
		cpu_relax();
	}
	return false;
}
