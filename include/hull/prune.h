/* hull/prune.h - removing stopped containers (container prune) and what the engine takes on disk
 * (system df, ps -s). */
#ifndef HULL_PRUNE_H
#define HULL_PRUNE_H

#include "hull/ctx.h"
#include "hull/error.h"

struct hull_container;

/* hull_engine_container_prune: remove every stopped (created, exited,
 * dead) container that passes every filter (NULL-ended, may be NULL):
 * docker's until=DURATION|TIME (created before), label=K[=V], label!=K[=V];
 * any other is refused before anything goes. *removed gets their ids
 * (strv, owned by the caller), *reclaimed the bytes of their changes. */
int hull_engine_container_prune(struct hull_ctx *ctx, char *const *filters, char ***removed,
				unsigned long long *reclaimed, struct hull_error **err);

/* hull_engine_prune_filters_check: EINVAL naming the first filter
 * hull_engine_container_prune would refuse. */
int hull_engine_prune_filters_check(char *const *filters, struct hull_error **err);

/* hull_engine_container_size: docker's SizeRw (*rw: the bytes of its
 * overlay upper directory) and SizeRootFs (*virtual_size: those plus its
 * image's unpacked size), as ps -s and inspect --size show them. */
int hull_engine_container_size(struct hull_ctx *ctx, const struct hull_container *c, unsigned long long *rw,
			       unsigned long long *virtual_size, struct hull_error **err);

/* One row of docker system df. */
struct hull_disk_row {
	unsigned long total;             /* how many */
	unsigned long active;            /* used (images, volumes) or running (containers) */
	unsigned long long size;         /* bytes on disk */
	unsigned long long reclaimable;  /* bytes a prune of the unused would free */
};

struct hull_disk_usage {
	struct hull_disk_row images;     /* shared layers counted once; active = a container's image */
	struct hull_disk_row containers; /* their overlay upper dirs */
	struct hull_disk_row volumes;    /* active = mounted by any container */
};

/* hull_engine_disk_usage: docker system df's numbers. */
int hull_engine_disk_usage(struct hull_ctx *ctx, struct hull_disk_usage *out, struct hull_error **err);

#endif
