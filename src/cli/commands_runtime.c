/* commands_runtime.c - the runtime room's command table. */
#include "cli.h"

const struct hull_command hull_cli_runtime_commands[] = {
	{ 0 },
};
