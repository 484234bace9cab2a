/* unpack.c - extract a layer tar safely (OCI image-spec layer.md). Every
 * name is resolved beneath the layer root with openat2(2) and
 * RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS, so neither `..` nor a symlink
 * planted by an earlier entry (CVE-2019-14271, CVE-2018-15664 style) can
 * carry a write outside the root. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/inroot.h"
#include "hull/json.h"
#include "unpack.h"
#include "unpack_pool.h"

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
	mode_t umask; /* the creation mode loses these bits: chmod only then */
	struct unpack_pool *pool; /* small files are created by workers */
	json_t *dispatched;       /* paths handed to the pool since the last drain */
};

/* Files up to this size go to the pool (their data is copied into the job). */
#define POOL_MAX_FILE (1 << 20)

/* Wait for every dispatched file; redo, in order, those whose name was taken. */
static int drain(struct unpacker *u, struct hull_error **err);

/* Before an entry touches path (or anything below one of its ancestors
 * that is a dispatched file), let the pool finish: the tar's order rules. */
static int settle(struct unpacker *u, const char *path, struct hull_error **err)
{
	if (!u->pool || json_object_size(u->dispatched) == 0)
		return 0;
	_cleanup_free_ char *p = hull_xstrdup(path);
	for (;;) {
		if (json_object_get(u->dispatched, p))
			return drain(u, err);
		char *slash = strrchr(p, '/');
		if (!slash)
			return 0;
		*slash = '\0';
	}
}

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

/* A layer never writes through a symlink nor into a mount below its root. */
static int openat2_in_root(int root_fd, const char *path, int flags)
{
	return hull_open_in_root(root_fd, path, flags, HULL_IN_ROOT_NO_SYMLINKS | HULL_IN_ROOT_NO_XDEV);
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
		/* Workers may still be creating files inside the tree about to go
		 * (settle() only waits for the path itself and its ancestors). */
		if (u->pool && json_object_size(u->dispatched) > 0) {
			int ret = drain(u, err);
			if (ret < 0)
				return ret;
		}
		/* The cached parent may lie inside the tree about to go: forget its
		 * name. Its fd stays open until parent_fd() replaces it: it may be
		 * dfd, the directory of the entry that drain() just redid. */
		free(u->cached_parent);
		u->cached_parent = NULL;
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

static bool is_overlay_xattr(const char *name)
{
	return !strncmp(name, "trusted.overlay.", 16) || !strncmp(name, "user.overlay.", 13);
}

static int set_xattrs(struct unpacker *u, struct archive_entry *e, int fd, const char *entry,
		      struct hull_error **err)
{
	const char *name;
	const void *value;
	size_t size;
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		/* A layer must not smuggle overlayfs' own control attributes
		 * (opaque, redirect, whiteout...), in either namespace. */
		if (is_overlay_xattr(name))
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
	mode_t perm = archive_entry_perm(e);
	if (((perm & u->umask) || (perm & 07000)) && fchmod(fd, perm) < 0)
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

static void entry_times(struct archive_entry *e, struct timespec t[2]);

static void copy_xattrs(struct archive_entry *e, struct file_job *j)
{
	const char *name;
	const void *value;
	size_t size;
	size_t n = (size_t)archive_entry_xattr_reset(e);
	if (!n)
		return;
	j->xattrs = hull_xcalloc(n, sizeof(*j->xattrs));
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK && j->n_xattrs < n) {
		if (is_overlay_xattr(name))
			continue;
		struct job_xattr *x = &j->xattrs[j->n_xattrs++];
		x->name = hull_xstrdup(name);
		x->value = hull_xmalloc(size ? size : 1);
		memcpy(x->value, value, size);
		x->size = size;
	}
}

/* Read the member's data here; a worker creates the file. */
static int dispatch_file(struct unpacker *u, int dfd, const char *name, struct archive_entry *e, const char *entry,
			 const char *clean, struct hull_error **err)
{
	struct file_job *j = hull_xcalloc(1, sizeof(*j));
	j->ctx = u->ctx;
	j->dfd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	j->name = hull_xstrdup(name);
	j->entry = hull_xstrdup(entry);
	j->size = (size_t)archive_entry_size(e);
	j->data = hull_xmalloc(j->size ? j->size : 1);
	if (j->dfd < 0) {
		file_job_free(j);
		return hull_error_set(err, errno, "entry `%s`: dup", entry);
	}
	la_ssize_t n = j->size ? archive_read_data(u->a, j->data, j->size) : 0;
	if (n != (la_ssize_t)j->size) {
		int ret = hull_error_msg(err, EIO, "entry `%s`: %s", entry,
					 n < 0 ? archive_error_string(u->a) : "layer ends inside the file");
		file_job_free(j);
		return ret;
	}
	j->perm = archive_entry_perm(e);
	j->uid = (uid_t)archive_entry_uid(e);
	j->gid = (gid_t)archive_entry_gid(e);
	j->chown = j->uid != u->euid || j->gid != u->egid;
	j->chmod = (j->perm & u->umask) || (j->perm & 07000);
	entry_times(e, j->times);
	copy_xattrs(e, j);
	u->bytes += (long long)j->size;
	json_object_set_new(u->dispatched, clean, json_true());
	return unpack_pool_submit(u->pool, j, err);
}

static int extract_file(struct unpacker *u, int dfd, const char *name, struct archive_entry *e, const char *entry,
			const char *clean, struct hull_error **err)
{
	long long size = archive_entry_size(e);
	if (size < 0 || (unsigned long long)size > u->free_bytes)
		return hull_error_msg(err, EFBIG, "entry `%s` claims %lld bytes, more than the %llu free in the store",
				      entry, size, u->free_bytes);
	int ret;
	if (u->pool && size <= POOL_MAX_FILE && archive_entry_sparse_count(e) == 0)
		return dispatch_file(u, dfd, name, e, entry, clean, err);
	mode_t perm = archive_entry_perm(e) & 0777;
	_cleanup_close_ int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm);
	if (fd < 0 && errno == EEXIST) {
		/* tar semantics: a later member replaces an earlier one. */
		if ((ret = clear_slot(u, dfd, name, false, entry, err)) < 0)
			return ret;
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm);
	}
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
	int ret;
	if (mkdirat(dfd, name, archive_entry_perm(e) & 0777) < 0) {
		if (errno != EEXIST)
			return hull_error_set(err, errno, "entry `%s`: mkdir", entry);
		if ((ret = clear_slot(u, dfd, name, true, entry, err)) < 0)
			return ret;
		if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
			return hull_error_set(err, errno, "entry `%s`: mkdir", entry);
		/* An existing directory keeps nothing of its old mode. */
		if (fchmodat(dfd, name, archive_entry_perm(e), 0) < 0)
			return hull_error_set(err, errno, "entry `%s`: chmod", entry);
	}
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
	/* mknod's mode went through the umask; a node is never a symlink here. */
	if (fchmodat(dfd, name, archive_entry_perm(e), 0) < 0)
		return hull_error_set(err, errno, "entry `%s`: chmod", entry);
	struct timespec t[2];
	entry_times(e, t);
	utimensat(dfd, name, t, AT_SYMLINK_NOFOLLOW);
	return 0;
}

/* layer.md#whiteouts -> overlayfs: a whiteout is a 0:0 char device, an
 * opaque directory has trusted.overlay.opaque=y. */
static int extract_whiteout(struct unpacker *u, int dfd, const char *name, const char *entry, struct hull_error **err)
{
	if (!strcmp(name, OPAQUE_MARKER)) {
		_cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return hull_error_set(err, errno, "entry `%s`: mark directory opaque", entry);
		/* Without CAP_SYS_ADMIN (rootless), overlayfs mounted with
		 * "userxattr" reads the user.* twin (Documentation/filesystems/overlayfs.rst). */
		if (fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0 &&
		    (errno != EPERM || fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0))
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
	if ((ret = settle(u, clean, err)) < 0)
		return ret;
	_cleanup_free_ char *split_buf = hull_xstrdup(clean);
	const char *dir, *name;
	split(split_buf, &dir, &name);
	if (!strncmp(name, WHITEOUT_PREFIX, strlen(WHITEOUT_PREFIX)) && u->pool) {
		/* the whiteout's victim may be a file still being written */
		_cleanup_free_ char *victim = *dir ? hull_strdup_printf("%s/%s", dir, name + strlen(WHITEOUT_PREFIX))
						   : hull_xstrdup(name + strlen(WHITEOUT_PREFIX));
		if ((ret = settle(u, victim, err)) < 0)
			return ret;
	}
	if (archive_entry_hardlink(e) && u->pool) {
		_cleanup_free_ char *target = hull_xstrdup(archive_entry_hardlink(e));
		if (unpack_clean_path(target, NULL) == 0 && (ret = settle(u, target, err)) < 0)
			return ret;
	}
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
		return extract_file(u, dfd, name, e, raw, clean, err);
	case AE_IFDIR:
		return extract_dir(u, dfd, name, e, raw, clean, err);
	case AE_IFLNK:
		return extract_symlink(u, dfd, name, e, raw, err);
	default:
		return extract_special(u, dfd, name, e, raw, err);
	}
}

static int drain(struct unpacker *u, struct hull_error **err)
{
	struct file_job *conflicts = NULL;
	int ret = unpack_pool_drain(u->pool, &conflicts, err);
	json_object_clear(u->dispatched);
	while (conflicts) {
		struct file_job *j = conflicts;
		conflicts = j->next;
		if (ret >= 0 && (ret = clear_slot(u, j->dfd, j->name, false, j->entry, err)) >= 0) {
			ret = file_job_run(j, err);
			if (ret == -EEXIST)
				ret = hull_error_set(err, EEXIST, "entry `%s`: create", j->entry);
		}
		file_job_free(j);
	}
	return ret;
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

/* The umask, read without changing it: umask(2) cannot, and other threads
 * may be creating files. Unknown: assume everything is trimmed. */
static mode_t current_umask(void)
{
	_cleanup_free_ char *status = NULL;
	if (hull_read_file("/proc/self/status", &status, NULL, NULL) < 0)
		return 0777;
	const char *p = strstr(status, "\nUmask:");
	return p ? (mode_t)strtoul(p + 8, NULL, 8) : 0777;
}

int unpack_archive(struct hull_ctx *ctx, struct archive *a, int root_fd, long long *bytes, struct hull_error **err)
{
	struct unpacker u = { .ctx = ctx, .a = a, .root_fd = root_fd, .cached_fd = -1,
			      .euid = geteuid(), .egid = getegid() };
	u.umask = current_umask();
	struct statvfs vfs;
	u.free_bytes = fstatvfs(root_fd, &vfs) == 0 ? (unsigned long long)vfs.f_bavail * vfs.f_frsize : ~0ULL;
	/* Workers pay off on directories of small files; two suit this
	 * project's 2-core machines, four is the most that still helps ext4. */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	u.pool = unpack_pool_new(cpus >= 4 ? 4 : 2);
	u.dispatched = json_object();
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
	if (u.pool) {
		/* Always wait: the caller removes the directory when this fails. */
		_cleanup_error_ struct hull_error *late = NULL;
		int r = drain(&u, ret < 0 ? &late : err);
		if (ret >= 0)
			ret = r;
		unpack_pool_free(u.pool);
	}
	json_decref(u.dispatched);
	apply_dir_times(&u);
	if (u.cached_fd >= 0)
		close(u.cached_fd);
	free(u.cached_parent);
	if (bytes)
		*bytes = u.bytes;
	return ret;
}
