/* commit.c - a new image from a parent and an overlayfs upper directory
 * (docker commit). The upper dir is written as an OCI layer: whiteout
 * devices become `.wh.NAME`, opaque directories get `.wh..wh..opq`
 * (image-spec layer.md#whiteouts). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/lazy.h"
#include "hull/timefmt.h"
#include "import.h"
#include "store.h"

struct writer {
	struct archive *a;
	struct archive_entry_linkresolver *links;
	char *buf;
};

static int write_entry(struct writer *w, struct archive_entry *e, int fd, const char *path, struct hull_error **err)
{
	struct archive_entry *sparse = NULL;
	archive_entry_linkify(w->links, &e, &sparse);
	if (!e)
		return 0;
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		return hull_error_msg(err, EIO, "commit: write `%s`: %s", path, archive_error_string(w->a));
	if (fd < 0 || archive_entry_size(e) == 0)
		return 0;
	for (;;) {
		ssize_t n = read(fd, w->buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_set(err, errno, "commit: read `%s`", path);
		if (n == 0)
			return 0;
		if (archive_write_data(w->a, w->buf, (size_t)n) != n)
			return hull_error_msg(err, EIO, "commit: write `%s`: %s", path, archive_error_string(w->a));
	}
}

static bool is_opaque(int fd)
{
	char v[4];
	ssize_t n = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v));
	if (n <= 0)
		n = fgetxattr(fd, "user.overlay.opaque", v, sizeof(v));
	return n == 1 && v[0] == 'y';
}

static void copy_xattrs(int fd, struct archive_entry *e)
{
	char names[4096], value[4096];
	ssize_t len = flistxattr(fd, names, sizeof(names));
	for (ssize_t off = 0; len > 0 && off < len; off += (ssize_t)strlen(names + off) + 1) {
		const char *n = names + off;
		if (!strncmp(n, "trusted.overlay.", 16) || !strncmp(n, "user.overlay.", 13))
			continue;
		ssize_t vl = fgetxattr(fd, n, value, sizeof(value));
		if (vl >= 0)
			archive_entry_xattr_add_entry(e, n, value, (size_t)vl);
	}
}

static struct archive_entry *entry_from_stat(const char *path, const struct stat *st)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, path);
	archive_entry_copy_stat(e, st);
	archive_entry_set_uname(e, "");
	archive_entry_set_gname(e, "");
	return e;
}

static int walk(struct writer *w, int dfd, const char *prefix, struct hull_error **err);

static int add_one(struct writer *w, int dfd, const char *name, const char *path, struct hull_error **err)
{
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_set(err, errno, "commit: stat `%s`", path);
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {
		_cleanup_free_ char *wh = hull_strdup_printf("%.*s.wh.%s", (int)(strlen(path) - strlen(name)), path, name);
		struct stat z = { .st_mode = S_IFREG | 0644, .st_mtime = st.st_mtime };
		struct archive_entry *e = entry_from_stat(wh, &z);
		int ret = write_entry(w, e, -1, wh, err);
		archive_entry_free(e);
		return ret;
	}
	_cleanup_close_ int fd = -1;
	if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (S_ISDIR(st.st_mode) ? O_DIRECTORY : 0));
		if (fd < 0)
			return hull_error_set(err, errno, "commit: open `%s`", path);
	}
	struct archive_entry *e = entry_from_stat(path, &st);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target) - 1);
		if (n < 0) {
			archive_entry_free(e);
			return hull_error_set(err, errno, "commit: readlink `%s`", path);
		}
		target[n] = '\0';
		archive_entry_set_symlink(e, target);
	}
	if (fd >= 0)
		copy_xattrs(fd, e);
	int ret = write_entry(w, e, fd, path, err);
	archive_entry_free(e);
	if (ret < 0 || !S_ISDIR(st.st_mode))
		return ret;
	if (is_opaque(fd)) {
		_cleanup_free_ char *opq = hull_strdup_printf("%s/.wh..wh..opq", path);
		struct stat z = { .st_mode = S_IFREG | 0644, .st_mtime = st.st_mtime };
		struct archive_entry *o = entry_from_stat(opq, &z);
		ret = write_entry(w, o, -1, opq, err);
		archive_entry_free(o);
		if (ret < 0)
			return ret;
	}
	return walk(w, fd, path, err);
}

static int strcmp_indirect(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, so the same tree always gives the same layer digest. */
static int walk(struct writer *w, int dfd, const char *prefix, struct hull_error **err)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "commit: open `%s`", *prefix ? prefix : "/");
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return hull_error_set(err, errno, "commit: read `%s`", prefix);
	}
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = hull_xrealloc(names, (n + 2) * sizeof(char *));
		names[n++] = hull_xstrdup(de->d_name);
		names[n] = NULL;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), strcmp_indirect);
	int ret = 0;
	for (size_t i = 0; i < n && ret >= 0; i++) {
		_cleanup_free_ char *path = *prefix ? hull_strdup_printf("%s/%s", prefix, names[i]) : hull_xstrdup(names[i]);
		ret = add_one(w, dfd, names[i], path, err);
	}
	hull_strv_free(names);
	return ret;
}

static int write_diff_tar(const char *dir, const char *dst, struct hull_error **err)
{
	_cleanup_close_ int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hull_error_set(err, errno, "commit: open `%s`", dir);
	int lr = hull_lazy_require(HULL_LIB_ARCHIVE, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "commit");
	struct writer w = { .a = archive_write_new(), .links = archive_entry_linkresolver_new() };
	w.buf = hull_xmalloc(1 << 20);
	archive_write_set_format_pax_restricted(w.a);
	archive_entry_linkresolver_set_strategy(w.links, ARCHIVE_FORMAT_TAR_PAX_RESTRICTED);
	int ret = 0;
	if (archive_write_open_filename(w.a, dst) != ARCHIVE_OK)
		ret = hull_error_msg(err, EIO, "commit: create `%s`: %s", dst, archive_error_string(w.a));
	if (ret >= 0)
		ret = walk(&w, root, "", err);
	if (archive_write_close(w.a) != ARCHIVE_OK && ret >= 0)
		ret = hull_error_msg(err, EIO, "commit: write `%s`: %s", dst, archive_error_string(w.a));
	archive_write_free(w.a);
	archive_entry_linkresolver_free(w.links);
	free(w.buf);
	return ret;
}

/* The new config: the parent's (or a fresh one), its run config replaced
 * when the caller gives one, history extended. */
static json_t *commit_config(const struct hull_image *parent, const struct hull_commit_options *o)
{
	/* nanoseconds, as docker's: two commits of one second differ */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	json_t *c = parent ? json_deep_copy(parent->config->raw) : import_base_config(now.tv_sec, "hull commit");
	if (!parent && o->created_by)
		json_object_set_new(c, "history", json_array()); /* a build FROM scratch: its steps are the history */
	char when[HULL_TIME_BUF_LEN];
	hull_time_format_rfc3339(&now, when);
	json_object_set_new(c, "created", json_string(when));
	if (o->author)
		json_object_set_new(c, "author", json_string(o->author));
	if (o->config && o->config->raw) {
		json_t *cc = json_object_get(o->config->raw, "config");
		if (cc)
			json_object_set(c, "config", cc);
	}
	json_t *history = json_object_get(c, "history");
	if (!json_is_array(history)) {
		history = json_array();
		json_object_set_new(c, "history", history);
	}
	json_t *h = json_pack("{s:s, s:s}", "created", when, "created_by",
			      o->created_by ? o->created_by : "hull commit");
	if (o->empty_layer)
		json_object_set_new(h, "empty_layer", json_true());
	if (o->comment)
		json_object_set_new(h, "comment", json_string(o->comment));
	if (o->author)
		json_object_set_new(h, "author", json_string(o->author));
	json_array_append_new(history, h);
	return c;
}

/* The parent's layers as store_layer entries (blob digests from its manifest). */
static int parent_layers(struct hull_image_store *s, const struct hull_image *p, struct store_layer **out,
			 size_t *n, struct hull_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	_cleanup_(hull_manifest_freep) struct hull_manifest *m = NULL;
	int ret = store_read_blob(s, p->manifest_digest, &buf, &len, err);
	if (ret < 0 || (ret = hull_manifest_parse(buf, len, "parent manifest", &m, err)) < 0)
		return ret;
	if (m->n_layers != p->config->n_diff_ids)
		return hull_error_msg(err, EINVAL, "parent image %s: manifest and config disagree on the layer count",
				      p->id);
	*out = hull_xcalloc(m->n_layers + 1, sizeof(**out));
	for (size_t i = 0; i < m->n_layers; i++) {
		snprintf((*out)[i].digest, HULL_DIGEST_BUF_LEN, "%s", m->layers[i].digest);
		snprintf((*out)[i].diff_id, HULL_DIGEST_BUF_LEN, "%s", p->config->diff_ids[i]);
		int c = hull_layer_compression(m->layers[i].media_type, NULL);
		(*out)[i].media_type = c == HULL_COMPRESSION_GZIP   ? HULL_MT_OCI_LAYER_GZIP
				       : c == HULL_COMPRESSION_ZSTD ? HULL_MT_OCI_LAYER_ZSTD
								    : HULL_MT_OCI_LAYER;
		(*out)[i].size = m->layers[i].size;
	}
	(*out)[0].unpacked = p->size; /* the parent's total, carried once */
	*n = m->n_layers;
	return 0;
}

int hull_image_commit(struct hull_image_store *s, const struct hull_commit_options *o, struct hull_image **out,
		      struct hull_error **err)
{
	_cleanup_(hull_image_freep) struct hull_image *parent = NULL;
	int ret;
	if (o->parent && (ret = hull_image_get(s, o->parent, &parent, err)) < 0)
		return hull_error_wrap(err, ret, "commit");
	_cleanup_strv_ char **names = NULL;
	if (o->name) {
		_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
		if ((ret = hull_reference_parse(o->name, &ref, err)) < 0)
			return hull_error_wrap(err, ret, "commit");
		names = hull_xcalloc(2, sizeof(char *));
		names[0] = hull_reference_string(ref);
	}
	_cleanup_close_ int gc_lock = store_lock(s, "gc", false, err);
	if (gc_lock < 0)
		return gc_lock;
	_cleanup_free_ struct store_layer *layers = NULL;
	size_t n = 0;
	if (parent && (ret = parent_layers(s, parent, &layers, &n, err)) < 0)
		return hull_error_wrap(err, ret, "commit");
	layers = hull_xrealloc(layers, (n + 1) * sizeof(*layers));
	memset(&layers[n], 0, sizeof(layers[n]));
	if (!o->empty_layer) {
		_cleanup_free_ char *tmp = store_tmp_name(s, "commit");
		if ((ret = write_diff_tar(o->diff_dir, tmp, err)) < 0) {
			unlink(tmp);
			return ret;
		}
		if ((ret = import_layer_file(s, tmp, &layers[n], err)) < 0) {
			unlink(tmp);
			return hull_error_wrap(err, ret, "commit `%s`", o->diff_dir);
		}
		n++;
	}
	_cleanup_json_ json_t *config = commit_config(parent, o);
	return store_make_image(s, config, layers, n, names, out, err);
}
