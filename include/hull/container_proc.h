/* hull/container_proc.h - a running container's processes and their usage (top, stats). */
#ifndef HULL_CONTAINER_PROC_H
#define HULL_CONTAINER_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "hull/error.h"

struct hull_container;

/* hull_engine_pids: host pids of every process in a running container
 * (its pid namespace); *out malloc'd. ESRCH when it is not running. */
int hull_engine_pids(const struct hull_container *c, pid_t **out, size_t *n, struct hull_error **err);

/* A running container's usage, summed over its processes (/proc). */
struct hull_usage {
	unsigned long long cpu_ns;       /* user + system CPU time so far */
	unsigned long long memory;       /* resident bytes */
	unsigned long long net_rx, net_tx; /* bytes on its interfaces but lo */
	unsigned long long block_read, block_write;
	size_t pids;
};

/* hull_engine_usage: fill u for a running container. */
int hull_engine_usage(const struct hull_container *c, struct hull_usage *u, struct hull_error **err);

#endif
