/* load.c - hull_image_load: a docker-archive (manifest.json), an OCI
 * archive or an OCI layout directory (index.json). Tars are first
 * extracted with the layer unpacker (same path checks) into the store's
 * tmp/; every path the archive's JSON names is resolved inside it; every
 * blob is verified against its digest and every layer against its diff_id. */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/inroot.h"
#include "hull/json.h"
#include "hull/lazy.h"
#include "import.h"
#include "store.h"
#include "unpack.h"

struct loader {
	struct hull_image_store *s;
	int dir_fd;
	const char *display; /* the path the user gave */
	char **lines;
	size_t n_lines;
};

static void add_line(struct loader *l, char *line)
{
	l->lines = hull_xrealloc(l->lines, (l->n_lines + 2) * sizeof(char *));
	l->lines[l->n_lines++] = line;
	l->lines[l->n_lines] = NULL;
}

static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	return S_ISSOCK(mode) ? "a socket" : "not a regular file";
}

/* Open a member of the archive for reading: resolved inside it, a regular
 * file and no larger than `max` bytes; *size gets its size. Archives link
 * files to each other (podman's <id>/layer.tar -> ../<hex>.tar), so
 * symlinks are followed, but only inside the archive (RESOLVE_IN_ROOT: an
 * absolute or `..` target starts again from the archive's top). O_NONBLOCK:
 * opening a FIFO must not wait for a writer; the fstat then refuses it. The
 * errors name the member, never what it points to nor what it holds. */
static int open_member(struct loader *l, const char *rel, long long max, long long *size, struct hull_error **err)
{
	_cleanup_free_ char *clean = hull_xstrdup(rel);
	int ret = unpack_clean_path(clean, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "%s", l->display);
	_cleanup_close_ int fd = hull_open_in_root(l->dir_fd, clean, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0)
		return hull_error_set(err, -fd, "%s: `%s`", l->display, rel);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "%s: stat `%s`", l->display, rel);
	if (!S_ISREG(st.st_mode))
		return hull_error_msg(err, EINVAL, "%s: `%s` is %s; an image archive holds only regular files",
				      l->display, rel, file_kind(st.st_mode));
	if (st.st_size > max)
		return hull_error_msg(err, EFBIG, "%s: `%s` is %lld bytes, more than the %lld allowed", l->display, rel,
				      (long long)st.st_size, max);
	*size = st.st_size;
	return take_fd(fd);
}

/* Copy a file of the archive into tmp/ while hashing; verify the digest
 * and the size when a descriptor gives them (expected_size < 0: none).
 * At most the size fstat gave is read, so a file that grows is refused. */
static int ingest(struct loader *l, const char *rel, const char *expected, long long expected_size, long long max,
		  char **tmp_out, char digest[HULL_DIGEST_BUF_LEN], struct hull_error **err)
{
	long long size = 0;
	_cleanup_close_ int in = open_member(l, rel, max, &size, err);
	if (in < 0)
		return in;
	if (expected_size >= 0 && size != expected_size)
		return hull_error_msg(err, EINVAL, "%s: `%s` is %lld bytes, its descriptor says %lld", l->display, rel,
				      size, expected_size);
	_cleanup_free_ char *tmp = store_tmp_name(l->s, "load");
	_cleanup_close_ int out = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0)
		return hull_error_set(err, errno, "create `%s`", tmp);
	_cleanup_(hull_sha256_freep) struct hull_sha256 *h = hull_sha256_new();
	_cleanup_free_ char *buf = hull_xmalloc(1 << 20);
	int ret = 0;
	long long done = 0;
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = hull_error_set(err, errno, "%s: read `%s`", l->display, rel);
		if (n <= 0)
			break;
		if ((done += n) > size) {
			ret = hull_error_msg(err, EFBIG, "%s: `%s` grew while it was read", l->display, rel);
			break;
		}
		hull_sha256_update(h, buf, (size_t)n);
		if ((ret = hull_write_all(out, buf, (size_t)n)) < 0) {
			ret = hull_error_set(err, -ret, "write `%s`", tmp);
			break;
		}
	}
	hull_sha256_digest(h, digest);
	if (ret >= 0 && expected && strcmp(expected, digest))
		ret = hull_error_msg(err, EINVAL, "%s: `%s` does not match its digest %s (content hashes to %s)",
				     l->display, rel, expected, digest);
	if (ret < 0) {
		unlink(tmp);
		return ret;
	}
	*tmp_out = steal_ptr(tmp);
	return 0;
}

static int load_small(struct loader *l, const char *rel, const char *expected, long long expected_size, char **buf,
		      size_t *len, char digest[HULL_DIGEST_BUF_LEN], struct hull_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int ret = ingest(l, rel, expected, expected_size, HULL_MAX_MANIFEST_SIZE, &tmp, digest, err);
	if (ret < 0)
		return ret;
	if ((ret = store_commit_file(l->s, tmp, digest, err)) < 0)
		return ret;
	return store_read_blob(l->s, digest, buf, len, err);
}

/* One layer: into blobs/, unpacked, diff_id checked. */
static int load_layer(struct loader *l, const char *rel, const char *expected, long long expected_size,
		      const char *diff_id, struct store_layer *out, struct hull_error **err)
{
	_cleanup_free_ char *tmp = NULL;
	int ret = ingest(l, rel, expected, expected_size, LLONG_MAX, &tmp, out->digest, err);
	if (ret < 0)
		return ret;
	_cleanup_close_ int fd = open(tmp, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		unlink(tmp);
		return hull_error_set(err, errno, "open `%s`", tmp);
	}
	out->size = st.st_size;
	ret = store_unpack_layer_fd(l->s, fd, -1, diff_id, out->diff_id, &out->unpacked, err);
	if (ret < 0) {
		unlink(tmp);
		return hull_error_wrap(err, ret, "%s: layer `%s`", l->display, rel);
	}
	return store_commit_file(l->s, tmp, out->digest, err);
}

static const char *layer_media_type(struct hull_image_store *s, const char *digest)
{
	_cleanup_free_ char *p = store_blob_path(s, digest);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	unsigned char m[4] = { 0 };
	ssize_t n = fd >= 0 ? read(fd, m, 4) : 0;
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return HULL_MT_OCI_LAYER_GZIP;
	if (n == 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return HULL_MT_OCI_LAYER_ZSTD;
	return HULL_MT_OCI_LAYER;
}

static char **normalise_names(json_t *tags)
{
	char **v = hull_xcalloc(json_array_size(tags) + 1, sizeof(char *));
	size_t n = 0, i;
	json_t *t;
	json_array_foreach(tags, i, t)
	{
		_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
		if (json_is_string(t) && hull_reference_parse(json_string_value(t), &ref, NULL) == 0 && !ref->digest)
			v[n++] = hull_reference_string(ref);
	}
	return v;
}

static void report(struct loader *l, char **names, const char *id)
{
	for (char **n = names; n && *n; n++) {
		_cleanup_free_ char *fam = hull_reference_familiar(*n);
		add_line(l, hull_strdup_printf("Loaded image: %s", fam));
	}
	if (!names || !*names)
		add_line(l, hull_strdup_printf("Loaded image ID: %s", id));
}

/* docker-archive: manifest.json [{Config, RepoTags, Layers}] (docker image spec v1.2 save format). */
static int load_docker_entry(struct loader *l, json_t *e, struct hull_error **err)
{
	const char *config_path = json_string_value(json_object_get(e, "Config"));
	json_t *layers = json_object_get(e, "Layers");
	if (!config_path || !json_is_array(layers))
		return hull_error_msg(err, EINVAL, "%s: manifest.json: each entry needs Config and Layers", l->display);
	_cleanup_free_ char *cbuf = NULL;
	size_t clen;
	char cdigest[HULL_DIGEST_BUF_LEN];
	int ret = load_small(l, config_path, NULL, -1, &cbuf, &clen, cdigest, err);
	_cleanup_(hull_image_config_freep) struct hull_image_config *c = NULL;
	if (ret < 0 || (ret = hull_image_config_parse(cbuf, clen, config_path, &c, err)) < 0)
		return ret;
	if (c->n_diff_ids != json_array_size(layers))
		return hull_error_msg(err, EINVAL, "%s: %zu layers listed, the config has %zu diff_ids", l->display,
				      json_array_size(layers), c->n_diff_ids);
	_cleanup_free_ struct store_layer *sl = hull_xcalloc(c->n_diff_ids + 1, sizeof(*sl));
	json_t *descs = json_array();
	long long size = 0;
	for (size_t i = 0; i < c->n_diff_ids && ret >= 0; i++) {
		const char *rel = json_string_value(json_array_get(layers, i));
		ret =
		    rel ? load_layer(l, rel, NULL, -1, c->diff_ids[i], &sl[i], err)
			: hull_error_msg(err, EINVAL, "%s: manifest.json: Layers[%zu] must be a string", l->display, i);
		if (ret >= 0) {
			json_array_append_new(descs, json_pack("{s:s, s:s, s:I}", "mediaType",
							       layer_media_type(l->s, sl[i].digest), "digest",
							       sl[i].digest, "size", (json_int_t)sl[i].size));
			size += sl[i].unpacked;
		}
	}
	_cleanup_json_ json_t *m = json_pack("{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType",
					     HULL_MT_OCI_MANIFEST, "config", "mediaType", HULL_MT_OCI_CONFIG, "digest",
					     cdigest, "size", (json_int_t)clen, "layers", descs);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *mbuf = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	char mdigest[HULL_DIGEST_BUF_LEN];
	_cleanup_strv_ char **names = normalise_names(json_object_get(e, "RepoTags"));
	if ((ret = store_put_blob(l->s, mbuf, strlen(mbuf), NULL, mdigest, err)) < 0 ||
	    (ret = store_add_image(l->s, mdigest, cdigest, size, names, NULL, err)) < 0)
		return ret;
	report(l, names, cdigest);
	return 0;
}

static char *blob_rel(const char *digest)
{
	return hull_strdup_printf("blobs/sha256/%s", hull_digest_hex(digest));
}

static int load_oci_manifest(struct loader *l, const struct hull_descriptor *d, char **names, int depth,
			     struct hull_error **err);

static int load_oci_index(struct loader *l, const char *buf, size_t len, char **names, int depth,
			  struct hull_error **err)
{
	_cleanup_(hull_index_freep) struct hull_index *ix = NULL;
	int ret = hull_index_parse(buf, len, "image index", &ix, err);
	if (ret < 0)
		return ret;
	struct hull_platform host;
	hull_platform_host(&host);
	const struct hull_descriptor *d = hull_index_select(ix, &host, err);
	hull_platform_clear(&host);
	return d ? load_oci_manifest(l, d, names, depth + 1, err) : -ENOENT;
}

static int load_oci_manifest(struct loader *l, const struct hull_descriptor *d, char **names, int depth,
			     struct hull_error **err)
{
	if (depth > 4)
		return hull_error_msg(err, ELOOP, "%s: indexes nested too deep", l->display);
	_cleanup_free_ char *rel = blob_rel(d->digest);
	_cleanup_free_ char *buf = NULL, *cbuf = NULL, *crel = NULL;
	size_t len, clen;
	char digest[HULL_DIGEST_BUF_LEN], cdigest[HULL_DIGEST_BUF_LEN];
	int ret = load_small(l, rel, d->digest, d->size, &buf, &len, digest, err);
	if (ret < 0)
		return ret;
	int kind = hull_manifest_kind(buf, len, d->media_type, err);
	if (kind < 0)
		return kind;
	if (kind == 1)
		return load_oci_index(l, buf, len, names, depth, err);
	_cleanup_(hull_manifest_freep) struct hull_manifest *m = NULL;
	_cleanup_(hull_image_config_freep) struct hull_image_config *c = NULL;
	if ((ret = hull_manifest_parse(buf, len, rel, &m, err)) < 0)
		return ret;
	crel = blob_rel(m->config.digest);
	if ((ret = load_small(l, crel, m->config.digest, m->config.size, &cbuf, &clen, cdigest, err)) < 0 ||
	    (ret = hull_image_config_parse(cbuf, clen, crel, &c, err)) < 0)
		return ret;
	if (c->n_diff_ids != m->n_layers)
		return hull_error_msg(err, EINVAL, "%s: manifest %s lists %zu layers, its config %zu diff_ids",
				      l->display, d->digest, m->n_layers, c->n_diff_ids);
	long long size = 0;
	for (size_t i = 0; i < m->n_layers; i++) {
		struct store_layer sl = { 0 };
		_cleanup_free_ char *lrel = blob_rel(m->layers[i].digest);
		if ((ret = load_layer(l, lrel, m->layers[i].digest, m->layers[i].size, c->diff_ids[i], &sl, err)) < 0)
			return ret;
		size += sl.unpacked;
	}
	if ((ret = store_add_image(l->s, digest, m->config.digest, size, names, NULL, err)) < 0)
		return ret;
	report(l, names, m->config.digest);
	return 0;
}

/* Name from the annotations: containerd's full name, else a ref.name that is a full reference. */
static char **oci_names(json_t *entry)
{
	json_t *ann = json_object_get(entry, "annotations");
	const char *full = json_string_value(json_object_get(ann, "io.containerd.image.name"));
	const char *ref = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
	_cleanup_json_ json_t *arr = json_array();
	if (full)
		json_array_append_new(arr, json_string(full));
	else if (ref && (strchr(ref, '/') || strchr(ref, ':')))
		json_array_append_new(arr, json_string(ref));
	return normalise_names(arr);
}

/* The archive's top file, manifest.json (docker) or index.json (OCI), read
 * as a member like any other: inside the archive, regular, capped. */
static int read_top(struct loader *l, const char *name, char **buf, size_t *len, struct hull_error **err)
{
	long long size;
	_cleanup_close_ int fd = open_member(l, name, HULL_MAX_MANIFEST_SIZE, &size, err);
	if (fd < 0)
		return fd;
	int r = hull_read_all_max(fd, (size_t)size, buf, len);
	if (r == -EFBIG)
		return hull_error_msg(err, EFBIG, "%s: `%s` grew while it was read", l->display, name);
	return r < 0 ? hull_error_set(err, -r, "%s: read `%s`", l->display, name) : 0;
}

static int load_dir(struct loader *l, struct hull_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	/* which format: the name is there at all (a dangling or escaping
	 * symlink included: read_top then says what is wrong with it) */
	struct stat st;
	const char *top = fstatat(l->dir_fd, "manifest.json", &st, AT_SYMLINK_NOFOLLOW) == 0 ? "manifest.json"
			  : fstatat(l->dir_fd, "index.json", &st, AT_SYMLINK_NOFOLLOW) == 0  ? "index.json"
											     : NULL;
	if (!top)
		return hull_error_msg(err, EINVAL,
				      "%s: neither an OCI layout (index.json) nor a docker archive (manifest.json)",
				      l->display);
	int ret = read_top(l, top, &buf, &len, err);
	if (ret < 0)
		return ret;
	bool docker = !strcmp(top, "manifest.json");
	/* the JSON parser's message quotes the text near a syntax error; the
	 * member is the archive's own, never a file outside it */
	_cleanup_json_ json_t *j = hull_json_load_str(buf, len, top, err);
	if (!j)
		return -EINVAL;
	json_t *list = docker ? j : json_object_get(j, "manifests");
	if (!json_is_array(list) || json_array_size(list) == 0)
		return hull_error_msg(err, EINVAL, "%s: %s lists no images", l->display,
				      docker ? "manifest.json" : "index.json");
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
	{
		if (docker) {
			ret = load_docker_entry(l, e, err);
		} else {
			struct hull_descriptor d = { 0 };
			d.digest = (char *)json_string_value(json_object_get(e, "digest"));
			d.media_type = (char *)json_string_value(json_object_get(e, "mediaType"));
			if ((ret = hull_digest_validate(d.digest, err)) < 0)
				return hull_error_wrap(err, ret, "%s: index.json: manifests[%zu]", l->display, i);
			/* descriptor.md: size is required; the blob must have it */
			json_t *size = json_object_get(e, "size");
			if (!json_is_integer(size) || json_integer_value(size) < 0)
				return hull_error_msg(err, EINVAL,
						      "%s: index.json: manifests[%zu].size: must be the "
						      "manifest's size in bytes",
						      l->display, i);
			d.size = json_integer_value(size);
			_cleanup_strv_ char **names = oci_names(e);
			ret = load_oci_manifest(l, &d, names, 0, err);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int extract(struct hull_image_store *s, const char *path, const char *dir, struct hull_error **err)
{
	int lr = hull_lazy_require(HULL_LIB_ARCHIVE, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "load `%s`", path);
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	int r = !strcmp(path, "-") ? archive_read_open_fd(a, STDIN_FILENO, 1 << 20)
				   : archive_read_open_filename(a, path, 1 << 20);
	int ret = 0;
	_cleanup_close_ int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r != ARCHIVE_OK)
		ret = hull_error_msg(err, EIO, "open `%s`: %s", path, archive_error_string(a));
	else if (root < 0)
		ret = hull_error_set(err, errno, "open `%s`", dir);
	else
		ret = unpack_archive(s->ctx, a, root, NULL, err);
	archive_read_free(a);
	return ret;
}

int hull_image_load(struct hull_image_store *s, const char *path, char ***loaded, struct hull_error **err)
{
	struct loader l = {.s = s, .display = path, .dir_fd = -1};
	struct stat st;
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int gc_lock = store_lock(s, "gc", false, err);
	if (gc_lock < 0)
		return gc_lock;
	int ret = 0;
	if (strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		l.dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l.dir_fd < 0)
			ret = hull_error_set(err, errno, "open `%s`", path);
	} else {
		tmp = store_tmp_name(s, "archive");
		if (mkdir(tmp, 0700) < 0)
			ret = hull_error_set(err, errno, "create `%s`", tmp);
		if (ret >= 0 && (ret = extract(s, path, tmp, err)) >= 0) {
			l.dir_fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (l.dir_fd < 0)
				ret = hull_error_set(err, errno, "open `%s`", tmp);
		}
	}
	if (ret >= 0)
		ret = load_dir(&l, err);
	if (l.dir_fd >= 0)
		close(l.dir_fd);
	if (tmp)
		hull_rm_rf(tmp, NULL);
	if (ret < 0) {
		hull_strv_free(l.lines);
		return hull_error_wrap(err, ret, "load `%s`", path);
	}
	if (loaded)
		*loaded = l.lines ? l.lines : hull_xcalloc(1, sizeof(char *));
	else
		hull_strv_free(l.lines);
	return 0;
}
