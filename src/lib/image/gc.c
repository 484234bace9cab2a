/* gc.c - rmi, prune and garbage collection. Blobs and layers are kept
 * while any image record reaches them; pulls and imports hold the "gc"
 * lock shared, so collection (exclusive) never races a pull that has
 * stored layers but not yet written its record. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/timefmt.h"
#include "store.h"

static void strv_push(char ***v, size_t *n, char *s)
{
	*v = hull_xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

static bool in_use(struct hull_image_store *s, const char *id)
{
	return s->in_use && s->in_use(s->in_use_opaque, id);
}

static size_t count_names(json_t *refs, const char *id)
{
	size_t n = 0;
	const char *k;
	json_t *v;
	json_object_foreach (refs, k, v)
		n += !strcmp(json_string_value(v), id);
	return n;
}

static void delete_record(struct hull_image_store *s, const char *id)
{
	_cleanup_free_ char *p = hull_strdup_printf("%s/%s.json", s->records, hull_digest_hex(id));
	unlink(p);
}

/* Remove every name of id from refs, recording "Untagged: X". */
static void untag_all(json_t *refs, const char *id, char ***lines, size_t *n)
{
	const char *k;
	json_t *v;
	void *tmp;
	json_object_foreach_safe (refs, tmp, k, v) {
		if (strcmp(json_string_value(v), id))
			continue;
		_cleanup_free_ char *fam = hull_reference_familiar(k);
		strv_push(lines, n, hull_strdup_printf("Untagged: %s", fam));
		json_object_del(refs, k);
	}
}

static int remove_locked(struct hull_image_store *s, json_t *refs, const char *q, bool force, char ***lines,
			 size_t *n, struct hull_error **err)
{
	_cleanup_free_ char *id = store_resolve_id(s, refs, q, err);
	if (!id)
		return -ENOENT;
	_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
	_cleanup_free_ char *full = NULL;
	if (hull_reference_parse(q, &ref, NULL) == 0 && !ref->digest)
		full = hull_reference_string(ref);
	bool by_name = full && json_object_get(refs, full);
	if (by_name && count_names(refs, id) > 1) {
		_cleanup_free_ char *fam = hull_reference_familiar(full);
		strv_push(lines, n, hull_strdup_printf("Untagged: %s", fam));
		json_object_del(refs, full);
		return 0;
	}
	if (!by_name && count_names(refs, id) > 1 && !force)
		return hull_error_msg(err, EBUSY,
				      "image %.19s is referenced by several names; remove them one by one or use --force",
				      id);
	if (in_use(s, id)) {
		if (!force)
			return hull_error_msg(err, EBUSY,
					      "image `%s` (%.19s) is used by a container; remove the container first or use --force",
					      q, id);
		untag_all(refs, id, lines, n);
		return 0;
	}
	untag_all(refs, id, lines, n);
	delete_record(s, id);
	strv_push(lines, n, hull_strdup_printf("Deleted: %s", id));
	return 0;
}

int hull_image_remove(struct hull_image_store *s, const char *q, bool force, char ***removed,
		      struct hull_error **err)
{
	char **lines = NULL;
	size_t n = 0;
	{
		_cleanup_close_ int lock = store_lock(s, "store", true, err);
		if (lock < 0)
			return lock;
		_cleanup_json_ json_t *refs = store_load_refs(s, err);
		if (!refs)
			return -EIO;
		int ret = remove_locked(s, refs, q, force, &lines, &n, err);
		if (ret >= 0)
			ret = store_save_refs(s, refs, err);
		if (ret < 0) {
			hull_strv_free(lines);
			return ret;
		}
	}
	if (removed)
		*removed = lines ? lines : hull_xcalloc(1, sizeof(char *));
	else
		hull_strv_free(lines);
	return hull_image_gc(s, NULL, err);
}

/* Was image id created before until? An image the store cannot read is
 * left alone. */
static bool created_before(struct hull_image_store *s, json_t *refs, const char *id, const struct timespec *until)
{
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (store_load_image(s, refs, id, &img, NULL) < 0)
		return false;
	struct timespec created = { .tv_sec = (time_t)img->created };
	const char *c = img->config ? img->config->created : NULL;
	if (c && hull_time_parse_rfc3339(c, &created, NULL) < 0)
		created = (struct timespec){ .tv_sec = (time_t)img->created };
	return hull_time_ns(&created) < hull_time_ns(until);
}

/* The config history of an image (new ref), NULL when unreadable. */
static json_t *history_of(struct hull_image_store *s, json_t *refs, const char *id)
{
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (store_load_image(s, refs, id, &img, NULL) < 0 || !img->config)
		return NULL;
	return json_incref(json_object_get(img->config->raw, "history"));
}

/* The histories of the images a prune keeps whatever it does: named ones
 * and those containers use. */
static json_t *kept_histories(struct hull_image_store *s, json_t *refs)
{
	json_t *kept = json_array();
	_cleanup_closedir_ DIR *d = opendir(s->records);
	char id[STORE_ID_SIZE];
	while (store_next_record(d, id)) {
		json_t *h = count_names(refs, id) > 0 || in_use(s, id) ? history_of(s, refs, id) : NULL;
		if (json_array_size(h))
			json_array_append(kept, h);
		json_decref(h);
	}
	return kept;
}

/* An intermediate image of a build (docker's "parent" of a kept image):
 * a kept image's history begins with all of this one's. Not dangling. */
static bool intermediate_of_kept(struct hull_image_store *s, json_t *refs, const char *id, json_t *kept)
{
	_cleanup_json_ json_t *mine = history_of(s, refs, id);
	size_t n = json_array_size(mine), k;
	json_t *theirs;
	json_array_foreach(kept, k, theirs)
	{
		bool prefix = n > 0 && json_array_size(theirs) > n;
		for (size_t i = 0; i < n && prefix; i++)
			prefix = json_equal(json_array_get(mine, i), json_array_get(theirs, i));
		if (prefix)
			return true;
	}
	return false;
}

int hull_image_prune(struct hull_image_store *s, bool all, const struct timespec *until, char ***removed,
		     long long *freed, struct hull_error **err)
{
	char **lines = NULL;
	size_t n = 0;
	{
		_cleanup_close_ int lock = store_lock(s, "store", true, err);
		if (lock < 0)
			return lock;
		_cleanup_json_ json_t *refs = store_load_refs(s, err);
		if (!refs)
			return -EIO;
		_cleanup_json_ json_t *kept = all ? NULL : kept_histories(s, refs);
		_cleanup_closedir_ DIR *d = opendir(s->records);
		char id[STORE_ID_SIZE];
		while (store_next_record(d, id)) {
			if (in_use(s, id) || (!all && count_names(refs, id) > 0) ||
			    (until && !created_before(s, refs, id, until)) ||
			    (kept && intermediate_of_kept(s, refs, id, kept)))
				continue;
			untag_all(refs, id, &lines, &n);
			delete_record(s, id);
			strv_push(&lines, &n, hull_strdup_printf("Deleted: %s", id));
		}
		int ret = store_save_refs(s, refs, err);
		if (ret < 0) {
			hull_strv_free(lines);
			return ret;
		}
	}
	if (removed)
		*removed = lines ? lines : hull_xcalloc(1, sizeof(char *));
	else
		hull_strv_free(lines);
	return hull_image_gc(s, freed, err);
}

/* ---- collection ---- */

static void mark(json_t *live, const char *digest)
{
	if (digest)
		json_object_set_new(live, hull_digest_hex(digest), json_true());
}

static void mark_manifest(struct hull_image_store *s, json_t *live, const char *digest)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (hull_digest_validate(digest, NULL) < 0 || store_read_blob(s, digest, &buf, &len, NULL) < 0)
		return;
	mark(live, digest);
	_cleanup_(hull_manifest_freep) struct hull_manifest *m = NULL;
	if (hull_manifest_parse(buf, len, "manifest", &m, NULL) < 0)
		return;
	for (size_t i = 0; i < m->n_layers; i++)
		mark(live, m->layers[i].digest);
}

/* Everything reachable from the image records: blob hexes and layer hexes. */
static void mark_live(struct hull_image_store *s, json_t *blobs, json_t *layers)
{
	_cleanup_closedir_ DIR *d = opendir(s->records);
	char id[STORE_ID_SIZE];
	while (store_next_record(d, id)) {
		_cleanup_free_ char *p = hull_strdup_printf("%s/%s.json", s->records, id + 7);
		_cleanup_json_ json_t *rec = hull_json_load_file(p, "image record", NULL);
		mark(blobs, id);
		json_t *m;
		size_t i;
		json_array_foreach (json_object_get(rec, "manifests"), i, m)
			mark_manifest(s, blobs, json_string_value(m));
		mark_manifest(s, blobs, json_string_value(json_object_get(rec, "manifest")));
		_cleanup_free_ char *buf = NULL;
		size_t len;
		_cleanup_(hull_image_config_freep) struct hull_image_config *c = NULL;
		if (store_read_blob(s, id, &buf, &len, NULL) == 0 &&
		    hull_image_config_parse(buf, len, "config", &c, NULL) == 0)
			for (size_t k = 0; k < c->n_diff_ids; k++)
				mark(layers, c->diff_ids[k]);
	}
}

static void sweep(struct hull_ctx *ctx, const char *dir, json_t *live, long long *freed)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || (live && json_object_get(live, de->d_name)))
			continue;
		_cleanup_free_ char *p = hull_path_join(dir, de->d_name);
		/* the entry's own blocks, and a directory's tree below it (never
		 * through a symlink) */
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			*freed += (long long)st.st_blocks * 512 + (S_ISDIR(st.st_mode) ? (long long)hull_du(p) : 0);
		_cleanup_error_ struct hull_error *e = NULL;
		if (hull_rm_rf(p, &e) < 0)
			hull_warn(ctx, "gc: %s", e->msg);
	}
}

/* The read-only disks `run --vm` made of images (data_root/vm/images/
 * <id hex>.ext4) go with their images. Only finished disks: a ".tmp."
 * file may be one being made right now. */
static void sweep_vm_disks(struct hull_image_store *s, json_t *blobs, long long *freed)
{
	_cleanup_free_ char *dir = hull_path_join(s->data_root, "vm/images");
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len != HULL_SHA256_HEX_LEN + 5 || strcmp(de->d_name + HULL_SHA256_HEX_LEN, ".ext4"))
			continue;
		_cleanup_free_ char *hex = strndup(de->d_name, HULL_SHA256_HEX_LEN);
		if (json_object_get(blobs, hex))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    unlinkat(dirfd(d), de->d_name, 0) == 0)
			*freed += (long long)st.st_blocks * 512;
	}
}

int hull_image_gc(struct hull_image_store *s, long long *freed, struct hull_error **err)
{
	_cleanup_close_ int gc_lock = store_lock(s, "gc", true, err);
	if (gc_lock < 0)
		return gc_lock;
	_cleanup_close_ int lock = store_lock(s, "store", true, err);
	if (lock < 0)
		return lock;
	_cleanup_json_ json_t *blobs = json_object();
	_cleanup_json_ json_t *layers = json_object();
	mark_live(s, blobs, layers);
	long long total = 0;
	sweep(s->ctx, s->blobs, blobs, &total);
	sweep(s->ctx, s->layers, layers, &total);
	sweep(s->ctx, s->sizes, layers, &total);
	sweep_vm_disks(s, blobs, &total);
	/* No pull or import runs now (we hold "gc"): temp files are orphans. */
	sweep(s->ctx, s->tmp, NULL, &total);
	sweep(s->ctx, s->ingest, NULL, &total);
	/* Per-digest lock files: nobody can hold one while we hold "gc". */
	_cleanup_json_ json_t *keep = json_pack("{s:b, s:b}", "gc", 1, "store", 1);
	long long ignored = 0;
	sweep(s->ctx, s->locks, keep, &ignored);
	/* gc is the slow path anyway: make everything durable, forget the markers. */
	store_sync_all(s);
	if (freed)
		*freed = total;
	return 0;
}
