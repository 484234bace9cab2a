/* commands_engine.c - the engine room's command table. */
#include "cli.h"

const struct hull_command hull_cli_engine_commands[] = {
	{ 0 },
};
