/* diff.c - `hull diff`: docker diff's A/C/D lines. */
#include <getopt.h>
#include <stdio.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_diff.h"
#include "hull/container_store.h"

int cmd_engine_diff(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'H' }, { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'H') {
			printf("Usage: hull diff CONTAINER\n\n"
			       "Inspect changes to files or directories on a container's filesystem\n"
			       "(A added, C changed, D deleted)\n");
			return 0;
		}
		return cli_usage_error("diff", "unknown flag");
	}
	if (argc - optind != 1)
		return cli_usage_error("diff", "requires exactly 1 argument");
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *ctr = hull_container_load(&cli->ctx, argv[optind], &err);
	if (!ctr)
		return cli_fail(cli, err);
	struct hull_change *changes;
	size_t n;
	if (hull_engine_diff(ctr, &changes, &n, &err) < 0)
		return cli_fail(cli, err);
	for (size_t i = 0; i < n; i++)
		printf("%c %s\n", changes[i].kind, changes[i].path);
	hull_changes_free(changes, n);
	return 0;
}
