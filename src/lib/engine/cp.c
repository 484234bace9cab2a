/* cp.c - docker cp: copy between a container's filesystem and the host, or
 * a tar on stdin/stdout, with docker's path rules (docs.docker.com
 * "docker container cp"). A running container is reached through its
 * init's /proc/PID/root (so its volumes are included, as docker's are), a
 * stopped one by mounting its overlay and its volumes in a private mount
 * namespace, as export.c does; either way every container path is resolved inside that
 * root (hull_open_in_root), so no symlink in the container can send a read
 * or a write to the host. */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/cp.h"
#include "hull/engine_vm.h"
#include "hull/fs.h"
#include "hull/inroot.h"
#include "hull/lazy.h"
#include "hull/output.h"
#include "hull/proc.h"
#include "cp_internal.h"
#include "engine_internal.h"
#include "store_internal.h"

static bool ends_with_dot(const char *p)
{
	size_t n = strlen(p);
	return (n >= 2 && !strcmp(p + n - 2, "/.")) || !strcmp(p, ".");
}

static char *base_name(const char *p)
{
	_cleanup_free_ char *copy = hull_xstrdup(p);
	return hull_xstrdup(basename(copy));
}

static char *dir_name(const char *p)
{
	_cleanup_free_ char *copy = hull_xstrdup(p);
	return hull_xstrdup(dirname(copy));
}

int hull_cp_plan(const char *src, bool src_is_dir, const char *dst, enum hull_cp_dest dst_kind, char **dir,
		 char **name, struct hull_error **err)
{
	*dir = *name = NULL;
	bool contents = ends_with_dot(src);
	if (contents && !src_is_dir)
		return hull_error_msg(err, ENOTDIR, "cp: `%s`: not a directory", src);
	size_t n = strlen(dst);
	bool dst_slash = n > 0 && dst[n - 1] == '/';
	if (!src_is_dir) {
		if (dst_kind == HULL_CP_DEST_DIR) {
			*dir = hull_xstrdup(dst);
			*name = base_name(src);
			return 0;
		}
		if (dst_kind == HULL_CP_DEST_MISSING && dst_slash)
			return hull_error_msg(err, ENOENT, "cp: destination directory `%s` must exist", dst);
		if (dst_kind == HULL_CP_DEST_FILE && dst_slash)
			return hull_error_msg(err, ENOTDIR, "cp: destination `%s` is not a directory", dst);
		*dir = dir_name(dst);
		*name = base_name(dst);
		return 0;
	}
	if (dst_kind == HULL_CP_DEST_FILE)
		return hull_error_msg(err, ENOTDIR, "cp: cannot copy a directory to a file: `%s`", dst);
	if (dst_kind == HULL_CP_DEST_DIR) {
		*dir = hull_xstrdup(dst);
		_cleanup_free_ char *b = base_name(src);
		/* "/" has no name: its contents go, as with SRC/. */
		*name = contents || !strcmp(b, "/") ? NULL : steal_ptr(b);
		return 0;
	}
	/* a missing destination becomes the copy of the directory */
	*dir = dir_name(dst);
	*name = base_name(dst);
	return 0;
}

/* Make the mount now at dst read-only: opened again, as the fd from
 * before the bind names the directory under it; the flags the kernel
 * locks (nosuid, nodev, noexec: a user namespace may not drop them) kept. */
static int remount_ro(int root, const char *dst, struct hull_error **err)
{
	_cleanup_close_ int at = hull_open_in_root(root, dst, O_PATH, 0);
	struct statvfs sv;
	if (at < 0 || fstatvfs(at, &sv) < 0)
		return hull_error_set(err, errno, "open `%s`", dst);
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
	flags |= (sv.f_flag & ST_NOSUID ? MS_NOSUID : 0) | (sv.f_flag & ST_NODEV ? MS_NODEV : 0) |
		 (sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", at);
	if (mount(NULL, path, NULL, flags, NULL) < 0)
		return hull_error_set(err, errno, "make `%s` read-only", dst);
	return 0;
}

/* A stopped container's volumes and bind mounts, bound over its overlay
 * (in our private mount namespace) so that cp reaches them as it does in a
 * running one, as docker mounts them for cp. A mount point the image lacks
 * (the runtime makes it at start) is left out; read-only ones stay so. */
static int bind_mounts(int root, const struct hull_container *c, struct hull_error **err)
{
	size_t i;
	json_t *m;
	int r;
	json_array_foreach(json_object_get(c->record, "Mounts"), i, m)
	{
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *src = json_string_value(json_object_get(m, "Source"));
		const char *dst = json_string_value(json_object_get(m, "Destination"));
		if (!type || !src || !dst || (strcmp(type, "volume") && strcmp(type, "bind")))
			continue;
		_cleanup_close_ int at = hull_open_in_root(root, dst, O_PATH, 0);
		_cleanup_close_ int from = open(src, O_PATH | O_CLOEXEC);
		if (at < 0 || from < 0)
			continue;
		char from_path[64], at_path[64];
		snprintf(from_path, sizeof(from_path), "/proc/self/fd/%d", from);
		snprintf(at_path, sizeof(at_path), "/proc/self/fd/%d", at);
		if (mount(from_path, at_path, NULL, MS_BIND | MS_REC, NULL) < 0)
			return hull_error_set(err, errno, "cp: mount `%s` at `%s` in container %s", src, dst, c->name);
		if (!json_is_true(json_object_get(m, "RW")) && (r = remount_ro(root, dst, err)) < 0)
			return hull_error_wrap(err, r, "cp: container %s", c->name);
	}
	return 0;
}

/* Its process runs (or is frozen): its root is /proc/PID/root. */
static bool running(const struct hull_container *c)
{
	return (c->state.status == HULL_ENGINE_RUNNING || c->state.status == HULL_ENGINE_PAUSED) &&
	       hull_proc_alive(c->state.pid, c->state.pid_start);
}

static void reload(struct hull_container *c)
{
	struct hull_error *ignored = NULL;
	if (hull_container_load_state(c, &ignored) < 0)
		hull_error_free(ignored);
}

/* A process just gone with no restart due leaves its monitor tearing down
 * (volumes already unmounted from the overlay it still holds): wait, at most
 * 5 s, until the monitor is gone or the state says running or restarting
 * again, so that the caller picks the path with the volumes. */
static void settle(struct hull_container *c)
{
	for (int i = 0; i < 250; i++) {
		bool mon = c->state.monitor_pid && hull_proc_alive(c->state.monitor_pid, c->state.monitor_start);
		if (!mon || c->state.status == HULL_ENGINE_RESTARTING || running(c))
			return;
		usleep(20000);
		reload(c);
	}
}

/* The container's root as a directory fd (see the file comment). */
static int container_root(struct hull_container *c, struct hull_error **err)
{
	settle(c);
	for (int tries = 0; tries < 2 && running(c); tries++) {
		/* a VM container's process is its shim, whose root is the host's:
		 * its root is the overlay the guest gets by virtio-fs, seen in the
		 * shim's (the monitor's) mount namespace */
		_cleanup_free_ char *p = engine_vm_enabled(c) ? hull_engine_vm_rootfs(c)
							      : hull_strdup_printf("/proc/%d/root", (int)c->state.pid);
		int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != ENOENT && errno != ESRCH)
			return hull_error_set(err, errno, "cp: open the root of container %s", c->name);
		/* it exited between the check and the open (a zombie has no
		 * root): its state moves on, take the path it leads to */
		usleep(20000);
		reload(c);
		settle(c);
	}
	if (c->state.monitor_pid && hull_proc_alive(c->state.monitor_pid, c->state.monitor_start)) {
		/* between two runs, or its process just gone: the overlay stays
		 * mounted in the monitor's namespace (a second mount of a live
		 * upper dir is what overlayfs calls undefined) */
		_cleanup_free_ char *p = hull_strdup_printf("/proc/%d/root%s/rootfs", (int)c->state.monitor_pid, c->dir);
		int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd >= 0 ? fd : hull_error_set(err, errno, "cp: open the root of container %s", c->name);
	}
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return hull_error_set(err, errno, "cp: private mount namespace");
	int r = engine_rootfs_mount(c, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *root = hull_path_join(c->dir, "rootfs");
	_cleanup_close_ int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "cp: open `%s`", root);
	if ((r = bind_mounts(fd, c, err)) < 0)
		return r;
	return take_fd(fd);
}

static enum hull_cp_dest kind_of(int fd)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return HULL_CP_DEST_MISSING;
	return S_ISDIR(st.st_mode) ? HULL_CP_DEST_DIR : HULL_CP_DEST_FILE;
}

static int is_dir_fd(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Put the tree at srcfd into sink s under `name` (NULL: its contents);
 * errors name the copy as the user typed it, then the entry. */
static int walk_planned(int srcfd, const char *src, const char *dst, const char *name, struct cp_sink *s,
			struct hull_error **err)
{
	int r = cp_walk(srcfd, name ? name : "", !name, s, err);
	return r < 0 ? hull_error_wrap(err, r, "cp `%s` to `%s`", src, dst) : 0;
}

static int tar_out(int srcfd, const char *src, int out, struct cp_sink *s, struct hull_error **err)
{
	int lr = hull_lazy_require(HULL_LIB_ARCHIVE, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "cp `%s`", src);
	s->tar = archive_write_new();
	archive_write_set_format_pax_restricted(s->tar);
	if (archive_write_open_fd(s->tar, out) != ARCHIVE_OK) {
		int r = hull_error_msg(err, EIO, "cp: %s", archive_error_string(s->tar));
		archive_write_free(s->tar);
		return r;
	}
	_cleanup_free_ char *name = base_name(src);
	bool contents = ends_with_dot(src) || !strcmp(name, "/");
	int r = cp_walk(srcfd, contents ? "" : name, contents, s, err);
	if (archive_write_close(s->tar) != ARCHIVE_OK && r == 0)
		r = hull_error_msg(err, EIO, "cp: %s", archive_error_string(s->tar));
	archive_write_free(s->tar);
	return r;
}

/* A regular file's data written into dst, an existing character device,
 * FIFO or the like (/dev/null, a pipe): it stays what it is, as a shell's
 * `>` leaves it. */
static int write_into(int srcfd, const char *src, const char *dst, struct hull_cp_opts *opts, struct hull_error **err)
{
	_cleanup_close_ int in = -1;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", srcfd);
	if ((in = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		return hull_error_set(err, errno, "cp: open `%s`", src);
	_cleanup_(hull_output_discard) struct hull_output out = HULL_OUTPUT_INIT;
	int r = hull_output_open(&out, dst, 0644, err);
	if (r < 0)
		return hull_error_wrap(err, r, "cp `%s` to `%s`", src, dst);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if ((r = hull_write_all(out.fd, buf, (size_t)n)) < 0)
			return hull_error_set(err, -r, "cp `%s`: write `%s`", src, dst);
		opts->copied += (unsigned long long)n;
	}
	if (n < 0)
		return hull_error_set(err, errno, "cp: read `%s`", src);
	return hull_output_commit(&out, err);
}

/* Where a host destination that is a symlink leads (docker follows it),
 * or dst itself. */
static char *host_dest(const char *dst)
{
	struct stat st;
	char resolved[PATH_MAX];
	if (lstat(dst, &st) == 0 && S_ISLNK(st.st_mode) && realpath(dst, resolved))
		return hull_xstrdup(resolved);
	return hull_xstrdup(dst);
}

/* Tells opts->skipped of an entry the host sink left out, by its path in
 * the container: the copy named the source's tree `name` (NULL: only its
 * contents went, a src ending in "/."). */
struct skip_report {
	const char *src;
	const char *name;
	struct hull_cp_opts *opts;
};

static void report_skipped(void *data, const char *entry, const char *kind)
{
	struct skip_report *r = data;
	if (!r->opts->skipped)
		return;
	size_t n = r->name ? strlen(r->name) : 0;
	const char *rest = entry;
	if (n && !strncmp(entry, r->name, n) && (entry[n] == '/' || !entry[n]))
		rest = entry + n + (entry[n] == '/');
	_cleanup_free_ char *top = hull_xstrdup(r->src);
	if (ends_with_dot(top))
		top[strlen(top) - 1] = '\0'; /* "/d/." -> "/d/" */
	_cleanup_free_ char *path = *rest ? hull_path_join(top, rest) : hull_xstrdup(top);
	r->opts->skipped(r->opts->skipped_data, path, kind);
}

static bool is_special(mode_t mode)
{
	return !S_ISREG(mode) && !S_ISDIR(mode) && !S_ISLNK(mode);
}

int hull_engine_cp_from(struct hull_container *c, const char *src, const char *dst_arg, int out_fd,
			struct hull_cp_opts *opts, struct hull_error **err)
{
	_cleanup_close_ int root = container_root(c, err);
	if (root < 0)
		return root;
	_cleanup_close_ int srcfd = hull_open_in_root(root, src, O_PATH | (opts->follow_link ? 0 : O_NOFOLLOW), 0);
	if (srcfd < 0) {
		if (errno == ENOENT)
			return hull_error_msg(err, ENOENT, "Could not find the file %s in container %s", src, c->name);
		return hull_error_set(err, errno, "cp: open `%s` in container %s", src, c->name);
	}
	struct cp_sink s = { .root = -1, .base = "", .owner = opts->archive ? CP_OWN_SOURCE : CP_OWN_NONE };
	if (!dst_arg) {
		int tr = tar_out(srcfd, src, out_fd, &s, err);
		opts->copied = s.copied;
		return tr < 0 ? hull_error_wrap(err, tr, "cp `%s:%s` to -", c->name, src) : 0;
	}
	struct stat src_st, dst_st;
	if (fstat(srcfd, &src_st) < 0)
		return hull_error_set(err, errno, "cp: stat `%s` in container %s", src, c->name);
	if (is_special(src_st.st_mode))
		return hull_error_msg(err, ENODEV,
				      "cp: `%s` in container %s is not a regular file, directory or symlink: hull cp "
				      "makes no device node, FIFO or socket on the host (`hull cp %s:%s -` writes it "
				      "in a tar)",
				      src, c->name, c->name, src);
	_cleanup_free_ char *dst = host_dest(dst_arg);
	_cleanup_close_ int dstfd = open(dst, O_PATH | O_CLOEXEC);
	if (dstfd >= 0 && fstat(dstfd, &dst_st) == 0 && is_special(dst_st.st_mode)) {
		/* /dev/null, a FIFO: written into, never replaced */
		if (!S_ISREG(src_st.st_mode))
			return hull_error_msg(err, EINVAL,
					      "cp: `%s` is not a regular file: only a file's data "
					      "can be written into `%s`",
					      src, dst_arg);
		return write_into(srcfd, src, dst_arg, opts, err);
	}
	_cleanup_free_ char *dir = NULL, *name = NULL;
	int r = hull_cp_plan(src, is_dir_fd(srcfd), dst, kind_of(dstfd), &dir, &name, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return hull_error_set(err, errno, "cp: destination directory `%s`", dir);
	struct skip_report report = { src, name, opts };
	s.root = dirfd;
	s.host = true;
	s.skipped = report_skipped;
	s.skipped_data = &report;
	r = walk_planned(srcfd, src, dst_arg, name, &s, err);
	opts->copied = s.copied;
	return r;
}

int hull_engine_cp_to(struct hull_container *c, const char *src, int in_fd, const char *dst,
		      struct hull_cp_opts *opts, struct hull_error **err)
{
	_cleanup_close_ int root = container_root(c, err);
	if (root < 0)
		return root;
	/* docker: what is copied in belongs to the container's root unless -a */
	struct cp_sink s = { .root = root, .owner = opts->archive ? CP_OWN_SOURCE : CP_OWN_FIXED };
	_cleanup_close_ int dstfd = hull_open_in_root(root, dst, O_PATH, 0);
	if (!src) {
		if (dstfd < 0 || !is_dir_fd(dstfd))
			return hull_error_msg(err, ENOTDIR, "cp: destination `%s` in container %s must be a directory",
					      dst, c->name);
		s.base = dst;
		int tr = cp_read_tar(in_fd, &s, err);
		opts->copied = s.copied;
		return tr < 0 ? hull_error_wrap(err, tr, "cp - to `%s:%s`", c->name, dst) : 0;
	}
	_cleanup_close_ int srcfd = open(src, O_PATH | O_CLOEXEC | (opts->follow_link ? 0 : O_NOFOLLOW));
	if (srcfd < 0)
		return hull_error_set(err, errno, "cp: `%s`", src);
	_cleanup_free_ char *dir = NULL, *name = NULL;
	int r = hull_cp_plan(src, is_dir_fd(srcfd), dst, kind_of(dstfd), &dir, &name, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dirfd = hull_open_in_root(root, dir, O_PATH | O_DIRECTORY, 0);
	if (dirfd < 0)
		return hull_error_set(err, errno, "cp: destination directory `%s` in container %s", dir, c->name);
	s.base = dir;
	_cleanup_free_ char *where = hull_strdup_printf("%s:%s", c->name, dst);
	r = walk_planned(srcfd, src, where, name, &s, err);
	opts->copied = s.copied;
	return r;
}

int hull_engine_tar_into(int root, const char *dir, int in_fd, bool host, struct hull_error **err)
{
	struct cp_sink s = { .root = root, .base = dir, .owner = CP_OWN_SOURCE, .host = host };
	_cleanup_close_ int dirfd = hull_open_in_root(root, dir, O_PATH | O_DIRECTORY, 0);
	if (dirfd < 0)
		return hull_error_set(err, errno, "extract into `%s`", dir);
	return cp_read_tar(in_fd, &s, err);
}
