/* virtio/virtio.h - virtio devices on the PCI transport (virtio 1.2). */
#ifndef HULL_VMM_VIRTIO_H
#define HULL_VMM_VIRTIO_H

#include <sys/uio.h>

#include "../vm.h"

#define VIRTIO_F_VERSION_1 (1ULL << 32)
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80
#define VIRTQ_MAX_SIZE 256
#define VIRTIO_MAX_QUEUES 4

/* queue.c: the split virtqueue (virtio 1.2 section 2.7). */
struct virtq {
	uint16_t size;         /* negotiated size (power of two, <= VIRTQ_MAX_SIZE) */
	bool ready;            /* queue_enable */
	uint64_t desc, avail, used;
	uint16_t last_avail;   /* next avail ring slot to take */
	uint16_t used_idx;     /* next used ring slot to fill */
	uint16_t msix_vector;
};

/* One request: the descriptor chain as host iovecs, split into the
 * device-readable part (out) and the device-writable part (in). */
struct virtq_elem {
	uint16_t head;
	unsigned n_out, n_in;
	struct iovec out[VIRTQ_MAX_SIZE];
	struct iovec in[VIRTQ_MAX_SIZE];
};

/* virtq_pop: take the next available chain. Returns 1 with *e filled, 0
 * when the ring is empty, -EINVAL when the guest's ring or chain is
 * malformed (index out of range, loop, address or length outside guest
 * memory, readable after writable, indirect): the caller marks the device
 * broken. Never touches memory outside mem. */
int virtq_pop(const struct vm_memory *mem, struct virtq *q, struct virtq_elem *e);
/* virtq_push: return chain head with len bytes written; -EINVAL if the used ring is not in guest memory. */
int virtq_push(const struct vm_memory *mem, struct virtq *q, uint16_t head, uint32_t len);
/* iov helpers over an element's buffers */
size_t iov_length(const struct iovec *iov, unsigned n);
size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t skip, void *buf, size_t len);
size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t skip, const void *buf, size_t len);

struct vm_virtio_pci;

/* What a device type supplies; the transport does the rest. */
struct virtio_device_ops {
	const char *name;
	uint16_t device_id;        /* virtio 1.2 section 5 */
	uint32_t pci_class;        /* class/subclass/prog-if */
	uint16_t num_queues;
	uint32_t config_len;
	void (*config_read)(struct vm_virtio_pci *vp, uint32_t offset, uint8_t *data, uint32_t len);
	void (*config_write)(struct vm_virtio_pci *vp, uint32_t offset, const uint8_t *data, uint32_t len);
	void (*queue_notify)(struct vm_virtio_pci *vp, unsigned queue);
	void (*driver_ok)(struct vm_virtio_pci *vp);   /* may be NULL */
	void (*reset)(struct vm_virtio_pci *vp);       /* drop in-flight state; may be NULL */
	void (*free)(void *priv);
};

struct vm_virtio_pci {
	struct vm_pci_device pci;         /* first: BAR dispatch relies on its alignment */
	const struct virtio_device_ops *ops;
	void *priv;
	struct hull_vm *vm;
	uint64_t host_features, guest_features;
	uint32_t device_feature_select, driver_feature_select;
	uint8_t status, config_generation, isr;
	uint16_t queue_select, config_msix_vector;
	struct virtq queues[VIRTIO_MAX_QUEUES];
	uint32_t msix_table[64][4];        /* addr lo, addr hi, data, vector control */
	uint64_t msix_pending;
	bool intx_level;
	unsigned pci_cfg_cap;               /* offset of VIRTIO_PCI_CAP_PCI_CFG */
	/* Queue notifications as KVM ioeventfds (api.rst 4.59): a driver's kick
	 * completes in the kernel without stopping its vCPU, and the I/O thread
	 * runs queue_notify. kick_addr is where they are registered (0: not,
	 * and kicks arrive as MMIO exits). */
	struct virtio_kick {
		struct vm_virtio_pci *vp;
		unsigned queue;
		int fd;
	} kicks[VIRTIO_MAX_QUEUES];
	uint64_t kick_addr;
	struct vm_irqfd irqfds[VIRTIO_MAX_QUEUES + 1]; /* one per MSI-X vector */
	int intx_fd, intx_resample_fd;  /* INTx as a resampled irqfd (-1: KVM_IRQ_LINE) */
	bool intx_asserted;             /* raised through intx_fd, no EOI since */
};

/* virtio_pci_create: a virtio device of the given type on the PCI bus. */
int virtio_pci_create(struct hull_vm *vm, const struct virtio_device_ops *ops, uint64_t features, void *priv,
		      struct hull_error **err);
/* virtio_queue: queue i when the driver enabled it and the device is live, else NULL. */
struct virtq *virtio_queue(struct vm_virtio_pci *vp, unsigned i);
/* virtio_used: push a used element and interrupt the driver (MSI-X vector or INTx). */
void virtio_used(struct vm_virtio_pci *vp, unsigned queue, uint16_t head, uint32_t len);
/* virtio_broken: the driver handed us a malformed ring: stop the device
 * (DEVICE_NEEDS_RESET, virtio 1.2 section 2.1.2) and tell the driver. */
void virtio_broken(struct vm_virtio_pci *vp);
/* virtio_pop: virtq_pop on queue i, marking the device broken on malformed input. */
int virtio_pop(struct vm_virtio_pci *vp, unsigned i, struct virtq_elem *e);

/* Transport state for snapshots (the device types keep none that matters:
 * blk and rng are stateless between requests, net re-reads its tap, vsock
 * connections do not survive a restore and are reset when the guest uses them). */
struct virtio_pci_state {
	uint8_t config[256];
	uint64_t guest_features;
	uint32_t device_feature_select, driver_feature_select;
	uint8_t status, config_generation, isr;
	uint16_t queue_select, config_msix_vector;
	struct virtq queues[VIRTIO_MAX_QUEUES];
	uint32_t msix_table[64][4];
	uint64_t msix_pending;
};
void virtio_pci_save(struct vm_virtio_pci *vp, struct virtio_pci_state *st);
void virtio_pci_load(struct vm_virtio_pci *vp, const struct virtio_pci_state *st);

int virtio_rng_create(struct hull_vm *vm, struct hull_error **err);
int virtio_blk_create(struct hull_vm *vm, const struct hull_vm_disk *disk, struct hull_error **err);
int virtio_net_create(struct hull_vm *vm, const char *tap, const uint8_t mac[6], struct hull_error **err);
int virtio_vsock_create(struct hull_vm *vm, uint32_t cid, const char *path, struct hull_error **err);
int virtio_fs_create(struct hull_vm *vm, const struct hull_vm_fs *share, struct hull_error **err);

#endif
