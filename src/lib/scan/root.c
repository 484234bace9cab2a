/* root.c - the root filesystem being scanned, as one merged tree.
 *
 * A root is a stack of layer directories (one for a plain directory),
 * merged as overlayfs merges them (kernel Documentation/filesystems/
 * overlayfs.rst) and as OCI image-spec layer.md#whiteouts describes: the
 * upper layer wins; `.wh.NAME` (or an overlayfs 0:0 character device)
 * deletes NAME from the layers below; `.wh..wh..opq` (or the
 * trusted.overlay.opaque xattr) hides everything below a directory.
 *
 * Every lookup goes one component at a time from directory fds with
 * O_NOFOLLOW; symlinks are resolved here, against the merged root, so a
 * link to `/etc/shadow` or `../../..` never leaves the image. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/scan.h"
#include "scan-internal.h"

#define MAX_SYMLINKS 40 /* as the kernel's path walk (MAXSYMLINKS) */

struct hull_scan_root {
	int *fds;  /* layer directories, index 0 = topmost */
	dev_t *devs; /* their st_dev, to stay on one filesystem per layer */
	size_t n;
	char *user; /* image config User, when known */
	bool has_user;
};

void hull_scan_root_free(struct hull_scan_root *root)
{
	if (!root)
		return;
	for (size_t i = 0; i < root->n; i++)
		if (root->fds[i] >= 0)
			close(root->fds[i]);
	free(root->fds);
	free(root->devs);
	free(root->user);
	free(root);
}

void hull_scan_root_freep(struct hull_scan_root **root)
{
	hull_scan_root_free(*root);
	*root = NULL;
}

int hull_scan_root_open_layers(const char *const *layers, size_t n, struct hull_scan_root **out,
			       struct hull_error **err)
{
	if (n == 0)
		return hull_error_msg(err, EINVAL, "an image without layers has nothing to scan");
	_cleanup_(hull_scan_root_freep) struct hull_scan_root *root = hull_xcalloc(1, sizeof(*root));
	root->fds = hull_xcalloc(n, sizeof(int));
	root->devs = hull_xcalloc(n, sizeof(dev_t));
	for (size_t i = 0; i < n; i++)
		root->fds[i] = -1;
	root->n = n;
	for (size_t i = 0; i < n; i++) {
		const char *dir = layers[n - 1 - i];
		struct stat st;
		int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return hull_error_set(err, errno, "open `%s`", dir);
		root->fds[i] = fd;
		if (fstat(fd, &st) < 0)
			return hull_error_set(err, errno, "stat `%s`", dir);
		root->devs[i] = st.st_dev;
	}
	*out = steal_ptr(root);
	return 0;
}

int hull_scan_root_open_dir(const char *dir, struct hull_scan_root **out, struct hull_error **err)
{
	const char *layers[] = { dir };
	return hull_scan_root_open_layers(layers, 1, out, err);
}

void hull_scan_root_set_user(struct hull_scan_root *root, const char *user)
{
	free(root->user);
	root->user = hull_xstrdup(user ? user : "");
	root->has_user = true;
}

const char *scan_root_user(const struct hull_scan_root *root)
{
	return root->has_user ? root->user : NULL;
}

/* ---- merged directories -------------------------------------------------- */

/* A directory of the merged tree: the fds of that directory in each layer
 * that contributes to it, topmost first. */
struct mdir {
	size_t n;
	int *fd;
	size_t *layer;
	bool owns; /* fds are ours to close (not the root's) */
};

static void mdir_free(struct mdir *d)
{
	if (!d)
		return;
	if (d->owns)
		for (size_t i = 0; i < d->n; i++)
			close(d->fd[i]);
	free(d->fd);
	free(d->layer);
	free(d);
}

static void mdir_freep(struct mdir **d)
{
	mdir_free(*d);
	*d = NULL;
}

static struct mdir *mdir_root(const struct hull_scan_root *root)
{
	struct mdir *d = hull_xcalloc(1, sizeof(*d));
	d->fd = hull_xcalloc(root->n, sizeof(int));
	d->layer = hull_xcalloc(root->n, sizeof(size_t));
	for (size_t i = 0; i < root->n; i++) {
		d->fd[i] = root->fds[i];
		d->layer[i] = i;
	}
	d->n = root->n;
	return d;
}

static bool has_name(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool whiteout_for(int dirfd, const char *name)
{
	char wh[NAME_MAX + 8];
	if (snprintf(wh, sizeof(wh), ".wh.%s", name) >= (int)sizeof(wh))
		return false;
	return has_name(dirfd, wh);
}

static bool is_overlay_whiteout(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == 0;
}

static bool is_opaque(int dirfd)
{
	char v[4];
	if (has_name(dirfd, ".wh..wh..opq"))
		return true;
	ssize_t n = fgetxattr(dirfd, "trusted.overlay.opaque", v, sizeof(v));
	if (n < 0)
		n = fgetxattr(dirfd, "user.overlay.opaque", v, sizeof(v));
	return n > 0 && v[0] == 'y';
}

/* Find name in d: the topmost layer that has it, unless a whiteout above
 * deleted it. *k is the index in d. Returns 0, or -ENOENT. */
static int mdir_lookup(const struct mdir *d, const char *name, struct stat *st, size_t *k)
{
	for (size_t i = 0; i < d->n; i++) {
		if (fstatat(d->fd[i], name, st, AT_SYMLINK_NOFOLLOW) == 0) {
			if (is_overlay_whiteout(st))
				return -ENOENT;
			*k = i;
			return 0;
		}
		if (whiteout_for(d->fd[i], name))
			return -ENOENT;
	}
	return -ENOENT;
}

/* The merged child directory `name`, found as a directory at index k. */
static int mdir_child(const struct mdir *d, const char *name, size_t k, struct mdir **out, struct hull_error **err)
{
	_cleanup_(mdir_freep) struct mdir *c = hull_xcalloc(1, sizeof(*c));
	c->fd = hull_xcalloc(d->n, sizeof(int));
	c->layer = hull_xcalloc(d->n, sizeof(size_t));
	c->owns = true;
	for (size_t i = k; i < d->n; i++) {
		struct stat st;
		if (i > k) {
			if (fstatat(d->fd[i], name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (whiteout_for(d->fd[i], name))
					break;
				continue;
			}
			if (!S_ISDIR(st.st_mode))
				break;
		}
		int fd = openat(d->fd[i], name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return hull_error_set(err, errno, "open directory `%s`", name);
		c->fd[c->n] = fd;
		c->layer[c->n++] = d->layer[i];
		if (is_opaque(fd) || whiteout_for(d->fd[i], name))
			break;
	}
	*out = steal_ptr(c);
	return 0;
}

/* ---- path resolution ---------------------------------------------------- */

struct resolved {
	struct mdir *dir; /* the parent directory (or the directory itself when name is NULL) */
	char *name;       /* last component, NULL when the path names a directory */
	struct stat st;   /* of the last component */
	size_t k;         /* index in dir of the layer that holds it */
};

static void resolved_clear(struct resolved *r)
{
	mdir_free(r->dir);
	free(r->name);
	r->dir = NULL;
	r->name = NULL;
}

static char *next_component(char **p)
{
	while (**p == '/')
		(*p)++;
	if (!**p)
		return NULL;
	char *start = *p;
	char *slash = strchr(start, '/');
	if (slash) {
		*slash = '\0';
		*p = slash + 1;
	} else {
		*p = start + strlen(start);
	}
	return start;
}

static void stack_pop_all(struct mdir **stack, size_t *depth, size_t keep)
{
	while (*depth > keep)
		mdir_free(stack[--*depth]);
}

struct walk_state {
	struct mdir **stack; /* the directories walked through, root first */
	size_t depth, cap;
	char *todo;          /* the path still to walk (rewritten by symlinks) */
	char *p;             /* position in todo */
	int links;           /* symlinks followed so far */
};

/* Splice the target of the symlink `name` (in cur, layer k) in front of
 * what is left of the path; an absolute target restarts at the root. */
static int follow_link(struct walk_state *w, const struct mdir *cur, size_t k, const char *name, const char *path,
		       struct hull_error **err)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(cur->fd[k], name, target, sizeof(target) - 1);
	if (n < 0)
		return hull_error_set(err, errno, "readlink `%s` in `%s`", name, path);
	target[n] = '\0';
	if (++w->links > MAX_SYMLINKS)
		return hull_error_set(err, ELOOP, "`%s`", path);
	char *rest = hull_strdup_printf("%s/%s", target, w->p);
	free(w->todo);
	w->todo = w->p = rest;
	if (target[0] == '/')
		stack_pop_all(w->stack, &w->depth, 1);
	return 0;
}

static void push_dir(struct walk_state *w, struct mdir *d)
{
	w->stack = hull_array_grow(w->stack, w->depth, &w->cap, sizeof(*w->stack), 16);
	w->stack[w->depth++] = d;
}

/* Walk path in the merged tree, following symlinks within the root (the
 * last one only when follow). "/.." stays at "/", as in a chroot. */
static int resolve(const struct hull_scan_root *root, const char *path, bool follow, struct resolved *out,
		   struct hull_error **err)
{
	struct walk_state w = { .cap = 16 };
	w.stack = hull_xcalloc(w.cap, sizeof(*w.stack));
	w.stack[w.depth++] = mdir_root(root);
	w.todo = w.p = hull_xstrdup(path);
	int ret = 0;
	for (;;) {
		char *comp = next_component(&w.p);
		if (!comp) { /* the path names a directory */
			out->dir = w.stack[--w.depth];
			out->name = NULL;
			fstat(out->dir->fd[0], &out->st);
			break;
		}
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			if (w.depth > 1)
				mdir_free(w.stack[--w.depth]);
			continue;
		}
		struct mdir *cur = w.stack[w.depth - 1];
		struct stat st;
		size_t k;
		if (mdir_lookup(cur, comp, &st, &k) < 0) {
			ret = hull_error_set(err, ENOENT, "`%s`", path);
			break;
		}
		bool last = strspn(w.p, "/") == strlen(w.p);
		if (S_ISLNK(st.st_mode) && (!last || follow)) {
			ret = follow_link(&w, cur, k, comp, path, err);
			if (ret < 0)
				break;
			continue;
		}
		if (last) {
			out->dir = w.stack[--w.depth];
			out->name = hull_xstrdup(comp);
			out->st = st;
			out->k = k;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			ret = hull_error_set(err, ENOTDIR, "`%s`", path);
			break;
		}
		struct mdir *child;
		ret = mdir_child(cur, comp, k, &child, err);
		if (ret < 0)
			break;
		push_dir(&w, child);
	}
	stack_pop_all(w.stack, &w.depth, 0);
	free(w.stack);
	free(w.todo);
	return ret;
}

int scan_root_open(const struct hull_scan_root *root, const char *path, struct stat *st, struct hull_error **err)
{
	struct resolved r = { 0 };
	int ret = resolve(root, path, true, &r, err);
	if (ret < 0)
		return ret;
	int fd;
	if (!r.name)
		fd = fcntl(r.dir->fd[0], F_DUPFD_CLOEXEC, 3);
	else
		/* O_NONBLOCK: a FIFO planted in an image must not hang the scan */
		fd = openat(r.dir->fd[r.k], r.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		ret = hull_error_set(err, errno, "open `%s`", path);
	else if (st)
		*st = r.st;
	resolved_clear(&r);
	return ret < 0 ? ret : fd;
}

int scan_root_read_file(const struct hull_scan_root *root, const char *path, size_t max, char **out, size_t *len,
			struct hull_error **err)
{
	struct stat st;
	_cleanup_close_ int fd = scan_root_open(root, path, &st, err);
	if (fd < 0)
		return fd;
	if (!S_ISREG(st.st_mode))
		return hull_error_msg(err, EINVAL, "`%s` is not a regular file", path);
	if ((size_t)st.st_size > max)
		return hull_error_msg(err, EFBIG, "`%s` is larger than %zu bytes", path, max);
	int ret = hull_read_all(fd, out, len);
	if (ret < 0)
		return hull_error_set(err, -ret, "read `%s`", path);
	return 0;
}

bool scan_root_exists(const struct hull_scan_root *root, const char *path)
{
	struct resolved r = { 0 };
	if (resolve(root, path, true, &r, NULL) < 0)
		return false;
	resolved_clear(&r);
	return true;
}

/* ---- merged listing and walking ------------------------------------------ */

struct mentry {
	char *name;
	size_t k;        /* index in the mdir of the layer it comes from */
	bool whiteout;   /* a deletion marker, not an entry */
	struct stat st;
};

static int mentry_order(const void *x, const void *y)
{
	const struct mentry *a = x, *b = y;
	int r = strcmp(a->name, b->name);
	if (r)
		return r;
	if (a->k != b->k)
		return a->k < b->k ? -1 : 1;
	/* in one layer an entry stays visible beside its own whiteout */
	return (int)a->whiteout - (int)b->whiteout;
}

static void mentries_free(struct mentry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

static int list_layer(int dirfd, size_t k, struct mentry **v, size_t *n, size_t *cap, struct hull_error **err)
{
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return hull_error_set(err, errno, "dup");
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return hull_error_set(err, errno, "opendir");
	}
	_cleanup_closedir_ DIR *d = dir;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".wh..wh..opq"))
			continue;
		struct mentry e = { .k = k };
		if (!strncmp(name, ".wh.", 4)) {
			e.whiteout = true;
			e.name = hull_xstrdup(name + 4);
		} else {
			if (fstatat(dirfd, name, &e.st, AT_SYMLINK_NOFOLLOW) < 0)
				continue; /* gone since readdir */
			e.whiteout = is_overlay_whiteout(&e.st);
			e.name = hull_xstrdup(name);
		}
		*v = hull_array_grow(*v, *n, cap, sizeof(**v), 64);
		(*v)[(*n)++] = e;
	}
	return 0;
}

/* The visible entries of d, sorted by name. */
static int mdir_list(const struct mdir *d, struct mentry **out, size_t *count, struct hull_error **err)
{
	struct mentry *all = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < d->n; i++) {
		int ret = list_layer(d->fd[i], i, &all, &n, &cap, err);
		if (ret < 0) {
			mentries_free(all, n);
			return ret;
		}
	}
	if (n > 1)
		qsort(all, n, sizeof(*all), mentry_order);
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && !strcmp(all[j].name, all[i].name))
			j++;
		/* the group is sorted by layer, top first: the first element
		 * decides; a whiteout there hides the whole name */
		for (size_t x = i; x < j; x++) {
			if (x == i && !all[x].whiteout && !(S_ISCHR(all[x].st.st_mode) && all[x].st.st_rdev == 0))
				all[w++] = all[x];
			else
				free(all[x].name);
		}
		i = j;
	}
	*out = all;
	*count = w;
	return 0;
}

struct walk {
	const struct hull_scan_root *root;
	scan_walk_fn fn;
	void *data;
	char path[PATH_MAX];
};

static int walk_dir(struct walk *w, const struct mdir *d, size_t len, struct hull_error **err)
{
	struct mentry *e = NULL;
	size_t n = 0;
	int ret = mdir_list(d, &e, &n, err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < n && ret >= 0; i++) {
		size_t nl = strlen(e[i].name);
		if (len + 1 + nl + 1 > sizeof(w->path))
			continue; /* deeper than PATH_MAX: nothing a program could open */
		w->path[len] = '/';
		memcpy(w->path + len + 1, e[i].name, nl + 1);
		size_t layer = d->layer[e[i].k];
		/* stay on the layer's filesystem: scanning "/" must not walk /proc */
		if (e[i].st.st_dev != w->root->devs[layer])
			continue;
		ret = w->fn(w->data, w->path, d->fd[e[i].k], e[i].name, &e[i].st, err);
		if (ret > 0) { /* the callback asked to skip this subtree */
			ret = 0;
			continue;
		}
		if (ret < 0 || !S_ISDIR(e[i].st.st_mode))
			continue;
		struct mdir *child;
		ret = mdir_child(d, e[i].name, e[i].k, &child, err);
		if (ret < 0)
			break;
		ret = walk_dir(w, child, len + 1 + nl, err);
		mdir_free(child);
	}
	w->path[len] = '\0';
	mentries_free(e, n);
	return ret;
}

int scan_root_walk(const struct hull_scan_root *root, scan_walk_fn fn, void *data, struct hull_error **err)
{
	struct walk w = { .root = root, .fn = fn, .data = data };
	_cleanup_(mdir_freep) struct mdir *top = mdir_root(root);
	return walk_dir(&w, top, 0, err);
}

int scan_root_list(const struct hull_scan_root *root, const char *path, char ***names, struct hull_error **err)
{
	struct resolved r = { 0 };
	int ret = resolve(root, path, true, &r, err);
	if (ret < 0)
		return ret;
	struct mdir *d = r.dir;
	if (r.name) {
		if (!S_ISDIR(r.st.st_mode)) {
			resolved_clear(&r);
			return hull_error_set(err, ENOTDIR, "`%s`", path);
		}
		ret = mdir_child(r.dir, r.name, r.k, &d, err);
		if (ret < 0) {
			resolved_clear(&r);
			return ret;
		}
	}
	struct mentry *e = NULL;
	size_t n = 0;
	ret = mdir_list(d, &e, &n, err);
	if (ret >= 0) {
		char **v = hull_xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++)
			v[i] = steal_ptr(e[i].name);
		*names = v;
	}
	mentries_free(e, n);
	if (d != r.dir)
		mdir_free(d);
	resolved_clear(&r);
	return ret;
}
