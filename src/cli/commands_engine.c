/* commands_engine.c - the engine room's command table. */
#include "cli.h"
#include "engine/commands.h"

const struct hull_command hull_cli_engine_commands[] = {
	{ "run", "Create and run a container from an image", cmd_engine_run },
	{ "create", "Create a container from an image", cmd_engine_create },
	{ "start", "Start stopped containers", cmd_engine_start },
	{ "ps", "List containers", cmd_engine_ps },
	{ "attach", "Attach to a running container's input and output", cmd_engine_attach },
	{ "logs", "Fetch the logs of a container", cmd_engine_logs },
	{ "exec", "Run a command in a running container", cmd_engine_exec },
	{ "stop", "Stop running containers", cmd_engine_stop },
	{ "restart", "Restart containers (stop, then start)", cmd_engine_restart },
	{ "update", "Change the restart policy of containers", cmd_engine_update },
	{ "kill", "Send a signal to running containers", cmd_engine_kill },
	{ "pause", "Pause all processes within one or more containers", cmd_engine_pause },
	{ "unpause", "Unpause all processes within one or more containers", cmd_engine_unpause },
	{ "rename", "Rename a container", cmd_engine_rename },
	{ "rm", "Remove containers", cmd_engine_rm },
	{ "wait", "Wait for containers to stop and print their exit codes", cmd_engine_wait },
	{ "inspect", "Low-level information on containers, images, volumes, networks", cmd_engine_inspect },
	{ "top", "The running processes of a container", cmd_engine_top },
	{ "port", "List a container's published ports", cmd_engine_port },
	{ "stats", "CPU, memory, network and I/O use of containers", cmd_engine_stats },
	{ "commit", "Make an image from a container's changes", cmd_engine_commit },
	{ "export", "Write a container's filesystem as a tar", cmd_engine_export },
	{ "cp", "Copy files between a container and the local filesystem", cmd_engine_cp },
	{ "diff", "Inspect changes to files or directories on a container's filesystem", cmd_engine_diff },
	{ "volume", "Manage volumes", cmd_engine_volume },
	{ "network", "Manage networks", cmd_engine_network },
	{ "unshare", "Run a command in your rootless user namespace", cmd_engine_unshare },
	{ 0 },
};
