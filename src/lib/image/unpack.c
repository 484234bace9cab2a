/* unpack.c - extract a layer tar safely (OCI image-spec layer.md). Every
 * name is resolved beneath the layer root with openat2(2) and
 * RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS, so neither `..` nor a symlink
 * planted by an earlier entry (CVE-2019-14271, CVE-2018-15664 style) can
 * carry a write outside the root. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "unpack.h"

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"

struct dir_time {
	char *path;
	struct timespec times[2];
};

struct unpacker {
	struct hull_ctx *ctx;
	struct archive *a;
	int root_fd;
	char *cached_parent; /* last parent path resolved, and its fd */
	int cached_fd;
	struct dir_time *dirs; /* directory mtimes, applied last (later entries touch them) */
	size_t n_dirs, cap_dirs;
	long long bytes;
	unsigned long long free_bytes;
	char *buf;
	uid_t euid;
	gid_t egid;
};

int unpack_clean_path(char *path, struct hull_error **err)
{
	if (path[0] == '/')
		return hull_error_msg(err, EPERM, "absolute path `%s` in layer: refusing to write outside the layer",
				      path);
	char *out = path;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return hull_error_msg(err, EPERM, "path `%s` in layer contains `..`: refusing to write outside the layer",
					      path);
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (out != path)
				*out++ = '/';
			memmove(out, p, n);
			out += n;
		}
		p = end;
	}
	*out = '\0';
	return 0;
}

static int openat2_in_root(int root_fd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (unsigned long long)flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	if (!*path)
		path = ".";
	long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Create missing parent directories one component at a time, each under
 * the already-resolved previous one (tars may omit directory entries). */
static int make_parents(struct unpacker *u, const char *dir, const char *entry, struct hull_error **err)
{
	_cleanup_free_ char *copy = hull_xstrdup(dir);
	_cleanup_close_ int cur = openat2_in_root(u->root_fd, "", O_PATH | O_DIRECTORY);
	if (cur < 0)
		return hull_error_set(err, -cur, "open layer root");
	for (char *save = NULL, *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (mkdirat(cur, c, 0755) < 0 && errno != EEXIST)
			return hull_error_set(err, errno, "entry `%s`: create directory `%s`", entry, c);
		int next = openat2_in_root(cur, c, O_PATH | O_DIRECTORY);
		if (next == -ELOOP)
			return hull_error_msg(err, EPERM,
					      "entry `%s`: `%s` is a symlink; refusing to write through it", entry, c);
		if (next < 0)
			return hull_error_set(err, -next, "entry `%s`: open directory `%s`", entry, c);
		close(cur);
		cur = next;
	}
	return take_fd(cur);
}

/* parent_fd: an O_PATH fd of path's directory (borrowed; cached). */
static int parent_fd(struct unpacker *u, const char *dir, const char *entry, struct hull_error **err)
{
	if (u->cached_parent && !strcmp(u->cached_parent, dir))
		return u->cached_fd;
	int fd = openat2_in_root(u->root_fd, dir, O_PATH | O_DIRECTORY);
	if (fd == -ENOENT)
		fd = make_parents(u, dir, entry, err);
	else if (fd == -ELOOP || fd == -EXDEV)
		return hull_error_msg(err, EPERM, "entry `%s`: its directory `%s` goes through a symlink; "
						  "refusing to write through it",
				      entry, dir);
	else if (fd == -ENOTDIR)
		return hull_error_msg(err, ENOTDIR, "entry `%s`: a component of `%s` is not a directory", entry, dir);
	else if (fd < 0)
		return hull_error_set(err, -fd, "entry `%s`: open `%s`", entry, dir);
	if (fd < 0)
		return fd;
	if (u->cached_fd >= 0)
		close(u->cached_fd);
	free(u->cached_parent);
	u->cached_parent = hull_xstrdup(dir);
	u->cached_fd = fd;
	return fd;
}

/* Remove what is at name so the entry can take its place (tar semantics:
 * the later entry wins). A directory stays when the entry is one too. */
static int clear_slot(struct unpacker *u, int dfd, const char *name, bool keep_dir, const char *entry,
		      struct hull_error **err)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : hull_error_set(err, errno, "entry `%s`: stat", entry);
	if (S_ISDIR(st.st_mode)) {
		if (keep_dir)
			return 0;
		/* The cached parent may lie inside the tree about to go. */
		if (u->cached_fd >= 0 && u->cached_fd != dfd) {
			close(u->cached_fd);
			u->cached_fd = -1;
			free(u->cached_parent);
			u->cached_parent = NULL;
		}
		_cleanup_free_ char *p = hull_strdup_printf("/proc/self/fd/%d/%s", dfd, name);
		return hull_rm_rf(p, err);
	}
	if (unlinkat(dfd, name, 0) < 0)
		return hull_error_set(err, errno, "entry `%s`: replace", entry);
	return 0;
}

static void split(char *path, const char **dir, const char **name)
{
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		*dir = path;
		*name = slash + 1;
	} else {
		*dir = "";
		*name = path;
	}
}

static int set_xattrs(struct unpacker *u, struct archive_entry *e, int fd, const char *entry,
		      struct hull_error **err)
{
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		/* A layer must not smuggle overlayfs' own control attributes. */
		if (!strncmp(name, "trusted.overlay.", 16))
			continue;
		if (fsetxattr(fd, name, value, size, 0) < 0) {
			if (errno == ENOTSUP || errno == EPERM) {
				hull_warn(u->ctx, "entry `%s`: xattr %s not kept: %s", entry, name, strerror(errno));
				continue;
			}
			return hull_error_set(err, errno, "entry `%s`: set xattr %s", entry, name);
		}
	}
	return 0;
}

static int set_owner_mode(struct unpacker *u, int fd, struct archive_entry *e, const char *entry,
			  struct hull_error **err)
{
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	if ((uid != u->euid || gid != u->egid) && fchown(fd, uid, gid) < 0)
		return hull_error_set(err, errno, "entry `%s`: chown %u:%u", entry, uid, gid);
	/* After chown: chown clears set-id bits; and the umask trimmed the creation mode. */
	if (fchmod(fd, archive_entry_perm(e)) < 0)
		return hull_error_set(err, errno, "entry `%s`: chmod", entry);
	return 0;
}

static int write_data(struct unpacker *u, int fd, struct archive_entry *e, const char *entry,
		      struct hull_error **err)
{
	const void *block;
	size_t size;
	la_int64_t offset;
	long long end = 0;
	for (;;) {
		int r = archive_read_data_block(u->a, &block, &size, &offset);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return hull_error_msg(err, EIO, "entry `%s`: %s", entry, archive_error_string(u->a));
		const char *p = block;
		size_t left = size;
		while (left > 0) {
			ssize_t n = pwrite(fd, p, left, offset);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return hull_error_set(err, errno, "entry `%s`: write", entry);
			p += n;
			left -= (size_t)n;
			offset += n;
		}
		if (offset > end)
			end = offset;
	}
	/* Sparse files: a trailing hole is not a data block; size it. */
	long long want = archive_entry_size(e);
	if (want > end && ftruncate(fd, want) < 0)
		return hull_error_set(err, errno, "entry `%s`: truncate", entry);
	u->bytes += want;
	return 0;
}

static void entry_times(struct archive_entry *e, struct timespec t[2])
{
	t[0].tv_sec = archive_entry_atime_is_set(e) ? archive_entry_atime(e) : archive_entry_mtime(e);
	t[0].tv_nsec = archive_entry_atime_is_set(e) ? archive_entry_atime_nsec(e) : archive_entry_mtime_nsec(e);
	t[1].tv_sec = archive_entry_mtime(e);
	t[1].tv_nsec = archive_entry_mtime_nsec(e);
}

static int extract_file(struct unpacker *u, int dfd, const char *name, struct archive_entry *e, const char *entry,
			struct hull_error **err)
{
	long long size = archive_entry_size(e);
	if (size < 0 || (unsigned long long)size > u->free_bytes)
		return hull_error_msg(err, EFBIG, "entry `%s` claims %lld bytes, more than the %llu free in the store",
				      entry, size, u->free_bytes);
	int ret = clear_slot(u, dfd, name, false, entry, err);
	if (ret < 0)
		return ret;
	_cleanup_close_ int fd =
		openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_set(err, errno, "entry `%s`: create", entry);
	if ((ret = write_data(u, fd, e, entry, err)) < 0 || (ret = set_owner_mode(u, fd, e, entry, err)) < 0 ||
	    (ret = set_xattrs(u, e, fd, entry, err)) < 0)
		return ret;
	struct timespec t[2];
	entry_times(e, t);
	if (futimens(fd, t) < 0)
		return hull_error_set(err, errno, "entry `%s`: set times", entry);
	return 0;
}

static int extract_dir(struct unpacker *u, int dfd, const char *name, struct archive_entry *e, const char *entry,
		       const char *clean, struct hull_error **err)
{
	int ret = clear_slot(u, dfd, name, true, entry, err);
	if (ret < 0)
		return ret;
	if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
		return hull_error_set(err, errno, "entry `%s`: mkdir", entry);
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "entry `%s`: open directory", entry);
	if ((ret = set_owner_mode(u, fd, e, entry, err)) < 0 || (ret = set_xattrs(u, e, fd, entry, err)) < 0)
		return ret;
	if (u->n_dirs == u->cap_dirs) {
		u->cap_dirs = u->cap_dirs ? 2 * u->cap_dirs : 64;
		u->dirs = hull_xrealloc(u->dirs, u->cap_dirs * sizeof(*u->dirs));
	}
	u->dirs[u->n_dirs].path = hull_xstrdup(clean);
	entry_times(e, u->dirs[u->n_dirs].times);
	u->n_dirs++;
	return 0;
}

static int extract_symlink(struct unpacker *u, int dfd, const char *name, struct archive_entry *e,
			   const char *entry, struct hull_error **err)
{
	const char *target = archive_entry_symlink(e);
	if (!target || !*target)
		return hull_error_msg(err, EINVAL, "entry `%s`: symlink without a target", entry);
	int ret = clear_slot(u, dfd, name, false, entry, err);
	if (ret < 0)
		return ret;
	/* The target is stored as-is: it is resolved in the container's root
	 * at run time; hull itself never follows it (RESOLVE_NO_SYMLINKS). */
	if (symlinkat(target, dfd, name) < 0)
		return hull_error_set(err, errno, "entry `%s`: symlink", entry);
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	if ((uid != u->euid || gid != u->egid) && fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_set(err, errno, "entry `%s`: chown", entry);
	struct timespec t[2];
	entry_times(e, t);
	utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int extract_hardlink(struct unpacker *u, int dfd, const char *name, const char *link_target,
			    const char *entry, struct hull_error **err)
{
	_cleanup_free_ char *target = hull_xstrdup(link_target);
	int ret = unpack_clean_path(target, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "entry `%s`: hardlink target", entry);
	if (!*target)
		return hull_error_msg(err, EPERM, "entry `%s`: hardlink to the layer root", entry);
	const char *tdir, *tname;
	split(target, &tdir, &tname);
	_cleanup_close_ int tfd = openat2_in_root(u->root_fd, tdir, O_PATH | O_DIRECTORY);
	if (tfd < 0)
		return hull_error_msg(err, tfd == -ELOOP || tfd == -EXDEV ? EPERM : -tfd,
				      "entry `%s`: hardlink target `%s` is not inside the layer", entry, link_target);
	struct stat st;
	if (fstatat(tfd, tname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_set(err, errno, "entry `%s`: hardlink target `%s`", entry, link_target);
	if (S_ISDIR(st.st_mode))
		return hull_error_msg(err, EPERM, "entry `%s`: hardlink to directory `%s`", entry, link_target);
	if ((ret = clear_slot(u, dfd, name, false, entry, err)) < 0)
		return ret;
	if (linkat(tfd, tname, dfd, name, 0) < 0)
		return hull_error_set(err, errno, "entry `%s`: link to `%s`", entry, link_target);
	return 0;
}

static int extract_special(struct unpacker *u, int dfd, const char *name, struct archive_entry *e,
			   const char *entry, struct hull_error **err)
{
	mode_t type = archive_entry_filetype(e);
	if (type == AE_IFSOCK)
		return 0;
	int ret = clear_slot(u, dfd, name, false, entry, err);
	if (ret < 0)
		return ret;
	if (mknodat(dfd, name, type | archive_entry_perm(e), archive_entry_rdev(e)) < 0) {
		if (errno == EPERM) {
			hull_warn(u->ctx, "entry `%s`: device node skipped (not permitted here)", entry);
			return 0;
		}
		return hull_error_set(err, errno, "entry `%s`: mknod", entry);
	}
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	if (fchownat(dfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_set(err, errno, "entry `%s`: chown", entry);
	return 0;
}

/* layer.md#whiteouts -> overlayfs: a whiteout is a 0:0 char device, an
 * opaque directory has trusted.overlay.opaque=y. */
static int extract_whiteout(struct unpacker *u, int dfd, const char *name, const char *entry, struct hull_error **err)
{
	if (!strcmp(name, OPAQUE_MARKER)) {
		_cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return hull_error_set(err, errno, "entry `%s`: mark directory opaque", entry);
		return 0;
	}
	const char *victim = name + strlen(WHITEOUT_PREFIX);
	if (!*victim || !strcmp(victim, ".") || !strcmp(victim, ".."))
		return hull_error_msg(err, EINVAL, "entry `%s`: invalid whiteout", entry);
	int ret = clear_slot(u, dfd, victim, false, entry, err);
	if (ret < 0)
		return ret;
	if (mknodat(dfd, victim, S_IFCHR | 0, makedev(0, 0)) < 0)
		return hull_error_set(err, errno, "entry `%s`: make whiteout", entry);
	return 0;
}

static int extract_entry(struct unpacker *u, struct archive_entry *e, struct hull_error **err)
{
	const char *raw = archive_entry_pathname(e);
	if (!raw)
		return hull_error_msg(err, EINVAL, "layer entry without a name");
	_cleanup_free_ char *clean = hull_xstrdup(raw);
	int ret = unpack_clean_path(clean, err);
	if (ret < 0)
		return ret;
	if (!*clean)
		return 0; /* "./": the root itself keeps the store's mode */
	_cleanup_free_ char *split_buf = hull_xstrdup(clean);
	const char *dir, *name;
	split(split_buf, &dir, &name);
	int dfd = parent_fd(u, dir, raw, err);
	if (dfd < 0)
		return dfd;
	if (!strncmp(name, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)))
		return extract_whiteout(u, dfd, name, raw, err);
	const char *hardlink = archive_entry_hardlink(e);
	if (hardlink)
		return extract_hardlink(u, dfd, name, hardlink, raw, err);
	switch (archive_entry_filetype(e)) {
	case AE_IFREG:
		return extract_file(u, dfd, name, e, raw, err);
	case AE_IFDIR:
		return extract_dir(u, dfd, name, e, raw, clean, err);
	case AE_IFLNK:
		return extract_symlink(u, dfd, name, e, raw, err);
	default:
		return extract_special(u, dfd, name, e, raw, err);
	}
}

static void apply_dir_times(struct unpacker *u)
{
	for (size_t i = u->n_dirs; i-- > 0;) {
		int fd = openat2_in_root(u->root_fd, u->dirs[i].path, O_RDONLY | O_DIRECTORY);
		if (fd >= 0) {
			futimens(fd, u->dirs[i].times);
			close(fd);
		}
		free(u->dirs[i].path);
	}
	free(u->dirs);
}

int unpack_archive(struct hull_ctx *ctx, struct archive *a, int root_fd, long long *bytes, struct hull_error **err)
{
	struct unpacker u = { .ctx = ctx, .a = a, .root_fd = root_fd, .cached_fd = -1,
			      .euid = geteuid(), .egid = getegid() };
	struct statvfs vfs;
	u.free_bytes = fstatvfs(root_fd, &vfs) == 0 ? (unsigned long long)vfs.f_bavail * vfs.f_frsize : ~0ULL;
	int ret = 0;
	for (;;) {
		struct archive_entry *e;
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			ret = hull_error_msg(err, EIO, "read layer: %s", archive_error_string(a));
			break;
		}
		if ((ret = extract_entry(&u, e, err)) < 0)
			break;
	}
	apply_dir_times(&u);
	if (u.cached_fd >= 0)
		close(u.cached_fd);
	free(u.cached_parent);
	if (bytes)
		*bytes = u.bytes;
	return ret;
}
