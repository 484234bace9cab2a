/* save.c - hull_image_save: images to an OCI image layout (image-spec
 * image-layout.md) as a directory or a tar, or to a docker-archive, which
 * is the same layout plus docker's manifest.json (as docker >= 25 writes). */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/lazy.h"
#include "hull/output.h"
#include "store.h"

struct saver {
	struct hull_image_store *s;
	enum hull_archive_format fmt;
	struct archive *a; /* tar formats */
	char *dir;         /* layout directory */
	json_t *written;   /* blob hexes already out */
	json_t *index;     /* index.json manifests[] */
	json_t *docker;    /* manifest.json */
	char *buf;
};

static int tar_add(struct saver *sv, const char *name, int fd, const void *data, long long size,
		   struct hull_error **err)
{
	struct archive_entry *e = archive_entry_new();
	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, size);
	int r = archive_write_header(sv->a, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK)
		return hull_error_msg(err, EIO, "save: write `%s`: %s", name, archive_error_string(sv->a));
	if (data)
		return archive_write_data(sv->a, data, (size_t)size) == size
			       ? 0
			       : hull_error_msg(err, EIO, "save: write `%s`: %s", name, archive_error_string(sv->a));
	for (;;) {
		ssize_t n = read(fd, sv->buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_set(err, errno, "save: read blob for `%s`", name);
		if (n == 0)
			return 0;
		if (archive_write_data(sv->a, sv->buf, (size_t)n) != n)
			return hull_error_msg(err, EIO, "save: write `%s`: %s", name, archive_error_string(sv->a));
	}
}

static int copy_fd(int in, int out, char *buf)
{
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : 0;
		int ret = hull_write_all(out, buf, (size_t)n);
		if (ret < 0)
			return ret;
	}
}

static int put_blob(struct saver *sv, const char *digest, struct hull_error **err)
{
	const char *hex = hull_digest_hex(digest);
	if (json_object_get(sv->written, hex))
		return 0;
	json_object_set_new(sv->written, hex, json_true());
	_cleanup_free_ char *src = store_blob_path(sv->s, digest);
	_cleanup_close_ int fd = open(src, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "save: blob %s", digest);
	_cleanup_free_ char *name = hull_strdup_printf("blobs/sha256/%s", hex);
	if (sv->a)
		return tar_add(sv, name, fd, NULL, st.st_size, err);
	_cleanup_free_ char *dst = hull_path_join(sv->dir, name);
	if (link(src, dst) == 0 || errno == EEXIST)
		return 0;
	_cleanup_close_ int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = out < 0 ? -errno : copy_fd(fd, out, sv->buf);
	return ret < 0 ? hull_error_set(err, -ret, "save: write `%s`", dst) : 0;
}

static int put_file(struct saver *sv, const char *name, const char *text, struct hull_error **err)
{
	if (sv->a)
		return tar_add(sv, name, -1, text, (long long)strlen(text), err);
	_cleanup_free_ char *p = hull_path_join(sv->dir, name);
	return hull_write_file_atomic(p, text, strlen(text), 0644, false, err);
}

static int save_image(struct saver *sv, const char *q, struct hull_error **err)
{
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	int ret = hull_image_get(sv->s, q, &img, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *mbuf = NULL;
	size_t mlen;
	_cleanup_(hull_manifest_freep) struct hull_manifest *m = NULL;
	if ((ret = store_read_blob(sv->s, img->manifest_digest, &mbuf, &mlen, err)) < 0 ||
	    (ret = hull_manifest_parse(mbuf, mlen, "manifest", &m, err)) < 0)
		return ret;
	json_t *layers = json_array();
	for (size_t i = 0; i < m->n_layers && ret >= 0; i++) {
		ret = put_blob(sv, m->layers[i].digest, err);
		json_array_append_new(layers, json_sprintf("blobs/sha256/%s", hull_digest_hex(m->layers[i].digest)));
	}
	if (ret >= 0)
		ret = put_blob(sv, m->config.digest, err);
	if (ret >= 0)
		ret = put_blob(sv, img->manifest_digest, err);
	/* The names asked for: a name given on the command line, or all of them for an id. */
	_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
	_cleanup_free_ char *asked = hull_reference_parse(q, &ref, NULL) == 0 && !ref->digest ? hull_reference_string(ref)
											      : NULL;
	json_t *tags = json_array();
	for (char **n = img->names; *n && ret >= 0; n++) {
		if (asked && strcmp(asked, *n))
			continue;
		_cleanup_free_ char *fam = hull_reference_familiar(*n);
		json_array_append_new(tags, json_string(fam));
		const char *tag = strrchr(*n, ':');
		json_array_append_new(sv->index, json_pack("{s:s, s:s, s:I, s:{s:s, s:s}}", "mediaType", m->media_type,
							   "digest", img->manifest_digest, "size", (json_int_t)mlen,
							   "annotations", "io.containerd.image.name", *n,
							   "org.opencontainers.image.ref.name", tag ? tag + 1 : "latest"));
	}
	if (json_array_size(tags) == 0)
		json_array_append_new(sv->index, json_pack("{s:s, s:s, s:I}", "mediaType", m->media_type, "digest",
							   img->manifest_digest, "size", (json_int_t)mlen));
	json_array_append_new(sv->docker,
			      json_pack("{s:s+, s:o, s:o}", "Config", "blobs/sha256/", hull_digest_hex(img->id),
					"RepoTags", tags, "Layers", layers));
	return ret;
}

static int finish(struct saver *sv, struct hull_error **err)
{
	_cleanup_json_ json_t *index = json_pack("{s:i, s:s, s:O}", "schemaVersion", 2, "mediaType", HULL_MT_OCI_INDEX,
						 "manifests", sv->index);
	_cleanup_free_ char *ix = json_dumps(index, JSON_COMPACT);
	_cleanup_free_ char *dm = json_dumps(sv->docker, JSON_COMPACT);
	int ret = put_file(sv, "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", err);
	if (ret >= 0 && sv->fmt == HULL_ARCHIVE_DOCKER)
		ret = put_file(sv, "manifest.json", dm, err);
	/* index.json last: a layout directory is complete once it exists. */
	if (ret >= 0)
		ret = put_file(sv, "index.json", ix, err);
	return ret;
}

static int open_output(struct saver *sv, const char *path, struct hull_output *out, struct hull_error **err)
{
	if (sv->fmt == HULL_ARCHIVE_OCI_DIR) {
		sv->dir = hull_xstrdup(path);
		_cleanup_free_ char *blobs = hull_path_join(path, "blobs/sha256");
		return hull_mkdir_p(blobs, 0755, err);
	}
	int lr = hull_lazy_require(HULL_LIB_ARCHIVE, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "save to `%s`", path);
	/* "-" is stdout; a temp name renamed at the end, or a device or FIFO
	 * written into (-o /dev/null stays a device) */
	int r = hull_output_open(out, path, 0644, err);
	if (r < 0)
		return r;
	sv->a = archive_write_new();
	archive_write_set_format_pax_restricted(sv->a);
	if (archive_write_open_fd(sv->a, out->fd) != ARCHIVE_OK)
		return hull_error_msg(err, EIO, "save: create `%s`: %s", path, archive_error_string(sv->a));
	return 0;
}

int hull_image_save(struct hull_image_store *s, char *const *refs, const char *path, enum hull_archive_format fmt,
		    struct hull_error **err)
{
	if (!refs || !*refs)
		return hull_error_msg(err, EINVAL, "save: no image given");
	if (fmt == HULL_ARCHIVE_OCI_DIR && !strcmp(path, "-"))
		return hull_error_msg(err, EINVAL, "save: an OCI layout directory cannot go to stdout");
	struct saver sv = { .s = s, .fmt = fmt, .written = json_object(), .index = json_array(),
			    .docker = json_array(), .buf = hull_xmalloc(1 << 20) };
	_cleanup_(hull_output_discard) struct hull_output out = HULL_OUTPUT_INIT;
	int ret = open_output(&sv, path, &out, err);
	for (char *const *r = refs; *r && ret >= 0; r++)
		ret = save_image(&sv, *r, err);
	if (ret >= 0)
		ret = finish(&sv, err);
	if (sv.a) {
		if (archive_write_close(sv.a) != ARCHIVE_OK && ret >= 0)
			ret = hull_error_msg(err, EIO, "save: write `%s`: %s", path, archive_error_string(sv.a));
		archive_write_free(sv.a);
		if (ret >= 0)
			ret = hull_output_commit(&out, err);
	}
	json_decref(sv.written);
	json_decref(sv.index);
	json_decref(sv.docker);
	free(sv.buf);
	free(sv.dir);
	return ret < 0 ? hull_error_wrap(err, ret, "save to `%s`", path) : 0;
}
