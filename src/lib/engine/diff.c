/* diff.c - docker diff: what a container changed, read from its overlay
 * upper directory (Documentation/filesystems/overlayfs.rst "whiteouts and
 * opaque directories"): a whiteout (a 0/0 character device) is a deleted
 * path, anything else is changed when a lower layer has it, else added.
 * The upper directory is read directly (no mount needed, running or not);
 * nothing in it is followed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_diff.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/json.h"

struct diff_walk {
	json_t *lowers;            /* the image's layer dirs, top first */
	struct hull_change *items; /* what was found */
	size_t n, cap;
};

/* Does any lower layer hold `path`? A layer's own whiteout hides those below
 * it, but then the image's view lacks it and this path is an addition. */
static bool in_lower(json_t *lowers, const char *path)
{
	size_t i;
	json_t *v;
	json_array_foreach(lowers, i, v)
	{
		_cleanup_free_ char *p = hull_strdup_printf("%s%s", json_string_value(v), path);
		struct stat st;
		if (lstat(p, &st) == 0)
			return !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	}
	return false;
}

static void add(struct diff_walk *w, char kind, const char *path)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->items = hull_xrealloc(w->items, w->cap * sizeof(*w->items));
	}
	w->items[w->n++] = (struct hull_change){ .kind = kind, .path = hull_xstrdup(path) };
}

/* An opaque directory (overlayfs: the user replaced a lower one) hides
 * everything the layers had in it: set when trusted.overlay.opaque, or the
 * user.overlay.* one a rootless (userxattr) mount writes, is "y". */
static bool is_opaque(int fd)
{
	char v[2];
	ssize_t n = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v));
	if (n < 0)
		n = fgetxattr(fd, "user.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

/* The layers' entries of an opaque directory that the upper one lacks:
 * deleted, as a diff of the two trees shows them. */
static void add_hidden(struct diff_walk *w, int upper_fd, const char *path)
{
	size_t i;
	json_t *v;
	_cleanup_json_ json_t *seen = json_object();
	json_array_foreach(w->lowers, i, v)
	{
		_cleanup_free_ char *dir = hull_strdup_printf("%s%s", json_string_value(v), path);
		_cleanup_closedir_ DIR *d = opendir(dir);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || json_object_get(seen, de->d_name))
				continue;
			json_object_set_new(seen, de->d_name, json_true());
			struct stat st;
			_cleanup_free_ char *child = hull_strdup_printf("%s/%s", path, de->d_name);
			if (fstatat(upper_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 && in_lower(w->lowers, child))
				add(w, 'D', child);
		}
	}
}

/* The empty files the runtime makes as mount points for the /etc files
 * hull binds in (spec.c): docker keeps those in an init layer below the
 * container's, so its diff never shows them. */
static bool is_etc_mountpoint(const char *path, const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_size == 0 &&
	       (!strcmp(path, "/etc/hostname") || !strcmp(path, "/etc/hosts") || !strcmp(path, "/etc/resolv.conf"));
}

/* *skipped: whether only such mount points made this directory appear */
static int walk(struct diff_walk *w, int dirfd, const char *prefix, int depth, bool *skipped,
		struct hull_error **err)
{
	if (depth > 256)
		return hull_error_msg(err, ELOOP, "diff: `%s`: directory tree deeper than 256 levels", prefix);
	int fd = dup(dirfd);
	if (fd < 0)
		return hull_error_set(err, errno, "diff: dup");
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return hull_error_set(err, errno, "diff: read `%s`", prefix);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *path = hull_strdup_printf("%s/%s", prefix, de->d_name);
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return hull_error_set(err, errno, "diff: stat `%s`", path);
		if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
			add(w, 'D', path);
			continue;
		}
		if (is_etc_mountpoint(path, &st) && !in_lower(w->lowers, path)) {
			*skipped = true;
			continue;
		}
		bool lower = in_lower(w->lowers, path);
		add(w, lower ? 'C' : 'A', path);
		if (!S_ISDIR(st.st_mode))
			continue;
		size_t mark = w->n;
		_cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return hull_error_set(err, errno, "diff: open `%s`", path);
		if (lower && is_opaque(sub))
			add_hidden(w, sub, path);
		bool only_mountpoints = false;
		int r = walk(w, sub, path, depth + 1, &only_mountpoints, err);
		if (r < 0)
			return r;
		if (lower && only_mountpoints && w->n == mark) {
			free(w->items[--w->n].path); /* copied up for mount points alone */
		}
	}
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct hull_change *)a)->path, ((const struct hull_change *)b)->path);
}

int hull_engine_diff(const struct hull_container *c, struct hull_change **out, size_t *n, struct hull_error **err)
{
	*out = NULL;
	*n = 0;
	json_t *g = json_object_get(json_object_get(c->record, "GraphDriver"), "Data");
	const char *upper = json_string_value(json_object_get(g, "UpperDir"));
	if (!upper)
		return hull_error_msg(err, EINVAL, "container %.12s: record has no GraphDriver upper directory", c->id);
	_cleanup_close_ int fd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0; /* never started: nothing changed */
	if (fd < 0)
		return hull_error_set(err, errno, "diff: open `%s`", upper);
	struct diff_walk w = { .lowers = json_object_get(g, "HullLowerDirs") };
	bool skipped = false;
	int r = walk(&w, fd, "", 0, &skipped, err);
	if (r < 0) {
		hull_changes_free(w.items, w.n);
		return r;
	}
	qsort(w.items, w.n, sizeof(*w.items), by_path);
	*out = w.items;
	*n = w.n;
	return 0;
}

void hull_changes_free(struct hull_change *changes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(changes[i].path);
	free(changes);
}
