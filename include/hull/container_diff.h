/* hull/container_diff.h - docker diff: a container's changes against its image. */
#ifndef HULL_CONTAINER_DIFF_H
#define HULL_CONTAINER_DIFF_H

#include <stddef.h>

#include "hull/error.h"

struct hull_container;

/* One line of docker diff. */
struct hull_change {
	char kind;  /* 'A' added, 'C' changed, 'D' deleted */
	char *path; /* absolute, in the container */
};

/* hull_engine_diff: the changes of container c against its image, from
 * its overlay upper directory (whiteouts are deletions), sorted by path
 * as docker prints them. *out is a malloc'd array of *n (free it with
 * hull_changes_free); a never-started container has none. */
int hull_engine_diff(const struct hull_container *c, struct hull_change **out, size_t *n, struct hull_error **err);
void hull_changes_free(struct hull_change *changes, size_t n);

#endif
