/* pause.c - `hull pause ID` and `hull resume ID`: the cgroup freezer. */
#include <getopt.h>

#include "hull/cgroup.h"
#include "runtime_cli.h"

int cli_runtime_pause(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_resume(struct hull_cli *cli, int argc, char **argv);

static int freeze_command(struct hull_cli *cli, int argc, char **argv, bool pause)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	const char *cmd = pause ? "pause" : "resume";
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return rt_usage(stdout, cmd, "ID",
					pause ? "Suspend every process in the container (cgroup freezer).\n"
					      : "Resume every process of a paused container.\n");
		return cli_usage_error(cmd, "unknown option");
	}
	if (rt_operands(cmd, argc - optind, 1, 1))
		return 1;
	struct hull_error *err = NULL;
	int r = pause ? hull_container_pause(&cli->ctx, argv[optind], &err)
		      : hull_container_resume(&cli->ctx, argv[optind], &err);
	return r < 0 ? cli_fail(cli, err) : 0;
}

int cli_runtime_pause(struct hull_cli *cli, int argc, char **argv)
{
	return freeze_command(cli, argc, argv, true);
}

int cli_runtime_resume(struct hull_cli *cli, int argc, char **argv)
{
	return freeze_command(cli, argc, argv, false);
}
