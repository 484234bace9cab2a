/* start.c - `hull start ID`: let a created container's process run. */
#include <getopt.h>

#include "hull/runtime.h"
#include "runtime_cli.h"

int cli_runtime_start(struct hull_cli *cli, int argc, char **argv);

int cli_runtime_start(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return rt_usage(stdout, "start", "ID",
					"Start a created container: its process (waiting since `hull create`) runs.\n");
		return cli_usage_error("start", "unknown option");
	}
	if (rt_operands("start", argc - optind, 1, 1))
		return 1;
	struct hull_error *err = NULL;
	if (hull_runtime_start(&cli->ctx, argv[optind], &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
