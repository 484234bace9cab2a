/* commands_engine.c - the engine room's command table. */
#include "cli.h"
#include "engine/commands.h"

const struct hull_command hull_cli_engine_commands[] = {
	{ "run", "Create and run a container from an image", HULL_HEAVY(cmd_engine_run) },
	{ "create", "Create a container from an image", HULL_HEAVY(cmd_engine_create) },
	{ "start", "Start stopped containers", HULL_HEAVY(cmd_engine_start) },
	{ "ps", "List containers", HULL_HEAVY(cmd_engine_ps) },
	{ "logs", "Fetch the logs of a container", HULL_HEAVY(cmd_engine_logs) },
	{ "exec", "Run a command in a running container", HULL_HEAVY(cmd_engine_exec) },
	{ "stop", "Stop running containers", HULL_HEAVY(cmd_engine_stop) },
	{ "kill", "Send a signal to running containers", HULL_HEAVY(cmd_engine_kill) },
	{ "rm", "Remove containers", HULL_HEAVY(cmd_engine_rm) },
	{ "wait", "Wait for containers to stop and print their exit codes", HULL_HEAVY(cmd_engine_wait) },
	{ "inspect", "Low-level information on containers, images, volumes, networks", HULL_HEAVY(cmd_engine_inspect) },
	{ "top", "The running processes of a container", HULL_HEAVY(cmd_engine_top) },
	{ "stats", "CPU, memory, network and I/O use of containers", HULL_HEAVY(cmd_engine_stats) },
	{ "commit", "Make an image from a container's changes", HULL_HEAVY(cmd_engine_commit) },
	{ "export", "Write a container's filesystem as a tar", HULL_HEAVY(cmd_engine_export) },
	{ "volume", "Manage volumes", HULL_HEAVY(cmd_engine_volume) },
	{ "network", "Manage networks", HULL_HEAVY(cmd_engine_network) },
	{ 0 },
};
