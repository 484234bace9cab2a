/* main.c - hull's entry point: global options, then one table of commands.
 *
 * hull answers two command lines with one binary:
 *  - runc's (create/start/run/exec/kill/delete/state/list/ps/...), so podman
 *    and containerd can use it as their OCI runtime;
 *  - docker's (run IMAGE, ps, logs, exec NAME, ...), the engine.
 * Where a name exists in both, cli_choose_mode() decides; `hull runtime CMD`
 * and `hull engine CMD` force one side. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/rootless.h"

#ifndef HULL_VERSION
#define HULL_VERSION "0.0.0"
#endif
#define HULL_OCI_SPEC_VERSION "1.1.0"


static const struct hull_command *const all_tables[] = {
	hull_cli_runtime_commands, hull_cli_engine_commands, hull_cli_image_commands,
	hull_cli_vm_commands,      hull_cli_scan_commands,
};

bool cli_has_flag(int argc, char **argv, const char *const *names)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (a[0] != '-')
			continue;
		a += (a[1] == '-') ? 2 : 1;
		for (const char *const *n = names; *n; n++) {
			size_t l = strlen(*n);
			if (!strncmp(a, *n, l) && (a[l] == '\0' || a[l] == '='))
				return true;
		}
	}
	return false;
}

static const struct hull_command *find_in(const struct hull_command *table, const char *name)
{
	for (const struct hull_command *c = table; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* A container id known to the OCI runtime state root? */
static bool runtime_has_container(struct hull_cli *cli, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;
		_cleanup_free_ char *p = hull_path_join(cli->ctx.runtime_root, argv[i]);
		struct stat st;
		return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	}
	return false;
}

/* runc_call_in_bundle_dir: `hull run ID` / `hull create ID` typed in a bundle
 * directory (cwd holds config.json), with nothing but runc's own flags and
 * exactly one operand, is runc's form: runc takes the bundle from the cwd.
 * Anything docker-only (-p, -v, -e, --name, a command after the image...)
 * keeps it on the engine side; `hull engine run` forces the engine. */
static bool runc_call_in_bundle_dir(int argc, char **argv)
{
	static const char *const plain[] = { "d", "detach", "keep", "no-subreaper", "no-new-keyring", "no-pivot",
					     "systemd-cgroup", NULL };
	if (strcmp(argv[0], "run") && strcmp(argv[0], "create"))
		return false;
	if (access("config.json", F_OK) < 0)
		return false;
	int operands = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			operands++;
			continue;
		}
		const char *name = a + (a[1] == '-' ? 2 : 1);
		bool known = false;
		for (const char *const *p = plain; *p && !known; p++)
			known = !strcmp(name, *p);
		if (!known)
			return false;
	}
	return operands == 1;
}

/* cli_choose_runtime: for a name both sides define, is this a runc-style call?
 * Yes when a runc global flag was given (containerd and runc's test suite
 * always pass --root), when a runtime-only flag is present (podman/conmon
 * always pass --bundle to create, --process to exec), or when the first
 * operand names a container in the runtime state root. */
static bool cli_choose_runtime(struct hull_cli *cli, int argc, char **argv)
{
	const char *env = getenv("HULL_MODE");
	if (env && !strcmp(env, "runtime"))
		return true;
	if (env && !strcmp(env, "engine"))
		return false;
	if (cli->runtime_globals)
		return true;
	if (runtime_has_container(cli, argc, argv))
		return true;
	/* Flags only runc's form has; docker's `-p 8080:80` and `-d` are shared
	 * letters, so they do not count. */
	static const char *const runtime_only[] = { "bundle", "b", "pid-file", "console-socket", "no-pivot",
						    "process", "preserve-fds", "no-new-keyring", NULL };
	if (cli_has_flag(argc, argv, runtime_only))
		return true;
	return runc_call_in_bundle_dir(argc, argv);
}

static const struct hull_command *find_command(struct hull_cli *cli, int argc, char **argv)
{
	const char *name = argv[0];
	const struct hull_command *rt = find_in(hull_cli_runtime_commands, name);
	const struct hull_command *en = find_in(hull_cli_engine_commands, name);
	if (rt && en)
		return cli_choose_runtime(cli, argc, argv) ? rt : en;
	if (rt)
		return rt;
	if (en)
		return en;
	for (size_t i = 2; i < HULL_ARRAY_SIZE(all_tables); i++) {
		const struct hull_command *c = find_in(all_tables[i], name);
		if (c)
			return c;
	}
	return NULL;
}

static void usage(FILE *out)
{
	static const char *const titles[] = { "OCI runtime (runc's command line)", "Containers from images",
					      "Images", "Micro-VMs", "Scanning" };
	fprintf(out, "Usage: hull [GLOBAL OPTIONS] COMMAND [ARGS...]\n\n"
		     "hull runs software in isolation: as containers on the host kernel and as KVM micro-VMs,\n"
		     "from the same OCI images.\n\n"
		     "Global options:\n"
		     "  --root DIR          OCI runtime state root (default /run/hull)\n"
		     "  --log FILE          write diagnostics to FILE\n"
		     "  --log-format FMT    text or json\n"
		     "  --debug             debug logging\n"
		     "  --systemd-cgroup    accepted for runc compatibility; cgroupfs is used\n"
		     "  --rootless VALUE    true|false|auto\n"
		     "  -v, --version       print the version\n"
		     "  -h, --help          this help\n");
	for (size_t t = 0; t < HULL_ARRAY_SIZE(all_tables); t++) {
		if (!all_tables[t][0].name)
			continue;
		fprintf(out, "\n%s:\n", titles[t]);
		for (const struct hull_command *c = all_tables[t]; c->name; c++)
			if (c->summary)
				fprintf(out, "  %-12s %s\n", c->name, c->summary);
	}
	fprintf(out, "\nRun 'hull COMMAND --help' for more on a command.\n");
}

static bool in_table(const struct hull_command *table, const struct hull_command *cmd)
{
	for (const struct hull_command *c = table; c->name; c++)
		if (c == cmd)
			return true;
	return false;
}

/* A user's engine and image commands run in their rootless namespace
 * (hull_engine_userns_join); the runtime's runc command line keeps its own
 * rootless mode, VMs and scans need none. Once joined, hull executes
 * itself again: a process keeps the user namespace it was executed in for
 * its memory (mm->user_ns), and only with ours do the /proc files of the
 * containers' non-dumpable processes belong to us (ptrace(2) "access
 * mode checking"). Podman re-executes itself so too. Returns only on
 * failure, or at once when nothing is to be done. */
static int enter_rootless(struct hull_cli *cli, const struct hull_command *cmd, int argc, char **argv,
			  char **full_argv)
{
	static const char *const help[] = { "help", NULL };
	/* unshare's arguments are a command's own: only `hull unshare --help` is help */
	bool wants_help = strcmp(argv[0], "unshare") ? cli_has_flag(argc, argv, help)
						     : argc > 1 && !strcmp(argv[1], "--help");
	if (geteuid() == 0 || wants_help ||
	    !(in_table(hull_cli_engine_commands, cmd) || in_table(hull_cli_image_commands, cmd)))
		return 0;
	struct hull_error *err = NULL;
	_cleanup_free_ char *warning = NULL;
	uid_t uid = getuid();
	if (hull_engine_userns_join(&cli->ctx, &warning, &err) < 0) {
		hull_error_wrap(&err, -EPERM, "rootless");
		cli_fail(cli, err);
		return -1;
	}
	if (warning)
		fprintf(stderr, "WARNING: %s\n", warning);
	char uid_text[16];
	snprintf(uid_text, sizeof(uid_text), "%u", (unsigned)uid);
	if (setenv("HULL_ROOT", cli->ctx.runtime_root, 1) < 0 || setenv("HULL_DATA_ROOT", cli->ctx.data_root, 1) < 0 ||
	    setenv(HULL_ROOTLESS_ENV, uid_text, 1) < 0)
		return -1;
	execv("/proc/self/exe", full_argv);
	fprintf(stderr, "hull: rootless: execute /proc/self/exe in the user namespace: %s\n", strerror(errno));
	return -1;
}

int main(int argc, char **argv)
{
	/* static: the per-user roots hull_ctx_init allocates live as long as
	 * the process, and LeakSanitizer sees them reachable from here */
	static struct hull_cli cli;
	cli.argv0 = argv[0];
	/* the kernel started us as a micro-VM's init (the initramfs's /init) */
	if (getpid() == 1 && !strcmp(argv[0], "/init"))
		hull_agent_guest_main();
	char **full_argv = argv;
	hull_ctx_init(&cli.ctx);

	enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU };
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "criu", required_argument, NULL, OPT_CRIU },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *log_path = NULL;
	bool runc_named = cli_runc_named(argv[0]);
	int c;
	/* '+' stops at the first operand: the command's own flags are its own. */
	while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			cli.ctx.runtime_root = optarg;
			cli.runtime_globals = true;
			break;
		case OPT_LOG:
			log_path = optarg;
			cli.runtime_globals = true;
			break;
		case OPT_LOG_FORMAT:
			if (cli_log_format(&cli, optarg) < 0)
				return 1;
			cli.runtime_globals = true;
			break;
		case OPT_DEBUG:
			cli.ctx.debug = true;
			cli.ctx.log.level = HULL_LOG_DEBUG;
			break;
		case OPT_SYSTEMD:
			cli.ctx.systemd_cgroup = true;
			cli.runtime_globals = true;
			break;
		case OPT_ROOTLESS:
			if (!strcmp(optarg, "true"))
				cli.ctx.rootless = true;
			else if (!strcmp(optarg, "false"))
				cli.ctx.rootless = false;
			else if (strcmp(optarg, "auto")) {
				fprintf(stderr, "hull: --rootless: expected true, false or auto, not `%s`\n", optarg);
				return 1;
			}
			cli.runtime_globals = true;
			break;
		case OPT_CRIU:
			cli.runtime_globals = true;
			break;
		case 'v':
			if (runc_named)
				return cli_runc_version(HULL_OCI_SPEC_VERSION);
			printf("hull version %s\nspec: %s\n", HULL_VERSION, HULL_OCI_SPEC_VERSION);
			return 0;
		case 'h':
			if (runc_named)
				return cli_runc_help(stdout);
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "Run 'hull --help' for usage.\n");
			return 1;
		}
	}
	if (log_path && cli_log_open(&cli, log_path) < 0)
		return 1;
	if (optind >= argc) {
		if (runc_named)
			cli_runc_help(stderr);
		else
			usage(stderr);
		return 1;
	}
	argc -= optind;
	argv += optind;
	optind = 0; /* reset getopt for the command's own parsing */

	if (!strcmp(argv[0], "help")) {
		if (runc_named)
			return cli_runc_help(stdout);
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[0], "version")) {
		if (runc_named)
			return cli_runc_version(HULL_OCI_SPEC_VERSION);
		printf("hull version %s\nspec: %s\n", HULL_VERSION, HULL_OCI_SPEC_VERSION);
		return 0;
	}
	const struct hull_command *cmd = NULL;
	if (runc_named) {
		/* runc's name: runc's command line, whatever the operands */
		cmd = find_in(hull_cli_runtime_commands, argv[0]);
		if (cli_runc_wants_help(argc, argv))
			return cli_runc_command_help(&cli, cmd, argv[0]);
		if (!cmd)
			cmd = find_command(&cli, argc, argv);
	} else if ((!strcmp(argv[0], "runtime") || !strcmp(argv[0], "engine")) && argc > 1) {
		cmd = find_in(argv[0][0] == 'r' ? hull_cli_runtime_commands : hull_cli_engine_commands, argv[1]);
		argc--;
		argv++;
	} else {
		cmd = find_command(&cli, argc, argv);
	}
	if (!cmd) {
		fprintf(stderr, "hull: unknown command `%s`\nRun 'hull --help' for the list of commands.\n", argv[0]);
		return 1;
	}
	if (enter_rootless(&cli, cmd, argc, argv, full_argv) < 0)
		return 125;
	return cmd->run(&cli, argc, argv);
}
