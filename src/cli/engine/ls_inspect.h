/* ls_inspect.h - the `ls` and `inspect` subcommands that `volume` and
 * `network` share. */
#ifndef HULL_CLI_ENGINE_LS_INSPECT_H
#define HULL_CLI_ENGINE_LS_INSPECT_H

#include <jansson.h>
#include <stdbool.h>

#include "../cli.h"

/* engine_ls_flags: the flags of `volume ls` and `network ls` (`cmd`):
 * -q/--quiet and --format json; no arguments. Returns 0, or the exit
 * status of the usage error it printed. */
int engine_ls_flags(int argc, char **argv, const char *cmd, bool *quiet, bool *json);

/* engine_inspect_each: `volume inspect` / `network inspect` (`cmd`) of
 * argv[1..]: get(cli, NAME, err) gives each one's JSON (owned by the
 * caller) or NULL with *err set; prints the array of those found as
 * docker does, each failure on stderr. Returns the exit status: 1 when
 * one failed or no NAME was given. */
int engine_inspect_each(struct hull_cli *cli, int argc, char **argv, const char *cmd,
			json_t *(*get)(struct hull_cli *cli, const char *name, struct hull_error **err));

#endif
