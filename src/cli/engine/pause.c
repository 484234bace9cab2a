/* pause.c - `hull pause` / `hull unpause` for engine containers (the
 * runtime's `hull runtime pause|resume ID` stays runc's). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"

static int freeze_command(struct hull_cli *cli, int argc, char **argv, bool pause)
{
	const char *cmd = pause ? "pause" : "unpause";
	static const struct option opts[] = { { "help", no_argument, NULL, 'H' }, { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'H') {
			printf("Usage: hull %s CONTAINER...\n\n%s\n", cmd,
			       pause ? "Pause all processes within one or more containers"
				     : "Unpause all processes within one or more containers");
			return 0;
		}
		return cli_usage_error(cmd, "unknown flag");
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "requires at least 1 argument");
	int status = 0;
	for (int i = optind; i < argc; i++) {
		struct hull_error *err = NULL;
		_cleanup_container_ struct hull_container *ctr = hull_container_load(&cli->ctx, argv[i], &err);
		if (!ctr || (pause ? hull_engine_pause(&cli->ctx, ctr, &err) : hull_engine_unpause(&cli->ctx, ctr, &err)) < 0) {
			status = cli_fail(cli, err);
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return status;
}

int cmd_engine_pause(struct hull_cli *cli, int argc, char **argv)
{
	return freeze_command(cli, argc, argv, true);
}

int cmd_engine_unpause(struct hull_cli *cli, int argc, char **argv)
{
	return freeze_command(cli, argc, argv, false);
}
