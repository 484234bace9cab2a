/* rootfs.c - the container's root filesystem: an overlay of the image's
 * shared, read-only layers (lowerdirs) under a per-container upper and
 * work directory, mounted by the monitor in its own mount namespace so
 * that a crashed monitor never leaves a mount behind on the host.
 * Reference: Documentation/filesystems/overlayfs.rst. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/cp.h"
#include "hull/fs.h"
#include "hull/inroot.h"
#include "hull/json.h"
#include "engine_internal.h"

static json_t *graph(const struct hull_container *c)
{
	return json_object_get(json_object_get(c->record, "GraphDriver"), "Data");
}

/* lowerdir=... with each layer named relative to their common parent
 * when they share one: the mount data is one page, and absolute paths of
 * 64-hex layer dirs would cap images at ~50 layers (docker's "l/" links
 * solve the same problem). */
static char *lower_option(json_t *lower, const char **chdir_to)
{
	*chdir_to = NULL;
	const char *first = json_string_value(json_array_get(lower, 0));
	_cleanup_free_ char *copy = hull_xstrdup(first ? first : "");
	const char *parent = dirname(copy);
	size_t plen = strlen(parent);
	bool shared = plen > 1;
	size_t i;
	json_t *v;
	json_array_foreach(lower, i, v)
	{
		const char *s = json_string_value(v);
		shared &= !strncmp(s, parent, plen) && s[plen] == '/' && !strchr(s + plen + 1, '/');
	}
	size_t cap = 16, len = 0;
	char *out = hull_xmalloc(cap);
	out[0] = '\0';
	json_array_foreach(lower, i, v)
	{
		const char *s = json_string_value(v) + (shared ? plen + 1 : 0);
		size_t l = strlen(s);
		out = hull_xrealloc(out, cap += l + 2);
		if (len)
			out[len++] = ':';
		memcpy(out + len, s, l + 1);
		len += l;
	}
	if (shared)
		*chdir_to = first; /* the caller uses dirname of it */
	return out;
}

/* In the rootless user namespace overlayfs cannot use trusted.* xattrs:
 * "userxattr" makes it use the user.overlay.* ones the unpacker writes
 * there (Documentation/filesystems/overlayfs.rst, "User xattr"). */
static bool in_user_namespace(void)
{
	_cleanup_free_ char *map = NULL;
	unsigned long inside, outside, count;
	return hull_read_file("/proc/self/uid_map", &map, NULL, NULL) == 0 &&
	       (sscanf(map, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside || outside ||
		count != 4294967295UL);
}

int engine_rootfs_mount(const struct hull_container *c, struct hull_error **err)
{
	json_t *g = graph(c);
	json_t *lower = json_object_get(g, "HullLowerDirs");
	const char *upper = json_string_value(json_object_get(g, "UpperDir"));
	const char *work = json_string_value(json_object_get(g, "WorkDir"));
	const char *merged = json_string_value(json_object_get(g, "MergedDir"));
	if (!upper || !work || !merged || !json_array_size(lower))
		return hull_error_msg(err, EINVAL, "container %.12s: record has no GraphDriver layers", c->id);
	if ((mkdir(upper, 0755) < 0 && errno != EEXIST) || (mkdir(work, 0700) < 0 && errno != EEXIST) ||
	    (mkdir(merged, 0755) < 0 && errno != EEXIST))
		return hull_error_set(err, errno, "container %.12s: make overlay directories", c->id);
	const char *chdir_to;
	_cleanup_free_ char *lowers = lower_option(lower, &chdir_to);
	_cleanup_free_ char *data = hull_strdup_printf("lowerdir=%s,upperdir=%s,workdir=%s%s", lowers, upper, work,
						       in_user_namespace() ? ",userxattr" : "");
	if (strlen(data) >= 4096)
		return hull_error_msg(err, E2BIG, "container %.12s: too many image layers for one overlay mount (%zu)",
				      c->id, json_array_size(lower));
	_cleanup_close_ int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir_to) {
		_cleanup_free_ char *copy = hull_xstrdup(chdir_to);
		if (chdir(dirname(copy)) < 0)
			return hull_error_set(err, errno, "container %.12s: chdir to the layer store", c->id);
	}
	int r = mount("overlay", merged, "overlay", 0, data);
	int e = errno;
	if (chdir_to && here >= 0 && fchdir(here) < 0)
		e = e ? e : errno;
	if (r < 0)
		return hull_error_set(err, e, "container %.12s: mount overlay at `%s`", c->id, merged);
	return 0;
}

void engine_rootfs_unmount(const struct hull_container *c)
{
	const char *merged = json_string_value(json_object_get(graph(c), "MergedDir"));
	if (merged)
		umount2(merged, MNT_DETACH);
}

/* mkdir -p path inside root, never leaving it (symlinks resolve in root). */
static int mkdir_in_root(int root, const char *path, struct hull_error **err)
{
	_cleanup_free_ char *p = hull_xstrdup(path);
	for (char *slash = p + 1;; slash++) {
		bool end = *slash == '\0';
		if (*slash != '/' && !end)
			continue;
		*slash = '\0';
		_cleanup_close_ int fd = hull_open_in_root(root, p, O_PATH | O_DIRECTORY, 0);
		if (fd < 0) {
			char *last = strrchr(p, '/');
			*last = '\0';
			_cleanup_close_ int parent = hull_open_in_root(root, p, O_PATH | O_DIRECTORY, 0);
			*last = '/';
			if (parent < 0 || (mkdirat(parent, last + 1, 0755) < 0 && errno != EEXIST))
				return hull_error_set(err, errno, "create `%s` in the container", p);
		}
		if (end)
			return 0;
		*slash = '/';
	}
}

static int copy_up(int root, json_t *m, struct hull_error **err)
{
	const char *src = json_string_value(json_object_get(m, "Source"));
	const char *dst = json_string_value(json_object_get(m, "Destination"));
	if (!json_is_true(json_object_get(m, "HullCopyUp")) || !src || !dst || !hull_dir_is_empty(src))
		return 0;
	_cleanup_close_ int from = hull_open_in_root(root, dst, O_RDONLY | O_DIRECTORY, 0);
	if (from < 0)
		return 0; /* nothing at that path in the image: an empty volume */
	char fdpath[64];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", from);
	int r = hull_copy_tree(fdpath, src, err);
	if (r < 0)
		return hull_error_wrap(err, r, "fill volume %s from the image's %s",
				       json_string_value(json_object_get(m, "Name")), dst);
	/* the volume's root takes the mode and owner of the image's directory */
	struct stat st;
	if (fstat(from, &st) == 0) {
		if (chown(src, st.st_uid, st.st_gid) < 0 && errno != EPERM)
			return hull_error_set(err, errno, "chown volume `%s`", src);
		chmod(src, st.st_mode & 07777);
	}
	return 0;
}

int engine_rootfs_prepare(const struct hull_container *c, struct hull_error **err)
{
	const char *merged = json_string_value(json_object_get(graph(c), "MergedDir"));
	_cleanup_close_ int root = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hull_error_set(err, errno, "open rootfs `%s`", merged);
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(c->record, "Mounts"), i, m)
	{
		const char *type = json_string_value(json_object_get(m, "Type"));
		int r = type && !strcmp(type, "volume") ? copy_up(root, m, err) : 0;
		if (r < 0)
			return r;
	}
	_cleanup_record_ struct hull_container_record rec;
	hull_container_record_parse(c->record, "container.json", &rec, NULL); /* a bad member reads as absent */
	const char *wd = rec.config.working_dir;
	if (wd && *wd && strcmp(wd, "/"))
		return mkdir_in_root(root, wd, err);
	return 0;
}

int hull_engine_root_private(const struct hull_container *c, struct hull_error **err)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return hull_error_set(err, errno, "container %.12s: private mount namespace", c->id);
	int r = engine_rootfs_mount(c, err);
	if (r < 0)
		return r;
	const char *merged = json_string_value(json_object_get(graph(c), "MergedDir"));
	int fd = open(merged, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd >= 0 ? fd : hull_error_set(err, errno, "container %.12s: open `%s`", c->id, merged);
}
