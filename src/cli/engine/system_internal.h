/* system_internal.h - `system df -v`, which system.c dispatches to
 * system_df.c. */
#ifndef HULL_CLI_ENGINE_SYSTEM_INTERNAL_H
#define HULL_CLI_ENGINE_SYSTEM_INTERNAL_H

#include "../cli.h"

/* engine_system_df_verbose: `system df -v`'s tables; the exit status. */
int engine_system_df_verbose(struct hull_cli *cli);

#endif
