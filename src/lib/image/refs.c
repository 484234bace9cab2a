/* refs.c - image records and names: repositories.json maps each full
 * reference to an image id; images/<id-hex>.json records where the image
 * came from. Read-modify-write happens under the "store" lock. */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "store.h"

static char *refs_path(struct hull_image_store *s)
{
	return hull_path_join(s->root, "repositories.json");
}

static char *record_path(struct hull_image_store *s, const char *id)
{
	return hull_strdup_printf("%s/%s.json", s->records, hull_digest_hex(id));
}

json_t *store_load_refs(struct hull_image_store *s, struct hull_error **err)
{
	_cleanup_free_ char *p = refs_path(s);
	if (access(p, F_OK) < 0)
		return json_object();
	json_t *j = hull_json_load_file(p, "repositories.json", err);
	if (j && !json_is_object(j)) {
		json_decref(j);
		hull_error_msg(err, EINVAL, "%s: must be an object", p);
		return NULL;
	}
	return j;
}

/* Names and records are small and what users see: fsync them. */
static int dump_durable(json_t *j, const char *path, struct hull_error **err)
{
	_cleanup_free_ char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	if (!text)
		return hull_error_msg(err, ENOMEM, "serialise `%s`", path);
	return hull_write_file_atomic(path, text, strlen(text), 0600, true, err);
}

int store_save_refs(struct hull_image_store *s, json_t *refs, struct hull_error **err)
{
	_cleanup_free_ char *p = refs_path(s);
	return dump_durable(refs, p, err);
}

static json_t *load_record(struct hull_image_store *s, const char *id, struct hull_error **err)
{
	_cleanup_free_ char *p = record_path(s, id);
	return hull_json_load_file(p, "image record", err);
}

static bool has_record(struct hull_image_store *s, const char *id)
{
	_cleanup_free_ char *p = record_path(s, id);
	return access(p, F_OK) == 0;
}

/* A short or full hex id (optionally "sha256:"-prefixed), unique prefix. */
static char *resolve_short_id(struct hull_image_store *s, const char *q)
{
	if (!strncmp(q, "sha256:", 7))
		q += 7;
	size_t n = strlen(q);
	if (n < 4 || n > HULL_SHA256_HEX_LEN || strspn(q, "0123456789abcdef") != n)
		return NULL;
	_cleanup_closedir_ DIR *d = opendir(s->records);
	char *found = NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strncmp(de->d_name, q, n) || strlen(de->d_name) != HULL_SHA256_HEX_LEN + 5)
			continue;
		if (found) { /* ambiguous prefix */
			free(found);
			return NULL;
		}
		found = hull_strdup_printf("sha256:%.*s", HULL_SHA256_HEX_LEN, de->d_name);
	}
	return found;
}

bool store_next_record(DIR *d, char id[STORE_ID_SIZE])
{
	struct dirent *de;
	while (d && (de = readdir(d)))
		if (strlen(de->d_name) == HULL_SHA256_HEX_LEN + 5) {
			snprintf(id, STORE_ID_SIZE, "sha256:%.*s", HULL_SHA256_HEX_LEN, de->d_name);
			return true;
		}
	return false;
}

static char *resolve_by_digest(struct hull_image_store *s, const struct hull_reference *ref)
{
	_cleanup_closedir_ DIR *d = opendir(s->records);
	char id[STORE_ID_SIZE];
	while (store_next_record(d, id)) {
		_cleanup_json_ json_t *rec = load_record(s, id, NULL);
		const char *m = json_string_value(json_object_get(rec, "manifest"));
		if (m && !strcmp(m, ref->digest))
			return hull_xstrdup(id);
		json_t *rd;
		size_t i;
		json_array_foreach (json_object_get(rec, "manifests"), i, rd)
			if (json_is_string(rd) && !strcmp(json_string_value(rd), ref->digest))
				return hull_xstrdup(id);
		json_array_foreach (json_object_get(rec, "repo_digests"), i, rd) {
			const char *at = json_is_string(rd) ? strchr(json_string_value(rd), '@') : NULL;
			if (at && !strcmp(at + 1, ref->digest))
				return hull_xstrdup(id);
		}
	}
	return NULL;
}

char *store_resolve_id(struct hull_image_store *s, json_t *refs, const char *q, struct hull_error **err)
{
	if (!strncmp(q, "sha256:", 7) || (strlen(q) == HULL_SHA256_HEX_LEN && strspn(q, "0123456789abcdef") == 64)) {
		char *id = resolve_short_id(s, q);
		if (id)
			return id;
	}
	_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
	_cleanup_error_ struct hull_error *perr = NULL;
	if (hull_reference_parse(q, &ref, &perr) == 0) {
		if (ref->digest) {
			char *id = resolve_by_digest(s, ref);
			if (id)
				return id;
		} else {
			_cleanup_free_ char *full = hull_reference_string(ref);
			const char *id = json_string_value(json_object_get(refs, full));
			if (id && has_record(s, id))
				return hull_xstrdup(id);
		}
	}
	char *id = resolve_short_id(s, q);
	if (id)
		return id;
	if (perr && strncmp(q, "sha256:", 7)) {
		hull_error_msg(err, EINVAL, "%s", perr->msg);
		return NULL;
	}
	hull_error_msg(err, ENOENT,
		       "image `%s` not found locally; pull it with `hull pull %s` (offline: `hull image build-default` "
		       "makes busybox, `hull import ROOTFS.tar NAME` makes any other)",
		       q, q);
	return NULL;
}

void hull_image_free(struct hull_image *img)
{
	if (!img)
		return;
	free(img->id);
	free(img->manifest_digest);
	hull_strv_free(img->names);
	hull_strv_free(img->repo_digests);
	hull_image_config_free(img->config);
	hull_strv_free(img->layer_dirs);
	free(img);
}

void hull_image_list_free(struct hull_image **list)
{
	if (!list)
		return;
	for (struct hull_image **p = list; *p; p++)
		hull_image_free(*p);
	free(list);
}

static char **names_of(json_t *refs, const char *id)
{
	char **v = hull_xcalloc(json_object_size(refs) + 1, sizeof(char *));
	size_t n = 0;
	const char *k;
	json_t *val;
	json_object_foreach (refs, k, val)
		if (json_is_string(val) && !strcmp(json_string_value(val), id))
			v[n++] = hull_xstrdup(k);
	return v;
}

int store_load_image(struct hull_image_store *s, json_t *refs, const char *id, struct hull_image **out,
		     struct hull_error **err)
{
	*out = NULL;
	_cleanup_json_ json_t *rec = load_record(s, id, err);
	if (!rec)
		return -ENOENT;
	_cleanup_(hull_image_freep) struct hull_image *img = hull_xcalloc(1, sizeof(*img));
	img->id = hull_xstrdup(id);
	const char *m = json_string_value(json_object_get(rec, "manifest"));
	img->manifest_digest = hull_xstrdup(m ? m : "");
	img->size = json_integer_value(json_object_get(rec, "size"));
	img->created = json_integer_value(json_object_get(rec, "created"));
	json_t *rd = json_object_get(rec, "repo_digests");
	if (!json_is_array(rd) || hull_json_strv(rd, &img->repo_digests, "image record", "repo_digests", NULL) < 0)
		img->repo_digests = hull_xcalloc(1, sizeof(char *));
	img->names = names_of(refs, id);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int ret = store_read_blob(s, id, &buf, &len, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "image %s: config", id);
	if ((ret = hull_image_config_parse(buf, len, "image config", &img->config, err)) < 0)
		return hull_error_wrap(err, ret, "image %s", id);
	img->n_layers = img->config->n_diff_ids;
	img->layer_dirs = hull_xcalloc(img->n_layers + 1, sizeof(char *));
	for (size_t i = 0; i < img->n_layers; i++) {
		img->layer_dirs[i] = store_layer_path(s, img->config->diff_ids[i]);
		if (access(img->layer_dirs[i], F_OK) < 0)
			return hull_error_msg(err, ENOENT, "image %s: layer %s is missing from the store; pull the image again",
					      id, img->config->diff_ids[i]);
	}
	*out = steal_ptr(img);
	return 0;
}

int hull_image_get(struct hull_image_store *s, const char *q, struct hull_image **out, struct hull_error **err)
{
	*out = NULL;
	_cleanup_json_ json_t *refs = store_load_refs(s, err);
	if (!refs)
		return -EIO;
	_cleanup_free_ char *id = store_resolve_id(s, refs, q, err);
	if (!id)
		return -ENOENT;
	return store_load_image(s, refs, id, out, err);
}

static int by_created_desc(const void *a, const void *b)
{
	const struct hull_image *x = *(struct hull_image *const *)a, *y = *(struct hull_image *const *)b;
	return x->created < y->created ? 1 : x->created > y->created ? -1 : strcmp(x->id, y->id);
}

int hull_image_list(struct hull_image_store *s, struct hull_image ***out, struct hull_error **err)
{
	*out = NULL;
	_cleanup_json_ json_t *refs = store_load_refs(s, err);
	if (!refs)
		return -EIO;
	_cleanup_closedir_ DIR *d = opendir(s->records);
	if (!d)
		return hull_error_set(err, errno, "open `%s`", s->records);
	size_t n = 0, cap = 16;
	struct hull_image **list = hull_xcalloc(cap + 1, sizeof(*list));
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strlen(de->d_name) != HULL_SHA256_HEX_LEN + 5 || !strstr(de->d_name, ".json"))
			continue;
		_cleanup_free_ char *id = hull_strdup_printf("sha256:%.*s", HULL_SHA256_HEX_LEN, de->d_name);
		struct hull_image *img = NULL;
		_cleanup_error_ struct hull_error *e = NULL;
		if (store_load_image(s, refs, id, &img, &e) < 0) {
			hull_warn(s->ctx, "%s", e->msg);
			continue;
		}
		if (n == cap) {
			cap *= 2;
			list = hull_xrealloc(list, (cap + 1) * sizeof(*list));
		}
		list[n++] = img;
		list[n] = NULL;
	}
	qsort(list, n, sizeof(*list), by_created_desc);
	*out = list;
	return 0;
}

static int write_record(struct hull_image_store *s, const char *id, const char *manifest, long long size,
			const char *repo_digest, struct hull_error **err)
{
	_cleanup_json_ json_t *rec = has_record(s, id) ? load_record(s, id, NULL) : NULL;
	if (!rec)
		rec = json_pack("{s:s, s:I, s:I, s:[], s:[]}", "id", id, "size", (json_int_t)size, "created",
				(json_int_t)time(NULL), "repo_digests", "manifests");
	json_object_set_new(rec, "manifest", json_string(manifest));
	json_t *rds = json_object_get(rec, "repo_digests");
	json_t *ms = json_object_get(rec, "manifests");
	bool seen = false;
	json_t *v;
	size_t i;
	json_array_foreach (rds, i, v)
		seen |= repo_digest && !strcmp(json_string_value(v), repo_digest);
	if (repo_digest && !seen && json_is_array(rds))
		json_array_append_new(rds, json_string(repo_digest));
	seen = false;
	json_array_foreach (ms, i, v)
		seen |= !strcmp(json_string_value(v), manifest);
	if (!seen && json_is_array(ms))
		json_array_append_new(ms, json_string(manifest));
	_cleanup_free_ char *p = record_path(s, id);
	return dump_durable(rec, p, err);
}

int store_add_image(struct hull_image_store *s, const char *manifest_digest, const char *config_digest,
		    long long size, char *const *names, const char *repo_digest, struct hull_error **err)
{
	_cleanup_close_ int lock = store_lock(s, "store", true, err);
	if (lock < 0)
		return lock;
	int ret = write_record(s, config_digest, manifest_digest, size, repo_digest, err);
	if (ret < 0 || !names || !*names)
		return ret;
	_cleanup_json_ json_t *refs = store_load_refs(s, err);
	if (!refs)
		return -EIO;
	for (char *const *n = names; *n; n++)
		json_object_set_new(refs, *n, json_string(config_digest));
	return store_save_refs(s, refs, err);
}

int hull_image_tag(struct hull_image_store *s, const char *src, const char *target, struct hull_error **err)
{
	_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
	int ret = hull_reference_parse(target, &ref, err);
	if (ret < 0)
		return ret;
	if (ref->digest)
		return hull_error_msg(err, EINVAL, "tag `%s`: a tag cannot contain a digest", target);
	_cleanup_close_ int lock = store_lock(s, "store", true, err);
	if (lock < 0)
		return lock;
	_cleanup_json_ json_t *refs = store_load_refs(s, err);
	if (!refs)
		return -EIO;
	_cleanup_free_ char *id = store_resolve_id(s, refs, src, err);
	if (!id)
		return -ENOENT;
	_cleanup_free_ char *full = hull_reference_string(ref);
	json_object_set_new(refs, full, json_string(id));
	return store_save_refs(s, refs, err);
}

int store_make_image(struct hull_image_store *s, json_t *config, const struct store_layer *layers, size_t n,
		     char *const *names, struct hull_image **out, struct hull_error **err)
{
	json_t *diff_ids = json_array();
	json_t *descs = json_array();
	long long size = 0;
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(diff_ids, json_string(layers[i].diff_id));
		json_array_append_new(descs, json_pack("{s:s, s:s, s:I}", "mediaType", layers[i].media_type, "digest",
						       layers[i].digest, "size", (json_int_t)layers[i].size));
		size += layers[i].unpacked;
	}
	json_object_set_new(config, "rootfs", json_pack("{s:s, s:o}", "type", "layers", "diff_ids", diff_ids));
	/* Sorted keys: the same content always gives the same image id. */
	_cleanup_free_ char *cbuf = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
	char config_digest[HULL_DIGEST_BUF_LEN], manifest_digest[HULL_DIGEST_BUF_LEN];
	int ret = store_put_blob(s, cbuf, strlen(cbuf), NULL, config_digest, err);
	if (ret < 0) {
		json_decref(descs);
		return ret;
	}
	_cleanup_json_ json_t *manifest = json_pack(
		"{s:i, s:s, s:{s:s, s:s, s:I}, s:o}", "schemaVersion", 2, "mediaType", HULL_MT_OCI_MANIFEST, "config",
		"mediaType", HULL_MT_OCI_CONFIG, "digest", config_digest, "size", (json_int_t)strlen(cbuf), "layers", descs);
	_cleanup_free_ char *mbuf = json_dumps(manifest, JSON_COMPACT | JSON_SORT_KEYS);
	if ((ret = store_put_blob(s, mbuf, strlen(mbuf), NULL, manifest_digest, err)) < 0 ||
	    (ret = store_add_image(s, manifest_digest, config_digest, size, names, NULL, err)) < 0)
		return ret;
	if (!out)
		return 0;
	return hull_image_get(s, config_digest, out, err);
}
