/* virtio/pci.c - the virtio 1.2 PCI transport, modern only (section 4.1):
 * one 32 KiB memory BAR holding the common configuration, ISR, device
 * configuration and notification regions, the MSI-X table and PBA, and the
 * vendor capabilities that point at them, plus the PCI configuration access
 * capability. Interrupts go out as MSI-X when the driver enabled it, else as
 * INTx with the ISR status (section 4.1.4.5). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "virtio.h"

#define BAR_SIZE 0x8000
#define COMMON_OFF 0x0000
#define ISR_OFF 0x1000
#define DEVICE_OFF 0x2000
#define NOTIFY_OFF 0x3000
#define NOTIFY_MULT 4
#define MSIX_TABLE_OFF 0x4000
#define MSIX_PBA_OFF 0x5000
#define NO_VECTOR 0xffff

#define CAP_COMMON 1
#define CAP_NOTIFY 2
#define CAP_ISR 3
#define CAP_DEVICE 4
#define CAP_PCI_CFG 5

static unsigned msix_count(struct vm_virtio_pci *vp)
{
	return vp->ops->num_queues + 1u;
}

static bool msix_enabled(struct vm_virtio_pci *vp, bool *function_masked)
{
	unsigned cap = vp->pci.config[0x34]; /* MSI-X is the first capability */
	uint8_t ctl_hi = vp->pci.config[cap + 3];
	*function_masked = ctl_hi & 0x40;
	return ctl_hi & 0x80;
}

static void msix_fire(struct vm_virtio_pci *vp, uint16_t vector)
{
	bool fmask;
	if (!msix_enabled(vp, &fmask) || vector >= msix_count(vp))
		return;
	uint32_t *e = vp->msix_table[vector];
	if (fmask || (e[3] & 1)) {
		vp->msix_pending |= 1ULL << vector;
		return;
	}
	vp->msix_pending &= ~(1ULL << vector);
	vm_irqfd_msi_fire(vp->vm, &vp->irqfds[vector], ((uint64_t)e[1] << 32) | e[0], e[2]);
}

/* Deliver vectors that were pending while masked (PCI 3.0 6.8.2.9). */
static void msix_flush_pending(struct vm_virtio_pci *vp)
{
	for (unsigned v = 0; v < msix_count(vp); v++)
		if (vp->msix_pending & (1ULL << v))
			msix_fire(vp, (uint16_t)v);
}

static void intx_update(struct vm_virtio_pci *vp)
{
	bool disabled = vp->pci.config[0x05] & 0x04;
	bool level = vp->isr && !disabled;
	if (vp->intx_fd >= 0) {
		/* KVM keeps the line up until the guest's EOI, then lowers it and
		 * tells intx_resampled, which raises it again if it is still owed
		 * (the driver has not read the ISR since) */
		uint64_t one = 1;
		if (level && !vp->intx_asserted && write(vp->intx_fd, &one, sizeof(one)) == sizeof(one))
			vp->intx_asserted = true;
		return;
	}
	if (level != vp->intx_level) {
		vp->intx_level = level;
		vm_irq_line(vp->vm, vp->pci.irq_line, level);
	}
}

static void intx_resampled(void *opaque, uint32_t events)
{
	struct vm_virtio_pci *vp = opaque;
	uint64_t n;
	(void)events;
	if (read(vp->intx_resample_fd, &n, sizeof(n)) < 0 && errno == EAGAIN)
		return;
	vp->intx_asserted = false;
	intx_update(vp);
}

static void interrupt(struct vm_virtio_pci *vp, uint16_t vector, uint8_t isr_bit)
{
	bool fmask;
	if (msix_enabled(vp, &fmask)) {
		if (vector != NO_VECTOR)
			msix_fire(vp, vector);
		return;
	}
	vp->isr |= isr_bit;
	intx_update(vp);
}

struct virtq *virtio_queue(struct vm_virtio_pci *vp, unsigned i)
{
	if (i >= vp->ops->num_queues || !(vp->status & VIRTIO_STATUS_DRIVER_OK) ||
	    (vp->status & VIRTIO_STATUS_NEEDS_RESET) || !vp->queues[i].ready)
		return NULL;
	return &vp->queues[i];
}

void virtio_broken(struct vm_virtio_pci *vp)
{
	if (vp->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	vp->status |= VIRTIO_STATUS_NEEDS_RESET;
	vp->config_generation++;
	interrupt(vp, vp->config_msix_vector, 2);
}

int virtio_pop(struct vm_virtio_pci *vp, unsigned i, struct virtq_elem *e)
{
	struct virtq *q = virtio_queue(vp, i);
	if (!q)
		return 0;
	int r = virtq_pop(&vp->vm->mem, q, e);
	if (r < 0)
		virtio_broken(vp);
	return r;
}

void virtio_used(struct vm_virtio_pci *vp, unsigned queue, uint16_t head, uint32_t len)
{
	struct virtq *q = &vp->queues[queue];
	int r = virtq_push(&vp->vm->mem, q, head, len);
	if (r < 0)
		virtio_broken(vp);
	else if (r > 0)
		interrupt(vp, q->msix_vector, 1);
}

static int kick_assign_one(struct vm_virtio_pci *vp, uint64_t base, unsigned q, bool on)
{
	struct kvm_ioeventfd io = {
		.addr = base + NOTIFY_OFF + (uint64_t)q * NOTIFY_MULT,
		.len = 2, /* the driver writes the 16-bit queue index */
		.fd = vp->kicks[q].fd,
		.flags = on ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};
	return ioctl(vp->vm->vm_fd, KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

static int kick_assign(struct vm_virtio_pci *vp, uint64_t base, bool on)
{
	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		int r = kick_assign_one(vp, base, q, on);
		if (r < 0 && on) {
			while (q--)
				kick_assign_one(vp, base, q, false);
			return r;
		}
	}
	return 0;
}

/* Keep the ioeventfds on the notify region while the driver is live and
 * BAR 0 is mapped; anywhere else (or where KVM refuses) kicks stay MMIO exits. */
static void kicks_sync(struct vm_virtio_pci *vp)
{
	uint64_t want = (vp->status & VIRTIO_STATUS_DRIVER_OK) && vp->pci.bar_mapped[0] ? vp->pci.bar_addr[0] : 0;
	if (want == vp->kick_addr || vp->kicks[0].fd < 0)
		return;
	if (vp->kick_addr)
		kick_assign(vp, vp->kick_addr, false);
	vp->kick_addr = 0;
	if (want && kick_assign(vp, want, true) == 0)
		vp->kick_addr = want;
}

static void kick_event(void *opaque, uint32_t events)
{
	struct virtio_kick *k = opaque;
	uint64_t n;
	(void)events;
	if (read(k->fd, &n, sizeof(n)) == sizeof(n) && virtio_queue(k->vp, k->queue))
		k->vp->ops->queue_notify(k->vp, k->queue);
}

static void bars_moved(struct vm_pci_device *dev)
{
	kicks_sync((struct vm_virtio_pci *)dev);
}

static void device_reset(struct vm_virtio_pci *vp)
{
	if (vp->ops->reset)
		vp->ops->reset(vp);
	vp->status = 0;
	vp->guest_features = 0;
	vp->isr = 0;
	intx_update(vp);
	vp->config_msix_vector = NO_VECTOR;
	vp->queue_select = 0;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vp->queues[i] = (struct virtq){ .size = VIRTQ_MAX_SIZE, .msix_vector = NO_VECTOR };
	kicks_sync(vp);
}

static void set_status(struct vm_virtio_pci *vp, uint8_t v)
{
	if (v == 0) {
		device_reset(vp);
		return;
	}
	/* 3.1.1: FEATURES_OK sticks only for a subset of what we offered, with VERSION_1. */
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(vp->status & VIRTIO_STATUS_FEATURES_OK) &&
	    ((vp->guest_features & ~vp->host_features) || !(vp->guest_features & VIRTIO_F_VERSION_1)))
		v &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	bool going_live = (v & VIRTIO_STATUS_DRIVER_OK) && !(vp->status & VIRTIO_STATUS_DRIVER_OK);
	vp->status = (uint8_t)(v | (vp->status & VIRTIO_STATUS_NEEDS_RESET));
	kicks_sync(vp);
	if (going_live && vp->ops->driver_ok)
		vp->ops->driver_ok(vp);
}

static uint64_t common_read(struct vm_virtio_pci *vp, uint32_t off)
{
	struct virtq *q = vp->queue_select < vp->ops->num_queues ? &vp->queues[vp->queue_select] : NULL;
	switch (off) {
	case 0x00: return vp->device_feature_select;
	case 0x04: return vp->device_feature_select < 2 ? (uint32_t)(vp->host_features >> (32 * vp->device_feature_select)) : 0;
	case 0x08: return vp->driver_feature_select;
	case 0x0c: return vp->driver_feature_select < 2 ? (uint32_t)(vp->guest_features >> (32 * vp->driver_feature_select)) : 0;
	case 0x10: return vp->config_msix_vector;
	case 0x12: return vp->ops->num_queues;
	case 0x14: return vp->status;
	case 0x15: return vp->config_generation;
	case 0x16: return vp->queue_select;
	case 0x18: return q ? q->size : 0;
	case 0x1a: return q ? q->msix_vector : NO_VECTOR;
	case 0x1c: return q ? q->ready : 0;
	case 0x1e: return vp->queue_select;
	case 0x20: return q ? q->desc : 0;
	case 0x28: return q ? q->avail : 0;
	case 0x30: return q ? q->used : 0;
	default: return 0;
	}
}

/* 4.1.4.3: a vector the table does not have reads back as NO_VECTOR, which
 * is how a driver learns its choice failed. */
static uint16_t valid_vector(struct vm_virtio_pci *vp, uint64_t v)
{
	return v < msix_count(vp) ? (uint16_t)v : NO_VECTOR;
}

static void set_addr(uint64_t *field, uint32_t off, uint64_t v, uint32_t len)
{
	if (len == 8)
		*field = v;
	else if (off & 4)
		*field = (*field & 0xffffffffULL) | (v << 32);
	else
		*field = (*field & ~0xffffffffULL) | (uint32_t)v;
}

static void common_write(struct vm_virtio_pci *vp, uint32_t off, uint64_t v, uint32_t len)
{
	struct virtq *q = vp->queue_select < vp->ops->num_queues ? &vp->queues[vp->queue_select] : NULL;
	switch (off) {
	case 0x00: vp->device_feature_select = (uint32_t)v; return;
	case 0x08: vp->driver_feature_select = (uint32_t)v; return;
	case 0x0c:
		if (vp->driver_feature_select < 2 && !(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
			unsigned shift = 32 * vp->driver_feature_select;
			vp->guest_features = (vp->guest_features & ~(0xffffffffULL << shift)) | ((uint64_t)(uint32_t)v << shift);
		}
		return;
	case 0x10: vp->config_msix_vector = valid_vector(vp, v); return;
	case 0x14: set_status(vp, (uint8_t)v); return;
	case 0x16: vp->queue_select = (uint16_t)v; return;
	default: break;
	}
	if (!q || q->ready)
		return; /* queue fields are read-only once the queue is enabled */
	switch (off & ~7u) {
	case 0x18:
		if (off == 0x18 && v && v <= VIRTQ_MAX_SIZE && !(v & (v - 1)))
			q->size = (uint16_t)v;
		else if (off == 0x1a)
			q->msix_vector = valid_vector(vp, v);
		else if (off == 0x1c && v == 1)
			q->ready = true;
		return;
	case 0x20: set_addr(&q->desc, off, v, len); return;
	case 0x28: set_addr(&q->avail, off, v, len); return;
	case 0x30: set_addr(&q->used, off, v, len); return;
	default: return;
	}
}

static void msix_access(struct vm_virtio_pci *vp, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	if (off >= MSIX_PBA_OFF) {
		if (!is_write) {
			uint64_t pba = vp->msix_pending;
			uint64_t o = off - MSIX_PBA_OFF;
			memset(data, 0, len);
			if (o < 8)
				memcpy(data, (uint8_t *)&pba + o, len <= 8 - o ? len : 8 - o);
		}
		return;
	}
	uint64_t o = off - MSIX_TABLE_OFF;
	if (o + len > msix_count(vp) * 16 || (len != 4 && len != 8) || (o & (len - 1))) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	uint8_t *entry = (uint8_t *)vp->msix_table + o;
	if (!is_write) {
		memcpy(data, entry, len);
		return;
	}
	memcpy(entry, data, len);
	msix_flush_pending(vp);
}

static void bar_access(struct vm_virtio_pci *vp, uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	uint64_t v = 0;
	if (is_write)
		memcpy(&v, data, len <= 8 ? len : 8);
	if (off < ISR_OFF) {
		if (is_write)
			common_write(vp, (uint32_t)off, v, len);
		else {
			/* 64-bit queue addresses may be read as two dwords */
			bool wide = off >= 0x20 && off < 0x38;
			v = common_read(vp, wide ? (uint32_t)(off & ~7u) : (uint32_t)off);
			if (wide && (off & 4))
				v >>= 32;
			memcpy(data, &v, len <= 8 ? len : 8);
		}
	} else if (off < DEVICE_OFF) {
		if (!is_write) {
			memset(data, 0, len);
			data[0] = vp->isr; /* 4.1.4.5: reading clears and deasserts INTx */
			vp->isr = 0;
			intx_update(vp);
		}
	} else if (off < NOTIFY_OFF) {
		uint32_t o = (uint32_t)(off - DEVICE_OFF);
		if (o + len > vp->ops->config_len) {
			if (!is_write)
				memset(data, 0, len);
		} else if (is_write) {
			if (vp->ops->config_write)
				vp->ops->config_write(vp, o, data, len);
		} else {
			vp->ops->config_read(vp, o, data, len);
		}
	} else if (off < MSIX_TABLE_OFF) {
		unsigned q = (unsigned)(off - NOTIFY_OFF) / NOTIFY_MULT;
		if (is_write && virtio_queue(vp, q))
			vp->ops->queue_notify(vp, q);
		else if (!is_write)
			memset(data, 0, len);
	} else {
		msix_access(vp, off, data, len, is_write);
	}
}

/* The PCI configuration access capability (4.1.4.9): a window onto the BAR
 * through config space. Also the hook for MSI-X control writes. */
static void config_hook(struct vm_virtio_pci *vp, uint64_t reg, uint8_t *data, uint32_t len, bool is_write)
{
	unsigned cap = vp->pci_cfg_cap;
	if (reg >= cap + 16 && reg < cap + 20) {
		uint32_t off, length;
		memcpy(&off, vp->pci.config + cap + 8, 4);
		memcpy(&length, vp->pci.config + cap + 12, 4);
		uint8_t buf[4] = { 0 };
		if (vp->pci.config[cap + 4] != 0 || (length != 1 && length != 2 && length != 4) || off >= BAR_SIZE ||
		    off + length > BAR_SIZE)
			return;
		if (is_write) {
			memcpy(buf, vp->pci.config + cap + 16, 4);
			bar_access(vp, off, buf, length, true);
		} else {
			bar_access(vp, off, buf, length, false);
			memcpy(vp->pci.config + cap + 16, buf, 4);
			memcpy(data, buf + (reg - cap - 16), len <= 4 ? len : 4);
		}
		return;
	}
	if (is_write && reg <= (unsigned)vp->pci.config[0x34] + 3 && reg + len > vp->pci.config[0x34] + 2u)
		msix_flush_pending(vp);
}

static void bar_fn(struct vm_pci_device *dev, unsigned bar, uint64_t offset, uint8_t *data, uint32_t len,
		   bool is_write)
{
	struct vm_virtio_pci *vp = (struct vm_virtio_pci *)dev;
	if (bar == 0xff)
		config_hook(vp, offset, data, len, is_write);
	else if (len <= 8)
		bar_access(vp, offset, data, len, is_write);
}

static void add_virtio_cap(struct vm_pci_device *dev, uint8_t type, uint32_t off, uint32_t len, unsigned cap_len)
{
	uint8_t cap[20] = { 0x09, 0, (uint8_t)cap_len, type, 0 /* BAR 0 */ };
	memcpy(cap + 8, &off, 4);
	memcpy(cap + 12, &len, 4);
	if (type == CAP_NOTIFY) {
		uint32_t mult = NOTIFY_MULT;
		memcpy(cap + 16, &mult, 4);
	}
	vm_pci_cap_add(dev, cap, cap_len);
}

static void setup_config_space(struct vm_virtio_pci *vp)
{
	struct vm_pci_device *dev = &vp->pci;
	const struct virtio_device_ops *ops = vp->ops;
	uint16_t vendor = 0x1af4, device = (uint16_t)(0x1040 + ops->device_id);
	memcpy(dev->config, &vendor, 2);
	memcpy(dev->config + 2, &device, 2);
	dev->config[0x08] = 1; /* revision 1: a modern-only device (4.1.2.1) */
	dev->config[0x09] = (uint8_t)ops->pci_class;
	dev->config[0x0a] = (uint8_t)(ops->pci_class >> 8);
	dev->config[0x0b] = (uint8_t)(ops->pci_class >> 16);
	memcpy(dev->config + 0x2c, &vendor, 2);
	memcpy(dev->config + 0x2e, &ops->device_id, 2);
	dev->bar_size[0] = BAR_SIZE;
	uint16_t msgctl = (uint16_t)(msix_count(vp) - 1);
	uint32_t table = MSIX_TABLE_OFF, pba = MSIX_PBA_OFF;
	uint8_t msix[12] = { 0x11, 0 };
	memcpy(msix + 2, &msgctl, 2);
	memcpy(msix + 4, &table, 4);
	memcpy(msix + 8, &pba, 4);
	unsigned at = vm_pci_cap_add(dev, msix, sizeof(msix));
	dev->wmask[at + 3] = 0xc0; /* MSI-X Enable, Function Mask */
	add_virtio_cap(dev, CAP_COMMON, COMMON_OFF, 0x3c, 16);
	add_virtio_cap(dev, CAP_ISR, ISR_OFF, 1, 16);
	if (ops->config_len)
		add_virtio_cap(dev, CAP_DEVICE, DEVICE_OFF, ops->config_len, 16);
	add_virtio_cap(dev, CAP_NOTIFY, NOTIFY_OFF, NOTIFY_MULT * ops->num_queues, 20);
	uint8_t cfg[20] = { 0x09, 0, 20, CAP_PCI_CFG };
	vp->pci_cfg_cap = vm_pci_cap_add(dev, cfg, sizeof(cfg));
	/* bar, offset, length and data are the driver's to write */
	dev->wmask[vp->pci_cfg_cap + 4] = 0xff;
	memset(dev->wmask + vp->pci_cfg_cap + 8, 0xff, 12);
}

int virtio_pci_create(struct hull_vm *vm, const struct virtio_device_ops *ops, uint64_t features, void *priv,
		      struct hull_error **err)
{
	if (vm->n_virtio == HULL_ARRAY_SIZE(vm->virtio))
		return hull_error_msg(err, ENOSPC, "too many virtio devices");
	struct vm_virtio_pci *vp = hull_xcalloc(1, sizeof(*vp));
	vp->ops = ops;
	vp->priv = priv;
	vp->vm = vm;
	vp->host_features = features | VIRTIO_F_VERSION_1;
	vp->pci.bar_fn = bar_fn;
	vp->pci.bars_moved = bars_moved;
	for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vp->kicks[q] = (struct virtio_kick){ .vp = vp, .queue = q, .fd = -1 };
	for (unsigned v = 0; v < HULL_ARRAY_SIZE(vp->irqfds); v++)
		vm_irqfd_init(&vp->irqfds[v]);
	vp->intx_fd = vp->intx_resample_fd = -1;
	setup_config_space(vp);
	device_reset(vp);
	for (unsigned v = 0; v < 64; v++)
		vp->msix_table[v][3] = 1; /* entries start masked */
	int r = vm_pci_add(vm, &vp->pci, err);
	if (r < 0) {
		free(vp);
		return hull_error_wrap(err, r, "virtio-%s", ops->name);
	}
	vm->virtio[vm->n_virtio++] = vp;
	for (unsigned q = 0; q < ops->num_queues; q++) {
		int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fd < 0)
			return hull_error_set(err, errno, "virtio-%s: eventfd", ops->name);
		vp->kicks[q].fd = fd;
		if ((r = vm_io_add(vm, fd, EPOLLIN, kick_event, &vp->kicks[q], err)) < 0)
			return hull_error_wrap(err, r, "virtio-%s", ops->name);
	}
	/* where KVM has no irqfds, vectors fall back to KVM_SIGNAL_MSI */
	for (unsigned v = 0; v < msix_count(vp); v++)
		if (vm_irqfd_msi_create(vm, &vp->irqfds[v]) < 0)
			break;
	if (vm_irqfd_level_create(vm, vp->pci.irq_line, &vp->intx_fd, &vp->intx_resample_fd) == 0 &&
	    vm_io_add(vm, vp->intx_resample_fd, EPOLLIN, intx_resampled, vp, NULL) < 0) {
		/* KVM_IRQ_LINE after all (closing an irqfd's eventfd unbinds it) */
		close(vp->intx_fd);
		close(vp->intx_resample_fd);
		vp->intx_fd = vp->intx_resample_fd = -1;
	}
	return 0;
}

void vm_virtio_devices_free(struct hull_vm *vm)
{
	for (unsigned i = 0; i < vm->n_virtio; i++) {
		struct vm_virtio_pci *vp = vm->virtio[i];
		if (vp->ops->free)
			vp->ops->free(vp->priv);
		for (unsigned q = 0; q < VIRTIO_MAX_QUEUES; q++)
			if (vp->kicks[q].fd >= 0)
				close(vp->kicks[q].fd);
		for (unsigned v = 0; v < HULL_ARRAY_SIZE(vp->irqfds); v++)
			vm_irqfd_free(&vp->irqfds[v]);
		if (vp->intx_fd >= 0)
			close(vp->intx_fd);
		if (vp->intx_resample_fd >= 0)
			close(vp->intx_resample_fd);
		free(vp);
	}
	vm->n_virtio = 0;
}

int vm_virtio_devices_create(struct hull_vm *vm, struct hull_error **err)
{
	const struct hull_vm_config *cfg = vm->cfg;
	int r;
	if (cfg->rng && (r = virtio_rng_create(vm, err)) < 0)
		return r;
	for (unsigned i = 0; i < cfg->n_disks; i++)
		if ((r = virtio_blk_create(vm, &cfg->disks[i], err)) < 0)
			return r;
	for (unsigned i = 0; i < cfg->n_taps; i++)
		if ((r = virtio_net_create(vm, cfg->taps[i], cfg->tap_macs[i], err)) < 0)
			return r;
	if (cfg->vsock_cid && (r = virtio_vsock_create(vm, cfg->vsock_cid, cfg->vsock_path, err)) < 0)
		return r;
	for (unsigned i = 0; i < cfg->n_fs; i++)
		if ((r = virtio_fs_create(vm, &cfg->fs[i], err)) < 0)
			return r;
	return 0;
}

void virtio_pci_save(struct vm_virtio_pci *vp, struct virtio_pci_state *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->config, vp->pci.config, sizeof(st->config));
	st->guest_features = vp->guest_features;
	st->device_feature_select = vp->device_feature_select;
	st->driver_feature_select = vp->driver_feature_select;
	st->status = vp->status;
	st->config_generation = vp->config_generation;
	st->isr = vp->isr;
	st->queue_select = vp->queue_select;
	st->config_msix_vector = vp->config_msix_vector;
	memcpy(st->queues, vp->queues, sizeof(st->queues));
	memcpy(st->msix_table, vp->msix_table, sizeof(st->msix_table));
	st->msix_pending = vp->msix_pending;
}

void virtio_pci_load(struct vm_virtio_pci *vp, const struct virtio_pci_state *st)
{
	/* Only the guest-writable bytes of config space come from the file. */
	for (unsigned i = 0; i < 256; i++)
		vp->pci.config[i] = (uint8_t)((vp->pci.config[i] & ~vp->pci.wmask[i]) | (st->config[i] & vp->pci.wmask[i]));
	vp->guest_features = st->guest_features & vp->host_features;
	vp->device_feature_select = st->device_feature_select;
	vp->driver_feature_select = st->driver_feature_select;
	vp->status = st->status;
	vp->config_generation = st->config_generation;
	vp->queue_select = st->queue_select;
	vp->config_msix_vector = st->config_msix_vector;
	for (unsigned i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		struct virtq q = st->queues[i];
		if (!q.size || q.size > VIRTQ_MAX_SIZE || (q.size & (q.size - 1)))
			q = (struct virtq){ .size = VIRTQ_MAX_SIZE, .msix_vector = NO_VECTOR };
		vp->queues[i] = q;
	}
	memcpy(vp->msix_table, st->msix_table, sizeof(vp->msix_table));
	vp->msix_pending = st->msix_pending;
	vm_pci_refresh(&vp->pci);
	vp->isr = st->isr;
	vp->intx_level = false;
	intx_update(vp);
	if ((vp->status & VIRTIO_STATUS_DRIVER_OK) && vp->ops->driver_ok)
		vp->ops->driver_ok(vp);
}
