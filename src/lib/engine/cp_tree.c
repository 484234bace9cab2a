/* cp_tree.c - the two ends of `hull cp`: a source walked from an O_PATH fd
 * (never following a symlink below it) or read from a tar, and a sink that
 * writes a tar or creates the entries under a directory resolved inside a
 * root with hull_open_in_root, so that no symlink, in the tree being
 * copied or already at the destination, leads a write out of that root
 * (the CVE-2018-15664 / CVE-2019-14271 class docker cp had). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/inroot.h"
#include "hull/lazy.h"
#include "cp_internal.h"

/* Reopen an O_PATH fd for reading: the magic link names exactly that inode. */
static int reopen(int fd, int flags)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	return open(p, flags | O_CLOEXEC);
}

static int copy_data(struct cp_sink *s, const struct cp_entry *e, int out, struct archive *tar_out,
		     const char *what, struct hull_error **err)
{
	char buf[65536];
	for (;;) {
		ssize_t n = e->ar ? archive_read_data(e->ar, buf, sizeof(buf)) : read(e->fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n > 0)
			s->copied += (unsigned long long)n;
		if (n < 0)
			return e->ar ? hull_error_msg(err, EIO, "read `%s`: %s", what, archive_error_string(e->ar))
				     : hull_error_set(err, errno, "read `%s`", what);
		if (tar_out) {
			if (archive_write_data(tar_out, buf, (size_t)n) < 0)
				return hull_error_msg(err, EIO, "write `%s`: %s", what,
						      archive_error_string(tar_out));
		} else if (hull_write_all(out, buf, (size_t)n) < 0) {
			return hull_error_set(err, errno, "write `%s`", what);
		}
	}
}

static int tar_put(struct cp_sink *s, const struct cp_entry *e, struct hull_error **err)
{
	struct archive_entry *ae = archive_entry_new();
	archive_entry_copy_stat(ae, &e->st);
	archive_entry_copy_pathname(ae, e->name);
	if (e->link)
		archive_entry_copy_symlink(ae, e->link);
	if (e->hardlink)
		archive_entry_copy_hardlink(ae, e->hardlink);
	if (!S_ISREG(e->st.st_mode) || e->hardlink)
		archive_entry_set_size(ae, 0);
	int r = 0;
	if (archive_write_header(s->tar, ae) < ARCHIVE_WARN)
		r = hull_error_msg(err, EIO, "write `%s`: %s", e->name, archive_error_string(s->tar));
	else if (S_ISREG(e->st.st_mode) && !e->hardlink && e->st.st_size > 0)
		r = copy_data(s, e, -1, s->tar, e->name, err);
	archive_entry_free(ae);
	return r;
}

/* Give what we made the owner the sink asks for, through an fd to it. */
static void set_owner(struct cp_sink *s, int fd, const struct stat *st)
{
	if (s->owner == CP_OWN_NONE)
		return;
	uid_t u = s->owner == CP_OWN_SOURCE ? st->st_uid : s->uid;
	gid_t g = s->owner == CP_OWN_SOURCE ? st->st_gid : s->gid;
	/* an id our user namespace does not map stays with us, as tar does */
	(void)!fchownat(fd, "", u, g, AT_EMPTY_PATH);
}

/* The entry we just made (or merge into) at leaf, opened again beneath
 * its parent without following a symlink, and checked to be of the type
 * we made: the container may have renamed something else over the name. */
static int reopen_made(int dirfd, const char *leaf, mode_t type, const char *what, struct hull_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "open `%s` again to set its owner and mode", what);
	if ((st.st_mode & S_IFMT) != type)
		return hull_error_msg(err, EAGAIN, "`%s` was replaced while it was being copied", what);
	return take_fd(fd);
}

/* Owner, mode and times of what we made, set through the fd `fd` to it and
 * never by name: a container can rename a symlink to a host file over that
 * name at any moment, and a chmod or chown by name would follow it from
 * the host's root (the magic link /proc/self/fd/N names the inode itself). */
static void set_metadata(struct cp_sink *s, int dirfd, const char *leaf, int fd, const struct cp_entry *e, mode_t mode)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	set_owner(s, fd, &e->st);
	struct timespec times[2] = { e->st.st_atim, e->st.st_mtim };
	if (S_ISLNK(e->st.st_mode)) {
		/* a symlink has no mode; its times by name, never following */
		(void)!utimensat(dirfd, leaf, times, AT_SYMLINK_NOFOLLOW);
		return;
	}
	(void)!chmod(p, mode); /* after chown, which clears setuid */
	if (!S_ISDIR(e->st.st_mode))
		(void)!utimensat(AT_FDCWD, p, times, 0);
}

/* Make room for a new entry: an existing non-directory is replaced; a
 * directory stays (merged into) only when the new entry is one too. */
static int clear_leaf(int dirfd, const char *leaf, const struct cp_entry *e, const char *what, bool *exists_dir,
		      struct hull_error **err)
{
	struct stat old;
	*exists_dir = false;
	if (fstatat(dirfd, leaf, &old, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : hull_error_set(err, errno, "stat `%s`", what);
	if (S_ISDIR(old.st_mode)) {
		if (S_ISDIR(e->st.st_mode)) {
			*exists_dir = true;
			return 0;
		}
		return hull_error_msg(err, EISDIR, "cannot overwrite directory `%s` with non-directory", what);
	}
	if (S_ISDIR(e->st.st_mode))
		return hull_error_msg(err, ENOTDIR, "cannot overwrite non-directory `%s` with directory", what);
	if (unlinkat(dirfd, leaf, 0) < 0)
		return hull_error_set(err, errno, "replace `%s`", what);
	return 0;
}

static int make_hardlink(struct cp_sink *s, int dirfd, const char *leaf, const struct cp_entry *e, const char *what,
			 struct hull_error **err)
{
	_cleanup_free_ char *target = hull_path_join(s->base, e->hardlink);
	_cleanup_close_ int t = hull_open_in_root(s->root, target, O_PATH | O_NOFOLLOW, 0);
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", t);
	if (t < 0 || linkat(AT_FDCWD, p, dirfd, leaf, AT_SYMLINK_FOLLOW) < 0)
		return hull_error_set(err, errno, "hard link `%s` to `%s`", what, e->hardlink);
	return 0;
}

/* Create the entry at leaf (a regular file with its data); returns an fd
 * to what was made, for set_metadata. */
static int create_leaf(struct cp_sink *s, int dirfd, const char *leaf, const struct cp_entry *e, mode_t mode,
		       const char *what, struct hull_error **err)
{
	if (S_ISREG(e->st.st_mode)) {
		_cleanup_close_ int out =
			openat(dirfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0)
			return hull_error_set(err, errno, "create `%s`", what);
		int r = copy_data(s, e, out, NULL, what, err);
		return r < 0 ? r : take_fd(out);
	}
	if (S_ISDIR(e->st.st_mode)) {
		/* its final mode at once: we are root, or root of our user
		 * namespace over what we make, so a 0555 one still fills */
		if (mkdirat(dirfd, leaf, mode) < 0)
			return hull_error_set(err, errno, "mkdir `%s`", what);
	} else if (S_ISLNK(e->st.st_mode)) {
		if (symlinkat(e->link, dirfd, leaf) < 0)
			return hull_error_set(err, errno, "symlink `%s`", what);
	} else if (mknodat(dirfd, leaf, (e->st.st_mode & S_IFMT) | mode, e->st.st_rdev) < 0) {
		return hull_error_set(err, errno, "mknod `%s`", what);
	}
	return reopen_made(dirfd, leaf, e->st.st_mode & S_IFMT, what, err);
}

/* The kind of a file the host side of a copy never makes, or NULL. */
static const char *special_kind(mode_t mode)
{
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return NULL;
}

static int dir_put(struct cp_sink *s, const struct cp_entry *e, struct hull_error **err)
{
	_cleanup_free_ char *full = hull_path_join(s->base, e->name);
	_cleanup_free_ char *d1 = hull_xstrdup(full), *d2 = hull_xstrdup(full);
	const char *leaf = basename(d1), *parent = dirname(d2);
	if (!strcmp(leaf, ".") || !strcmp(leaf, "..") || !strcmp(leaf, "/") || !*leaf)
		return 0; /* a tar's "./" names the destination itself */
	mode_t mode = e->st.st_mode & 07777;
	if (s->host) {
		/* a container's device node, FIFO or socket is never made on the
		 * host, nor a setuid or setgid bit kept (a world-writable block
		 * device or a setuid root shell otherwise); a tar (`-`) has them */
		const char *kind = special_kind(e->st.st_mode);
		if (kind) {
			if (s->skipped)
				s->skipped(s->skipped_data, e->name, kind);
			return 0;
		}
		mode &= ~(mode_t)(S_ISUID | S_ISGID);
	}
	_cleanup_close_ int dirfd = hull_open_in_root(s->root, parent, O_PATH | O_DIRECTORY, 0);
	if (dirfd < 0)
		return hull_error_set(err, errno, "open directory `%s`", parent);
	bool merge;
	int r = clear_leaf(dirfd, leaf, e, e->name, &merge, err);
	if (r < 0)
		return r;
	if (!merge && e->hardlink)
		return make_hardlink(s, dirfd, leaf, e, e->name, err);
	_cleanup_close_ int fd = merge ? reopen_made(dirfd, leaf, S_IFDIR, e->name, err)
				       : create_leaf(s, dirfd, leaf, e, mode, e->name, err);
	if (fd < 0)
		return fd;
	if (merge)
		set_owner(s, fd, &e->st);
	else
		set_metadata(s, dirfd, leaf, fd, e, mode);
	return 0;
}

int cp_sink_put(struct cp_sink *s, const struct cp_entry *e, struct hull_error **err)
{
	return s->tar ? tar_put(s, e, err) : dir_put(s, e, err);
}

static int walk(int fd, const char *name, bool skip_self, struct cp_sink *s, int depth, struct hull_error **err);

/* A running container's /proc and /sys (reached through /proc/PID/root)
 * are the kernel's, not its files: docker, which copies from the
 * container's own filesystem, has them as empty directories; so do we
 * when a walk comes across them (named as the source, they are read). */
static bool is_kernel_fs(int fd)
{
	struct statfs sfs;
	return fstatfs(fd, &sfs) == 0 && (sfs.f_type == PROC_SUPER_MAGIC || sfs.f_type == SYSFS_MAGIC ||
					  sfs.f_type == CGROUP_SUPER_MAGIC || sfs.f_type == CGROUP2_SUPER_MAGIC);
}

/* The first name walked for this file when it has several links, or NULL
 * (and this name is remembered). */
static const char *seen_link(struct cp_sink *s, const struct stat *st, const char *name)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].dev == st->st_dev && s->links[i].ino == st->st_ino)
			return s->links[i].name;
	s->links = hull_xrealloc(s->links, (s->n_links + 1) * sizeof(*s->links));
	s->links[s->n_links++] = (struct cp_link){ st->st_dev, st->st_ino, hull_xstrdup(name) };
	return NULL;
}

static int walk_children(int fd, const char *name, struct cp_sink *s, int depth, struct hull_error **err)
{
	int dfd = reopen(fd, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return hull_error_set(err, errno, "open directory `%s`", name);
	_cleanup_closedir_ DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return hull_error_set(err, errno, "read directory `%s`", name);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_close_ int child = openat(dfd, de->d_name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_free_ char *child_name = *name ? hull_path_join(name, de->d_name) : hull_xstrdup(de->d_name);
		if (child < 0)
			return hull_error_set(err, errno, "open `%s`", child_name);
		int r = walk(child, child_name, false, s, depth + 1, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int walk(int fd, const char *name, bool skip_self, struct cp_sink *s, int depth, struct hull_error **err)
{
	if (depth > 256)
		return hull_error_msg(err, ELOOP, "`%s`: directory tree deeper than 256 levels", name);
	struct cp_entry e = { .name = name, .fd = -1 };
	if (fstat(fd, &e.st) < 0)
		return hull_error_set(err, errno, "stat `%s`", name);
	char target[4096];
	if (S_ISLNK(e.st.st_mode)) {
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			return hull_error_set(err, errno, "readlink `%s`", name);
		target[n] = '\0';
		e.link = target;
	}
	_cleanup_close_ int data = -1;
	if (S_ISREG(e.st.st_mode) && e.st.st_nlink > 1)
		e.hardlink = seen_link(s, &e.st, name);
	if (S_ISREG(e.st.st_mode) && !e.hardlink) {
		data = reopen(fd, O_RDONLY);
		if (data < 0)
			return hull_error_set(err, errno, "open `%s`", name);
		e.fd = data;
	}
	int r = 0;
	if (!skip_self && (r = cp_sink_put(s, &e, err)) < 0)
		return r;
	if (S_ISDIR(e.st.st_mode) && !(depth > 0 && is_kernel_fs(fd)))
		return walk_children(fd, skip_self ? "" : name, s, depth, err);
	return 0;
}

int cp_walk(int fd, const char *name, bool contents, struct cp_sink *s, struct hull_error **err)
{
	int r = walk(fd, name, contents, s, 0, err);
	for (size_t i = 0; i < s->n_links; i++)
		free(s->links[i].name);
	free(s->links);
	s->links = NULL;
	s->n_links = 0;
	return r;
}

int cp_read_tar(int in, struct cp_sink *s, struct hull_error **err)
{
	int lr = hull_lazy_require(HULL_LIB_ARCHIVE, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "cp");
	struct archive *a = archive_read_new();
	/* tar only, as docker: libarchive's other readers include mtree,
	 * whose entries name host files to take their contents from */
	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	if (archive_read_open_fd(a, in, 65536) != ARCHIVE_OK) {
		int r = hull_error_msg(err, EIO, "read tar: %s", archive_error_string(a));
		archive_read_free(a);
		return r;
	}
	int r = 0;
	struct archive_entry *ae;
	for (;;) {
		int st = archive_read_next_header(a, &ae);
		if (st == ARCHIVE_EOF)
			break;
		if (st < ARCHIVE_WARN) {
			r = hull_error_msg(err, EIO, "read tar: %s", archive_error_string(a));
			break;
		}
		struct cp_entry e = { .name = archive_entry_pathname(ae), .fd = -1, .ar = a };
		e.st = *archive_entry_stat(ae);
		e.link = archive_entry_symlink(ae);
		e.hardlink = archive_entry_hardlink(ae);
		if (!e.name || (r = cp_sink_put(s, &e, err)) < 0)
			break;
	}
	archive_read_free(a);
	return r;
}
