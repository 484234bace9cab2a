/* hull/volume.h - named and anonymous volumes (data_root/volumes), as docker's local driver. */
#ifndef HULL_VOLUME_H
#define HULL_VOLUME_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hull/cleanup.h"
#include "hull/ctx.h"
#include "hull/error.h"

/* A named volume: data_root/volumes/<name>/_data, as docker's local driver. */
struct hull_volume {
	char *name;
	char *mountpoint;  /* .../volumes/<name>/_data */
	char *created_at;  /* RFC 3339 */
	json_t *labels;    /* object of strings (owned) */
	bool anonymous;    /* made for an image VOLUME or `-v /path`: pruned by default */
};

void hull_volume_free(struct hull_volume *v);
void hull_volume_freep(struct hull_volume **v);
#define _cleanup_volume_ _cleanup_(hull_volume_freep)

/* hull_volume_lock: the volume store's lock (flock on volumes/.lock), held
 * while a volume is created or removed and while a container that uses
 * volumes records them, so `rm` cannot slip between check and use. Returns
 * the fd to close, or -errno. */
int hull_volume_lock(const struct hull_ctx *ctx, struct hull_error **err);

/* hull_volume_create: create volume `name` (NULL: an anonymous one with a
 * 64-hex name). An existing volume of that name is returned as is, as
 * `docker volume create` does; *created (may be NULL) says which. labels
 * (borrowed, may be NULL) is an object of strings. */
struct hull_volume *hull_volume_create(const struct hull_ctx *ctx, const char *name, json_t *labels, bool *created,
				       struct hull_error **err);

/* hull_volume_create_locked: the same, for a caller that holds
 * hull_volume_lock() already (flock does not nest across fds). */
struct hull_volume *hull_volume_create_locked(const struct hull_ctx *ctx, const char *name, json_t *labels,
					      bool *created, struct hull_error **err);

/* hull_volume_get: load one volume; ENOENT "no such volume: NAME". */
struct hull_volume *hull_volume_get(const struct hull_ctx *ctx, const char *name, struct hull_error **err);

/* hull_volume_list: every volume sorted by name; *out malloc'd array. */
int hull_volume_list(const struct hull_ctx *ctx, struct hull_volume ***out, size_t *n, struct hull_error **err);

/* hull_volume_users: ids of the containers (any state) whose record mounts
 * the volume; *ids is a malloc'd NULL-ended strv (empty when unused). */
int hull_volume_users(const struct hull_ctx *ctx, const char *name, char ***ids, struct hull_error **err);

/* hull_volume_remove: remove the volume and its data. Refused (EBUSY,
 * "remove NAME: volume is in use - [ID...]") while any container uses it,
 * running or not, as docker does; force does not override that. */
int hull_volume_remove(const struct hull_ctx *ctx, const char *name, struct hull_error **err);

/* hull_volume_prune: remove unused volumes: anonymous ones only, or all
 * unused ones when `all` (docker >= 23 semantics). *removed gets the names
 * (strv, may be NULL) and *reclaimed the bytes freed. */
int hull_volume_prune(const struct hull_ctx *ctx, bool all, char ***removed, unsigned long long *reclaimed,
		      struct hull_error **err);

/* hull_volume_inspect_json: docker's `volume inspect` object (new ref). */
json_t *hull_volume_inspect_json(const struct hull_volume *v);

#endif
