/* virtio/fuse.h - the FUSE server behind virtio-fs (docs/vm-agent.md,
 * "Volumes: virtio-fs"): one host directory served to a guest kernel's
 * FUSE client. Everything in a request is hostile: every name is looked up
 * with openat(parent, name, O_PATH|O_NOFOLLOW) beneath the inode it names,
 * names with '/' or equal to "." or ".." are refused, symlinks are never
 * followed on the host, and every length and count is capped. */
#ifndef HULL_VMM_FUSE_H
#define HULL_VMM_FUSE_H

#include <linux/fuse.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "hull/error.h"

#define VM_FUSE_MAX_IO (1u << 20)      /* bytes of one READ/WRITE/READDIR/READLINK reply */
#define VM_FUSE_MAX_WRITE (128u << 10) /* what INIT offers the guest as max_write */
#define VM_FUSE_MAX_REQUEST (VM_FUSE_MAX_IO + 4096)
#define VM_FUSE_MAX_INODES 65536 /* nodeids alive at once (each holds an O_PATH fd) */
#define VM_FUSE_MAX_HANDLES 4096 /* open files and directories at once */
#define VM_FUSE_BUCKETS 4096

struct fuse_inode {
	int fd;		  /* O_PATH|O_NOFOLLOW */
	uint64_t nlookup; /* the guest's references (LOOKUP, CREATE... minus FORGET) */
	uint64_t dev, ino;
	uint32_t gen;
	int32_t hnext; /* next index in its hash bucket, -1 for none */
	bool used;
};

struct fuse_handle {
	int fd; /* -1: free */
	bool dir;
};

struct vm_fuse {
	int proc_fd; /* /proc/self/fd: reopens an O_PATH fd with real access */
	bool read_only;
	bool initialized;
	uint32_t cache_seconds; /* entry and attribute time-out given to the guest; 0: none */
	uint32_t minor;
	struct fuse_inode *inodes; /* nodeid N is inodes[N-1]; nodeid 1 is the shared directory */
	uint32_t n_inodes, alloc_inodes;
	uint32_t *free_ids, n_free;
	int32_t buckets[VM_FUSE_BUCKETS];
	struct fuse_handle *handles;
	uint32_t n_handles;
	uint8_t *req;  /* VM_FUSE_MAX_REQUEST bytes: the request, made contiguous */
	uint8_t *data; /* VM_FUSE_MAX_REQUEST bytes: the reply's payload */
};

/* One request being served. */
struct fuse_req {
	struct vm_fuse *fs;
	struct fuse_in_header h;
	const uint8_t *arg; /* the bytes after the header */
	size_t arg_len;
	size_t used;  /* bytes of arg taken by the parsers below */
	uint8_t *out; /* the reply's payload (after the out header) */
	size_t out_len, out_cap;
};

/* vm_fuse_open: serve dir (opened here with O_PATH|O_DIRECTORY; a symlink
 * is refused). read_only: every change is refused with EROFS whatever the
 * guest's mount says. Returns NULL with *err. */
struct vm_fuse *vm_fuse_open(const char *dir, bool read_only, struct hull_error **err);
void vm_fuse_free(struct vm_fuse *fs);
/* vm_fuse_set_cache: let the guest keep names, attributes and file data
 * for seconds (0, the default: ask the host every time), for a share that
 * only the guest changes (the container's root). */
void vm_fuse_set_cache(struct vm_fuse *fs, uint32_t seconds);
/* vm_fuse_reset: forget every nodeid but the root and close every handle,
 * as DESTROY does (a device reset: the next driver starts with INIT). */
void vm_fuse_reset(struct vm_fuse *fs);
/* vm_fuse_handle: serve the request in out[0..n_out) (the device-readable
 * part of a chain) and write the reply into in[0..n_in). Returns the bytes
 * written: 0 for the requests that take no reply (FORGET, BATCH_FORGET,
 * INTERRUPT) and when there is no room even for a reply header. */
size_t vm_fuse_handle(struct vm_fuse *fs, const struct iovec *out, unsigned n_out, const struct iovec *in,
		      unsigned n_in);

/* fuse.c, for fuse_ops.c */
struct fuse_inode *fuse_inode_get(struct vm_fuse *fs, uint64_t nodeid);
/* fuse_arg: the next size bytes of the request's argument, or NULL. */
const void *fuse_arg(struct fuse_req *r, size_t size);
/* fuse_arg_name: the next NUL-terminated name: a plain file name (not
 * empty, at most NAME_MAX, no '/', not "." or ".."), or with path a symlink
 * target (anything up to PATH_MAX). NULL with *e = -errno otherwise. */
const char *fuse_arg_name(struct fuse_req *r, bool path, int *e);
/* fuse_entry: look name up beneath parent and reply with its entry
 * (nodeid, attributes), taking a reference for the guest; with owner, give
 * it the caller's uid and gid first (it was just made by this request). */
int fuse_entry(struct fuse_req *r, struct fuse_inode *parent, const char *name, bool owner, struct fuse_entry_out *out);
/* fuse_fill_attr: a host stat as FUSE attributes. */
void fuse_fill_attr(struct fuse_attr *a, const struct stat *st);
/* fuse_reopen: the inode's O_PATH fd opened for real (through /proc/self/fd). */
int fuse_reopen(struct vm_fuse *fs, const struct fuse_inode *in, int flags);
/* fuse_handle_get: the open file (dir false) or directory (dir true) fh. */
struct fuse_handle *fuse_handle_get(struct vm_fuse *fs, uint64_t fh, bool dir);
/* fuse_handle_add: a handle for fd (taken over; closed on failure): its fh or -errno. */
int64_t fuse_handle_add(struct vm_fuse *fs, int fd, bool dir);

/* fuse_ops.c: the requests on files, directories and names. */
int fuse_op_open(struct fuse_req *r);
int fuse_op_create(struct fuse_req *r);
int fuse_op_read(struct fuse_req *r);
int fuse_op_write(struct fuse_req *r);
int fuse_op_release(struct fuse_req *r);
int fuse_op_flush(struct fuse_req *r);
int fuse_op_fsync(struct fuse_req *r);
int fuse_op_opendir(struct fuse_req *r);
int fuse_op_readdir(struct fuse_req *r);
int fuse_op_mkdir(struct fuse_req *r);
int fuse_op_mknod(struct fuse_req *r);
int fuse_op_symlink(struct fuse_req *r);
int fuse_op_unlink(struct fuse_req *r);
int fuse_op_rename(struct fuse_req *r);
int fuse_op_link(struct fuse_req *r);
int fuse_op_fallocate(struct fuse_req *r);
int fuse_op_lseek(struct fuse_req *r);

#endif
