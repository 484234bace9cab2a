/* hull/commit_export.h - a container's filesystem out: as a new image (commit) or a tar (export). */
#ifndef HULL_COMMIT_EXPORT_H
#define HULL_COMMIT_EXPORT_H

#include "hull/ctx.h"
#include "hull/error.h"

struct hull_container;
struct hull_image_store;

/* hull_engine_export: write the container's filesystem (image layers plus
 * its changes, without volumes) to fd as a tar (docker export). Works on
 * running and stopped containers. */
int hull_engine_export(struct hull_ctx *ctx, struct hull_container *c, int fd, struct hull_error **err);

/* hull_engine_commit: a new image from the container's changes (its
 * overlay upper dir) on top of its image, with the container's run config
 * (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts, Volumes, Labels);
 * tagged `name` when not NULL. *image_id (malloc'd) gets the new id. */
int hull_engine_commit(struct hull_ctx *ctx, struct hull_image_store *store, struct hull_container *c,
		       const char *name, const char *author, const char *comment, char **image_id,
		       struct hull_error **err);

#endif
