/* rename.c - `hull rename CONTAINER NEW_NAME`. */
#include <getopt.h>
#include <stdio.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"

int cmd_engine_rename(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'H' }, { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'H') {
			printf("Usage: hull rename CONTAINER NEW_NAME\n\nRename a container\n");
			return 0;
		}
		return cli_usage_error("rename", "unknown flag");
	}
	if (argc - optind != 2)
		return cli_usage_error("rename", "requires exactly 2 arguments");
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *ctr = hull_container_load(&cli->ctx, argv[optind], &err);
	if (!ctr || hull_container_rename(&cli->ctx, ctr, argv[optind + 1], &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
