/* system_internal.h - shared between the engine's system and ps commands. */
#ifndef HULL_CLI_ENGINE_SYSTEM_INTERNAL_H
#define HULL_CLI_ENGINE_SYSTEM_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "../cli.h"
#include "hull/container_store.h"

/* engine_system_df_verbose: `system df -v`'s tables; the exit status. */
int engine_system_df_verbose(struct hull_cli *cli);

/* engine_ps_row: one container as `ps` shows it (ID, Image, Command,
 * RunningFor, Status, Names ... as strings); a new reference. */
json_t *engine_ps_row(const struct hull_container *c, bool no_trunc);

#endif
