/* update.c - `hull update --restart POLICY CONTAINER...` (docker update):
 * the one setting of a created or running container that can change here. */
#include <getopt.h>
#include <stdio.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/engine.h"

int cmd_engine_update(struct hull_cli *cli, int argc, char **argv)
{
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
			       "its next exit\n");
			return 0;
		} else
			return cli_usage_error("update", "unknown flag: only --restart can be updated here (resource "
							 "limits are set at create)");
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
