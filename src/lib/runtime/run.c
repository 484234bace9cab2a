/* run.c - `run`: create and start in one process (no exec.fifo round
 * trip), then in the foreground wait for the container, relay signals and
 * the terminal, and delete it, as runc does. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"
#include "runtime_internal.h"

int exit_status_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

/* Copy what is readable on `from` to `to`; returns -1 at EOF/error. */
static int pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN) ? 0 : -1;
	return hull_write_all(to, buf, (size_t)n) < 0 ? -1 : 0;
}

static void copy_winsize(int master)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

struct fg {
	struct spawn *s;
	int sigfd;
	int master;
	bool stdin_open;
};

/* One poll round; returns 1 once the init has exited. */
static int fg_round(struct fg *f)
{
	struct pollfd p[4] = {
		{ .fd = f->s->pidfd, .events = POLLIN },
		{ .fd = f->sigfd, .events = POLLIN },
		{ .fd = f->master, .events = POLLIN },
		{ .fd = f->master >= 0 && f->stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
	};
	if (poll(p, 4, -1) < 0)
		return errno == EINTR ? 0 : -1;
	if (p[1].revents & POLLIN) {
		struct signalfd_siginfo si;
		if (read(f->sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGWINCH && f->master >= 0)
				copy_winsize(f->master);
			else if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH)
				kill(f->s->pid, (int)si.ssi_signo);
		}
	}
	if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
		if (pump(f->master, STDOUT_FILENO) < 0)
			f->master = -1;
	}
	if (p[3].revents & (POLLIN | POLLHUP | POLLERR)) {
		if (pump(STDIN_FILENO, f->master) < 0)
			f->stdin_open = false;
	}
	return (p[0].revents & POLLIN) ? 1 : 0;
}

int wait_foreground(struct spawn *s, int *exit_status, struct hull_error **err)
{
	sigset_t all, old;
	sigfillset(&all);
	static const int keep[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS, SIGURG };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(keep); i++)
		sigdelset(&all, keep[i]);
	struct fg f = { .s = s, .sigfd = -1, .master = s->pty_master, .stdin_open = true };
	if (s->opts->forward_signals) {
		sigprocmask(SIG_BLOCK, &all, &old);
		f.sigfd = signalfd(-1, &all, SFD_CLOEXEC);
	}
	struct termios saved;
	bool raw = f.master >= 0 && isatty(STDIN_FILENO) && terminal_raw(STDIN_FILENO, &saved, sizeof(saved)) == 0;
	if (f.master >= 0)
		copy_winsize(f.master);
	int r;
	while ((r = fg_round(&f)) == 0)
		;
	/* Drain what the process wrote just before it exited. */
	while (f.master >= 0) {
		struct pollfd p = { .fd = f.master, .events = POLLIN };
		if (poll(&p, 1, 0) <= 0 || pump(f.master, STDOUT_FILENO) < 0)
			break;
	}
	int wstatus = 0;
	while (waitpid(s->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	s->pid = -1;
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	if (f.sigfd >= 0) {
		close(f.sigfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	if (r < 0)
		return hull_error_set(err, errno, "wait for the container");
	*exit_status = exit_status_of(wstatus);
	return 0;
}

/* After SYNC_START the init either execs (the CLOEXEC socket closes: EOF)
 * or reports why it could not. */
static int wait_exec(struct spawn *s, struct hull_error **err)
{
	enum sync_type type;
	/* A failed send still leaves a queued SYNC_ERROR to read below. */
	sync_send(s->sync_fd, SYNC_START, NULL, -1);
	char text[1024];
	if (sync_recv(s->sync_fd, &type, text, sizeof(text), NULL) < 0)
		return hull_error_set(err, errno, "read from the container's init");
	if (type == SYNC_ERROR)
		return hull_error_msg(err, EINVAL, "%s", text);
	if (type != 0)
		return hull_error_msg(err, EPROTO, "container init: unexpected message %u", type);
	return 0;
}

int hull_runtime_run(struct hull_ctx *ctx, const char *id, const struct hull_runtime_opts *opts, int *exit_status,
		     struct hull_error **err)
{
	struct spawn s = { .sync_fd = -1, .pidfd = -1, .pty_master = -1 };
	_cleanup_(hull_oci_config_freep) struct hull_oci_config *cfg = NULL;
	*exit_status = 0;
	int r = create_common(ctx, id, opts, false, &s, &cfg, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = hull_runtime_state_dir(ctx, id);
	struct hull_error *hook_err = NULL;
	r = wait_exec(&s, err);
	if (r < 0) {
		spawn_kill(&s);
		hull_container_cgroup_remove(ctx, id, NULL);
		hull_rm_rf(dir, NULL);
		hull_error_wrap(err, r, "run container \"%s\"", id);
	} else {
		/* config.md#poststart: a failing hook is logged, the container goes on */
		if (hull_container_hooks_run(ctx, id, HULL_HOOK_POSTSTART, "running", s.pid, &hook_err) < 0) {
			hull_warn(ctx, "%s", hook_err->msg);
			hull_error_release(&hook_err);
		}
		if (!opts->detach)
			r = wait_foreground(&s, exit_status, err);
		/* --keep leaves the stopped container to `delete` */
		if (!opts->detach && !opts->keep) {
			hull_debug(ctx, "container %s: exited with status %d", id, *exit_status);
			/* runc run deletes the container once its process is gone: what
			 * is left in its cgroup goes too; then config.md#poststop */
			hull_container_cgroup_remove(ctx, id, NULL);
			if (hull_container_hooks_run(ctx, id, HULL_HOOK_POSTSTOP, "stopped", 0, &hook_err) < 0) {
				hull_warn(ctx, "%s", hook_err->msg);
				hull_error_release(&hook_err);
			}
			hull_rm_rf(dir, NULL);
		}
	}
	spawn_close(&s);
	return r;
}

/* A dead init that is still our unreaped child reads as stopped, with pid 0
 * (statedir.c): reap it by the pid and start time state.json recorded, or
 * its exit status is lost (a kill then wait got 0, not 137, whenever the
 * init died before the state was read). */
static void reap_stopped_child(struct hull_ctx *ctx, const char *id, int *exit_status)
{
	_cleanup_free_ char *dir = hull_runtime_state_dir(ctx, id);
	_cleanup_free_ char *path = hull_path_join(dir, "state.json");
	_cleanup_(hull_oci_state_freep) struct hull_oci_state *oci = hull_oci_state_load(path, NULL);
	unsigned long long start;
	char pstate;
	int wstatus;
	/* the start time rules out a pid reused by another child of ours */
	if (oci && oci->pid > 0 && proc_start_time(oci->pid, &start, &pstate) == 0 && start == oci->pid_start &&
	    waitpid(oci->pid, &wstatus, WNOHANG) == oci->pid)
		*exit_status = exit_status_of(wstatus);
}

int hull_runtime_wait(struct hull_ctx *ctx, const char *id, int *exit_status, struct hull_error **err)
{
	_cleanup_(hull_container_state_freep) struct hull_container_state *st = hull_runtime_state(ctx, id, err);
	if (!st)
		return -EINVAL;
	*exit_status = 0;
	if (st->status == HULL_STATUS_STOPPED) {
		reap_stopped_child(ctx, id, exit_status);
		return 0;
	}
	_cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, st->oci->pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? 0 : hull_error_set(err, errno, "pidfd_open %d", st->oci->pid);
	/* The pid might have been reused between the state read and here. */
	_cleanup_(hull_container_state_freep) struct hull_container_state *again = hull_runtime_state(ctx, id, NULL);
	if (!again || again->status == HULL_STATUS_STOPPED) {
		reap_stopped_child(ctx, id, exit_status);
		return 0;
	}
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "wait for container \"%s\"", id);
	int wstatus;
	if (waitpid(st->oci->pid, &wstatus, WNOHANG) > 0)
		*exit_status = exit_status_of(wstatus);
	return 0;
}
