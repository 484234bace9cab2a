/* virtio/blk.c - the block device (virtio 1.2 section 5.2) over a raw image
 * file: reads, writes, flush (fdatasync) and the device ID; a read-only disk
 * offers VIRTIO_BLK_F_RO and fails writes with VIRTIO_BLK_S_IOERR. */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hull/fs.h"
#include "virtio.h"

#define VIRTIO_BLK_F_SEG_MAX (1ULL << 2)
#define VIRTIO_BLK_F_RO (1ULL << 5)
#define VIRTIO_BLK_F_FLUSH (1ULL << 9)
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define SECTOR 512

struct blk {
	int fd;
	bool read_only;
	uint64_t sectors;
	char serial[20];
};

struct blk_req_header {
	uint32_t type, reserved;
	uint64_t sector;
};

/* The data iovecs of a request: out[1..] for a write, in[..n_in-1) for a read. */
static uint8_t blk_rw(struct blk *b, bool write, uint64_t sector, struct iovec *iov, unsigned n, uint32_t *done)
{
	size_t len = iov_length(iov, n);
	if (len % SECTOR || sector > b->sectors || len / SECTOR > b->sectors - sector)
		return VIRTIO_BLK_S_IOERR;
	if (write && b->read_only)
		return VIRTIO_BLK_S_IOERR;
	off_t off = (off_t)(sector * SECTOR);
	size_t total = 0;
	while (n) {
		ssize_t r = write ? pwritev(b->fd, iov, (int)(n > 1024 ? 1024 : n), off) :
				    preadv(b->fd, iov, (int)(n > 1024 ? 1024 : n), off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return VIRTIO_BLK_S_IOERR;
		total += (size_t)r;
		off += r;
		/* advance past what was done (a short transfer is retried) */
		while (n && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n && r) {
			iov->iov_base = (char *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	if (!write)
		*done = (uint32_t)total;
	return VIRTIO_BLK_S_OK;
}

static void blk_request(struct vm_virtio_pci *vp, struct blk *b, struct virtq_elem *e)
{
	struct blk_req_header h;
	uint32_t written = 0;
	/* 5.2.6: header in the readable part, status byte last in the writable part. */
	if (e->n_in == 0 || e->in[e->n_in - 1].iov_len < 1 || iov_to_buf(e->out, e->n_out, 0, &h, sizeof(h)) != sizeof(h)) {
		virtio_broken(vp);
		return;
	}
	struct iovec *status_iov = &e->in[e->n_in - 1];
	uint8_t *status = (uint8_t *)status_iov->iov_base + status_iov->iov_len - 1;
	status_iov->iov_len--;
	uint8_t s;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		s = e->n_out == 1 || iov_length(e->out, e->n_out) == sizeof(h) ?
			    blk_rw(b, false, h.sector, e->in, e->n_in, &written) : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_OUT: {
		/* the header may share the first descriptor with data */
		struct iovec *iov = e->out;
		unsigned n = e->n_out;
		size_t skip = sizeof(h);
		while (n && skip >= iov->iov_len) {
			skip -= iov->iov_len;
			iov++;
			n--;
		}
		if (n && skip) {
			iov->iov_base = (char *)iov->iov_base + skip;
			iov->iov_len -= skip;
		}
		s = blk_rw(b, true, h.sector, iov, n, &written);
		break;
	}
	case VIRTIO_BLK_T_FLUSH:
		s = b->read_only || fdatasync(b->fd) == 0 ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID:
		written = (uint32_t)iov_from_buf(e->in, e->n_in, 0, b->serial, sizeof(b->serial));
		s = VIRTIO_BLK_S_OK;
		break;
	default:
		s = VIRTIO_BLK_S_UNSUPP;
		break;
	}
	*status = s;
	virtio_used(vp, 0, e->head, written + 1);
}

static void blk_notify(struct vm_virtio_pci *vp, unsigned queue)
{
	struct blk *b = vp->priv;
	struct virtq_elem e;
	while (virtio_pop(vp, 0, &e) > 0) {
		blk_request(vp, b, &e);
		if (vp->status & VIRTIO_STATUS_NEEDS_RESET)
			return;
	}
}

static void blk_config_read(struct vm_virtio_pci *vp, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct blk *b = vp->priv;
	/* struct virtio_blk_config: capacity (le64), size_max (le32), seg_max (le32) */
	uint8_t cfg[16] = { 0 };
	uint32_t seg_max = VIRTQ_MAX_SIZE - 2;
	memcpy(cfg, &b->sectors, 8);
	memcpy(cfg + 12, &seg_max, 4);
	memcpy(data, cfg + offset, len);
}

static void blk_free(void *priv)
{
	struct blk *b = priv;
	close(b->fd);
	free(b);
}

static const struct virtio_device_ops blk_ops = {
	.name = "blk",
	.device_id = 2,
	.pci_class = 0x018000,
	.num_queues = 1,
	.config_len = 16,
	.config_read = blk_config_read,
	.queue_notify = blk_notify,
	.free = blk_free,
};

int virtio_blk_create(struct hull_vm *vm, const struct hull_vm_disk *disk, struct hull_error **err)
{
	int fd = open(disk->path, (disk->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return hull_error_set(err, e, "disk `%s`", disk->path);
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		close(fd);
		return hull_error_msg(err, EINVAL, "disk `%s` is neither a regular file nor a block device", disk->path);
	}
	/* Like qemu: an open file description lock for the VM's life, shared
	 * for a read-only disk, exclusive for a writable one, so two VMs (two
	 * clones of one snapshot) never write one image under each other. */
	struct flock lk = { .l_type = disk->read_only ? F_RDLCK : F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_OFD_SETLK, &lk) < 0) {
		int e = errno;
		close(fd);
		if (e == EAGAIN || e == EACCES)
			return hull_error_msg(err, EBUSY,
					      "disk `%s` is in use by another VM%s: give each VM its own copy of the "
					      "image, or attach it read-only (FILE,ro) in every VM",
					      disk->path, disk->read_only ? " that writes to it" : "");
		return hull_error_set(err, e, "disk `%s`: lock it", disk->path);
	}
	uint64_t size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);
		size = end > 0 ? (uint64_t)end : 0;
	}
	struct blk *b = hull_xcalloc(1, sizeof(*b));
	b->fd = fd;
	b->read_only = disk->read_only;
	b->sectors = size / SECTOR;
	snprintf(b->serial, sizeof(b->serial), "hull%llu", (unsigned long long)st.st_ino);
	uint64_t features = VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_SEG_MAX | (disk->read_only ? VIRTIO_BLK_F_RO : 0);
	int r = virtio_pci_create(vm, &blk_ops, features, b, err);
	if (r < 0) {
		blk_free(b);
		return hull_error_wrap(err, r, "disk `%s`", disk->path);
	}
	return 0;
}
