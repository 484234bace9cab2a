/* engine_internal.h - between the engine's lifecycle files. */
#ifndef HULL_ENGINE_INTERNAL_H
#define HULL_ENGINE_INTERNAL_H

#include <jansson.h>

#include "hull/engine.h"

/* mounts.c: fill record.Mounts from HostConfig and Config.Volumes; the
 * caller holds the volume lock. */
int engine_resolve_mounts(const struct hull_ctx *ctx, json_t *record, struct hull_error **err);

/* rootfs.c: mount the overlay of record.GraphDriver at dir/rootfs (the
 * caller is in a private mount namespace) and unmount it. */
int engine_rootfs_mount(const struct hull_container *c, struct hull_error **err);
void engine_rootfs_unmount(const struct hull_container *c);

/* rootfs.c: fill new empty volumes from the image's content at their
 * destination, and create the working directory, inside the mounted rootfs. */
int engine_rootfs_prepare(const struct hull_container *c, struct hull_error **err);

/* ops.c: --rm from the monitor itself: take the container out of every
 * listing (name, record) and its anonymous volumes; returns the hidden
 * directory left to unmount and delete (malloc'd), NULL on failure. */
char *engine_remove_for_monitor(struct hull_ctx *ctx, struct hull_container *c);

/* engine_rootless_prepare (rootless.c): for a rootless ctx, refuse what a
 * container without host root cannot have (resource limits without a
 * cgroup, a host bridge), naming the alternatives, and fill in the
 * rootless default network. Changes o->network only. No-op for root. */
int engine_rootless_prepare(const struct hull_ctx *ctx, struct hull_run_options *o, struct hull_error **err);

/* scan_policy.c: with o->scan_policy set, scan the image as `hull scan
 * --fail-on` does and fail (-EACCES, naming the findings that reach the
 * threshold and the `hull scan` command that lists them all) when one
 * does; 0 at once when the policy is off. */
struct hull_image;
int engine_scan_policy_check(struct hull_ctx *ctx, const struct hull_image *img, const struct hull_run_options *o,
			     struct hull_error **err);

#endif
