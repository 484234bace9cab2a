/* attach.c - `hull attach`: join a running container's stdio (docker
 * attach), through its monitor. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli.h"
#include "commands.h"
#include "hull/attach.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "tty.h"

static const char usage_text[] =
	"Usage: hull attach [OPTIONS] CONTAINER\n\n"
	"Attach our stdin, stdout and stderr to a running container\n\n"
	"Options:\n"
	"      --detach-keys KEYS   The keys that detach, leaving it running (default ctrl-p,ctrl-q)\n"
	"      --no-stdin           Do not attach stdin\n"
	"      --sig-proxy[=BOOL]   Relay the signals we get to the container (default true; not on a pty)\n";

static volatile sig_atomic_t pending_signal;

static void remember_signal(int sig)
{
	if (sig != SIGWINCH)
		pending_signal = sig;
}

struct relay {
	struct hull_cli *cli;
	struct hull_container *c;
};

static void relay_signal(void *data)
{
	struct relay *r = data;
	int sig = pending_signal;
	pending_signal = 0;
	if (sig)
		hull_engine_kill(&r->cli->ctx, r->c, sig, NULL);
}

/* Handlers without SA_RESTART: the attach loop's poll returns EINTR, and
 * relays the signal (sig-proxy) or sends the new terminal size. */
static void install_handlers(bool proxy)
{
	static const int relayed[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = remember_signal };
	sigaction(SIGWINCH, &sa, NULL);
	for (size_t i = 0; proxy && i < HULL_ARRAY_SIZE(relayed); i++)
		sigaction(relayed[i], &sa, NULL);
}

int cmd_engine_attach(struct hull_cli *cli, int argc, char **argv)
{
	enum { OPT_NO_STDIN = 256, OPT_SIG_PROXY, OPT_DETACH_KEYS, OPT_HELP };
	static const struct option opts[] = { { "no-stdin", no_argument, NULL, OPT_NO_STDIN },
					      { "sig-proxy", optional_argument, NULL, OPT_SIG_PROXY },
					      { "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
					      { "help", no_argument, NULL, OPT_HELP },
					      { 0 } };
	bool no_stdin = false, proxy = true;
	const char *keys_spec = "ctrl-p,ctrl-q";
	int opt;
	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (opt == OPT_NO_STDIN)
			no_stdin = true;
		else if (opt == OPT_SIG_PROXY)
			proxy = !optarg || strcmp(optarg, "false");
		else if (opt == OPT_DETACH_KEYS)
			keys_spec = optarg;
		else if (opt == OPT_HELP) {
			fputs(usage_text, stdout);
			return 0;
		} else
			return cli_usage_error("attach", "unknown flag (see --help)");
	}
	if (argc - optind != 1)
		return cli_usage_error("attach", "requires exactly 1 argument: CONTAINER");
	struct hull_error *err = NULL;
	char keys[HULL_DETACH_KEYS_MAX];
	struct hull_attach_options o = { .fds = { 0, 1, 2 }, .stdin = !no_stdin, .detach_keys = keys };
	if (hull_engine_parse_detach_keys(keys_spec, keys, &o.detach_len, &err) < 0)
		return cli_fail(cli, err);
	_cleanup_container_ struct hull_container *c = hull_container_load(&cli->ctx, argv[optind], &err);
	if (!c)
		return cli_fail(cli, err);
	json_t *config = json_object_get(c->record, "Config");
	bool tty = json_is_true(json_object_get(config, "Tty"));
	/* stdin goes only to a container started with -i: otherwise ours is
	 * not read, and a raw terminal would leave ^C nowhere to go */
	o.stdin = o.stdin && json_is_true(json_object_get(config, "OpenStdin"));
	struct relay relay = { .cli = cli, .c = c };
	o.interrupted = relay_signal;
	o.data = &relay;
	/* docker relays signals only without a pty: on one, ^C is a byte for it */
	install_handlers(proxy && !tty);
	if (tty && o.stdin)
		engine_tty_raw();
	int code = 0;
	bool detached = false;
	int r = hull_engine_attach(c, &o, &code, &detached, &err);
	engine_tty_restore();
	if (r < 0)
		return cli_fail(cli, err);
	return detached ? 0 : code;
}
