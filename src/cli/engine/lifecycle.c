/* lifecycle.c - `hull stop`, `restart`, `kill`, `rm`, `wait`. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/runtime.h"

typedef int (*each_fn)(struct hull_cli *cli, struct hull_container *c, void *arg, struct hull_error **err);

/* Apply fn to each named container; print the name as given on success,
 * as docker does; exit 1 if any failed. */
static int for_each(struct hull_cli *cli, int first, int argc, char **argv, each_fn fn, void *arg, bool print)
{
	int status = 0;
	for (int i = first; i < argc; i++) {
		struct hull_error *err = NULL;
		_cleanup_container_ struct hull_container *c = hull_container_load(&cli->ctx, argv[i], &err);
		if (!c || fn(cli, c, arg, &err) < 0) {
			status = cli_fail(cli, err);
			continue;
		}
		if (print)
			printf("%s\n", argv[i]);
	}
	return status;
}

static int do_stop(struct hull_cli *cli, struct hull_container *c, void *arg, struct hull_error **err)
{
	return hull_engine_stop(&cli->ctx, c, *(int *)arg, err);
}

/* Shared by stop and restart, which take the same flags (-t/--time/--timeout
 * SECONDS, --help) and the same operands: parse them for the command `name`,
 * print `help` on --help, then apply fn to every CONTAINER with the timeout
 * (-1: the container's own, default 10 s). Returns the exit status. */
static int timeout_command(struct hull_cli *cli, int argc, char **argv, const char *name, const char *help,
			   each_fn fn)
{
	static const struct option opts[] = { { "time", required_argument, NULL, 't' },
					      { "timeout", required_argument, NULL, 't' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	int timeout = -1, c;
	while ((c = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		if (c == 't')
			timeout = atoi(optarg);
		else if (c == 'H') {
			fputs(help, stdout);
			return 0;
		} else
			return cli_usage_error(name, "unknown flag");
	}
	if (optind >= argc)
		return cli_usage_error(name, "requires at least 1 argument");
	return for_each(cli, optind, argc, argv, fn, &timeout, true);
}

int cmd_engine_stop(struct hull_cli *cli, int argc, char **argv)
{
	return timeout_command(cli, argc, argv, "stop",
			       "Usage: hull stop [-t SECONDS] CONTAINER...\n\nStop containers: the stop signal, then "
			       "SIGKILL after the timeout (default 10 s)\n",
			       do_stop);
}

static int do_restart(struct hull_cli *cli, struct hull_container *c, void *arg, struct hull_error **err)
{
	int r = hull_engine_stop(&cli->ctx, c, *(int *)arg, err);
	if (r < 0)
		return r;
	struct hull_attach detached = { .fds = { 0, 1, 2 } };
	pid_t monitor;
	int exit_fd;
	return hull_engine_start(&cli->ctx, c, &detached, &monitor, &exit_fd, err);
}

int cmd_engine_restart(struct hull_cli *cli, int argc, char **argv)
{
	return timeout_command(cli, argc, argv, "restart",
			       "Usage: hull restart [-t SECONDS] CONTAINER...\n\nRestart containers: stop (the stop "
			       "signal, SIGKILL after the timeout, default 10 s), then start them detached\n",
			       do_restart);
}

static int do_kill(struct hull_cli *cli, struct hull_container *c, void *arg, struct hull_error **err)
{
	return hull_engine_kill(&cli->ctx, c, *(int *)arg, err);
}

int cmd_engine_kill(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "signal", required_argument, NULL, 's' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	int sig = SIGKILL, c;
	while ((c = getopt_long(argc, argv, "+s:", opts, NULL)) != -1) {
		if (c == 's') {
			struct hull_error *err = NULL;
			if (hull_signal_parse(optarg, &sig, &err) < 0)
				return cli_fail(cli, err);
		} else if (c == 'H') {
			printf("Usage: hull kill [-s SIGNAL] CONTAINER...\n\nSend a signal (default KILL) to containers\n");
			return 0;
		} else
			return cli_usage_error("kill", "unknown flag");
	}
	if (optind >= argc)
		return cli_usage_error("kill", "requires at least 1 argument");
	return for_each(cli, optind, argc, argv, do_kill, &sig, true);
}

struct rm_args {
	bool force, volumes;
};

static int do_rm(struct hull_cli *cli, struct hull_container *c, void *arg, struct hull_error **err)
{
	struct rm_args *a = arg;
	return hull_engine_remove(&cli->ctx, c, a->force, a->volumes, err);
}

int cmd_engine_rm(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { "volumes", no_argument, NULL, 'v' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	struct rm_args a = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "+fv", opts, NULL)) != -1) {
		if (c == 'f')
			a.force = true;
		else if (c == 'v')
			a.volumes = true;
		else if (c == 'H') {
			printf("Usage: hull rm [-f] [-v] CONTAINER...\n\nRemove containers (-f: kill running ones; "
			       "-v: and their anonymous volumes)\n");
			return 0;
		} else
			return cli_usage_error("rm", "unknown flag");
	}
	if (optind >= argc)
		return cli_usage_error("rm", "requires at least 1 argument");
	return for_each(cli, optind, argc, argv, do_rm, &a, true);
}

int cmd_engine_wait(struct hull_cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("wait", "requires at least 1 argument");
	if (!strcmp(argv[1], "--help")) {
		printf("Usage: hull wait CONTAINER...\n\nBlock until containers stop, then print their exit codes\n");
		return 0;
	}
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct hull_error *err = NULL;
		int code = 0;
		if (hull_engine_wait(&cli->ctx, argv[i], &code, &err) < 0) {
			status = cli_fail(cli, err);
			continue;
		}
		printf("%d\n", code);
	}
	return status;
}
