/* virtio/fs.c - the file system device (virtio 1.2 section 5.11): a host
 * directory under a tag the guest mounts (`mount -t virtiofs TAG DIR`).
 * One high-priority queue (FORGET) and one request queue; every request
 * is a FUSE message, served by the FUSE server of fuse.c on the thread
 * that takes the kick (the I/O thread, through the queue's ioeventfd). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hull/fs.h"
#include "fuse.h"
#include "virtio.h"

#define FS_TAG_LEN 36

struct fs_dev {
	struct vm_fuse *fuse;
	char tag[FS_TAG_LEN]; /* NUL-padded, not NUL-terminated when 36 long */
};

static void fs_notify(struct vm_virtio_pci *vp, unsigned queue)
{
	struct fs_dev *d = vp->priv;
	struct virtq_elem e;
	if (queue > 1)
		return;
	while (virtio_pop(vp, queue, &e) > 0) {
		size_t n = vm_fuse_handle(d->fuse, e.out, e.n_out, e.in, e.n_in);
		virtio_used(vp, queue, e.head, (uint32_t)n);
		if (vp->status & VIRTIO_STATUS_NEEDS_RESET)
			return;
	}
}

static void fs_config_read(struct vm_virtio_pci *vp, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct fs_dev *d = vp->priv;
	/* struct virtio_fs_config: tag[36], num_request_queues (le32) */
	uint8_t cfg[40] = {0};
	uint32_t queues = 1;
	memcpy(cfg, d->tag, FS_TAG_LEN);
	memcpy(cfg + FS_TAG_LEN, &queues, 4);
	memcpy(data, cfg + offset, len);
}

static void fs_reset(struct vm_virtio_pci *vp)
{
	struct fs_dev *d = vp->priv;
	vm_fuse_reset(d->fuse);
}

static void fs_free(void *priv)
{
	struct fs_dev *d = priv;
	vm_fuse_free(d->fuse);
	free(d);
}

static const struct virtio_device_ops fs_ops = {
    .name = "fs",
    .device_id = 26,
    .pci_class = 0x018000,
    .num_queues = 2,
    .config_len = 40,
    .config_read = fs_config_read,
    .queue_notify = fs_notify,
    .reset = fs_reset,
    .free = fs_free,
};

int hull_vm_fs_tag_check(const char *tag, struct hull_error **err)
{
	size_t n = tag ? strlen(tag) : 0;
	if (n == 0 || n > FS_TAG_LEN ||
	    strspn(tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return hull_error_msg(err, EINVAL, "virtio-fs tag `%s`: give 1 to %d of [A-Za-z0-9._-]", tag ? tag : "",
				      FS_TAG_LEN);
	return 0;
}

int virtio_fs_create(struct hull_vm *vm, const struct hull_vm_fs *share, struct hull_error **err)
{
	int r = hull_vm_fs_tag_check(share->tag, err);
	if (r < 0)
		return r;
	struct vm_fuse *fuse = vm_fuse_open(share->dir, share->read_only, err);
	if (!fuse)
		return -EINVAL;
	vm_fuse_set_cache(fuse, share->cache_seconds);
	/* modes come from the guest with its umask applied: none of the VMM's */
	umask(0);
	struct fs_dev *d = hull_xcalloc(1, sizeof(*d));
	d->fuse = fuse;
	memcpy(d->tag, share->tag, strlen(share->tag));
	if ((r = virtio_pci_create(vm, &fs_ops, 0, d, err)) < 0) {
		fs_free(d);
		return hull_error_wrap(err, r, "virtio-fs `%s`", share->tag);
	}
	return 0;
}
