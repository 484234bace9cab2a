/* create.c - `hull create`: set a container up; its process waits for
 * `hull start`. Also `hull run`, which does both in one go. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "hull/engine_vm.h"
#include "hull/runtime.h"
#include "runtime_cli.h"

int cli_runtime_create(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_run(struct hull_cli *cli, int argc, char **argv);

static const char create_help[] =
	"Create a container from a bundle (a directory with config.json and a root filesystem).\n"
	"Its process is set up and waits; `hull start ID` lets it run.\n\n"
	"Options:\n"
	"  -b, --bundle DIR          the bundle (default: the current directory)\n"
	"      --pid-file FILE       write the container process' pid to FILE\n"
	"      --console-socket SOCK send the terminal's master fd to this AF_UNIX socket\n"
	"                            (needed when config.json has process.terminal true)\n"
	"      --no-pivot            chroot instead of pivot_root (a rootfs on ramfs)\n"
	"      --no-new-keyring      accepted for runc compatibility\n"
	"      --preserve-fds N      pass N extra fds (3 .. 3+N-1) to the process\n"
	"  -h, --help                this help\n";

static const char run_help[] =
	"Create and start a container from a bundle. In the foreground hull waits for it,\n"
	"relays signals and the terminal, deletes it, and exits with its status\n"
	"(128+N when it was killed by signal N).\n\n"
	"Options:\n"
	"  -b, --bundle DIR          the bundle (default: the current directory)\n"
	"  -d, --detach              return once the process runs\n"
	"      --pid-file FILE       write the container process' pid to FILE\n"
	"      --console-socket SOCK send the terminal's master fd to this AF_UNIX socket\n"
	"      --no-pivot            chroot instead of pivot_root (a rootfs on ramfs)\n"
	"      --keep                (run) keep the stopped container; `delete` removes it\n"
	"      --no-subreaper, --no-new-keyring  accepted for runc compatibility\n"
	"      --preserve-fds N      pass N extra fds (3 .. 3+N-1) to the process\n"
	"  -h, --help                this help\n";

static int parse(const char *cmd, int argc, char **argv, struct hull_runtime_opts *o, bool run)
{
	enum { PID = 256, CONSOLE, NOPIVOT, KEYRING, PRESERVE, IGNORED, KEEP };
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },  { "pid-file", required_argument, NULL, PID },
		{ "console-socket", required_argument, NULL, CONSOLE }, { "no-pivot", no_argument, NULL, NOPIVOT },
		{ "no-new-keyring", no_argument, NULL, KEYRING }, { "preserve-fds", required_argument, NULL, PRESERVE },
		{ "detach", no_argument, NULL, 'd' },        { "keep", no_argument, NULL, KEEP },
		{ "no-subreaper", no_argument, NULL, IGNORED }, { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	char *end;
	while ((c = getopt_long(argc, argv, run ? "b:dh" : "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case PID: o->pid_file = optarg; break;
		case CONSOLE: o->console_socket = optarg; break;
		case NOPIVOT: o->no_pivot = true; break;
		case KEYRING: o->no_new_keyring = true; break;
		case IGNORED: break;
		case KEEP:
			if (!run)
				return cli_usage_error(cmd, "unknown option `--keep`");
			o->keep = true;
			break;
		case 'd':
			if (!run)
				return cli_usage_error(cmd, "unknown option `-d`");
			o->detach = true;
			break;
		case PRESERVE:
			o->preserve_fds = (int)strtol(optarg, &end, 10);
			if (*end || o->preserve_fds < 0)
				return cli_usage_error(cmd, "--preserve-fds: `%s` is not a count", optarg);
			break;
		case 'h':
			rt_usage(stdout, cmd, "[OPTIONS] ID", run ? run_help : create_help);
			return -1;
		default: return cli_usage_error(cmd, "unknown option");
		}
	}
	return rt_operands(cmd, argc - optind, 1, 1);
}

int cli_runtime_create(struct hull_cli *cli, int argc, char **argv)
{
	struct hull_runtime_opts o = HULL_RUNTIME_OPTS_INIT;
	int r = parse("create", argc, argv, &o, false);
	if (r)
		return r < 0 ? 0 : r;
	struct hull_error *err = NULL;
	/* config.json's run.hull.isolation=vm: a micro-VM (docs/vm-agent.md) */
	int vm = hull_engine_vm_bundle_wanted(o.bundle, &err);
	if (vm < 0)
		return cli_fail(cli, err);
	if (vm) {
		o.launch = hull_engine_vm_bundle_launch;
		o.launch_data = &cli->ctx;
	}
	if (hull_runtime_create(&cli->ctx, argv[optind], &o, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}

int cli_runtime_run(struct hull_cli *cli, int argc, char **argv)
{
	struct hull_runtime_opts o = HULL_RUNTIME_OPTS_INIT;
	int r = parse("run", argc, argv, &o, true);
	if (r)
		return r < 0 ? 0 : r;
	o.forward_signals = true;
	struct hull_error *err = NULL;
	int status = 0;
	int vm = hull_engine_vm_bundle_wanted(o.bundle, &err);
	if (vm < 0)
		return cli_fail(cli, err);
	if (vm) {
		if (hull_engine_vm_bundle_run(&cli->ctx, argv[optind], &o, &status, &err) < 0)
			return cli_fail(cli, err);
		return status;
	}
	if (hull_runtime_run(&cli->ctx, argv[optind], &o, &status, &err) < 0)
		return cli_fail(cli, err);
	return status;
}
