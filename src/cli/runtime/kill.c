/* kill.c - `hull kill [--all] ID [SIGNAL]`: SIGTERM unless told. */
#include <getopt.h>
#include <signal.h>

#include "hull/runtime.h"
#include "runtime_cli.h"

int cli_runtime_kill(struct hull_cli *cli, int argc, char **argv);

static const char help[] =
	"Send a signal to the container's process (default SIGTERM). SIGNAL is a name with or\n"
	"without SIG (KILL, SIGKILL) or a number (9).\n\n"
	"Options:\n"
	"  -a, --all    signal every process in the container\n"
	"  -h, --help   this help\n";

int cli_runtime_kill(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool all = false;
	int c;
	while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'h': return rt_usage(stdout, "kill", "[--all] ID [SIGNAL]", help);
		default: return cli_usage_error("kill", "unknown option");
		}
	}
	if (rt_operands("kill", argc - optind, 1, 2))
		return 1;
	struct hull_error *err = NULL;
	int sig = SIGTERM;
	if (argc - optind == 2 && hull_signal_parse(argv[optind + 1], &sig, &err) < 0)
		return cli_fail(cli, err);
	if (hull_runtime_kill(&cli->ctx, argv[optind], sig, all, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
