/* virtio/rng.c - the entropy device (virtio 1.2 section 5.4): one queue of
 * device-writable buffers, filled from the host's getrandom(2). */
#include <sys/random.h>

#include "virtio.h"

static void rng_notify(struct vm_virtio_pci *vp, unsigned queue)
{
	struct virtq_elem e;
	while (virtio_pop(vp, 0, &e) > 0) {
		uint32_t written = 0;
		for (unsigned i = 0; i < e.n_in; i++) {
			ssize_t n = getrandom(e.in[i].iov_base, e.in[i].iov_len, GRND_NONBLOCK);
			if (n <= 0)
				break;
			written += (uint32_t)n;
			if ((size_t)n < e.in[i].iov_len)
				break;
		}
		virtio_used(vp, 0, e.head, written);
	}
}

static void rng_config_read(struct vm_virtio_pci *vp, uint32_t offset, uint8_t *data, uint32_t len)
{
}

static const struct virtio_device_ops rng_ops = {
	.name = "rng",
	.device_id = 4,
	.pci_class = 0xff0000,
	.num_queues = 1,
	.config_len = 0,
	.config_read = rng_config_read,
	.queue_notify = rng_notify,
};

int virtio_rng_create(struct hull_vm *vm, struct hull_error **err)
{
	return virtio_pci_create(vm, &rng_ops, 0, NULL, err);
}
