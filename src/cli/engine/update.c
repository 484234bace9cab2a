/* update.c - `hull update --restart POLICY CONTAINER...` (docker update):
 * the one setting of a created or running container that can change here;
 * without --restart, runc's update of an OCI runtime container. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/restart.h"

/* Without --restart it is runc's `update` (resource limits of an OCI
 * runtime container: `hull update --memory 128m ID`), whose first operand
 * the dispatcher could not tell from a flag's value: hand it over. */
static int runtime_update(struct hull_cli *cli, int argc, char **argv)
{
	for (const struct hull_command *c = hull_cli_runtime_commands; c->name; c++)
		if (!strcmp(c->name, "update")) {
			optind = 0;
			return c->run(cli, argc, argv);
		}
	return cli_usage_error("update", "nothing to update: give --restart POLICY");
}

int cmd_engine_update(struct hull_cli *cli, int argc, char **argv)
{
	bool restart_given = false;
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		restart_given |= !strcmp(argv[i], "--restart") || !strncmp(argv[i], "--restart=", 10) ||
				 !strcmp(argv[i], "--help");
	if (!restart_given)
		return runtime_update(cli, argc, argv);
	static const struct option opts[] = { { "restart", required_argument, NULL, 'r' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	const char *restart = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'r')
			restart = optarg;
		else if (c == 'H') {
			printf("Usage: hull update --restart POLICY CONTAINER...\n\nChange the restart policy of "
			       "containers (no, always, on-failure[:N], unless-stopped); a running one follows it from "
			       "its next exit\n\nWithout --restart: runc's update of an OCI runtime container (hull runtime update "
			       "--help)\n");
			return 0;
		} else
			return cli_usage_error("update", "unknown flag: with --restart, only --restart (a container "
							 "from an image keeps the resource limits it was created with)");
	}
	if (!restart)
		return cli_usage_error("update", "nothing to update: give --restart POLICY");
	if (optind >= argc)
		return cli_usage_error("update", "requires at least 1 argument");
	int status = 0;
	for (int i = optind; i < argc; i++) {
		struct hull_error *err = NULL;
		_cleanup_container_ struct hull_container *ctr = hull_container_load(&cli->ctx, argv[i], &err);
		if (!ctr || hull_engine_update_restart(ctr, restart, &err) < 0) {
			status = cli_fail(cli, err);
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return status;
}
