/* commands.h - the engine's command entry points (commands_engine.c). */
#ifndef HULL_CLI_ENGINE_COMMANDS_H
#define HULL_CLI_ENGINE_COMMANDS_H

#include "../cli.h"

int cmd_engine_volume(struct hull_cli *cli, int argc, char **argv);

#endif
