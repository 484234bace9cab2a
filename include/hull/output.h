/* hull/output.h - the file a command writes its output to (-o FILE, a cp
 * destination), opened one way everywhere: "-" is stdout; an existing
 * character device, FIFO or other non-regular file (/dev/null, a pipe,
 * /dev/stdout) is written into, as docker does; a regular file, or a path
 * that does not exist yet, is written under a temp name beside it and
 * renamed over it at commit, so a failure leaves the old file or none and
 * never half a new one. */
#ifndef HULL_OUTPUT_H
#define HULL_OUTPUT_H

#include <stdbool.h>
#include <sys/types.h>

#include "hull/error.h"

struct hull_output {
	int fd;	      /* write here */
	bool owned;   /* fd is ours to close (not stdout) */
	char *tmp;    /* the temp file, renamed to target at commit; NULL: written in place */
	char *target; /* what tmp becomes: the path, or the regular file its symlink names */
};

#define HULL_OUTPUT_INIT                                                                                               \
	{                                                                                                              \
		.fd = -1                                                                                               \
	}

/* hull_output_open: open `path` for writing as the file comment says; a
 * new file gets `mode` less the umask. A directory fails with EISDIR.
 * Every field of *o is set (fd -1 on failure); the caller ends with
 * hull_output_commit or hull_output_discard. */
int hull_output_open(struct hull_output *o, const char *path, mode_t mode, struct hull_error **err);

/* hull_output_commit: everything is written: fsync and rename the temp file
 * over its target, or close what was written in place. On failure the temp
 * file is removed. *o is released either way. */
int hull_output_commit(struct hull_output *o, struct hull_error **err);

/* hull_output_discard: the output failed: close it and remove the temp
 * file, leaving whatever was at the path before. A no-op after commit, so
 * it serves as a cleanup attribute: _cleanup_(hull_output_discard). */
void hull_output_discard(struct hull_output *o);

#endif
