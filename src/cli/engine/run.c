/* run.c - `hull run`, `hull create`, `hull start`: docker's flow. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cli.h"
#include "commands.h"
#include "hull/attach.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "run_flags.h"
#include "tty.h"

static void on_pulling(void *opaque, const char *ref)
{
	fprintf(stderr, "Unable to find image '%s' locally\n", ref);
}

static void on_progress(void *opaque, const struct hull_pull_progress *p)
{
	const char *d = p->digest ? p->digest : "";
	const char *hex = strchr(d, ':') ? strchr(d, ':') + 1 : d;
	if (p->index < 0)
		return;
	if (p->state == HULL_PULL_DONE)
		fprintf(stderr, "%.12s: Pull complete\n", hex);
	else if (p->state == HULL_PULL_EXISTS)
		fprintf(stderr, "%.12s: Already exists\n", hex);
}

static struct hull_container *create_from_flags(struct hull_cli *cli, struct run_flags *f, int *status)
{
	struct hull_error *err = NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	if (hull_image_store_open(&cli->ctx, &store, &err) < 0) {
		*status = cli_fail(cli, err);
		return NULL;
	}
	struct hull_engine_pull_hooks hooks = { .pulling = on_pulling, .progress = f->quiet ? NULL : on_progress };
	_cleanup_strv_ char **warnings = NULL;
	struct hull_container *c = hull_engine_create(&cli->ctx, store, &f->o, &hooks, &warnings, &err);
	if (!c) {
		*status = cli_fail(cli, err);
		/* docker's codes: 125 for the engine's own failures */
		*status = 125;
		return NULL;
	}
	for (char **w = warnings; w && *w; w++)
		fprintf(stderr, "WARNING: %s\n", *w);
	if (f->o.cidfile) {
		struct hull_error *e = NULL;
		if (hull_write_file_atomic(f->o.cidfile, c->id, strlen(c->id), 0644, false, &e) < 0)
			cli_fail(cli, e);
	}
	return c;
}

static volatile sig_atomic_t pending_signal;

static void remember_signal(int sig)
{
	pending_signal = sig;
}

/* Foreground: relay the signals a user sends to `hull run` to the
 * container (docker's --sig-proxy), wait for the monitor, return the
 * container's exit status. */
static int wait_foreground(struct hull_cli *cli, struct hull_container *c, pid_t monitor, int exit_fd, bool proxy)
{
	static const int relayed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = remember_signal };
	for (size_t i = 0; proxy && i < HULL_ARRAY_SIZE(relayed); i++)
		sigaction(relayed[i], &sa, NULL);
	/* the monitor says the code before its last cleanup (an unmount that
	 * can take a while on a busy host): no need to wait for its exit */
	int code = 0, r;
	while ((r = hull_engine_exit_code(exit_fd, &code)) == -EINTR) {
		int sig = pending_signal;
		pending_signal = 0;
		if (sig)
			hull_engine_kill(&cli->ctx, c, sig, NULL);
	}
	if (r == 0)
		return code;
	if (r == -ECONNABORTED)
		return 0; /* detached (ctrl-p ctrl-q): it runs on, as after `run -d` */
	int status = 0;
	while (waitpid(monitor, &status, 0) < 0)
		if (errno != EINTR)
			return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The keys that detach from a foreground container (on a pty). */
struct detach_keys {
	char keys[HULL_DETACH_KEYS_MAX];
	size_t len;
};

static int start_container(struct hull_cli *cli, struct hull_container *c, bool attach, bool stdin_open, bool tty,
			   bool proxy, const struct detach_keys *keys, bool *failed)
{
	*failed = false;
	struct hull_attach a = { .attach = attach, .stdin_open = stdin_open, .fds = { 0, 1, 2 },
				 .detach_keys = keys->keys, .detach_len = keys->len };
	if (attach && tty && stdin_open)
		engine_tty_raw();
	fflush(stdout);
	fflush(stderr);
	pid_t monitor = 0;
	int exit_fd = -1;
	struct hull_error *err = NULL;
	if (hull_engine_start(&cli->ctx, c, &a, &monitor, &exit_fd, &err) < 0) {
		engine_tty_restore();
		/* docker's codes: 127 the command was not found, 126 it could
		 * not be run, 125 anything else that went wrong before it ran */
		bool exec_failed = err && err->msg && strstr(err->msg, "exec `");
		int code = !exec_failed ? 125 : strstr(err->msg, "No such file") ? 127 : 126;
		*failed = true;
		cli_fail(cli, err);
		return code;
	}
	if (!attach)
		return 0;
	int code = wait_foreground(cli, c, monitor, exit_fd, proxy && !tty);
	engine_tty_restore();
	return code;
}

int cmd_engine_run(struct hull_cli *cli, int argc, char **argv)
{
	struct run_flags f;
	bool help;
	int status = run_flags_parse(&f, argc, argv, &help);
	if (status || help) {
		run_flags_free(&f);
		return help ? 0 : 125;
	}
	if (f.o.tty && f.o.interactive && !f.o.detach && !isatty(STDIN_FILENO)) {
		run_flags_free(&f);
		fprintf(stderr, "hull: the input device is not a TTY (drop -t, or run from a terminal)\n");
		return 1;
	}
	_cleanup_container_ struct hull_container *c = create_from_flags(cli, &f, &status);
	if (!c) {
		run_flags_free(&f);
		return status;
	}
	bool failed;
	struct detach_keys keys = { .len = f.detach_len };
	memcpy(keys.keys, f.detach_keys, sizeof(keys.keys));
	status = start_container(cli, c, !f.o.detach, f.o.interactive, f.o.tty, f.sig_proxy, &keys, &failed);
	if (failed && f.o.auto_remove)
		hull_engine_remove(&cli->ctx, c, true, true, NULL);
	if (f.o.detach && status == 0)
		printf("%s\n", c->id);
	run_flags_free(&f);
	return status;
}

int cmd_engine_create(struct hull_cli *cli, int argc, char **argv)
{
	struct run_flags f;
	bool help;
	int status = run_flags_parse(&f, argc, argv, &help);
	if (status || help) {
		run_flags_free(&f);
		return help ? 0 : 125;
	}
	_cleanup_container_ struct hull_container *c = create_from_flags(cli, &f, &status);
	run_flags_free(&f);
	if (!c)
		return status;
	printf("%s\n", c->id);
	return 0;
}

int cmd_engine_start(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "attach", no_argument, NULL, 'a' },
					      { "interactive", no_argument, NULL, 'i' },
					      { "detach-keys", required_argument, NULL, 'K' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	bool attach = false, interactive = false;
	struct detach_keys keys;
	hull_engine_parse_detach_keys("ctrl-p,ctrl-q", keys.keys, &keys.len, NULL);
	int c;
	while ((c = getopt_long(argc, argv, "+ai", opts, NULL)) != -1) {
		if (c == 'a')
			attach = true;
		else if (c == 'K') {
			struct hull_error *err = NULL;
			if (hull_engine_parse_detach_keys(optarg, keys.keys, &keys.len, &err) < 0)
				return cli_fail(cli, err);
		}
		else if (c == 'i')
			interactive = true;
		else if (c == 'H') {
			printf("Usage: hull start [-a] [-i] [--detach-keys KEYS] CONTAINER...\n\nStart one or more "
			       "stopped containers\n");
			return 0;
		} else
			return cli_usage_error("start", "unknown flag");
	}
	if (optind >= argc)
		return cli_usage_error("start", "requires at least 1 argument");
	if (attach && argc - optind > 1)
		return cli_usage_error("start", "you cannot start and attach multiple containers at once");
	int status = 0;
	for (int i = optind; i < argc; i++) {
		struct hull_error *err = NULL;
		_cleanup_container_ struct hull_container *ctr = hull_container_load(&cli->ctx, argv[i], &err);
		if (!ctr) {
			status = cli_fail(cli, err);
			continue;
		}
		json_t *config = json_object_get(ctr->record, "Config");
		bool tty = json_is_true(json_object_get(config, "Tty"));
		bool failed;
		int r = start_container(cli, ctr, attach, interactive, tty, true, &keys, &failed);
		if (attach)
			return r;
		if (r)
			status = 1;
		else
			printf("%s\n", argv[i]);
	}
	return status;
}
