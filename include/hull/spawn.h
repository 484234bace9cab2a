/* hull/spawn.h - run a helper program (mkfs.ext4, ldd ...) and keep what it
 * printed. */
#ifndef HULL_SPAWN_H
#define HULL_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

#include "hull/error.h"

/* hull_spawn_output: run argv (argv[0] looked up in PATH) with stdin on
 * /dev/null and stdout captured into *out (malloc'd, NUL-terminated; the
 * caller frees it; *len its length when len is not NULL). With
 * with_stderr, stderr goes into *out too; otherwise to /dev/null.
 * Returns 0 when it exited 0; a program that could not start, or exited
 * otherwise, is an error naming it, with the start of its output. *out is
 * set in both cases (NULL when nothing came). */
int hull_spawn_output(char *const argv[], bool with_stderr, char **out, size_t *len, struct hull_error **err);

#endif
