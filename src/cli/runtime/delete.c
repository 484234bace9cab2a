/* delete.c - `hull delete [--force] ID`: remove a stopped container. */
#include <getopt.h>

#include "hull/runtime.h"
#include "runtime_cli.h"

int cli_runtime_delete(struct hull_cli *cli, int argc, char **argv);

static const char help[] =
	"Delete a stopped (or created) container's state. A running one is refused unless\n"
	"--force, which kills it first.\n\n"
	"Options:\n"
	"  -f, --force  kill a running container; no error if it does not exist\n"
	"  -h, --help   this help\n";

int cli_runtime_delete(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'h': return rt_usage(stdout, "delete", "[--force] ID", help);
		default: return cli_usage_error("delete", "unknown option");
		}
	}
	if (rt_operands("delete", argc - optind, 1, 1))
		return 1;
	struct hull_error *err = NULL;
	if (hull_runtime_delete(&cli->ctx, argv[optind], force, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
