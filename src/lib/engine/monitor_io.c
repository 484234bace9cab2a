/* monitor_io.c - the monitor's loop: container output to the json-file
 * log (and to the attached terminal), our stdin to the container, window
 * size changes, and reaping (the monitor is a child subreaper, so
 * daemonised processes of the container come back to it too). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hull/attach.h"
#include "hull/fs.h"
#include "hull/logs.h"
#include "monitor_internal.h"

static void copy_winsize(struct monitor_io *io)
{
	struct winsize ws;
	if (io->master >= 0 && io->attach && io->attach->attach && ioctl(io->attach->fds[0], TIOCGWINSZ, &ws) == 0)
		ioctl(io->master, TIOCSWINSZ, &ws);
}

/* Container output: log it, show it. Returns false at EOF. */
static bool pump_out(struct monitor_io *io, int *fd, enum hull_log_stream stream, bool *show)
{
	char buf[16384];
	ssize_t n = read(*fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return false;
	}
	if (io->log)
		hull_logfile_write(io->log, stream, buf, (size_t)n, NULL);
	monitor_attach_send(io->hub, stream, buf, (size_t)n);
	if (*show) {
		int to = io->attach->fds[stream == HULL_STREAM_STDERR ? 2 : 1];
		if (hull_write_all(to, buf, (size_t)n) < 0)
			*show = false; /* the terminal went away; keep logging */
	}
	return true;
}

/* The detach keys were typed on the attached terminal: tell the CLI,
 * which returns at once, and let go of its terminal (our stdio, its
 * session); the container runs on, its output to the log only. */
static void detach(struct monitor_io *io, bool *open_in, bool *show)
{
	io->detached = true;
	*open_in = false;
	*show = false;
	if (io->notify_fd >= 0)
		hull_write_all(io->notify_fd, "DETACHED\n", 9);
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && devnull >= 0; i++)
		dup2(devnull, io->attach->fds[i]);
	if (devnull >= 0)
		close(devnull);
	setsid();
}

/* Our stdin to the container; at EOF close its stdin (pipes) as docker
 * does with -i, so `echo x | hull run -i IMG cat` ends. On a pty, the
 * detach keys are taken out (docker's ctrl-p ctrl-q). */
static void pump_in(struct monitor_io *io, bool *open_in, bool *show)
{
	char buf[16384], kept[16384 + HULL_DETACH_KEYS_MAX];
	ssize_t n = read(io->attach->fds[0], buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	int to = io->master >= 0 ? io->master : io->in;
	const char *data = buf;
	size_t len = n > 0 ? (size_t)n : 0;
	if (n > 0 && io->master >= 0 && io->attach->detach_len) {
		bool typed = engine_detach_scan(io->attach->detach_keys, io->attach->detach_len, &io->detach_matched,
						buf, (size_t)n, kept, &len);
		data = kept;
		if (typed) {
			if (len)
				hull_write_all(to, data, len);
			detach(io, open_in, show);
			return;
		}
	}
	if (n <= 0 || to < 0 || (len && hull_write_all(to, data, len) < 0)) {
		*open_in = false;
		if (io->in >= 0) {
			close(io->in);
			io->in = -1;
		}
	}
}

static int reap(struct monitor_io *io, bool *exited)
{
	int status = 0, code = -1;
	pid_t p;
	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		if (p != io->init)
			continue;
		*exited = true;
		code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	}
	return code;
}

int monitor_io_loop(struct monitor_io *io)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGWINCH);
	/* blocked only now: the container's init must not inherit a blocked
	 * mask; an exit before this point is caught by the first reap below */
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	bool show = io->attach && io->attach->attach;
	bool open_in = io->attach && io->attach->stdin_open && io->attach->attach;
	bool exited = false;
	int code = 255, drain_rounds = 0;
	int *pty = &io->master;
	copy_winsize(io);
	int first = reap(io, &exited);
	if (first >= 0)
		code = first;
	for (;;) {
		struct pollfd p[5 + MONITOR_ATTACH_POLLFDS] = {
			{ .fd = sigfd, .events = POLLIN },
			{ .fd = *pty, .events = POLLIN },
			{ .fd = io->out, .events = POLLIN },
			{ .fd = io->errfd, .events = POLLIN },
			{ .fd = open_in ? io->attach->fds[0] : -1, .events = POLLIN },
		};
		nfds_t nfds = 5 + monitor_attach_pollfds(io->hub, p + 5);
		bool outputs_open = *pty >= 0 || io->out >= 0 || io->errfd >= 0;
		if (exited && (!outputs_open || drain_rounds > 50))
			break;
		/* after the init exits, what is left of the output is drained
		 * with short waits: a process that escaped the container's
		 * lifetime (it cannot: the pid namespace dies) holds no pipe */
		int n = poll(p, nfds, exited ? 20 : -1);
		if (n < 0 && errno != EINTR)
			break;
		if (exited && n == 0)
			drain_rounds += 10;
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			while (read(sigfd, &si, sizeof(si)) == sizeof(si))
				if (si.ssi_signo == SIGWINCH)
					copy_winsize(io);
			int c = reap(io, &exited);
			if (c >= 0)
				code = c;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
			pump_out(io, pty, HULL_STREAM_STDOUT, &show);
		if (p[2].revents & (POLLIN | POLLHUP | POLLERR))
			pump_out(io, &io->out, HULL_STREAM_STDOUT, &show);
		if (p[3].revents & (POLLIN | POLLHUP | POLLERR))
			pump_out(io, &io->errfd, HULL_STREAM_STDERR, &show);
		if (p[4].revents & (POLLIN | POLLHUP | POLLERR))
			pump_in(io, &open_in, &show);
		if (n > 0 && nfds > 5)
			monitor_attach_handle(io->hub, p + 5, io->in, *pty);
		if (exited)
			drain_rounds++;
	}
	if (!exited) {
		/* output closed first: wait for the init itself */
		int status;
		while (waitpid(io->init, &status, 0) < 0 && errno == EINTR)
			;
		code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	}
	if (sigfd >= 0)
		close(sigfd);
	monitor_attach_end(io->hub, code);
	/* a restart's next process must not inherit the blocked mask */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return code;
}

void monitor_io_close(struct monitor_io *io)
{
	int *fds[] = { &io->master, &io->out, &io->errfd, &io->in };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}
