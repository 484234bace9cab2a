/* commands_engine.c - the engine room's command table. */
#include "cli.h"
#include "engine/commands.h"

const struct hull_command hull_cli_engine_commands[] = {
	{ "volume", "Manage volumes", cmd_engine_volume },
	{ 0 },
};
