/* virtio/fuse.c - the FUSE server's core (fuse.h): the inode table
 * (nodeids are O_PATH|O_NOFOLLOW fds, as virtiofsd keeps them), open
 * handles, the request dispatcher, and the requests on inodes (INIT,
 * LOOKUP, FORGET, GETATTR, SETATTR, READLINK, STATFS, ACCESS, DESTROY).
 * The requests on files and names are in fuse_ops.c. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "hull/fs.h"
#include "fuse.h"
#include "virtio.h"

/* The guest is told to cache nothing: a volume is shared live with the
 * host and other containers, so every lookup and stat asks again. */
#define FUSE_INIT_FLAGS (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_AUTO_INVAL_DATA | FUSE_PARALLEL_DIROPS)

static uint32_t bucket_of(uint64_t dev, uint64_t ino)
{
	return (uint32_t)((ino * 0x9e3779b97f4a7c15ULL ^ dev) >> 40) % VM_FUSE_BUCKETS;
}

struct fuse_inode *fuse_inode_get(struct vm_fuse *fs, uint64_t nodeid)
{
	if (nodeid == 0 || nodeid > fs->n_inodes || !fs->inodes[nodeid - 1].used)
		return NULL;
	return &fs->inodes[nodeid - 1];
}

static uint64_t nodeid_of(struct vm_fuse *fs, const struct fuse_inode *in)
{
	return (uint64_t)(in - fs->inodes) + 1;
}

/* The inode of fd (taken over): an existing nodeid for the same file gets
 * one more reference and fd is closed; else a new nodeid. */
static struct fuse_inode *inode_add(struct vm_fuse *fs, int fd, const struct stat *st, int *e)
{
	uint32_t b = bucket_of(st->st_dev, st->st_ino);
	for (int32_t i = fs->buckets[b]; i >= 0; i = fs->inodes[i].hnext) {
		struct fuse_inode *in = &fs->inodes[i];
		if (in->dev == st->st_dev && in->ino == st->st_ino) {
			close(fd);
			in->nlookup++;
			return in;
		}
	}
	uint32_t idx;
	if (fs->n_free) {
		idx = fs->free_ids[--fs->n_free];
	} else if (fs->n_inodes < VM_FUSE_MAX_INODES) {
		if (fs->n_inodes == fs->alloc_inodes) {
			fs->alloc_inodes = fs->alloc_inodes ? fs->alloc_inodes * 2 : 64;
			fs->inodes = hull_xrealloc(fs->inodes, fs->alloc_inodes * sizeof(*fs->inodes));
			fs->free_ids = hull_xrealloc(fs->free_ids, fs->alloc_inodes * sizeof(*fs->free_ids));
		}
		idx = fs->n_inodes++;
		fs->inodes[idx].gen = 0;
	} else {
		close(fd);
		*e = -ENFILE;
		return NULL;
	}
	struct fuse_inode *in = &fs->inodes[idx];
	in->fd = fd;
	in->nlookup = 1;
	in->dev = st->st_dev;
	in->ino = st->st_ino;
	in->used = true;
	in->hnext = fs->buckets[b];
	fs->buckets[b] = (int32_t)idx;
	return in;
}

static void inode_forget(struct vm_fuse *fs, struct fuse_inode *in, uint64_t n)
{
	uint32_t idx = (uint32_t)(in - fs->inodes);
	in->nlookup -= n < in->nlookup ? n : in->nlookup;
	if (in->nlookup || idx == 0)
		return; /* the root lives as long as the server */
	int32_t *p = &fs->buckets[bucket_of(in->dev, in->ino)];
	while (*p >= 0 && *p != (int32_t)idx)
		p = &fs->inodes[*p].hnext;
	if (*p == (int32_t)idx)
		*p = in->hnext;
	close(in->fd);
	in->fd = -1;
	in->used = false;
	in->gen++; /* a reused nodeid is a new generation */
	fs->free_ids[fs->n_free++] = idx;
}

struct fuse_handle *fuse_handle_get(struct vm_fuse *fs, uint64_t fh, bool dir)
{
	if (fh >= fs->n_handles || fs->handles[fh].fd < 0 || fs->handles[fh].dir != dir)
		return NULL;
	return &fs->handles[fh];
}

int64_t fuse_handle_add(struct vm_fuse *fs, int fd, bool dir)
{
	for (uint32_t i = 0; i < fs->n_handles; i++)
		if (fs->handles[i].fd < 0) {
			fs->handles[i] = (struct fuse_handle){fd, dir};
			return i;
		}
	if (fs->n_handles == VM_FUSE_MAX_HANDLES) {
		close(fd);
		return -ENFILE;
	}
	fs->handles = hull_xrealloc(fs->handles, (fs->n_handles + 1) * sizeof(*fs->handles));
	fs->handles[fs->n_handles] = (struct fuse_handle){fd, dir};
	return fs->n_handles++;
}

int fuse_reopen(struct vm_fuse *fs, const struct fuse_inode *in, int flags)
{
	char name[16];
	snprintf(name, sizeof(name), "%d", in->fd);
	int fd = openat(fs->proc_fd, name, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* ------------------------------------------------------------ the arguments -- */

const void *fuse_arg(struct fuse_req *r, size_t size)
{
	if (r->arg_len - r->used < size)
		return NULL;
	const void *p = r->arg + r->used;
	r->used += size;
	return p;
}

const char *fuse_arg_name(struct fuse_req *r, bool path, int *e)
{
	const char *s = (const char *)r->arg + r->used;
	const char *nul = memchr(s, '\0', r->arg_len - r->used);
	*e = -EINVAL;
	if (!nul)
		return NULL;
	size_t len = (size_t)(nul - s);
	r->used += len + 1;
	if (len == 0)
		return NULL;
	if (len > (path ? PATH_MAX - 1 : NAME_MAX)) {
		*e = -ENAMETOOLONG;
		return NULL;
	}
	/* a name is one component beneath its parent, never a way out of it */
	if (!path && (memchr(s, '/', len) || !strcmp(s, ".") || !strcmp(s, "..")))
		return NULL;
	return s;
}

/* ------------------------------------------------------------- attributes -- */

void fuse_fill_attr(struct fuse_attr *a, const struct stat *st)
{
	memset(a, 0, sizeof(*a));
	a->ino = st->st_ino;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->atime = (uint64_t)st->st_atim.tv_sec;
	a->mtime = (uint64_t)st->st_mtim.tv_sec;
	a->ctime = (uint64_t)st->st_ctim.tv_sec;
	a->atimensec = (uint32_t)st->st_atim.tv_nsec;
	a->mtimensec = (uint32_t)st->st_mtim.tv_nsec;
	a->ctimensec = (uint32_t)st->st_ctim.tv_nsec;
	a->mode = st->st_mode;
	a->nlink = (uint32_t)st->st_nlink;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->rdev = (uint32_t)st->st_rdev;
	a->blksize = (uint32_t)st->st_blksize;
}

static int stat_fd(int fd, struct stat *st)
{
	return fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int fuse_entry(struct fuse_req *r, struct fuse_inode *parent, const char *name, bool owner, struct fuse_entry_out *out)
{
	int fd = openat(parent->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st, pst;
	if (owner) {
		/* made by root here: the guest's caller owns it, with the group
		 * of a set-group-ID parent (as the kernel would do); as a user
		 * without CAP_CHOWN, the VMM's own user keeps it */
		gid_t gid = r->h.gid;
		if (fstat(parent->fd, &pst) == 0 && (pst.st_mode & S_ISGID))
			gid = pst.st_gid;
		if (fchownat(fd, "", r->h.uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM) {
			int e = -errno;
			close(fd);
			return e;
		}
	}
	int e = stat_fd(fd, &st);
	if (e < 0) {
		close(fd);
		return e;
	}
	struct fuse_inode *in = inode_add(r->fs, fd, &st, &e);
	if (!in)
		return e;
	memset(out, 0, sizeof(*out));
	out->nodeid = nodeid_of(r->fs, in);
	out->generation = in->gen;
	out->entry_valid = out->attr_valid = r->fs->cache_seconds;
	fuse_fill_attr(&out->attr, &st);
	return 0;
}

/* ------------------------------------------------------------- the requests -- */

static int op_init(struct fuse_req *r)
{
	struct fuse_init_in in = {0};
	/* before 7.36 the kernel sent the first four fields only */
	size_t n = r->arg_len < sizeof(in) ? r->arg_len : sizeof(in);
	if (n < 16)
		return -EINVAL;
	memcpy(&in, r->arg, n);
	struct fuse_init_out *o = (struct fuse_init_out *)r->out;
	memset(o, 0, sizeof(*o));
	o->major = FUSE_KERNEL_VERSION;
	o->minor = FUSE_KERNEL_MINOR_VERSION;
	if (in.major < 7 || (in.major == 7 && in.minor < 23))
		return -EPROTO; /* virtio-fs began at 7.27; the reply layout below is 7.23's */
	if (in.major > 7) {
		r->out_len = 8; /* the kernel asks again with ours */
		return 0;
	}
	r->fs->minor = in.minor < FUSE_KERNEL_MINOR_VERSION ? in.minor : FUSE_KERNEL_MINOR_VERSION;
	o->minor = r->fs->minor;
	o->max_readahead = in.max_readahead;
	o->flags = in.flags & FUSE_INIT_FLAGS;
	o->max_background = 16;
	o->congestion_threshold = 12;
	o->max_write = VM_FUSE_MAX_WRITE;
	o->time_gran = 1;
	r->fs->initialized = true;
	r->out_len = sizeof(*o);
	return 0;
}

static void forget_all(struct vm_fuse *fs)
{
	for (uint32_t i = 1; i < fs->n_inodes; i++)
		if (fs->inodes[i].used)
			inode_forget(fs, &fs->inodes[i], fs->inodes[i].nlookup);
	for (uint32_t i = 0; i < fs->n_handles; i++)
		if (fs->handles[i].fd >= 0) {
			close(fs->handles[i].fd);
			fs->handles[i].fd = -1;
		}
}

void vm_fuse_reset(struct vm_fuse *fs)
{
	forget_all(fs);
	fs->initialized = false;
}

static int op_destroy(struct fuse_req *r)
{
	vm_fuse_reset(r->fs);
	return 0;
}

static int op_lookup(struct fuse_req *r)
{
	struct fuse_inode *parent = fuse_inode_get(r->fs, r->h.nodeid);
	int e;
	const char *name = fuse_arg_name(r, false, &e);
	if (!parent)
		return -ENOENT;
	if (!name)
		return e;
	int ret = fuse_entry(r, parent, name, false, (struct fuse_entry_out *)r->out);
	if (ret == 0)
		r->out_len = sizeof(struct fuse_entry_out);
	return ret;
}

static int op_forget(struct fuse_req *r)
{
	const struct fuse_forget_in *f = fuse_arg(r, sizeof(*f));
	struct fuse_inode *in = fuse_inode_get(r->fs, r->h.nodeid);
	if (f && in)
		inode_forget(r->fs, in, f->nlookup);
	return 0;
}

static int op_batch_forget(struct fuse_req *r)
{
	const struct fuse_batch_forget_in *b = fuse_arg(r, sizeof(*b));
	for (uint32_t i = 0; b && i < b->count; i++) {
		const struct fuse_forget_one *one = fuse_arg(r, sizeof(*one));
		if (!one)
			break; /* a count beyond the request's bytes */
		struct fuse_inode *in = fuse_inode_get(r->fs, one->nodeid);
		if (in)
			inode_forget(r->fs, in, one->nlookup);
	}
	return 0;
}

static int reply_attr(struct fuse_req *r, int fd)
{
	struct stat st;
	int e = stat_fd(fd, &st);
	if (e < 0)
		return e;
	struct fuse_attr_out *o = (struct fuse_attr_out *)r->out;
	memset(o, 0, sizeof(*o));
	fuse_fill_attr(&o->attr, &st);
	o->attr_valid = r->fs->cache_seconds;
	r->out_len = sizeof(*o);
	return 0;
}

static int op_getattr(struct fuse_req *r)
{
	struct fuse_inode *in = fuse_inode_get(r->fs, r->h.nodeid);
	return in ? reply_attr(r, in->fd) : -ENOENT;
}

static int set_times(struct vm_fuse *fs, const struct fuse_inode *in, const struct fuse_setattr_in *s)
{
	struct timespec ts[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	if (s->valid & FATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (s->valid & FATTR_ATIME)
		ts[0] = (struct timespec){(time_t)s->atime, s->atimensec % 1000000000};
	if (s->valid & FATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (s->valid & FATTR_MTIME)
		ts[1] = (struct timespec){(time_t)s->mtime, s->mtimensec % 1000000000};
	char name[16];
	snprintf(name, sizeof(name), "%d", in->fd);
	return utimensat(fs->proc_fd, name, ts, 0) < 0 ? -errno : 0;
}

static int op_setattr(struct fuse_req *r)
{
	const struct fuse_setattr_in *s = fuse_arg(r, sizeof(*s));
	struct fuse_inode *in = fuse_inode_get(r->fs, r->h.nodeid);
	if (!s)
		return -EINVAL;
	if (!in)
		return -ENOENT;
	if (r->fs->read_only)
		return -EROFS;
	struct stat st;
	int e = stat_fd(in->fd, &st);
	if (e < 0)
		return e;
	/* mode, size and times go through /proc/self/fd, which follows the
	 * link: on a symlink that would reach its target, so only owners */
	if (S_ISLNK(st.st_mode) &&
	    (s->valid & (FATTR_MODE | FATTR_SIZE | FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)))
		return -EOPNOTSUPP;
	if (s->valid & FATTR_MODE) {
		char name[16];
		snprintf(name, sizeof(name), "%d", in->fd);
		if (fchmodat(r->fs->proc_fd, name, s->mode & 07777, 0) < 0)
			return -errno;
	}
	if (s->valid & (FATTR_UID | FATTR_GID)) {
		uid_t uid = s->valid & FATTR_UID ? s->uid : (uid_t)-1;
		gid_t gid = s->valid & FATTR_GID ? s->gid : (gid_t)-1;
		if (fchownat(in->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
	}
	if (s->valid & FATTR_SIZE) {
		if (!S_ISREG(st.st_mode))
			return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		int fd = fuse_reopen(r->fs, in, O_WRONLY);
		if (fd < 0)
			return fd;
		int t = ftruncate(fd, (off_t)s->size) < 0 ? -errno : 0;
		close(fd);
		if (t < 0)
			return t;
	}
	if (s->valid & (FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW))
		if ((e = set_times(r->fs, in, s)) < 0)
			return e;
	return reply_attr(r, in->fd);
}

static int op_readlink(struct fuse_req *r)
{
	struct fuse_inode *in = fuse_inode_get(r->fs, r->h.nodeid);
	if (!in)
		return -ENOENT;
	size_t cap = r->out_cap < PATH_MAX ? r->out_cap : PATH_MAX;
	ssize_t n = readlinkat(in->fd, "", (char *)r->out, cap);
	if (n < 0)
		return -errno;
	r->out_len = (size_t)n;
	return 0;
}

static int op_statfs(struct fuse_req *r)
{
	struct fuse_inode *in = fuse_inode_get(r->fs, r->h.nodeid);
	struct statfs sf;
	if (!in)
		return -ENOENT;
	if (fstatfs(in->fd, &sf) < 0)
		return -errno;
	struct fuse_statfs_out *o = (struct fuse_statfs_out *)r->out;
	memset(o, 0, sizeof(*o));
	o->st = (struct fuse_kstatfs){.blocks = sf.f_blocks,
				      .bfree = sf.f_bfree,
				      .bavail = sf.f_bavail,
				      .files = sf.f_files,
				      .ffree = sf.f_ffree,
				      .bsize = (uint32_t)sf.f_bsize,
				      .namelen = (uint32_t)sf.f_namelen,
				      .frsize = (uint32_t)sf.f_frsize};
	r->out_len = sizeof(*o);
	return 0;
}

/* The guest mounts with default_permissions: its kernel checks the
 * modes; what is left here is the read-only share. */
static int op_access(struct fuse_req *r)
{
	const struct fuse_access_in *a = fuse_arg(r, sizeof(*a));
	if (!a)
		return -EINVAL;
	if (!fuse_inode_get(r->fs, r->h.nodeid))
		return -ENOENT;
	return (a->mask & W_OK) && r->fs->read_only ? -EROFS : 0;
}

typedef int (*fuse_op)(struct fuse_req *r);

static fuse_op op_for(uint32_t opcode, bool *writes)
{
	*writes = false;
	switch (opcode) {
	case FUSE_LOOKUP:
		return op_lookup;
	case FUSE_GETATTR:
		return op_getattr;
	case FUSE_SETATTR:
		return op_setattr;
	case FUSE_READLINK:
		return op_readlink;
	case FUSE_STATFS:
		return op_statfs;
	case FUSE_ACCESS:
		return op_access;
	case FUSE_DESTROY:
		return op_destroy;
	case FUSE_OPEN:
		return fuse_op_open;
	case FUSE_READ:
		return fuse_op_read;
	case FUSE_RELEASE:
		return fuse_op_release;
	case FUSE_RELEASEDIR:
		return fuse_op_release;
	case FUSE_FLUSH:
		return fuse_op_flush;
	case FUSE_FSYNC:
		return fuse_op_fsync;
	case FUSE_FSYNCDIR:
		return fuse_op_fsync;
	case FUSE_OPENDIR:
		return fuse_op_opendir;
	case FUSE_READDIR:
		return fuse_op_readdir;
	case FUSE_LSEEK:
		return fuse_op_lseek;
	}
	*writes = true;
	switch (opcode) {
	case FUSE_CREATE:
		return fuse_op_create;
	case FUSE_WRITE:
		return fuse_op_write;
	case FUSE_MKDIR:
		return fuse_op_mkdir;
	case FUSE_MKNOD:
		return fuse_op_mknod;
	case FUSE_SYMLINK:
		return fuse_op_symlink;
	case FUSE_UNLINK:
		return fuse_op_unlink;
	case FUSE_RMDIR:
		return fuse_op_unlink;
	case FUSE_RENAME:
		return fuse_op_rename;
	case FUSE_RENAME2:
		return fuse_op_rename;
	case FUSE_LINK:
		return fuse_op_link;
	case FUSE_FALLOCATE:
		return fuse_op_fallocate;
	}
	/* extended attributes, locks, ioctl, poll, DAX mappings...: the
	 * kernel remembers ENOSYS and stops asking (xattrs: EOPNOTSUPP) */
	return NULL;
}

static int dispatch(struct fuse_req *r)
{
	if (r->h.opcode == FUSE_INIT)
		return op_init(r);
	if (!r->fs->initialized)
		return -EIO;
	bool writes;
	fuse_op fn = op_for(r->h.opcode, &writes);
	if (!fn)
		return -ENOSYS;
	/* CREATE opens too; OPEN for writing is refused in fuse_ops.c */
	if (writes && r->fs->read_only)
		return -EROFS;
	return fn(r);
}

size_t vm_fuse_handle(struct vm_fuse *fs, const struct iovec *out, unsigned n_out, const struct iovec *in,
		      unsigned n_in)
{
	struct fuse_req r = {.fs = fs, .out = fs->data};
	size_t len = iov_length(out, n_out);
	size_t got = iov_to_buf(out, n_out, 0, fs->req, len < VM_FUSE_MAX_REQUEST ? len : VM_FUSE_MAX_REQUEST);
	if (got < sizeof(r.h))
		return 0; /* not even a header: nothing to answer to */
	memcpy(&r.h, fs->req, sizeof(r.h));
	if (r.h.opcode == FUSE_FORGET || r.h.opcode == FUSE_BATCH_FORGET || r.h.opcode == FUSE_INTERRUPT) {
		r.arg = fs->req + sizeof(r.h);
		r.arg_len = got - sizeof(r.h);
		if (r.h.opcode == FUSE_FORGET)
			op_forget(&r);
		else if (r.h.opcode == FUSE_BATCH_FORGET)
			op_batch_forget(&r);
		return 0;
	}
	size_t room = iov_length(in, n_in);
	if (room < sizeof(struct fuse_out_header))
		return 0;
	room -= sizeof(struct fuse_out_header);
	r.out_cap = room < VM_FUSE_MAX_IO ? room : VM_FUSE_MAX_IO;
	int e;
	/* the header's length must be the request's, and within the cap */
	if (len > VM_FUSE_MAX_REQUEST || r.h.len != len) {
		e = -EINVAL;
	} else {
		r.arg = fs->req + sizeof(r.h);
		r.arg_len = len - sizeof(r.h);
		e = dispatch(&r);
	}
	/* the payload is built in fs->data; a reply the guest left no room for is an error */
	if (e == 0 && r.out_len > room)
		e = -EINVAL;
	if (e < 0)
		r.out_len = 0;
	struct fuse_out_header oh = {.len = (uint32_t)(sizeof(oh) + r.out_len),
				     .error = e < 0 ? (e < -4095 ? -EIO : e) : 0,
				     .unique = r.h.unique};
	iov_from_buf(in, n_in, 0, &oh, sizeof(oh));
	iov_from_buf(in, n_in, sizeof(oh), r.out, r.out_len);
	return oh.len;
}

void vm_fuse_set_cache(struct vm_fuse *fs, uint32_t seconds)
{
	fs->cache_seconds = seconds;
}

struct vm_fuse *vm_fuse_open(const char *dir, bool read_only, struct hull_error **err)
{
	int root = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0) {
		hull_error_set(err, errno, "virtio-fs: share `%s`: a directory is needed", dir);
		return NULL;
	}
	int proc = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (proc < 0 || fstat(root, &st) < 0) {
		hull_error_set(err, errno, "virtio-fs: open /proc/self/fd (is /proc mounted?)");
		close(root);
		if (proc >= 0)
			close(proc);
		return NULL;
	}
	/* every inode the guest holds is an fd: room for them */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	struct vm_fuse *fs = hull_xcalloc(1, sizeof(*fs));
	fs->proc_fd = proc;
	fs->read_only = read_only;
	memset(fs->buckets, 0xff, sizeof(fs->buckets));
	fs->req = hull_xmalloc(VM_FUSE_MAX_REQUEST);
	fs->data = hull_xmalloc(VM_FUSE_MAX_REQUEST);
	int e;
	struct fuse_inode *in = inode_add(fs, root, &st, &e);
	in->nlookup = 1;
	return fs;
}

void vm_fuse_free(struct vm_fuse *fs)
{
	if (!fs)
		return;
	forget_all(fs);
	if (fs->n_inodes)
		close(fs->inodes[0].fd);
	close(fs->proc_fd);
	free(fs->inodes);
	free(fs->free_ids);
	free(fs->handles);
	free(fs->req);
	free(fs->data);
	free(fs);
}
