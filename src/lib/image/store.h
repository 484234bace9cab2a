/* store.h - the image room's private interface between its files. */
#ifndef HULL_IMAGE_STORE_H
#define HULL_IMAGE_STORE_H

#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hull/ctx.h"
#include "hull/digest.h"
#include "hull/error.h"
#include "hull/image.h"
#include "hull/oci_image.h"

struct hull_image_store {
	struct hull_ctx *ctx;
	char *root;       /* data_root/images */
	char *data_root;  /* data_root */
	char *blobs;      /* root/blobs/sha256 */
	char *layers;     /* root/layers */
	char *records;    /* root/images */
	char *ingest;     /* root/ingest */
	char *tmp;        /* root/tmp */
	char *locks;      /* root/locks */
	char *sizes;      /* root/layer-sizes: <diffid-hex> holds the unpacked bytes */
	char *unsynced;   /* root/unsynced: markers of data not yet known to be on disk */
	bool (*in_use)(void *opaque, const char *image_id);
	void *in_use_opaque;
};

/* Paths (malloc'd). */
char *store_blob_path(struct hull_image_store *s, const char *digest);
char *store_layer_path(struct hull_image_store *s, const char *diff_id);
bool store_has_blob(struct hull_image_store *s, const char *digest);
bool store_has_layer(struct hull_image_store *s, const char *diff_id);

/* store_lock: flock locks/<name>, shared or exclusive, blocking. Returns
 * the fd (close to release) or negative errno. */
int store_lock(struct hull_image_store *s, const char *name, bool exclusive, struct hull_error **err);

/* store_put_blob: store a buffer as a blob; when expected is not NULL the
 * content must hash to it. digest_out (may be NULL) gets the digest. */
int store_put_blob(struct hull_image_store *s, const void *data, size_t len, const char *expected,
		   char digest_out[HULL_DIGEST_BUF_LEN], struct hull_error **err);

/* store_read_blob: read a (small) blob; refuses more than HULL_MAX_MANIFEST_SIZE. */
int store_read_blob(struct hull_image_store *s, const char *digest, char **out, size_t *len,
		    struct hull_error **err);

/* store_commit_file: link a fully written and verified temp file (under
 * tmp/ or ingest/) into blobs/ under digest (rename; an existing blob wins). */
int store_commit_file(struct hull_image_store *s, const char *tmp_path, const char *digest, struct hull_error **err);

/* store_mark_unsynced: before a layer or blob becomes visible without an
 * fsync, durably note "<kind>-<hex>" with this boot's id. After a reboot the
 * store distrusts what such markers name (see store.c: recover). */
int store_mark_unsynced(struct hull_image_store *s, const char *kind, const char *digest, struct hull_error **err);

/* store_sync_all: syncfs the store, then drop this boot's markers. */
void store_sync_all(struct hull_image_store *s);

/* store_tmp_name: a unique name under tmp/ (malloc'd; not created). */
char *store_tmp_name(struct hull_image_store *s, const char *what);

/* ---- layers (layer.c) ---- */

/* store_layer_size: unpacked bytes recorded for a layer (0 if unknown). */
long long store_layer_size(struct hull_image_store *s, const char *diff_id);

/* A byte source for store_unpack_layer: read returns bytes, 0 at the end,
 * or -1 with a message in errbuf (errno EINTR: call again). */
struct layer_source {
	ssize_t (*read)(void *opaque, void *buf, size_t len, char *errbuf, size_t errlen);
	void *opaque;
};

/* store_unpack_layer: unpack a tar (plain, gzip or zstd: the magic bytes
 * decide) read from src into a fresh directory under tmp/, verifying that
 * the uncompressed stream hashes to diff_id (when not NULL; else *diff_out
 * gets its digest), and rename it to layers/<hex>. Serialised per layer
 * with a lock; a layer already present is not unpacked again (src is then
 * not read). *unpacked (may be NULL) gets the bytes of file data. */
int store_unpack_layer(struct hull_image_store *s, const struct layer_source *src, const char *diff_id,
		       char diff_out[HULL_DIGEST_BUF_LEN], long long *unpacked, struct hull_error **err);

/* store_unpack_layer_fd: the same from a file descriptor. compression is
 * informational (the magic bytes decide, as docker's DecompressStream). */
int store_unpack_layer_fd(struct hull_image_store *s, int fd, int compression, const char *diff_id,
			  char diff_out[HULL_DIGEST_BUF_LEN], long long *unpacked, struct hull_error **err);

/* ---- image records and names (refs.c) ---- */

/* store_add_image: write the record for a verified image whose manifest,
 * config and layers are all in the store, then tag it with `names`
 * (NULL-terminated, may be NULL). Takes the store lock. */
int store_add_image(struct hull_image_store *s, const char *manifest_digest, const char *config_digest,
		    long long size, char *const *names, const char *repo_digest, struct hull_error **err);

/* store_load_refs / store_save_refs: repositories.json (caller holds the
 * store lock for read-modify-write). */
json_t *store_load_refs(struct hull_image_store *s, struct hull_error **err);

/* store_next_record: the id ("sha256:HEX") of the next image record in d,
 * an opendir of s->records (NULL is an empty one); false at its end. */
#define STORE_ID_SIZE (HULL_SHA256_HEX_LEN + 8)
bool store_next_record(DIR *d, char id[STORE_ID_SIZE]);
int store_save_refs(struct hull_image_store *s, json_t *refs, struct hull_error **err);

/* store_resolve_id: ref or id -> "sha256:<id>" (malloc'd), ENOENT if absent. */
char *store_resolve_id(struct hull_image_store *s, json_t *refs, const char *ref_or_id, struct hull_error **err);

/* store_load_image: build a struct hull_image for an id. */
int store_load_image(struct hull_image_store *s, json_t *refs, const char *id, struct hull_image **out,
		     struct hull_error **err);

/* store_make_image: write config + manifest for layers already stored (blob
 * digests, media types, sizes, diff_ids) and a run config json, then add the
 * image. Used by import, commit and build-default. */
struct store_layer {
	char digest[HULL_DIGEST_BUF_LEN];
	char diff_id[HULL_DIGEST_BUF_LEN];
	const char *media_type;
	long long size;     /* blob size */
	long long unpacked; /* bytes of file data */
};
int store_make_image(struct hull_image_store *s, json_t *config, const struct store_layer *layers, size_t n,
		     char *const *names, struct hull_image **out, struct hull_error **err);

#endif
