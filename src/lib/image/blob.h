/* blob.h - verified downloads of manifests and blobs (private). */
#ifndef HULL_IMAGE_BLOB_H
#define HULL_IMAGE_BLOB_H

#include "registry.h"

struct fetched_manifest {
	char *body;
	size_t len;
	char *content_type;
	char digest[HULL_DIGEST_BUF_LEN]; /* of body */
};
void fetched_manifest_clear(struct fetched_manifest *m);

/* blob_fetch_manifest: GET a manifest by tag or digest with every manifest
 * media type in Accept; a digest reference must match the bytes. */
int blob_fetch_manifest(struct registry *r, const char *reference, struct fetched_manifest *out,
			struct hull_error **err);

/* Called after every write with the bytes in the partial file so far
 * (a resumed download starts above 0); a negative return aborts it. */
struct blob_progress {
	int (*fn)(struct blob_progress *p, long long done, long long total);
};

/* blob_partial_path: ingest/<hex>.partial, where a download grows (malloc'd). */
char *blob_partial_path(struct hull_image_store *s, const char *digest);

/* blob_download: fetch a blob into the store (ingest/<hex>.partial, then
 * blobs/), resuming a partial file with Range, refusing more bytes than
 * desc->size and content that does not hash to desc->digest. */
int blob_download(struct registry *r, const struct hull_descriptor *desc, struct blob_progress *progress,
		  struct hull_error **err);

/* blob_check_stored_size: a blob already in the store must have the size
 * the descriptor that names it says (content addressing fixes its bytes,
 * not the descriptor's claim). 0, or an EINVAL error naming both sizes. */
int blob_check_stored_size(struct hull_image_store *s, const struct hull_descriptor *desc, struct hull_error **err);

/* blob_fetch_small: a config-sized blob, from the store or the registry. */
int blob_fetch_small(struct registry *r, const struct hull_descriptor *desc, char **out, size_t *len,
		     struct hull_error **err);

/* blob_registry_error: "HTTP 404 MANIFEST_UNKNOWN: manifest unknown". */
char *blob_registry_error(struct registry *r, const struct http_response *resp);

#endif
