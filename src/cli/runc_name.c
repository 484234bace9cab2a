/* runc_name.c - hull answering to the name `runc`.
 *
 * Tools and test suites written for runc find their runtime by that name
 * (a symlink runc -> hull, or RUNC=/path/to/runc) and read its help and
 * version output: `runc --help` starts "NAME:\n   runc - Open Container
 * Initiative runtime", `runc CMD --help` names "runc CMD", `runc -v` says
 * "runc version X.Y.Z", then "commit:" and "spec:" lines. Under that name
 * hull prints those shapes (saying that it is hull) and takes every name
 * as a runtime command. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef HULL_VERSION
#define HULL_VERSION "0.0.0"
#endif

/* runc commands hull does not have: their help says so (runc's help lists them). */
static const struct {
	const char *name, *summary;
} absent[] = {
    {"checkpoint", "checkpoint a running container"},
    {"restore", "restore a container from a previous checkpoint"},
};

bool cli_runc_named(const char *argv0)
{
	if (!argv0)
		return false;
	const char *slash = strrchr(argv0, '/');
	return !strcmp(slash ? slash + 1 : argv0, "runc");
}

int cli_runc_version(const char *spec_version)
{
	printf("runc version %s (hull)\n"
	       "commit: hull-%s\n"
	       "spec: %s\n",
	       HULL_VERSION, HULL_VERSION, spec_version);
	return 0;
}

int cli_runc_help(FILE *out)
{
	fprintf(out,
		"NAME:\n"
		"   runc - Open Container Initiative runtime\n\n"
		"   This is hull answering to the name runc: it takes runc's command line.\n\n"
		"USAGE:\n"
		"   runc [global options] command [command options] [arguments...]\n\n"
		"VERSION:\n"
		"   %s (hull)\n\n"
		"COMMANDS:\n",
		HULL_VERSION);
	for (const struct hull_command *c = hull_cli_runtime_commands; c->name; c++)
		fprintf(out, "   %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nGLOBAL OPTIONS:\n"
		     "   --debug              enable debug logging\n"
		     "   --log value          write diagnostics to this file (default: stderr)\n"
		     "   --log-format value   text or json (default: \"text\")\n"
		     "   --root value         root directory for storage of container state\n"
		     "   --systemd-cgroup     accepted; cgroupfs is used\n"
		     "   --rootless value     true, false or auto (default: \"auto\")\n"
		     "   --help, -h           show help\n"
		     "   --version, -v        print the version\n");
	return 0;
}

bool cli_runc_wants_help(int argc, char **argv)
{
	/* the command's own flags come before its first operand */
	for (int i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

int cli_runc_command_help(struct hull_cli *cli, const struct hull_command *cmd, const char *name)
{
	if (!cmd) {
		for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
			if (strcmp(absent[i].name, name))
				continue;
			printf("NAME:\n   runc %s - %s\n\n"
			       "   hull has no checkpoint/restore (no CRIU support): `runc %s` fails.\n",
			       name, absent[i].summary, name);
			return 0;
		}
		fprintf(stderr, "No help topic for '%s'\n", name);
		return 3; /* runc's status for an unknown help topic */
	}
	printf("NAME:\n   runc %s - %s\n\n", cmd->name, cmd->summary);
	fflush(stdout);
	char help[] = "--help";
	char *args[] = {(char *)cmd->name, help, NULL};
	return cmd->run(cli, 2, args);
}
