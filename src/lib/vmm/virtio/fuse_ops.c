/* virtio/fuse_ops.c - the FUSE requests on open files, directories and
 * names (fuse.h). A file is opened by reopening its inode's O_PATH fd
 * through /proc/self/fd, and only when it is a regular file or a
 * directory: a symlink's inode is never opened, so its target is the
 * guest's business (its kernel resolves it in its own view). New entries
 * are made beneath their parent's fd with O_NOFOLLOW/AT_SYMLINK_NOFOLLOW
 * semantics, and device nodes are refused. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuse.h"

/* What the guest may ask of an open: access mode and the flags that do
 * not change what is opened (no O_CREAT, O_PATH, O_NOFOLLOW games). */
#define OPEN_FLAGS (O_ACCMODE | O_APPEND | O_NONBLOCK | O_DIRECT | O_DSYNC | O_SYNC | O_NOATIME | O_TRUNC)

static int open_flags(struct vm_fuse *fs, uint32_t flags, int *out)
{
	int f = (int)flags & OPEN_FLAGS;
	if ((f & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (fs->read_only && ((f & O_ACCMODE) != O_RDONLY || (f & O_TRUNC)))
		return -EROFS;
	*out = f;
	return 0;
}

static int reply_open(struct fuse_req *r, size_t at, int fd, bool dir)
{
	int64_t fh = fuse_handle_add(r->fs, fd, dir);
	if (fh < 0)
		return (int)fh;
	struct fuse_open_out *o = (struct fuse_open_out *)(r->out + at);
	memset(o, 0, sizeof(*o));
	o->fh = (uint64_t)fh;
	/* with a cache: the file's pages outlive the open (FUSE_AUTO_INVAL_DATA
	 * still drops them when the attributes show a change) */
	if (r->fs->cache_seconds && !dir)
		o->open_flags = FOPEN_KEEP_CACHE;
	r->out_len = at + sizeof(*o);
	return 0;
}

static int open_inode(struct fuse_req *r, bool dir)
{
	const struct fuse_open_in *oi = fuse_arg(r, sizeof(*oi));
	struct fuse_inode *in = fuse_inode_get(r->fs, r->h.nodeid);
	if (!oi)
		return -EINVAL;
	if (!in)
		return -ENOENT;
	struct stat st;
	if (fstatat(in->fd, "", &st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (dir != S_ISDIR(st.st_mode))
		return dir ? -ENOTDIR : -EISDIR;
	if (!dir && !S_ISREG(st.st_mode))
		return -EACCES; /* symlinks, fifos, sockets, devices are the guest kernel's */
	int flags = O_RDONLY | O_DIRECTORY;
	if (!dir) {
		int e = open_flags(r->fs, oi->flags & ~(uint32_t)O_TRUNC, &flags);
		if (e < 0)
			return e;
	}
	int fd = fuse_reopen(r->fs, in, flags);
	return fd < 0 ? fd : reply_open(r, 0, fd, dir);
}

int fuse_op_open(struct fuse_req *r)
{
	return open_inode(r, false);
}

int fuse_op_opendir(struct fuse_req *r)
{
	return open_inode(r, true);
}

int fuse_op_create(struct fuse_req *r)
{
	const struct fuse_create_in *ci = fuse_arg(r, sizeof(*ci));
	struct fuse_inode *parent = fuse_inode_get(r->fs, r->h.nodeid);
	int e, flags;
	const char *name = ci ? fuse_arg_name(r, false, &e) : NULL;
	if (!ci)
		return -EINVAL;
	if (!parent)
		return -ENOENT;
	if (!name)
		return e;
	if ((e = open_flags(r->fs, ci->flags, &flags)) < 0)
		return e;
	/* O_EXCL first, so that only a file made here changes owner; an
	 * existing one is opened as it is unless the guest asked O_EXCL */
	bool made = true;
	int fd = openat(parent->fd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, ci->mode & 07777);
	if (fd < 0 && errno == EEXIST && !(ci->flags & O_EXCL)) {
		made = false;
		fd = openat(parent->fd, name, flags | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	struct stat st;
	int bad = fstat(fd, &st) < 0 ? errno : S_ISREG(st.st_mode) ? 0 : EISDIR;
	if (bad) {
		close(fd);
		return -bad;
	}
	struct fuse_entry_out *entry = (struct fuse_entry_out *)r->out;
	if ((e = fuse_entry(r, parent, name, made, entry)) < 0) {
		close(fd);
		return e;
	}
	e = reply_open(r, sizeof(*entry), fd, false);
	if (e < 0) {
		/* the guest never learns the entry: give its reference back */
		struct fuse_inode *in = fuse_inode_get(r->fs, entry->nodeid);
		if (in && in->nlookup > 1)
			in->nlookup--;
	}
	return e;
}

static struct fuse_handle *file_of(struct fuse_req *r, uint64_t fh)
{
	return fuse_handle_get(r->fs, fh, false);
}

int fuse_op_read(struct fuse_req *r)
{
	const struct fuse_read_in *ri = fuse_arg(r, sizeof(*ri));
	struct fuse_handle *h = ri ? file_of(r, ri->fh) : NULL;
	if (!h)
		return -EBADF;
	size_t size = ri->size < r->out_cap ? ri->size : r->out_cap;
	ssize_t n;
	do
		n = pread(h->fd, r->out, size, (off_t)ri->offset);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	r->out_len = (size_t)n;
	return 0;
}

int fuse_op_write(struct fuse_req *r)
{
	const struct fuse_write_in *wi = fuse_arg(r, sizeof(*wi));
	struct fuse_handle *h = wi ? file_of(r, wi->fh) : NULL;
	if (!h)
		return -EBADF;
	if (wi->size > r->arg_len - r->used)
		return -EINVAL; /* more than the request carries */
	const uint8_t *data = r->arg + r->used;
	size_t done = 0;
	while (done < wi->size) {
		ssize_t n = pwrite(h->fd, data + done, wi->size - done, (off_t)(wi->offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && done == 0)
			return -errno;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	struct fuse_write_out *o = (struct fuse_write_out *)r->out;
	memset(o, 0, sizeof(*o));
	o->size = (uint32_t)done;
	r->out_len = sizeof(*o);
	return 0;
}

int fuse_op_release(struct fuse_req *r)
{
	const struct fuse_release_in *ri = fuse_arg(r, sizeof(*ri));
	struct fuse_handle *h = ri ? fuse_handle_get(r->fs, ri->fh, r->h.opcode == FUSE_RELEASEDIR) : NULL;
	if (!h)
		return -EBADF;
	close(h->fd);
	h->fd = -1;
	return 0;
}

int fuse_op_flush(struct fuse_req *r)
{
	const struct fuse_flush_in *fi = fuse_arg(r, sizeof(*fi));
	return fi && file_of(r, fi->fh) ? 0 : -EBADF;
}

int fuse_op_fsync(struct fuse_req *r)
{
	const struct fuse_fsync_in *fi = fuse_arg(r, sizeof(*fi));
	struct fuse_handle *h = fi ? fuse_handle_get(r->fs, fi->fh, r->h.opcode == FUSE_FSYNCDIR) : NULL;
	if (!h)
		return -EBADF;
	int e = (fi->fsync_flags & 1) ? fdatasync(h->fd) : fsync(h->fd);
	return e < 0 ? -errno : 0;
}

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* READDIR at a cookie: the host's own d_off, which lseek takes back. */
int fuse_op_readdir(struct fuse_req *r)
{
	const struct fuse_read_in *ri = fuse_arg(r, sizeof(*ri));
	struct fuse_handle *h = ri ? fuse_handle_get(r->fs, ri->fh, true) : NULL;
	if (!h)
		return -EBADF;
	size_t size = ri->size < r->out_cap ? ri->size : r->out_cap;
	if (size > 65536)
		size = 65536;
	if (lseek(h->fd, (off_t)ri->offset, SEEK_SET) < 0)
		return -errno;
	uint8_t *buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	ssize_t n = getdents64(h->fd, buf, size);
	if (n < 0) {
		int e = -errno;
		free(buf);
		/* EINVAL: the guest's buffer holds no entry at all */
		return e == -EINVAL ? 0 : e;
	}
	size_t out = 0;
	for (ssize_t pos = 0; pos < n;) {
		const struct linux_dirent64 *d = (const struct linux_dirent64 *)(buf + pos);
		size_t namelen = strnlen(d->d_name, d->d_reclen - offsetof(struct linux_dirent64, d_name));
		size_t rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + namelen);
		if (out + rec > size)
			break; /* the next call starts at the last cookie given */
		struct fuse_dirent *fd = (struct fuse_dirent *)(r->out + out);
		memset(fd, 0, rec);
		fd->ino = d->d_ino;
		fd->off = (uint64_t)d->d_off;
		fd->namelen = (uint32_t)namelen;
		fd->type = d->d_type;
		memcpy(fd->name, d->d_name, namelen);
		out += rec;
		pos += d->d_reclen;
	}
	free(buf);
	r->out_len = out;
	return 0;
}

static int make_entry(struct fuse_req *r, struct fuse_inode *parent, const char *name)
{
	int e = fuse_entry(r, parent, name, true, (struct fuse_entry_out *)r->out);
	if (e == 0)
		r->out_len = sizeof(struct fuse_entry_out);
	return e;
}

int fuse_op_mkdir(struct fuse_req *r)
{
	const struct fuse_mkdir_in *mi = fuse_arg(r, sizeof(*mi));
	struct fuse_inode *parent = fuse_inode_get(r->fs, r->h.nodeid);
	int e;
	const char *name = mi ? fuse_arg_name(r, false, &e) : NULL;
	if (!mi)
		return -EINVAL;
	if (!parent)
		return -ENOENT;
	if (!name)
		return e;
	if (mkdirat(parent->fd, name, mi->mode & 07777) < 0)
		return -errno;
	return make_entry(r, parent, name);
}

int fuse_op_mknod(struct fuse_req *r)
{
	const struct fuse_mknod_in *mi = fuse_arg(r, sizeof(*mi));
	struct fuse_inode *parent = fuse_inode_get(r->fs, r->h.nodeid);
	int e;
	const char *name = mi ? fuse_arg_name(r, false, &e) : NULL;
	if (!mi)
		return -EINVAL;
	if (!parent)
		return -ENOENT;
	if (!name)
		return e;
	/* a device node on the host would be a door out of the share */
	if (!S_ISREG(mi->mode) && !S_ISFIFO(mi->mode) && !S_ISSOCK(mi->mode))
		return -EPERM;
	if (mknodat(parent->fd, name, mi->mode & (S_IFMT | 07777), 0) < 0)
		return -errno;
	return make_entry(r, parent, name);
}

int fuse_op_symlink(struct fuse_req *r)
{
	struct fuse_inode *parent = fuse_inode_get(r->fs, r->h.nodeid);
	int e;
	const char *name = fuse_arg_name(r, false, &e);
	if (!name)
		return e;
	const char *target = fuse_arg_name(r, true, &e);
	if (!target)
		return e;
	if (!parent)
		return -ENOENT;
	if (symlinkat(target, parent->fd, name) < 0)
		return -errno;
	return make_entry(r, parent, name);
}

int fuse_op_unlink(struct fuse_req *r)
{
	struct fuse_inode *parent = fuse_inode_get(r->fs, r->h.nodeid);
	int e;
	const char *name = fuse_arg_name(r, false, &e);
	if (!name)
		return e;
	if (!parent)
		return -ENOENT;
	return unlinkat(parent->fd, name, r->h.opcode == FUSE_RMDIR ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;
}

int fuse_op_rename(struct fuse_req *r)
{
	uint64_t newdir;
	uint32_t flags = 0;
	if (r->h.opcode == FUSE_RENAME2) {
		const struct fuse_rename2_in *ri = fuse_arg(r, sizeof(*ri));
		if (!ri)
			return -EINVAL;
		newdir = ri->newdir;
		flags = ri->flags;
	} else {
		const struct fuse_rename_in *ri = fuse_arg(r, sizeof(*ri));
		if (!ri)
			return -EINVAL;
		newdir = ri->newdir;
	}
	/* RENAME_WHITEOUT makes a device node: not here */
	if (flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	int e;
	const char *old = fuse_arg_name(r, false, &e);
	if (!old)
		return e;
	const char *new = fuse_arg_name(r, false, &e);
	if (!new)
		return e;
	struct fuse_inode *from = fuse_inode_get(r->fs, r->h.nodeid), *to = fuse_inode_get(r->fs, newdir);
	if (!from || !to)
		return -ENOENT;
	return renameat2(from->fd, old, to->fd, new, flags) < 0 ? -errno : 0;
}

int fuse_op_link(struct fuse_req *r)
{
	const struct fuse_link_in *li = fuse_arg(r, sizeof(*li));
	int e;
	const char *name = li ? fuse_arg_name(r, false, &e) : NULL;
	if (!li)
		return -EINVAL;
	if (!name)
		return e;
	struct fuse_inode *parent = fuse_inode_get(r->fs, r->h.nodeid), *old = fuse_inode_get(r->fs, li->oldnodeid);
	if (!parent || !old)
		return -ENOENT;
	/* the O_PATH fd itself, through its /proc/self/fd link (open(2), O_PATH) */
	char path[16];
	snprintf(path, sizeof(path), "%d", old->fd);
	if (linkat(r->fs->proc_fd, path, parent->fd, name, AT_SYMLINK_FOLLOW) < 0)
		return -errno;
	int ret = fuse_entry(r, parent, name, false, (struct fuse_entry_out *)r->out);
	if (ret == 0)
		r->out_len = sizeof(struct fuse_entry_out);
	return ret;
}

int fuse_op_fallocate(struct fuse_req *r)
{
	const struct fuse_fallocate_in *fi = fuse_arg(r, sizeof(*fi));
	struct fuse_handle *h = fi ? file_of(r, fi->fh) : NULL;
	if (!h)
		return -EBADF;
	return fallocate(h->fd, (int)fi->mode, (off_t)fi->offset, (off_t)fi->length) < 0 ? -errno : 0;
}

int fuse_op_lseek(struct fuse_req *r)
{
	const struct fuse_lseek_in *li = fuse_arg(r, sizeof(*li));
	struct fuse_handle *h = li ? file_of(r, li->fh) : NULL;
	if (!h)
		return -EBADF;
	/* the kernel handles SEEK_SET/CUR/END itself */
	if (li->whence != SEEK_DATA && li->whence != SEEK_HOLE)
		return -EINVAL;
	off_t o = lseek(h->fd, (off_t)li->offset, (int)li->whence);
	if (o < 0)
		return -errno;
	struct fuse_lseek_out *lo = (struct fuse_lseek_out *)r->out;
	lo->offset = (uint64_t)o;
	r->out_len = sizeof(*lo);
	return 0;
}
