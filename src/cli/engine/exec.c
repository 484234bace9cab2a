/* exec.c - `hull exec [-d] [-i] [-t] [-u USER] [-e K=V] [-w DIR] CONTAINER CMD...`. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_spec.h"
#include "hull/engine_vm.h"
#include "hull/exec.h"
#include "hull/fs.h"
#include "hull/oci.h"

struct exec_flags {
	bool detach, interactive, tty, privileged;
	const char *user, *workdir;
	char *env[64];
	int n_env;
};

static int parse(struct exec_flags *f, int argc, char **argv)
{
	static const struct option opts[] = { { "detach", no_argument, NULL, 'd' },
					      { "interactive", no_argument, NULL, 'i' },
					      { "tty", no_argument, NULL, 't' },
					      { "user", required_argument, NULL, 'u' },
					      { "env", required_argument, NULL, 'e' },
					      { "workdir", required_argument, NULL, 'w' },
					      { "privileged", no_argument, NULL, 'P' },
					      { "detach-keys", required_argument, NULL, 'K' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "+ditu:e:w:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': f->detach = true; break;
		case 'i': f->interactive = true; break;
		case 't': f->tty = true; break;
		case 'u': f->user = optarg; break;
		case 'w': f->workdir = optarg; break;
		case 'P': f->privileged = true; break;
		case 'K': break;
		case 'e':
			if (f->n_env < 63)
				f->env[f->n_env++] = optarg;
			break;
		case 'H':
			printf("Usage: hull exec [-d] [-i] [-t] [-u USER[:GROUP]] [-e K=V] [-w DIR] CONTAINER COMMAND "
			       "[ARG...]\n\nRun a command in a running container\n");
			return -1;
		default: return cli_usage_error("exec", "unknown flag");
		}
	}
	if (argc - optind < 2)
		return cli_usage_error("exec", "requires at least 2 arguments: CONTAINER COMMAND [ARG...]");
	return 0;
}

/* -u NAME[:GROUP] resolved against the container's own /etc/passwd. */
static char *numeric_user(const struct hull_container *c, bool vm, const char *user, struct hull_error **err)
{
	_cleanup_free_ char *root =
	    vm ? hull_engine_vm_rootfs(c) : hull_strdup_printf("/proc/%d/root", (int)c->state.pid);
	uid_t uid;
	gid_t gid;
	_cleanup_free_ gid_t *gids = NULL;
	size_t n;
	if (hull_engine_resolve_user(root, user, NULL, &uid, &gid, &gids, &n, err) < 0)
		return NULL;
	return hull_strdup_printf("%u:%u", (unsigned)uid, (unsigned)gid);
}

/* A VM container: the guest's agent runs the process (docs/vm-agent.md).
 * Without -i it gets no input; with -t and -i our terminal passes bytes
 * through raw, the guest's pty edits and echoes. */
static int exec_in_vm(const struct hull_container *c, const struct hull_oci_process *proc, const struct exec_flags *f,
		      int *status, struct hull_error **err)
{
	bool terminal = f->tty && f->interactive && isatty(STDIN_FILENO);
	sigset_t set;
	sigemptyset(&set);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD && s != SIGSEGV && s != SIGBUS && s != SIGILL &&
		    s != SIGFPE && s != SIGPIPE && (s != SIGWINCH || terminal))
			sigaddset(&set, s);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	_cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	int stdio[3] = {f->interactive ? STDIN_FILENO : -1, STDOUT_FILENO, STDERR_FILENO};
	struct termios saved, raw;
	bool restore = terminal && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (restore) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	int r = hull_engine_vm_exec(c, proc->json, stdio, sfd, terminal, status, err);
	if (restore)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return r;
}

int cmd_engine_exec(struct hull_cli *cli, int argc, char **argv)
{
	struct exec_flags f = { 0 };
	int r = parse(&f, argc, argv);
	if (r)
		return r < 0 ? 0 : 126;
	if (f.tty && !f.detach && f.interactive && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "hull: the input device is not a TTY (drop -t, or run from a terminal)\n");
		return 1;
	}
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *c = hull_container_load(&cli->ctx, argv[optind], &err);
	if (!c)
		return cli_fail(cli, err);
	if (c->state.status == HULL_ENGINE_PAUSED) {
		fprintf(stderr, "hull: Container %s is paused, unpause the container before exec\n", c->id);
		return 1;
	}
	if (c->state.status != HULL_ENGINE_RUNNING) {
		fprintf(stderr, "hull: Container %s is not running\n", c->id);
		return 1;
	}
	bool vm = json_is_object(json_object_get(json_object_get(c->record, "HostConfig"), "HullVM"));
	if (vm && f.detach) {
		fprintf(stderr,
			"hull: Container %s runs in a micro-VM (--vm): exec -d into it is not supported (the "
			"process lives as long as its exec connection); run it with `sh -c 'CMD &'` instead\n",
			c->id);
		return 1;
	}
	_cleanup_(hull_oci_config_freep) struct hull_oci_config *cfg = hull_oci_config_load(c->dir, &err);
	if (!cfg)
		return cli_fail(cli, err);
	_cleanup_free_ char *user = f.user ? numeric_user(c, vm, f.user, &err) : NULL;
	if (f.user && !user)
		return cli_fail(cli, err);
	f.env[f.n_env] = NULL;
	char *caps_all[] = { NULL };
	struct hull_exec_overrides o = { .args = argv + optind + 1, .env = f.env, .cwd = f.workdir, .user = user,
					 .caps = caps_all, .tty = f.tty };
	struct hull_oci_process *proc = hull_exec_process(cfg, &o, &err);
	if (!proc)
		return cli_fail(cli, err);
	if (vm) {
		int status = 0;
		r = exec_in_vm(c, proc, &f, &status, &err);
		hull_oci_process_free(proc);
		if (r < 0) {
			cli_fail(cli, err);
			return r == -ENOENT ? 127 : 126;
		}
		return status;
	}
	struct hull_ctx rt = cli->ctx;
	_cleanup_free_ char *root = hull_engine_runtime_root(&cli->ctx);
	rt.runtime_root = root;
	struct hull_exec_opts eo = { .process = proc, .detach = f.detach };
	int status = 0;
	r = hull_runtime_exec(&rt, c->id, &eo, &status, &err);
	hull_oci_process_free(proc);
	if (r < 0) {
		cli_fail(cli, err);
		/* docker: 126 cannot invoke, 127 not found */
		return r == -ENOENT ? 127 : 126;
	}
	return status;
}
