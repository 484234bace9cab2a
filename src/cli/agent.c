/* agent.c - `hull vm-agent`: the guest agent's protocol on the host, for
 * tests and for building an initramfs by hand (docs/vm-agent.md). In a
 * guest, hull started as /init runs the agent without this command. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/engine_vm.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: hull vm-agent serve --listen SOCKET --rootfs DIR --state-dir DIR\n"
		     "       hull vm-agent call --socket SOCKET --bundle DIR [--id ID] [--exec]\n"
		     "       hull vm-agent initramfs --kernel BZIMAGE [--modules-dir DIR] -o FILE\n"
		     "       hull vm-agent prepare [--vm-kernel BZIMAGE] IMAGE\n\n"
		     "serve:     the guest agent on a unix socket: one connection, one container run with\n"
		     "           DIR as its root filesystem (state under --state-dir); later connections\n"
		     "           each carry one exec into it\n"
		     "call:      the host's side: run the bundle's config.json through the agent, relaying\n"
		     "           stdin, stdout, stderr and signals; exits with the container's status\n"
		     "           (--exec: a new connection that runs the config's process in the running\n"
		     "           container, as `hull exec` does)\n"
		     "initramfs: write the guest's initramfs (this hull as /init, its libraries, the modules)\n"
		     "prepare:   make and keep what `hull run --vm IMAGE` needs ahead of its first run (the\n"
		     "           initramfs, and the image's read-only disk of --vm-rootfs disk); prints their\n"
		     "           paths, one a line\n");
}

static int unix_socket(const char *path, bool listen_on, struct hull_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return hull_error_msg(err, ENAMETOOLONG, "socket path `%s` is too long", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_error_set(err, errno, "socket");
	if (listen_on) {
		unlink(path);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(fd, HULL_AGENT_EXEC_MAX) == 0)
			return fd;
	} else if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		return fd;
	}
	int e = errno;
	close(fd);
	return hull_error_set(err, e, "%s `%s`", listen_on ? "listen on" : "connect to", path);
}

static int serve(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, 0, 'l'},
					     {"rootfs", required_argument, 0, 'r'},
					     {"state-dir", required_argument, 0, 's'},
					     {0}};
	const char *listen_path = NULL, *rootfs = NULL, *state = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'l')
			listen_path = optarg;
		else if (c == 'r')
			rootfs = optarg;
		else if (c == 's')
			state = optarg;
		else
			return cli_usage_error("vm-agent serve", "unknown option");
	}
	if (!listen_path || !rootfs || !state)
		return cli_usage_error("vm-agent serve", "--listen, --rootfs and --state-dir are required");
	struct hull_error *err = NULL;
	_cleanup_free_ char *rt_root = hull_path_join(state, "runtime");
	cli->ctx.runtime_root = rt_root;
	_cleanup_close_ int lfd = unix_socket(listen_path, true, &err);
	if (lfd < 0)
		return cli_fail(cli, err);
	_cleanup_close_ int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return cli_fail(cli, hull_error_set(&err, errno, "accept") < 0 ? err : NULL);
	/* later connections on the same socket are exec connections */
	struct hull_agent_server_opts so = {.rootfs = rootfs, .state_dir = state, .exec_listen = lfd};
	if (hull_agent_serve(&cli->ctx, conn, &so, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}

static int call(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"socket", required_argument, 0, 's'},
					     {"bundle", required_argument, 0, 'b'},
					     {"id", required_argument, 0, 'i'},
					     {"exec", no_argument, 0, 'e'},
					     {0}};
	const char *sock = NULL, *bundle = NULL, *id = "agent-call";
	bool exec = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			sock = optarg;
		else if (c == 'b')
			bundle = optarg;
		else if (c == 'i')
			id = optarg;
		else if (c == 'e')
			exec = true;
		else
			return cli_usage_error("vm-agent call", "unknown option");
	}
	if (!sock || !bundle)
		return cli_usage_error("vm-agent call", "--socket and --bundle are required");
	struct hull_error *err = NULL;
	_cleanup_free_ char *cfg_path = hull_path_join(bundle, "config.json");
	_cleanup_json_ json_t *config = hull_json_load_file(cfg_path, "config.json", &err);
	if (!config)
		return cli_fail(cli, err);
	_cleanup_close_ int conn = unix_socket(sock, false, &err);
	if (conn < 0)
		return cli_fail(cli, err);
	/* the signals a user sends a foreground container: they go to it */
	sigset_t set;
	sigemptyset(&set);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD && s != SIGSEGV && s != SIGBUS && s != SIGILL &&
		    s != SIGFPE && s != SIGPIPE)
			sigaddset(&set, s);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	_cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	bool terminal = json_is_true(json_object_get(json_object_get(config, "process"), "terminal"));
	struct hull_agent_call ac = {.id = id,
				     .config = config,
				     .stdio = {0, 1, 2},
				     .signal_fd = sfd,
				     .stop_fd = -1,
				     .terminal = terminal && isatty(STDIN_FILENO),
				     .process = exec ? json_object_get(config, "process") : NULL};
	/* the guest's pty edits and echoes: ours passes bytes through */
	struct termios saved, raw;
	bool restore = ac.terminal && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (restore) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	int status = 0;
	int r = hull_agent_call_run(conn, &ac, &status, &err);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (r < 0)
		return cli_fail(cli, err);
	return status;
}

static int initramfs(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"kernel", required_argument, 0, 'k'},
					     {"modules-dir", required_argument, 0, 'm'},
					     {"output", required_argument, 0, 'o'},
					     {0}};
	struct hull_agent_initramfs_opts io = {.hull_binary = "/proc/self/exe"};
	const char *out = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'k')
			io.kernel = optarg;
		else if (c == 'm')
			io.modules_dir = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return cli_usage_error("vm-agent initramfs", "unknown option");
	}
	if (!io.kernel || !out)
		return cli_usage_error("vm-agent initramfs", "--kernel and -o are required");
	struct hull_error *err = NULL;
	if (hull_agent_initramfs_write(&io, out, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}

static int prepare(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"vm-kernel", required_argument, 0, 'k'}, {0}};
	const char *kernel = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'k')
			kernel = optarg;
		else
			return cli_usage_error("vm-agent prepare", "unknown option");
	}
	if (optind != argc - 1)
		return cli_usage_error("vm-agent prepare", "expected one IMAGE");
	struct hull_error *err = NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	if (hull_image_store_open(&cli->ctx, &store, &err) < 0)
		return cli_fail(cli, err);
	_cleanup_free_ char *initrd = NULL, *disk = NULL;
	if (hull_engine_vm_prepare(&cli->ctx, store, argv[optind], kernel, &initrd, &disk, &err) < 0)
		return cli_fail(cli, err);
	printf("%s\n%s\n", initrd, disk);
	return 0;
}

int cmd_vm_agent(struct hull_cli *cli, int argc, char **argv);
int cmd_vm_agent(struct hull_cli *cli, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	const char *sub = argv[1];
	argc--;
	argv++;
	if (!strcmp(sub, "serve"))
		return serve(cli, argc, argv);
	if (!strcmp(sub, "call"))
		return call(cli, argc, argv);
	if (!strcmp(sub, "initramfs"))
		return initramfs(cli, argc, argv);
	if (!strcmp(sub, "prepare"))
		return prepare(cli, argc, argv);
	return cli_usage_error("vm-agent", "unknown subcommand `%s` (serve, call, initramfs, prepare)", sub);
}
