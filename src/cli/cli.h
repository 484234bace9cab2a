/* cli.h - what every command file sees: the parsed global options and the
 * command table entry shape. Only src/cli/ prints and exits. */
#ifndef HULL_CLI_H
#define HULL_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "hull/ctx.h"
#include "hull/error.h"

struct hull_cli {
	struct hull_ctx ctx;  /* handed to the library */
	const char *argv0;    /* how hull was invoked */
	bool runtime_globals; /* a runc-style global flag (--root, --log...) was given */
};

/* A command: parse argv (argv[0] is the command name), call the library,
 * print, return the process exit status. */
struct hull_command {
	const char *name;
	const char *summary;
	int (*run)(struct hull_cli *cli, int argc, char **argv);
};

/* Tables, one per room; each ends with a zeroed entry. Names that appear in
 * both the runtime and the engine table are dispatched by cli_choose_mode(). */
extern const struct hull_command hull_cli_runtime_commands[];
extern const struct hull_command hull_cli_engine_commands[];
extern const struct hull_command hull_cli_image_commands[];
extern const struct hull_command hull_cli_vm_commands[];
extern const struct hull_command hull_cli_scan_commands[];

/* cli_fail: err's message as an error record to the log sink (stderr as
 * "hull: <msg>", or the --log file, text or json per --log-format), and on
 * stderr too when the sink is elsewhere; frees err (NULL: "unknown
 * error"); returns exit status 1. */
int cli_fail(struct hull_cli *cli, struct hull_error *err);

/* cli_log_open: --log PATH: open PATH for appending (created 0640) as the
 * log sink; 0, or -1 after saying why on stderr. */
int cli_log_open(struct hull_cli *cli, const char *path);

/* cli_log_format: --log-format NAME, "text" or "json"; 0, or -1 after
 * saying on stderr that NAME is unknown. */
int cli_log_format(struct hull_cli *cli, const char *name);

/* cli_usage_error: print "hull CMD: MSG\nRun 'hull CMD --help' for usage."
 * and return exit status 1 (runc and docker both exit 1 on usage errors). */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* cli_subcommand: run the management command `cmd`'s subcommand argv[1]
 * from table (ended by a zeroed entry) with argv shifted by one and getopt
 * reset. No argv[1], --help or -h: print usage_head, then each entry's
 * name (padded to name_width) and summary, on stdout; exit status 1 when
 * argv[1] was missing, else 0. An unknown one is a usage error. Returns
 * the exit status. */
int cli_subcommand(struct hull_cli *cli, int argc, char **argv, const char *cmd, const char *usage_head, int name_width,
		   const struct hull_command *table);

/* cli_has_flag: does argv (after the command name) hold one of the given
 * long options, as "--x", "--x=..", "-x" or "-x=.."? names is NULL-ended. */
bool cli_has_flag(int argc, char **argv, const char *const *names);

/* cli_runc_named: is argv0's basename `runc`? Under that name hull prints
 * runc-shaped help and version output and takes runc's command line. */
bool cli_runc_named(const char *argv0);

/* cli_runc_version: "runc version V (hull)", "commit: hull-V", "spec: S" on stdout; returns 0. */
int cli_runc_version(const char *spec_version);

/* cli_runc_help: runc-shaped top-level help ("NAME:", "   runc - Open Container
 * Initiative runtime", the runtime commands, global options) to out; returns 0. */
int cli_runc_help(FILE *out);

/* cli_runc_wants_help: -h or --help among the command's flags, i.e. before
 * its first operand (argv[0] is the command name)? */
bool cli_runc_wants_help(int argc, char **argv);

/* cli_runc_command_help: "NAME:\n   runc CMD - SUMMARY" then the command's
 * own --help on stdout. cmd NULL: runc's checkpoint/restore get a help that
 * says hull lacks them; any other name prints "No help topic for 'NAME'" on
 * stderr and returns 3, as runc does. Returns the exit status. */
int cli_runc_command_help(struct hull_cli *cli, const struct hull_command *cmd, const char *name);

#endif
