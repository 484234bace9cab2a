/* container.c - `hull container SUBCOMMAND` (docker's management command:
 * the same commands as the top-level ones, plus ls and prune). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/prune.h"
#include "prune_output.h"

int cmd_engine_container_prune(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { "filter", required_argument, NULL, 'F' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	bool force = false;
	char *filters[17] = { 0 };
	int nf = 0, c;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'F' && nf < 16)
			filters[nf++] = optarg;
		else if (c == 'F')
			return cli_usage_error("container prune", "at most 16 --filter");
		else if (c == 'H') {
			printf("Usage: hull container prune [-f] [--filter until=24h|label=K[=V]|label!=K]\n\n"
			       "Remove all stopped containers\n\n"
			       "  -f, --force   Do not prompt for confirmation\n"
			       "      --filter  Only those created before until=, with (label=) or without (label!=) a label\n");
			return 0;
		} else
			return cli_usage_error("container prune", "unknown flag");
	}
	if (optind < argc)
		return cli_usage_error("container prune", "accepts no arguments");
	struct hull_error *err = NULL;
	/* a bad filter is refused before the question */
	if (hull_engine_prune_filters_check(filters, &err) < 0)
		return cli_fail(cli, err);
	if (!force && !engine_confirm("WARNING! This will remove all stopped containers.\n"
				      "Are you sure you want to continue?"))
		return 0;
	_cleanup_strv_ char **removed = NULL;
	unsigned long long bytes = 0;
	if (hull_engine_container_prune(&cli->ctx, filters, &removed, &bytes, &err) < 0)
		return cli_fail(cli, err);
	engine_print_deleted("Deleted Containers", removed);
	engine_print_reclaimed(bytes);
	return 0;
}

/* docker container inspect: containers only ("No such container: X") */
static int container_inspect(struct hull_cli *cli, int argc, char **argv)
{
	char **args = hull_xcalloc((size_t)argc + 3, sizeof(*args));
	args[0] = argv[0];
	args[1] = "--type";
	args[2] = "container";
	for (int i = 1; i < argc; i++)
		args[i + 2] = argv[i];
	int r = cmd_engine_inspect(cli, argc + 2, args);
	free(args);
	return r;
}

static const struct hull_command subcommands[] = {
	{ "attach", "Attach to a running container's input and output", cmd_engine_attach },
	{ "commit", "Make an image from a container's changes", cmd_engine_commit },
	{ "cp", "Copy files between a container and the local filesystem", cmd_engine_cp },
	{ "create", "Create a container from an image", cmd_engine_create },
	{ "diff", "Inspect changes to files or directories on a container's filesystem", cmd_engine_diff },
	{ "exec", "Run a command in a running container", cmd_engine_exec },
	{ "export", "Write a container's filesystem as a tar", cmd_engine_export },
	{ "inspect", "Low-level information on containers", container_inspect },
	{ "kill", "Send a signal to running containers", cmd_engine_kill },
	{ "logs", "Fetch the logs of a container", cmd_engine_logs },
	{ "ls", "List containers", cmd_engine_ps },
	{ "list", "List containers", cmd_engine_ps },
	{ "pause", "Pause all processes within one or more containers", cmd_engine_pause },
	{ "port", "List a container's published ports", cmd_engine_port },
	{ "prune", "Remove all stopped containers", cmd_engine_container_prune },
	{ "ps", "List containers", cmd_engine_ps },
	{ "rename", "Rename a container", cmd_engine_rename },
	{ "restart", "Restart containers", cmd_engine_restart },
	{ "rm", "Remove containers", cmd_engine_rm },
	{ "remove", "Remove containers", cmd_engine_rm },
	{ "run", "Create and run a container from an image", cmd_engine_run },
	{ "start", "Start stopped containers", cmd_engine_start },
	{ "stats", "CPU, memory, network and I/O use of containers", cmd_engine_stats },
	{ "stop", "Stop running containers", cmd_engine_stop },
	{ "top", "The running processes of a container", cmd_engine_top },
	{ "unpause", "Unpause all processes within one or more containers", cmd_engine_unpause },
	{ "update", "Change the restart policy of containers", cmd_engine_update },
	{ "wait", "Wait for containers to stop and print their exit codes", cmd_engine_wait },
	{ 0 },
};

int cmd_engine_container(struct hull_cli *cli, int argc, char **argv)
{
	return cli_subcommand(cli, argc, argv, "container",
			      "Usage: hull container COMMAND\n\nManage containers\n\nCommands:\n", 10, subcommands);
}
