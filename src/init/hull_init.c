/* hull_init.c - the init `hull run --init` puts at PID 1 of a container
 * (what tini is for `docker run --init`, catatonit for podman).
 *
 * A container's first process is PID 1 of its pid namespace, and PID 1 is
 * special: the kernel delivers it no signal it has not installed a handler
 * for (so `sleep` ignores the SIGTERM of `hull stop` and waits for the
 * SIGKILL), and every orphan of the namespace is re-parented to it (so a
 * program that never calls wait() leaves zombies). hull-init runs the
 * command as its child, forwards the signals it gets to it, reaps every
 * child, and exits with the command's status: its exit code, or 128 + the
 * signal that killed it, as a shell reports it.
 *
 * It is linked statically and needs nothing from the image: it is
 * bind-mounted read-only at /run/hull-init in images without a libc too.
 *
 * Usage: hull-init [--] COMMAND [ARG...]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Signals that say something about this process itself (a fault), or that
 * it cannot catch: never forwarded, never blocked. */
static const int own_signals[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGABRT, SIGTRAP, SIGSYS, SIGKILL, SIGSTOP };

static void fail(const char *what, const char *arg)
{
	fprintf(stderr, "hull-init: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
}

/* The child: its own process group (so that a terminal's job control
 * signals go to it and not to us, as tini does), the foreground one of
 * the terminal when there is one, the signal mask of before, then exec. */
static void run_child(char **argv, const sigset_t *old_mask)
{
	setpgid(0, 0);
	if (isatty(STDIN_FILENO)) {
		/* tcsetpgrp from a background group would stop us with SIGTTOU */
		signal(SIGTTOU, SIG_IGN);
		tcsetpgrp(STDIN_FILENO, getpgrp());
		signal(SIGTTOU, SIG_DFL);
	}
	sigprocmask(SIG_SETMASK, old_mask, NULL);
	execvp(argv[0], argv);
	int saved = errno;
	fail("exec", argv[0]);
	/* the shell's codes: 127 not found, 126 found but not runnable */
	_exit(saved == ENOENT || saved == ENOTDIR ? 127 : 126);
}

/* Reap every child that has exited; true when `child` was one of them,
 * its status in *status. */
static int reap(pid_t child, int *status)
{
	int found = 0, st;
	pid_t p;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0)
		if (p == child) {
			*status = st;
			found = 1;
		}
	return found;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int main(int argc, char **argv)
{
	int first = 1;
	if (first < argc && !strcmp(argv[first], "--"))
		first++;
	if (first >= argc) {
		fprintf(stderr, "usage: hull-init [--] COMMAND [ARG...]\n");
		return 2;
	}
	/* not PID 1 (--pid host): orphans of the command still come to us */
	if (getpid() != 1)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	sigset_t all, old_mask;
	sigfillset(&all);
	for (size_t i = 0; i < sizeof(own_signals) / sizeof(own_signals[0]); i++)
		sigdelset(&all, own_signals[i]);
	/* blocked before the fork: a signal that comes between the fork and
	 * the wait loop waits for the loop instead of being lost */
	sigprocmask(SIG_SETMASK, &all, &old_mask);
	pid_t child = fork();
	if (child < 0) {
		fail("fork", NULL);
		return 1;
	}
	if (child == 0)
		run_child(argv + first, &old_mask);
	for (;;) {
		/* a timeout, so that a child that exits while SIGCHLD is
		 * coalesced with another is still noticed */
		struct timespec tick = { .tv_sec = 1 };
		siginfo_t si;
		int sig = sigtimedwait(&all, &si, &tick);
		if (sig > 0 && sig != SIGCHLD) {
			/* the child's process group is its own: keyboard
			 * signals (a tty with -t) reach it directly; these come
			 * from `hull stop`/`kill` through the runtime */
			if (kill(child, sig) < 0 && errno != ESRCH)
				fail("forward a signal to", argv[first]);
			continue;
		}
		if (sig < 0 && errno != EAGAIN && errno != EINTR) {
			fail("sigtimedwait", NULL);
			return 1;
		}
		int status = 0;
		if (reap(child, &status)) {
			/* the rest of the namespace dies with us (we are its
			 * PID 1); reap what has exited already, politely */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			return exit_code(status);
		}
	}
}
