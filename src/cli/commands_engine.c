/* commands_engine.c - the engine room's command table, and `system`, whose
 * subcommands live in two directories: df and prune in engine/, service
 * (the Docker API server) in api/. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "api/service.h"
#include "cli.h"
#include "engine/commands.h"
#include "image/image_cli.h"

/* `hull system COMMAND` */
static int cmd_system(struct hull_cli *cli, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("Usage: hull system COMMAND\n\nManage hull\n\nCommands:\n"
		       "  df        Show disk usage\n"
		       "  prune     Remove unused data\n"
		       "  service   Serve the Docker Engine API (docs/docker-api.md)\n");
		return argc < 2 ? 1 : 0;
	}
	optind = 0;
	if (!strcmp(argv[1], "df"))
		return cmd_engine_system_df(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "prune"))
		return cmd_engine_system_prune(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "service"))
		return cmd_system_service(cli, argc - 1, argv + 1);
	return cli_usage_error("system", "unknown command `%s`", argv[1]);
}

const struct hull_command hull_cli_engine_commands[] = {
    {"run", "Create and run a container from an image", cmd_engine_run},
    {"create", "Create a container from an image", cmd_engine_create},
    {"start", "Start stopped containers", cmd_engine_start},
    {"ps", "List containers", cmd_engine_ps},
    {"attach", "Attach to a running container's input and output", cmd_engine_attach},
    {"logs", "Fetch the logs of a container", cmd_engine_logs},
    {"exec", "Run a command in a running container", cmd_engine_exec},
    {"compare", "Run an image as a container and as a micro-VM, and measure both", cmd_engine_compare},
    {"stop", "Stop running containers", cmd_engine_stop},
    {"restart", "Restart containers (stop, then start)", cmd_engine_restart},
    {"update", "Change the restart policy of containers", cmd_engine_update},
    {"kill", "Send a signal to running containers", cmd_engine_kill},
    {"pause", "Pause all processes within one or more containers", cmd_engine_pause},
    {"unpause", "Unpause all processes within one or more containers", cmd_engine_unpause},
    {"rename", "Rename a container", cmd_engine_rename},
    {"rm", "Remove containers", cmd_engine_rm},
    {"wait", "Wait for containers to stop and print their exit codes", cmd_engine_wait},
    {"inspect", "Low-level information on containers, images, volumes, networks", cmd_engine_inspect},
    {"top", "The running processes of a container", cmd_engine_top},
    {"port", "List a container's published ports", cmd_engine_port},
    {"stats", "CPU, memory, network and I/O use of containers", cmd_engine_stats},
    {"commit", "Make an image from a container's changes", cmd_engine_commit},
    {"build", "Build an image from a Dockerfile", cmd_engine_build},
    {"history", "Show the history of an image", cmd_image_history},
    {"export", "Write a container's filesystem as a tar", cmd_engine_export},
    {"cp", "Copy files between a container and the local filesystem", cmd_engine_cp},
    {"diff", "Inspect changes to files or directories on a container's filesystem", cmd_engine_diff},
    {"volume", "Manage volumes", cmd_engine_volume},
    {"network", "Manage networks", cmd_engine_network},
    {"container", "Manage containers (ls, prune, and every container command)", cmd_engine_container},
    {"system", "Manage hull (df, prune)", cmd_system},
    {"unshare", "Run a command in your rootless user namespace", cmd_engine_unshare},
    {0},
};
