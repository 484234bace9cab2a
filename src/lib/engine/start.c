/* start.c - start a container: fork its monitor and wait for its word. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "engine_internal.h"

/* Close every descriptor from 3 up but ready, the attach fds and the log's. */
static void close_others(const struct hull_ctx *ctx, const struct hull_attach *attach, int ready)
{
	int keep[] = { ready, attach->fds[0], attach->fds[1], attach->fds[2], ctx->log.fd };
	unsigned from = 3;
	for (;;) {
		unsigned next = ~0U; /* the lowest kept fd at or above from */
		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (keep[i] >= (int)from && (unsigned)keep[i] < next)
				next = (unsigned)keep[i];
		if (next > from)
			close_range(from, next == ~0U ? ~0U : next - 1, 0);
		if (next == ~0U)
			return;
		from = next + 1;
	}
}

/* The monitor of a detached container must not stay our child (a caller
 * that lives on would collect a zombie): fork twice, the middle one exits
 * at once and the monitor is adopted by init. */
static pid_t spawn_monitor(struct hull_ctx *ctx, const char *id, const struct hull_attach *attach, int ready,
			   int lock)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	close(lock); /* the monitor takes locks of its own when it needs them */
	if (attach->close_fds)
		close_others(ctx, attach, ready);
	if (!attach->attach) {
		setsid();
		pid_t grandchild = fork();
		if (grandchild != 0)
			_exit(grandchild < 0 ? 1 : 0);
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		for (int fd = 0; fd < 3 && devnull >= 0; fd++)
			dup2(devnull, fd);
	}
	hull_engine_monitor_main(ctx, id, attach, ready);
}

/* One line from fd, byte by byte: the rest of the pipe is not ours yet. */
static ssize_t read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, 1);
		if (r < 0)
			return -errno;
		if (r == 0 || buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

int hull_engine_exit_code(int exit_fd, int *code)
{
	char line[64];
	ssize_t n = read_line(exit_fd, line, sizeof(line));
	if (n == -EINTR)
		return -EINTR;
	close(exit_fd);
	if (n > 0 && !strcmp(line, "DETACHED"))
		return -ECONNABORTED;
	if (n <= 0 || strncmp(line, "EXIT ", 5))
		return -EPIPE;
	*code = atoi(line + 5);
	return 0;
}

int hull_engine_start(struct hull_ctx *ctx, struct hull_container *c, const struct hull_attach *attach,
		      pid_t *monitor, int *exit_fd, struct hull_error **err)
{
	*monitor = 0;
	*exit_fd = -1;
	_cleanup_close_ int lock = hull_container_lock(c, err);
	if (lock < 0)
		return lock;
	struct hull_error *ignored = NULL;
	struct hull_container *fresh = hull_container_load(ctx, c->id, &ignored);
	hull_error_free(ignored);
	if (fresh) {
		c->state = fresh->state;
		hull_container_free(fresh);
	}
	if (c->state.status == HULL_ENGINE_PAUSED)
		return hull_error_msg(err, EALREADY, "cannot start a paused container, try unpause instead");
	if (c->state.status == HULL_ENGINE_RUNNING)
		return hull_error_msg(err, EALREADY, "container %s is already running", c->name);
	if (c->state.status == HULL_ENGINE_RESTARTING)
		return hull_error_msg(err, EALREADY, "container %s is restarting (its monitor runs it again after a "
						     "back-off): stop it first",
				      c->name);
	/* a new start: the user's last stop no longer holds, the count starts over (docker's ResetRestartManager) */
	engine_stop_request_clear(c);
	if (json_integer_value(json_object_get(c->record, "RestartCount")) != 0) {
		json_object_set_new(c->record, "RestartCount", json_integer(0));
		int r = hull_container_save(c, err);
		if (r < 0)
			return r;
	}
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return hull_error_set(err, errno, "start %s: pipe", c->name);
	pid_t pid = spawn_monitor(ctx, c->id, attach, ready[1], lock);
	close(ready[1]);
	if (pid < 0) {
		close(ready[0]);
		return hull_error_set(err, errno, "start %s: fork the monitor", c->name);
	}
	char word[4096];
	ssize_t got;
	while ((got = read_line(ready[0], word, sizeof(word))) == -EINTR)
		;
	if (got <= 0)
		word[0] = '\0';
	bool ok = !strcmp(word, "OK");
	if (!ok || !attach->attach)
		close(ready[0]);
	if (!attach->attach) /* reap the middle process */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	if (!ok) {
		if (attach->attach)
			waitpid(pid, NULL, 0);
		int code = EIO;
		char *msg = NULL;
		if (!strncmp(word, "ERR ", 4)) {
			code = (int)strtol(word + 4, &msg, 10);
			msg += *msg == ' ';
		}
		return hull_error_msg(err, code > 0 ? code : EIO, "start %s: %s", c->name,
				      msg ? msg : "the monitor died while starting it");
	}
	*monitor = attach->attach ? pid : 0;
	*exit_fd = attach->attach ? ready[0] : -1;
	return 0;
}
