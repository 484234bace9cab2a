/* exec.c - a new process in a running container (runc exec).
 *
 *   parent (hull exec)
 *     `- child 1: joins the container's cgroup, opens the init's namespace
 *        files, setns() into each (user first), then clone(CLONE_PARENT)
 *        so that child 2 is the parent's child and enters the pid and time
 *        namespaces; child 1 reports child 2's pid and exits.
 *          `- child 2: terminal, rlimits, cwd, user, capabilities,
 *             no_new_privs, seccomp, execve.
 *
 * Both children are non-dumpable until execve: a process of the container
 * cannot open /proc/<pid>/exe of a runtime process that has joined it (the
 * CVE-2019-5736 attack), and nothing of the host stays open in them: every
 * fd hull holds is O_CLOEXEC and the working directory is checked to be
 * inside the container after chdir (CVE-2024-21626). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/exec.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/runtime.h"
#include "hull/security.h"
#include "runtime_internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

struct exec_ctx {
	const struct hull_exec_opts *opts;
	const struct hull_oci_config *cfg;
	struct hull_cgroup *cg; /* NULL: the container has none (rootless) */
	pid_t init;             /* the container's init (host pid) */
	int sock;               /* the children's end of the sync socket */
	int console;            /* connected --console-socket or -1 */
	bool in_userns;
	struct hull_log log; /* debug records of the children (their own copy of the fd) */
};

/* Namespaces in the order they are joined: user first (it owns the others),
 * mnt last (after it, /proc is the container's). */
static const struct {
	const char *name;
	int type;
} ns_order[] = {
	{ "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },       { "net", CLONE_NEWNET },
	{ "pid", CLONE_NEWPID },   { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME }, { "mnt", CLONE_NEWNS },
};

__attribute__((noreturn)) static void child_fail(int sock, struct hull_error *err)
{
	char msg[4096];
	snprintf(msg, sizeof(msg), "E%s", err && err->msg ? err->msg : "exec failed");
	send(sock, msg, strlen(msg), MSG_NOSIGNAL);
	_exit(127);
}

/* runc exec --cgroup: the sub-cgroup of the container's cgroup to join in
 * the hierarchy holding `controllers` ("" for the cgroup2 one). A plain
 * PATH applies to every hierarchy, CTRL:PATH to those with CTRL. */
static const char *sub_cgroup_for(char **subs, const char *controllers)
{
	const char *any = NULL, *match = NULL;
	for (size_t i = 0; subs && subs[i]; i++) {
		const char *colon = strchr(subs[i], ':');
		if (!colon) {
			any = subs[i];
			continue;
		}
		_cleanup_free_ char *list = strndup(subs[i], (size_t)(colon - subs[i]));
		char *save = NULL;
		for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
			size_t n = strlen(c);
			for (const char *p = controllers; *controllers && p; p = strchr(p, ','), p = p ? p + 1 : NULL)
				if (!strncmp(p, c, n) && (p[n] == ',' || p[n] == '\0'))
					match = colon + 1;
		}
	}
	return match ? match : any;
}

static int check_sub_cgroups(const struct hull_cgroup *cg, char **subs, struct hull_error **err)
{
	for (size_t i = 0; subs && subs[i]; i++) {
		const char *colon = strchr(subs[i], ':'), *path = colon ? colon + 1 : subs[i];
		_cleanup_free_ char *copy = hull_xstrdup(path);
		char *save = NULL;
		for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
			if (!strcmp(t, ".."))
				return hull_error_msg(err, EINVAL, "--cgroup: %s is not a sub cgroup path", path);
		if (!colon)
			continue;
		_cleanup_free_ char *list = strndup(subs[i], (size_t)(colon - subs[i]));
		save = NULL;
		for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
			bool known = false;
			for (size_t d = 0; cg && d < cg->n_dirs; d++) {
				const char *have = cg->dirs[d].controllers;
				size_t n = strlen(c);
				for (const char *p = have; *have && p; p = strchr(p, ','), p = p ? p + 1 : NULL)
					known |= !strncmp(p, c, n) && (p[n] == ',' || p[n] == '\0');
			}
			if (!known)
				return hull_error_msg(err, EINVAL, "--cgroup: unknown controller %s", c);
		}
	}
	return 0;
}

/* Join the container's cgroup, or the sub-cgroups asked for. */
static int exec_join_cgroup(struct hull_cgroup *cg, char **subs, pid_t pid, struct hull_error **err)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_dirs; i++) {
		const char *sub = sub_cgroup_for(subs, cg->dirs[i].controllers);
		_cleanup_free_ char *dir = sub ? hull_path_join(cg->dirs[i].path, sub) : hull_xstrdup(cg->dirs[i].path);
		_cleanup_free_ char *procs = hull_path_join(dir, "cgroup.procs");
		_cleanup_close_ int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
			return hull_error_msg(err, errno, "adding pid %d to %s: %s", (int)pid, procs,
					      errno == ENOENT ? "no such file or directory" : strerror(errno));
	}
	return 0;
}

/* The init's root when it differs from ours in our own mount namespace:
 * an O_PATH fd, -1 when it is ours, < -1 with *err on failure. */
static int open_chroot(pid_t init, struct hull_error **err)
{
	char path[64];
	struct stat theirs, ours;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)init);
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		hull_error_set(err, errno, "open `%s`", path);
		return -EINVAL; /* not -errno, which could be -1 (EPERM): the caller tells them apart */
	}
	if (fstat(fd, &theirs) == 0 && stat("/", &ours) == 0 && theirs.st_dev == ours.st_dev &&
	    theirs.st_ino == ours.st_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Join the init's namespaces that differ from ours. A container that
 * shares our mount namespace (none in its config) sits in a chroot: its
 * root is entered the same way. */
static int join_namespaces(pid_t init, struct hull_error **err)
{
	int fds[HULL_ARRAY_SIZE(ns_order)];
	_cleanup_close_ int root = -1;
	for (size_t i = 0; i < HULL_ARRAY_SIZE(ns_order); i++) {
		char theirs[64], ours[64];
		struct stat a, b;
		fds[i] = -1;
		snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)init, ns_order[i].name);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", ns_order[i].name);
		if (stat(theirs, &a) < 0 || (stat(ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)) {
			if (ns_order[i].type == CLONE_NEWNS && (root = open_chroot(init, err)) < -1)
				return -EINVAL;
			continue;
		}
		/* all opened before the first setns: /proc changes meaning after */
		fds[i] = open(theirs, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return hull_error_set(err, errno, "open `%s`", theirs);
	}
	for (size_t i = 0; i < HULL_ARRAY_SIZE(ns_order); i++) {
		if (fds[i] < 0)
			continue;
		int r = setns(fds[i], ns_order[i].type);
		int e = errno;
		close(fds[i]);
		if (r < 0)
			return hull_error_set(err, e, "join the container's %s namespace", ns_order[i].name);
	}
	if (root >= 0 && (fchdir(root) < 0 || chroot(".") < 0))
		return hull_error_set(err, errno, "enter the container's root");
	return 0;
}

/* config.md#process terminal, for exec: a pty from the container's devpts. */
static int exec_terminal(struct exec_ctx *x, struct hull_error **err)
{
	const struct hull_oci_process *p = x->opts->process;
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[64];
	if (master < 0)
		return hull_error_set(err, errno, "--tty: open the container's /dev/ptmx");
	if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		return hull_error_set(err, errno, "--tty: unlock the pty");
	_cleanup_close_ int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return hull_error_set(err, errno, "--tty: open `%s`", name);
	/* the group stays devpts' gid=5 (tty), as runc leaves it */
	if (fchown(slave, p->uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM)
		return hull_error_set(err, errno, "--tty: chown `%s`", name);
	if (p->console_height || p->console_width) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height,
				      .ws_col = (unsigned short)p->console_width };
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	/* runc's console protocol: the pty name as the body, the master fd */
	int r = x->console >= 0 ? hull_fd_send(x->console, master, name, strlen(name), err)
				: hull_fd_send(x->sock, master, "T", 1, err);
	if (r < 0)
		return r;
	if (x->console >= 0)
		close(take_fd(x->console));
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return hull_error_set(err, errno, "--tty: make `%s` the controlling terminal", name);
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return hull_error_set(err, errno, "--tty: dup2");
	return 0;
}

/* chdir to process.cwd and make sure it is inside the container: a cwd
 * reached through a leaked host fd shows as "(unreachable)" (CVE-2024-21626). */
static int exec_cwd(const char *cwd, struct hull_error **err)
{
	char buf[4096];
	if (chdir(cwd) < 0)
		return hull_error_set(err, errno, "process.cwd: chdir `%s`", cwd);
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return hull_error_msg(err, EPERM, "process.cwd: `%s` is outside the container", cwd);
	return 0;
}

static int send_notify_fd(struct exec_ctx *x, int fd, struct hull_error **err)
{
	if (fd < 0)
		return 0;
	int r = hull_fd_send(x->sock, fd, "S", 1, err);
	close(fd);
	return r;
}

/* Child 2: everything between the namespaces and execve. */
__attribute__((noreturn)) static void exec_child(struct exec_ctx *x)
{
	const struct hull_oci_process *p = x->opts->process;
	struct hull_error *err = NULL;
	struct hull_caps caps;
	int notify = -1;
	if (p->terminal && exec_terminal(x, &err) < 0)
		child_fail(x->sock, err);
	for (int fd = 3; fd < 3 + x->opts->preserve_fds; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	/* whatever fd the caller left open stays out of the container: only
	 * 0-2 and the preserved ones survive execve (CVE-2024-21626); done
	 * before seccomp, whose profile may not allow close_range */
	syscall(SYS_close_range, 3 + x->opts->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	if (lsm_exec_labels(p, &err) < 0 ||
	    hull_caps_parse(p->capabilities, "process", "process.capabilities", &caps, &err) < 0 ||
	    process_rlimits(p, &err) < 0 || process_oom_score_adj(p, &err) < 0 || exec_cwd(p->cwd, &err) < 0)
		child_fail(x->sock, err);
	/* without no_new_privs, loading seccomp needs CAP_SYS_ADMIN: do it
	 * before the capabilities go (runc's order) */
	if (!p->no_new_privileges && (hull_seccomp_load(x->cfg->seccomp, &notify, &err) < 0 ||
				      send_notify_fd(x, notify, &err) < 0))
		child_fail(x->sock, err);
	if (hull_caps_drop_bounding(&caps, &err) < 0 || process_user(p, x->in_userns, &err) < 0 ||
	    hull_caps_apply(&caps, &err) < 0)
		child_fail(x->sock, err);
	if (p->no_new_privileges) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			hull_error_set(&err, errno, "process.noNewPrivileges");
			child_fail(x->sock, err);
		}
		if (hull_seccomp_load(x->cfg->seccomp, &notify, &err) < 0 || send_notify_fd(x, notify, &err) < 0)
			child_fail(x->sock, err);
	}
	char *prog = process_find_program(p, &err);
	if (!prog)
		child_fail(x->sock, err);
	hull_log_write(&x->log, HULL_LOG_DEBUG, "setns_init: about to exec `%s`", prog);
	execve(prog, p->args, process_env(p));
	hull_error_set(&err, errno, "exec `%s`", prog);
	child_fail(x->sock, err);
}

/* Child 1: cgroup, namespaces, then child 2 as a sibling. */
__attribute__((noreturn)) static void exec_joiner(struct exec_ctx *x)
{
	struct hull_error *err = NULL;
	/* until execve: no /proc/<pid>/exe, no ptrace from the container */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* fd 2 may become the exec's terminal: the children log to a copy */
	if (x->log.level >= HULL_LOG_DEBUG && x->log.fd >= 0)
		x->log.fd = fcntl(x->log.fd, F_DUPFD_CLOEXEC, 3 + x->opts->preserve_fds);
	hull_log_write(&x->log, HULL_LOG_DEBUG, "child process in init(): joining the cgroup and namespaces of pid %d",
		       (int)x->init);
	if (x->cg && exec_join_cgroup(x->cg, x->opts->sub_cgroups, getpid(), &err) < 0)
		child_fail(x->sock, err);
	if (join_namespaces(x->init, &err) < 0)
		child_fail(x->sock, err);
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		hull_error_set(&err, errno, "clone the exec process");
		child_fail(x->sock, err);
	}
	if (pid == 0) {
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		exec_child(x);
	}
	char msg[32];
	snprintf(msg, sizeof(msg), "P%d", (int)pid);
	send(x->sock, msg, strlen(msg), MSG_NOSIGNAL);
	_exit(0);
}

/* Parent: collect child 2's pid, fds and verdict. EOF = it exec'd. */
static int exec_collect(struct exec_ctx *x, int sock, pid_t *pid, int *pty, json_t *state, struct hull_error **err)
{
	*pid = 0;
	for (;;) {
		char buf[4096];
		int fd = -1;
		ssize_t n;
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		poll(&pfd, 1, -1);
		n = recv(sock, buf, sizeof(buf) - 1, MSG_PEEK);
		if (n <= 0)
			return *pid > 0 ? 0 : hull_error_msg(err, EIO, "the exec process died during setup");
		if (buf[0] == 'S' || buf[0] == 'T') {
			int r = hull_fd_recv(sock, &fd, buf, 1, err);
			if (r < 0)
				return r;
			if (buf[0] == 'T') {
				*pty = fd;
				continue;
			}
			r = hull_seccomp_send_listener(x->cfg->seccomp, fd, *pid, state, err);
			close(fd);
			if (r < 0)
				return r;
			continue;
		}
		n = recv(sock, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		if (buf[0] == 'P')
			*pid = (pid_t)atoi(buf + 1);
		else if (buf[0] == 'E')
			return hull_error_msg(err, EINVAL, "%s", buf + 1);
	}
}

/* Copy stdin -> master and master -> stdout until the process hangs up. */
static void proxy_terminal(int master)
{
	struct termios saved;
	bool raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		struct winsize ws;
		cfmakeraw(&t);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	int in = STDIN_FILENO;
	for (;;) {
		struct pollfd p[2] = { { .fd = master, .events = POLLIN }, { .fd = in, .events = POLLIN } };
		char buf[4096];
		if (poll(p, in >= 0 ? 2 : 1, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n <= 0 || hull_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				break;
		}
		if (in >= 0 && p[1].revents) {
			ssize_t n = read(in, buf, sizeof(buf));
			if (n <= 0)
				in = -1; /* stdin closed: keep printing output */
			else
				hull_write_all(master, buf, (size_t)n);
		}
	}
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

static int exec_check_state(struct hull_ctx *ctx, const char *id, bool ignore_paused, pid_t *init,
			    struct hull_oci_config **cfg, struct hull_error **err)
{
	struct hull_container_state *st = hull_runtime_state(ctx, id, err);
	if (!st)
		return -ENOENT;
	int r = 0;
	if (st->status != HULL_STATUS_RUNNING && st->status != HULL_STATUS_CREATED &&
	    !(ignore_paused && st->status == HULL_STATUS_PAUSED))
		r = hull_error_msg(err, EINVAL, "cannot exec in a %s container (\"%s\")%s",
				   hull_status_name(st->status), id,
				   st->status == HULL_STATUS_PAUSED ? ": resume it, or use --ignore-paused" : "");
	*init = st->oci->pid;
	if (r == 0 && !(*cfg = hull_oci_config_load(st->oci->bundle, err)))
		r = -EINVAL;
	hull_container_state_free(st);
	return r;
}

int hull_runtime_exec(struct hull_ctx *ctx, const char *id, const struct hull_exec_opts *opts, int *exit_status,
		      struct hull_error **err)
{
	_cleanup_(hull_oci_config_freep) struct hull_oci_config *cfg = NULL;
	struct exec_ctx x = { .opts = opts, .console = -1 };
	int r = exec_check_state(ctx, id, opts->ignore_paused, &x.init, &cfg, err);
	*exit_status = 0;
	if (r < 0)
		return r;
	x.cfg = cfg;
	if (lsm_check(opts->process, NULL, "exec", err) < 0)
		return -EINVAL;
	x.in_userns = hull_oci_config_namespace(cfg, CLONE_NEWUSER) != NULL || ns_running_in_userns();
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = hull_container_cgroup(ctx, id, NULL);
	x.cg = cg;
	if (check_sub_cgroups(cg, opts->sub_cgroups, err) < 0)
		return -EINVAL;
	_cleanup_close_ int console = -1;
	if (opts->process->terminal && opts->console_socket &&
	    (console = terminal_connect(opts->console_socket, err)) < 0)
		return console;
	x.console = console;
	int socks[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, socks) < 0)
		return hull_error_set(err, errno, "socketpair");
	_cleanup_close_ int sock = socks[0];
	x.sock = socks[1];
	x.log = ctx->log;
	/* the step names runc's debug log has, which tools and tests look for */
	hull_debug(ctx, "nsexec container setup: joining container %s (init pid %d)", id, (int)x.init);
	pid_t joiner = fork();
	if (joiner < 0) {
		close(socks[1]);
		return hull_error_set(err, errno, "fork");
	}
	if (joiner == 0) {
		close(sock);
		exec_joiner(&x);
	}
	close(socks[1]);
	_cleanup_json_ json_t *state = json_pack("{s:s,s:s,s:s,s:i,s:s}", "ociVersion", cfg->oci_version, "id", id,
						 "status", "running", "pid", (int)x.init, "bundle", "");
	pid_t pid = 0;
	_cleanup_close_ int pty = -1;
	r = exec_collect(&x, sock, &pid, &pty, state, err);
	int jstatus;
	waitpid(joiner, &jstatus, 0);
	if (r < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		return hull_error_wrap(err, r, "exec in container \"%s\"", id);
	}
	if (opts->pid_file) {
		char buf[24];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
		if ((r = hull_write_file_atomic(opts->pid_file, buf, (size_t)n, 0644, false, err)) < 0)
			return r;
	}
	if (opts->detach)
		return 0;
	if (pty >= 0)
		proxy_terminal(pty);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "wait for the exec process %d", (int)pid);
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}
