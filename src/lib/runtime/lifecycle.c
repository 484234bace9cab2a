/* lifecycle.c - create, start, kill, delete (runtime.md#operations) on the
 * state directory <root>/<id>/. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"
#include "runtime_internal.h"

static char *absolute_bundle(const char *bundle, struct hull_error **err)
{
	char buf[PATH_MAX];
	if (!realpath(bundle ? bundle : ".", buf)) {
		hull_error_set(err, errno, "bundle `%s`", bundle ? bundle : ".");
		return NULL;
	}
	return hull_xstrdup(buf);
}

/* Load and check everything before anything is made on disk. */
static struct hull_oci_config *load_config(const char *bundle, const struct hull_runtime_opts *opts,
					   bool attached, struct hull_error **err)
{
	struct hull_oci_config *cfg = hull_oci_config_load(bundle, err);
	if (!cfg)
		return NULL;
	if (!cfg->process) {
		hull_error_msg(err, EINVAL, "config.json: process: required to create a container");
		hull_oci_config_free(cfg);
		return NULL;
	}
	if (cfg->process->terminal && !opts->console_socket && !attached) {
		hull_error_msg(err, EINVAL,
			       "config.json: process.terminal: a detached container with a terminal needs "
			       "--console-socket (or set terminal to false)");
		hull_oci_config_free(cfg);
		return NULL;
	}
	if (lsm_check(cfg->process, cfg->mount_label, "config.json", err) < 0) {
		hull_oci_config_free(cfg);
		return NULL;
	}
	if (!cfg->process->terminal && opts->console_socket) {
		hull_error_msg(err, EINVAL, "--console-socket given but config.json has process.terminal false");
		hull_oci_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* mkdir is the arbiter between concurrent creates of one id. */
static int make_state_dir(struct hull_ctx *ctx, const char *id, struct hull_error **err)
{
	if (hull_mkdir_p(ctx->runtime_root, 0700, err) < 0)
		return -EINVAL;
	_cleanup_free_ char *dir = hull_runtime_state_dir(ctx, id);
	if (mkdir(dir, 0711) < 0) {
		if (errno == EEXIST)
			return hull_error_msg(err, EEXIST, "container \"%s\" already exists", id);
		return hull_error_set(err, errno, "mkdir `%s`", dir);
	}
	return state_lock(ctx, id, err);
}

static int write_pid_file(const char *path, pid_t pid, struct hull_error **err)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", pid);
	return hull_write_file_atomic(path, buf, (size_t)n, 0644, false, err);
}

/* state.json and the saved hooks, written while the init finishes its
 * setup (spawn.after_placed): both are files on the state root's disk. A
 * failure later removes the whole state directory. */
static int save_state(struct spawn *s, struct hull_error **err)
{
	if (state_write(s->ctx, s->id, s->bundle, s->cfg, s->pid, err) < 0)
		return -EINVAL;
	return hull_container_hooks_save(s->ctx, s->id, s->cfg, s->bundle, err);
}

/* create and run share this: state dir, spawn, state.json, pid file. On
 * failure everything made is undone. `fifo`: leave the init waiting on
 * exec.fifo (create) instead of on the sync socket (run). */
int create_common(struct hull_ctx *ctx, const char *id, const struct hull_runtime_opts *opts, bool fifo,
			 struct spawn *s, struct hull_oci_config **cfg_out, struct hull_error **err)
{
	if (hull_runtime_validate_id(id, err) < 0)
		return -EINVAL;
	_cleanup_free_ char *bundle = absolute_bundle(opts->bundle, err);
	if (!bundle)
		return -EINVAL;
	bool attached = !fifo && !opts->detach;
	_cleanup_(hull_oci_config_freep) struct hull_oci_config *cfg = load_config(bundle, opts, attached, err);
	if (!cfg)
		return -EINVAL;
	/* the placement's grace period runs while the state directory is made
	 * and the init cloned; after the config checks, so that bad input is
	 * still reported at once, and before any fd of the container opens */
	_cleanup_(cgroup_prewarm_reap) pid_t prewarm = cgroup_prewarm_start();
	_cleanup_close_ int console = -1;
	if (opts->console_socket && (console = terminal_connect(opts->console_socket, err)) < 0)
		return -EINVAL;
	_cleanup_close_ int lock = make_state_dir(ctx, id, err);
	if (lock < 0)
		return lock;
	_cleanup_free_ char *dir = hull_runtime_state_dir(ctx, id);
	_cleanup_close_ int fifo_fd = -1;
	*s = (struct spawn){ .ctx = ctx, .cfg = cfg, .opts = opts, .id = id, .console_fd = console,
			     .fifo_fd = -1, .lock_fd = lock, .sync_fd = -1, .pidfd = -1, .pty_master = -1,
			     .bundle = bundle, .pty_to_parent = attached && cfg->process->terminal && console < 0,
			     .after_placed = save_state };
	int r = 0;
	if (fifo) {
		_cleanup_free_ char *fifo_path = hull_path_join(dir, "exec.fifo");
		/* 0622 whatever the umask: the init reopens it for writing after
		 * it became process.user (runc makes it the same way). */
		if (mkfifo(fifo_path, 0622) < 0 || chmod(fifo_path, 0622) < 0)
			r = hull_error_set(err, errno, "mkfifo `%s`", fifo_path);
		else if ((fifo_fd = open(fifo_path, O_PATH | O_CLOEXEC)) < 0)
			r = hull_error_set(err, errno, "open `%s`", fifo_path);
		s->fifo_fd = fifo_fd;
	}
	if (r == 0 && opts->launch) {
		struct hull_runtime_launch what = {
			.id = id, .state_dir = dir, .bundle = bundle, .cfg = cfg, .console_fd = console
		};
		r = opts->launch(opts->launch_data, &what, &s->pid, err);
		if (r == 0)
			r = save_state(s, err);
	} else if (r == 0) {
		r = spawn_container(s, err);
	}
	if (r == 0)
		hull_debug(ctx, "container %s: init pid %d, clone flags %#lx%s", id, s->pid, s->clone_flags,
			   s->unshare_in_child ? " (joins namespaces, unshares the rest)" : "");
	/* the pid file last: it lies outside the state directory, and nothing
	 * may be left behind when the init fails before it is ready */
	if (r == 0 && opts->pid_file)
		r = write_pid_file(opts->pid_file, s->pid, err);
	if (r < 0) {
		spawn_kill(s);
		spawn_close(s);
		hull_container_cgroup_remove(ctx, id, NULL);
		hull_rm_rf(dir, NULL);
		return hull_error_wrap(err, r, "create container \"%s\"", id);
	}
	*cfg_out = steal_ptr(cfg);
	return 0;
}

int hull_runtime_create(struct hull_ctx *ctx, const char *id, const struct hull_runtime_opts *opts,
			struct hull_error **err)
{
	struct spawn s = { .sync_fd = -1, .pidfd = -1, .pty_master = -1 };
	_cleanup_(hull_oci_config_freep) struct hull_oci_config *cfg = NULL;
	int r = create_common(ctx, id, opts, true, &s, &cfg, err);
	spawn_close(&s);
	return r;
}

static bool alive(pid_t pid, unsigned long long start)
{
	unsigned long long now;
	char st;
	return proc_start_time(pid, &now, &st) == 0 && now == start && st != 'Z' && st != 'X';
}

/* The init keeps its write end of exec.fifo open (O_CLOEXEC) from its byte
 * to its execve, startContainer hooks included: the hangup means the
 * user's program is executed, or that the init died. */
static int wait_exec(int fd, const struct hull_oci_state *st, struct hull_error **err)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 50);
		if (n < 0 && errno != EINTR)
			return hull_error_set(err, errno, "wait for the container's process to be executed");
		if (n > 0 && (p.revents & (POLLHUP | POLLERR)))
			return 0;
		if (n > 0 && (p.revents & POLLIN)) {
			char c;
			if (read(fd, &c, 1) == 0)
				return 0;
		}
		if (!alive(st->pid, st->pid_start))
			return 0;
	}
}

/* Open the fifo's read end without blocking, then wait for the init's byte,
 * noticing if it dies meanwhile (a blocking open would hang forever), then
 * for its execve. */
static int release_fifo(const char *path, const struct hull_oci_state *st, struct hull_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", path);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 50);
		if (n > 0 && (p.revents & POLLIN)) {
			char c;
			if (read(fd, &c, 1) == 1)
				break;
		}
		if (n < 0 && errno != EINTR)
			return hull_error_set(err, errno, "wait on `%s`", path);
		if (!alive(st->pid, st->pid_start))
			return hull_error_msg(err, ESRCH, "the container's init exited before start");
	}
	unlink(path);
	return wait_exec(fd, st, err);
}

int hull_runtime_start(struct hull_ctx *ctx, const char *id, struct hull_error **err)
{
	if (hull_runtime_validate_id(id, err) < 0)
		return -EINVAL;
	_cleanup_close_ int lock = state_lock(ctx, id, err);
	if (lock < 0)
		return lock;
	_cleanup_(hull_container_state_freep) struct hull_container_state *st = hull_runtime_state(ctx, id, err);
	if (!st)
		return -EINVAL;
	switch (st->status) {
	case HULL_STATUS_CREATED:
		break;
	case HULL_STATUS_STOPPED:
		return hull_error_msg(err, EINVAL, "cannot start a container that has stopped");
	case HULL_STATUS_RUNNING:
		return hull_error_msg(err, EINVAL, "cannot start an already running container");
	default:
		return hull_error_msg(err, EINVAL, "cannot start a container in the %s state",
				      hull_status_name(st->status));
	}
	_cleanup_free_ char *fifo = state_path(ctx, id, "exec.fifo");
	int r = release_fifo(fifo, st->oci, err);
	if (r < 0)
		return r;
	/* config.md#poststart: after the user's program is executed (the
	 * fifo's hangup above); a failing hook is logged, the others still
	 * run, and the container goes on */
	struct hull_error *hook_err = NULL;
	if (hull_container_hooks_run(ctx, id, HULL_HOOK_POSTSTART, "running", st->oci->pid, &hook_err) < 0) {
		hull_warn(ctx, "%s", hook_err->msg);
		hull_error_free(hook_err);
	}
	return 0;
}
