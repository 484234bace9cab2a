/* import.h - turning local tar files into stored layers and images. */
#ifndef HULL_IMAGE_IMPORT_H
#define HULL_IMAGE_IMPORT_H

#include <jansson.h>
#include <time.h>

#include "store.h"

/* import_layer_file: tmp_path (a tar, plain/gzip/zstd, under the store)
 * becomes a blob and an unpacked layer; *out gets digest, diff_id, sizes.
 * The temp file is moved into blobs/ (or removed if the blob existed). */
int import_layer_file(struct hull_image_store *s, const char *tmp_path, struct store_layer *out,
		      struct hull_error **err);

/* import_base_config: {"architecture": host, "os": "linux", "created",
 * "config": {"Env": [PATH]}, "history": [...]} (caller owns it). */
json_t *import_base_config(time_t created, const char *created_by);

/* import_tar_as_image: one-layer image from tmp_path with config, named
 * `name` (may be NULL). The temp file is consumed. */
int import_tar_as_image(struct hull_image_store *s, const char *tmp_path, const char *name, json_t *config,
			struct hull_image **out, struct hull_error **err);

#endif
