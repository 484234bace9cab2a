/* cache.c - the build cache: data_root/build-cache/<key> holds the id of
 * the image a step made. A key is the sha256 of the parent image's id, the
 * step's created_by (its instruction with the arguments expanded, and for
 * COPY/ADD the digest of every file read: path, type, mode, owner, content)
 * and what else decides the result (the config a config step makes). A hit
 * is used only while its image is still in the store. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "builder_internal.h"
#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/fs.h"

void cache_key(const char *parent, const char *created_by, const char *extra, char key[65])
{
	_cleanup_(hull_sha256_freep) struct hull_sha256 *h = hull_sha256_new();
	static const char version[] = "hull-build-cache-v1";
	hull_sha256_update(h, version, sizeof(version));
	hull_sha256_update(h, parent, strlen(parent) + 1);
	hull_sha256_update(h, created_by, strlen(created_by) + 1);
	if (extra)
		hull_sha256_update(h, extra, strlen(extra) + 1);
	char d[HULL_DIGEST_BUF_LEN];
	hull_sha256_digest(h, d);
	snprintf(key, 65, "%s", hull_digest_hex(d));
}

char *cache_get(struct build *b, const char *key)
{
	_cleanup_free_ char *path = hull_path_join(b->cache_dir, key);
	_cleanup_free_ char *id = NULL;
	size_t len;
	if (hull_read_file_max(path, 128, &id, &len, NULL) < 0)
		return NULL;
	id[strcspn(id, "\n")] = '\0';
	if (strncmp(id, "sha256:", 7) || hull_digest_validate(id, NULL) < 0)
		return NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	struct hull_error *e = NULL;
	if (hull_image_get(b->store, id, &img, &e) < 0) {
		if (e && e->code == ENOENT)
			unlink(path); /* its image was pruned: the entry can never hit again */
		hull_error_free(e);
		return NULL;
	}
	return hull_xstrdup(img->id);
}

void cache_put(struct build *b, const char *key, const char *image_id)
{
	if (hull_mkdir_p(b->cache_dir, 0700, NULL) < 0)
		return;
	_cleanup_free_ char *path = hull_path_join(b->cache_dir, key);
	hull_write_file_atomic(path, image_id, strlen(image_id), 0600, false, NULL);
}

bool cache_try(struct build *b, struct stage *st, const char *key)
{
	if (b->o->no_cache)
		return false;
	char *id = cache_get(b, key);
	if (!id)
		return false;
	free(st->image_id);
	st->image_id = id;
	build_say(b, " ---> Using cache");
	build_say(b, " ---> %.12s", hull_digest_hex(id));
	return true;
}
