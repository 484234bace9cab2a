/* test_fuse.c - the virtio-fs FUSE server (src/lib/vmm/virtio/fuse.c) fed
 * request buffers as a hostile guest would write them, without a VM. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../../../src/lib/vmm/virtio/fuse.h"

static char dir[] = "/tmp/hull-fuse-XXXXXX";
static struct vm_fuse *fs;
static uint8_t reply[VM_FUSE_MAX_REQUEST + 64];
static uint64_t unique;

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	cr_assert_not_null(fs = vm_fuse_open(dir, false, NULL));
}

static void teardown(void)
{
	vm_fuse_free(fs);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

/* One request: header, then the pieces; returns the reply's error and
 * points *payload at its payload (*len bytes). */
static int call_raw(uint32_t opcode, uint64_t nodeid, const void *a, size_t alen, const void *b, size_t blen,
		    uint32_t lie_len, void **payload, size_t *len)
{
	static uint8_t req[VM_FUSE_MAX_REQUEST + 4096];
	struct fuse_in_header h = {.opcode = opcode, .unique = ++unique, .nodeid = nodeid, .uid = 1000, .gid = 1000};
	size_t n = sizeof(h) + alen + blen;
	cr_assert_leq(n, sizeof(req));
	h.len = lie_len ? lie_len : (uint32_t)n;
	memcpy(req, &h, sizeof(h));
	if (alen)
		memcpy(req + sizeof(h), a, alen);
	if (blen)
		memcpy(req + sizeof(h) + alen, b, blen);
	struct iovec out = {req, n}, in = {reply, sizeof(reply)};
	memset(reply, 0xaa, 64);
	size_t got = vm_fuse_handle(fs, &out, 1, &in, 1);
	if (got == 0)
		return 1; /* no reply */
	struct fuse_out_header oh;
	memcpy(&oh, reply, sizeof(oh));
	cr_assert_eq(oh.unique, h.unique);
	cr_assert_eq(oh.len, got);
	if (payload)
		*payload = reply + sizeof(oh);
	if (len)
		*len = got - sizeof(oh);
	return oh.error;
}

static int call(uint32_t opcode, uint64_t nodeid, const void *a, size_t alen, const void *b, size_t blen,
		void **payload, size_t *len)
{
	return call_raw(opcode, nodeid, a, alen, b, blen, 0, payload, len);
}

static void init(void)
{
	struct fuse_init_in in = {.major = 7, .minor = 38, .max_readahead = 65536, .flags = ~0u};
	void *p;
	size_t len;
	cr_assert_eq(call(FUSE_INIT, 0, &in, sizeof(in), NULL, 0, &p, &len), 0);
	cr_assert_eq(len, sizeof(struct fuse_init_out));
	struct fuse_init_out *o = p;
	cr_assert_eq(o->major, 7);
	cr_assert_leq(o->max_write, VM_FUSE_MAX_WRITE);
}

static int lookup(uint64_t parent, const char *name, struct fuse_entry_out *e)
{
	void *p;
	size_t len;
	int r = call(FUSE_LOOKUP, parent, name, strlen(name) + 1, NULL, 0, &p, &len);
	if (r == 0 && e) {
		cr_assert_eq(len, sizeof(*e));
		memcpy(e, p, sizeof(*e));
	}
	return r;
}

TestSuite(fuse, .init = setup, .fini = teardown);

Test(fuse, requests_before_init_fail_and_unknown_opcodes_get_enosys)
{
	cr_assert_eq(lookup(1, "x", NULL), -EIO);
	init();
	cr_assert_eq(call(9999, 1, NULL, 0, NULL, 0, NULL, NULL), -ENOSYS);
	cr_assert_eq(call(FUSE_GETXATTR, 1, "user.x", 7, NULL, 0, NULL, NULL), -ENOSYS);
	cr_assert_eq(call(FUSE_SETLK, 1, NULL, 0, NULL, 0, NULL, NULL), -ENOSYS);
}

Test(fuse, names_that_leave_the_directory_are_refused)
{
	init();
	cr_assert_eq(mkdir(strcat(strcpy((char[64]){0}, dir), "/sub"), 0755), 0);
	cr_assert_eq(lookup(1, "..", NULL), -EINVAL);
	cr_assert_eq(lookup(1, ".", NULL), -EINVAL);
	cr_assert_eq(lookup(1, "sub/..", NULL), -EINVAL);
	cr_assert_eq(lookup(1, "/etc", NULL), -EINVAL);
	cr_assert_eq(lookup(1, "", NULL), -EINVAL);
	struct fuse_entry_out e;
	cr_assert_eq(lookup(1, "sub", &e), 0);
	cr_assert_eq(lookup(e.nodeid, "..", NULL), -EINVAL);
	/* a name without its NUL, and one longer than NAME_MAX */
	cr_assert_eq(call(FUSE_LOOKUP, 1, "sub", 3, NULL, 0, NULL, NULL), -EINVAL);
	char longname[NAME_MAX + 2];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	cr_assert_eq(lookup(1, longname, NULL), -ENAMETOOLONG);
	struct fuse_mkdir_in mi = {.mode = 0755};
	cr_assert_eq(call(FUSE_MKDIR, 1, &mi, sizeof(mi), "../escape", 10, NULL, NULL), -EINVAL);
	struct fuse_rename_in ri = {.newdir = 1};
	cr_assert_eq(call(FUSE_RENAME, 1, &ri, sizeof(ri), "sub\0../../tmp/x", 16, NULL, NULL), -EINVAL);
	cr_assert_eq(access("/tmp/escape", F_OK), -1);
}

Test(fuse, a_planted_symlink_is_read_but_never_followed)
{
	init();
	char path[128];
	snprintf(path, sizeof(path), "%s/evil", dir);
	cr_assert_eq(symlink("/etc", path), 0);
	snprintf(path, sizeof(path), "%s/evilfile", dir);
	cr_assert_eq(symlink("/tmp/hull-fuse-outside", path), 0);
	unlink("/tmp/hull-fuse-outside");
	struct fuse_entry_out e;
	cr_assert_eq(lookup(1, "evil", &e), 0);
	cr_assert(S_ISLNK(e.attr.mode));
	void *p;
	size_t len;
	cr_assert_eq(call(FUSE_READLINK, e.nodeid, NULL, 0, NULL, 0, &p, &len), 0);
	cr_assert_eq(len, 4);
	cr_assert_eq(memcmp(p, "/etc", 4), 0);
	/* through it: nothing of /etc */
	cr_assert_neq(lookup(e.nodeid, "passwd", NULL), 0);
	struct fuse_open_in oi = {.flags = O_RDONLY};
	cr_assert_neq(call(FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL, NULL), 0);
	cr_assert_eq(call(FUSE_OPENDIR, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL, NULL), -ENOTDIR);
	struct fuse_create_in ci = {.flags = O_WRONLY, .mode = 0644};
	cr_assert_neq(call(FUSE_CREATE, e.nodeid, &ci, sizeof(ci), "x", 2, NULL, NULL), 0);
	struct fuse_setattr_in si = {.valid = FATTR_MODE, .mode = 0777};
	cr_assert_neq(call(FUSE_SETATTR, e.nodeid, &si, sizeof(si), NULL, 0, NULL, NULL), 0);
	struct stat st;
	cr_assert_eq(stat("/etc", &st), 0);
	cr_assert_neq(st.st_mode & 0777, 0777);
	/* creating over a symlink to a file outside does not write there */
	cr_assert_neq(call(FUSE_CREATE, 1, &ci, sizeof(ci), "evilfile", 9, NULL, NULL), 0);
	cr_assert_eq(access("/tmp/hull-fuse-outside", F_OK), -1);
}

Test(fuse, oversized_lengths_are_capped_or_refused)
{
	init();
	/* a header whose length is not the request's */
	cr_assert_eq(call_raw(FUSE_LOOKUP, 1, "x", 2, NULL, 0, 1 << 30, NULL, NULL), -EINVAL);
	cr_assert_eq(call_raw(FUSE_LOOKUP, 1, "x", 2, NULL, 0, 8, NULL, NULL), -EINVAL);
	/* a request bigger than the cap */
	static uint8_t big[VM_FUSE_MAX_REQUEST];
	memset(big, 'a', sizeof(big));
	cr_assert_eq(call(FUSE_LOOKUP, 1, big, sizeof(big), NULL, 0, NULL, NULL), -EINVAL);
	/* a write that claims more than it carries */
	struct fuse_create_in ci = {.flags = O_RDWR, .mode = 0644};
	void *p;
	size_t len;
	cr_assert_eq(call(FUSE_CREATE, 1, &ci, sizeof(ci), "f", 2, &p, &len), 0);
	struct fuse_open_out oo;
	memcpy(&oo, (uint8_t *)p + sizeof(struct fuse_entry_out), sizeof(oo));
	struct fuse_write_in wi = {.fh = oo.fh, .size = 0xffffffffu};
	cr_assert_eq(call(FUSE_WRITE, 1, &wi, sizeof(wi), "abc", 3, NULL, NULL), -EINVAL);
	wi.size = 3;
	cr_assert_eq(call(FUSE_WRITE, 1, &wi, sizeof(wi), "abc", 3, &p, &len), 0);
	cr_assert_eq(((struct fuse_write_out *)p)->size, 3);
	/* a read of 4 GiB gets what the reply can hold */
	struct fuse_read_in ri = {.fh = oo.fh, .size = 0xffffffffu};
	cr_assert_eq(call(FUSE_READ, 1, &ri, sizeof(ri), NULL, 0, &p, &len), 0);
	cr_assert_eq(len, 3);
	/* a readdir of 4 GiB too */
	struct fuse_open_in oi = {0};
	cr_assert_eq(call(FUSE_OPENDIR, 1, &oi, sizeof(oi), NULL, 0, &p, &len), 0);
	memcpy(&oo, p, sizeof(oo));
	ri = (struct fuse_read_in){.fh = oo.fh, .size = 0xffffffffu};
	cr_assert_eq(call(FUSE_READDIR, 1, &ri, sizeof(ri), NULL, 0, &p, &len), 0);
	cr_assert_gt(len, 0);
	cr_assert_leq(len, 65536);
	/* handles that were never given */
	ri.fh = 1u << 31;
	cr_assert_eq(call(FUSE_READ, 1, &ri, sizeof(ri), NULL, 0, NULL, NULL), -EBADF);
	/* a batch forget whose count is beyond its bytes */
	struct fuse_batch_forget_in bf = {.count = 0xffffffffu};
	struct fuse_forget_one one = {.nodeid = 1, .nlookup = 1};
	cr_assert_eq(call(FUSE_BATCH_FORGET, 0, &bf, sizeof(bf), &one, sizeof(one), NULL, NULL), 1);
	cr_assert_eq(call(FUSE_GETATTR, 1, NULL, 0, NULL, 0, NULL, NULL), 0);
	/* a reply buffer too small for the answer */
	struct fuse_in_header h = {.len = sizeof(h), .opcode = FUSE_GETATTR, .unique = 77, .nodeid = 1};
	struct iovec out = {&h, sizeof(h)}, in = {reply, sizeof(struct fuse_out_header) + 8};
	cr_assert_eq(vm_fuse_handle(fs, &out, 1, &in, 1), sizeof(struct fuse_out_header));
	cr_assert_eq(((struct fuse_out_header *)reply)->error, -EINVAL);
	in.iov_len = 4;
	cr_assert_eq(vm_fuse_handle(fs, &out, 1, &in, 1), 0);
}

Test(fuse, forget_of_unknown_nodeids_is_harmless)
{
	init();
	struct fuse_forget_in f = {.nlookup = 1000};
	cr_assert_eq(call(FUSE_FORGET, 0, &f, sizeof(f), NULL, 0, NULL, NULL), 1);
	cr_assert_eq(call(FUSE_FORGET, 12345, &f, sizeof(f), NULL, 0, NULL, NULL), 1);
	cr_assert_eq(call(FUSE_FORGET, ~0ULL, &f, sizeof(f), NULL, 0, NULL, NULL), 1);
	/* the root cannot be forgotten away */
	cr_assert_eq(call(FUSE_FORGET, 1, &f, sizeof(f), NULL, 0, NULL, NULL), 1);
	cr_assert_eq(call(FUSE_GETATTR, 1, NULL, 0, NULL, 0, NULL, NULL), 0);
	/* a forgotten nodeid is gone */
	char path[128];
	snprintf(path, sizeof(path), "%s/a", dir);
	cr_assert_eq(mkdir(path, 0700), 0);
	struct fuse_entry_out e;
	cr_assert_eq(lookup(1, "a", &e), 0);
	f.nlookup = 1;
	cr_assert_eq(call(FUSE_FORGET, e.nodeid, &f, sizeof(f), NULL, 0, NULL, NULL), 1);
	cr_assert_eq(call(FUSE_GETATTR, e.nodeid, NULL, 0, NULL, 0, NULL, NULL), -ENOENT);
	cr_assert_eq(call(FUSE_GETATTR, 0, NULL, 0, NULL, 0, NULL, NULL), -ENOENT);
	/* a device reset forgets what the last driver held */
	cr_assert_eq(lookup(1, "a", &e), 0);
	vm_fuse_reset(fs);
	cr_assert_eq(call(FUSE_GETATTR, 1, NULL, 0, NULL, 0, NULL, NULL), -EIO);
	init();
	cr_assert_eq(call(FUSE_GETATTR, e.nodeid, NULL, 0, NULL, 0, NULL, NULL), -ENOENT);
	cr_assert_eq(call(FUSE_GETATTR, 1, NULL, 0, NULL, 0, NULL, NULL), 0);
}

Test(fuse, files_and_directories_round_trip_with_the_callers_owner)
{
	init();
	struct fuse_mkdir_in mi = {.mode = 0750};
	void *p;
	size_t len;
	cr_assert_eq(call(FUSE_MKDIR, 1, &mi, sizeof(mi), "d", 2, &p, &len), 0);
	struct fuse_entry_out d;
	memcpy(&d, p, sizeof(d));
	cr_assert(S_ISDIR(d.attr.mode));
	cr_assert_eq(d.attr.uid, 1000);
	struct fuse_create_in ci = {.flags = O_RDWR, .mode = 0640};
	cr_assert_eq(call(FUSE_CREATE, d.nodeid, &ci, sizeof(ci), "f", 2, &p, &len), 0);
	struct fuse_open_out oo;
	memcpy(&oo, (uint8_t *)p + sizeof(struct fuse_entry_out), sizeof(oo));
	struct fuse_write_in wi = {.fh = oo.fh, .size = 5};
	cr_assert_eq(call(FUSE_WRITE, 1, &wi, sizeof(wi), "hello", 5, NULL, NULL), 0);
	char path[128], buf[16] = {0};
	snprintf(path, sizeof(path), "%s/d/f", dir);
	int fd = open(path, O_RDONLY);
	cr_assert_eq(read(fd, buf, sizeof(buf)), 5);
	close(fd);
	cr_assert_str_eq(buf, "hello");
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_uid, 1000);
	cr_assert_eq(st.st_mode & 0777, 0640);
	struct fuse_rename2_in rn = {.newdir = 1, .flags = RENAME_NOREPLACE};
	cr_assert_eq(call(FUSE_RENAME2, d.nodeid, &rn, sizeof(rn), "f\0g", 4, NULL, NULL), 0);
	snprintf(path, sizeof(path), "%s/g", dir);
	cr_assert_eq(access(path, F_OK), 0);
	rn.flags = 1u << 2; /* RENAME_WHITEOUT */
	cr_assert_eq(call(FUSE_RENAME2, 1, &rn, sizeof(rn), "g\0h", 4, NULL, NULL), -EINVAL);
	struct fuse_mknod_in mk = {.mode = S_IFCHR | 0666, .rdev = makedev(1, 3)};
	cr_assert_eq(call(FUSE_MKNOD, 1, &mk, sizeof(mk), "null", 5, NULL, NULL), -EPERM);
	mk.mode = S_IFIFO | 0600;
	cr_assert_eq(call(FUSE_MKNOD, 1, &mk, sizeof(mk), "fifo", 5, NULL, NULL), 0);
	cr_assert_eq(call(FUSE_SYMLINK, 1, "ln\0/etc/shadow", 15, NULL, 0, NULL, NULL), 0);
	snprintf(path, sizeof(path), "%s/ln", dir);
	char target[64] = {0};
	cr_assert_eq(readlink(path, target, sizeof(target)), 11);
	cr_assert_eq(call(FUSE_UNLINK, 1, "g", 2, NULL, 0, NULL, NULL), 0);
	cr_assert_eq(call(FUSE_RMDIR, 1, "d", 2, NULL, 0, NULL, NULL), 0);
	cr_assert_eq(call(FUSE_DESTROY, 1, NULL, 0, NULL, 0, NULL, NULL), 0);
	cr_assert_eq(call(FUSE_GETATTR, 1, NULL, 0, NULL, 0, NULL, NULL), -EIO);
}

Test(fuse, a_read_only_share_refuses_every_change)
{
	vm_fuse_free(fs);
	cr_assert_not_null(fs = vm_fuse_open(dir, true, NULL));
	init();
	char path[128];
	snprintf(path, sizeof(path), "%s/f", dir);
	int fd = open(path, O_CREAT | O_WRONLY, 0644);
	cr_assert_eq(write(fd, "x", 1), 1);
	close(fd);
	struct fuse_entry_out e;
	cr_assert_eq(lookup(1, "f", &e), 0);
	struct fuse_open_in oi = {.flags = O_RDWR};
	cr_assert_eq(call(FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL, NULL), -EROFS);
	oi.flags = O_RDONLY;
	cr_assert_eq(call(FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, NULL, NULL), 0);
	struct fuse_create_in ci = {.flags = O_RDONLY, .mode = 0644};
	cr_assert_eq(call(FUSE_CREATE, 1, &ci, sizeof(ci), "n", 2, NULL, NULL), -EROFS);
	struct fuse_setattr_in si = {.valid = FATTR_SIZE};
	cr_assert_eq(call(FUSE_SETATTR, e.nodeid, &si, sizeof(si), NULL, 0, NULL, NULL), -EROFS);
	cr_assert_eq(call(FUSE_UNLINK, 1, "f", 2, NULL, 0, NULL, NULL), -EROFS);
	cr_assert_eq(access(path, F_OK), 0);
}

Test(fuse, a_share_without_a_cache_times_out_at_once_and_one_with_it_keeps_names_attributes_and_data)
{
	init();
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/f", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	struct fuse_entry_out e;
	cr_assert_eq(lookup(1, "f", &e), 0);
	cr_assert_eq(e.entry_valid, 0);
	cr_assert_eq(e.attr_valid, 0);
	struct fuse_open_in oi = {.flags = O_RDONLY};
	void *p;
	size_t len;
	cr_assert_eq(call(FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, &p, &len), 0);
	cr_assert_eq(((struct fuse_open_out *)p)->open_flags & FOPEN_KEEP_CACHE, 0);
	/* the container's root: only the guest changes it */
	vm_fuse_set_cache(fs, 1);
	cr_assert_eq(lookup(1, "f", &e), 0);
	cr_assert_eq(e.entry_valid, 1);
	cr_assert_eq(e.attr_valid, 1);
	struct fuse_getattr_in gi = {0};
	cr_assert_eq(call(FUSE_GETATTR, e.nodeid, &gi, sizeof(gi), NULL, 0, &p, &len), 0);
	cr_assert_eq(((struct fuse_attr_out *)p)->attr_valid, 1);
	cr_assert_eq(call(FUSE_OPEN, e.nodeid, &oi, sizeof(oi), NULL, 0, &p, &len), 0);
	cr_assert_eq(((struct fuse_open_out *)p)->open_flags & FOPEN_KEEP_CACHE, FOPEN_KEEP_CACHE);
}
