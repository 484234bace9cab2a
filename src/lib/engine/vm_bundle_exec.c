/* vm_bundle_exec.c - `hull exec` and `hull ps` for a container of the
 * runtime's command line in a micro-VM (vm_bundle.c): an exec goes over a
 * vsock connection of its own to the agent's exec port; ps lists the host
 * processes that make the container (the shim and the VMM). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/engine_vm.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/runtime.h"
#include "engine_internal.h"

#define REPORT_MAX 4096

static int running_dir(struct hull_ctx *ctx, const char *id, char **dir, struct hull_error **err)
{
	_cleanup_(hull_container_state_freep) struct hull_container_state *st = hull_runtime_state(ctx, id, err);
	if (!st)
		return -ENOENT;
	if (st->status != HULL_STATUS_RUNNING)
		return hull_error_msg(err, EINVAL, "cannot exec in a container that is %s",
				      hull_status_name(st->status));
	*dir = hull_runtime_state_dir(ctx, id);
	return 0;
}

/* The pty of a terminal exec: its master to the console socket. */
static int console_slave(const char *path, struct hull_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return hull_error_msg(err, ENAMETOOLONG, "--console-socket `%s`: path too long", path);
	strcpy(sa.sun_path, path);
	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hull_error_set(err, errno, "connect to --console-socket `%s`", path);
	int master = -1, slave = -1;
	int r = engine_vm_open_pty(&master, &slave, err);
	if (r < 0)
		return r;
	r = engine_vm_send_pty(sock, master, err);
	close(master);
	if (r < 0) {
		close(slave);
		return r;
	}
	return slave;
}

static int exec_signals(bool terminal)
{
	sigset_t set;
	sigemptyset(&set);
	static const int relayed[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(relayed); i++)
		sigaddset(&set, relayed[i]);
	if (terminal)
		sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

struct detached {
	int report;
};

static int exec_started(void *data, struct hull_error **err)
{
	struct detached *d = data;
	if (d->report >= 0) {
		hull_write_all(d->report, "ok", 2);
		close(take_fd(d->report));
	}
	return 0;
}

/* One exec over its own connection; stdio are 0-2. */
static int exec_call(const char *dir, const char *id, json_t *process, bool terminal, struct detached *d, int *status,
		     struct hull_error **err)
{
	_cleanup_close_ int conn = engine_vm_vsock_connect(dir, HULL_AGENT_EXEC_PORT, err);
	if (conn < 0)
		return conn;
	/* a terminal of ours (a console socket's pty): SIGWINCH comes with it */
	if (terminal && d && (setsid() < 0 || ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0))
		return hull_error_set(err, errno, "make the pty the exec's terminal");
	_cleanup_close_ int sfd = exec_signals(terminal);
	struct hull_agent_call call = {.id = id,
				       .stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO},
				       .signal_fd = sfd,
				       .stop_fd = -1,
				       .terminal = terminal,
				       .process = process,
				       .started = d ? exec_started : NULL,
				       .hook_data = d};
	return hull_agent_call_run(conn, &call, status, err);
}

static int write_pid(const char *path, pid_t pid, struct hull_error **err)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
	return hull_write_file_atomic(path, buf, (size_t)n, 0644, false, err);
}

static int exec_detached(const char *dir, const char *id, json_t *process, const char *pid_file,
			 const char *console_socket, struct hull_error **err)
{
	bool terminal = json_is_true(json_object_get(process, "terminal"));
	_cleanup_close_ int slave = -1;
	if (terminal && (slave = console_slave(console_socket, err)) < 0)
		return slave;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return hull_error_set(err, errno, "pipe");
	pid_t child = fork();
	if (child < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return hull_error_set(err, errno, "fork");
	}
	if (child == 0) {
		close(pipefd[0]);
		if (slave >= 0)
			for (int i = 0; i < 3; i++)
				dup2(slave, i);
		struct detached d = {.report = pipefd[1]};
		struct hull_error *e = NULL;
		int status = 0;
		if (exec_call(dir, id, process, terminal, &d, &status, &e) < 0) {
			const char *msg = e ? e->msg : "exec failed";
			if (d.report >= 0)
				hull_write_all(d.report, msg, strlen(msg));
			else
				dprintf(STDERR_FILENO, "hull: exec: %s\n", msg);
			_exit(255);
		}
		_exit(status);
	}
	close(pipefd[1]);
	char buf[REPORT_MAX + 1];
	size_t len = 0;
	ssize_t n;
	while (len < REPORT_MAX &&
	       ((n = read(pipefd[0], buf + len, REPORT_MAX - len)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	close(pipefd[0]);
	buf[len] = '\0';
	if (strcmp(buf, "ok")) {
		waitpid(child, NULL, 0);
		return hull_error_msg(err, EIO, "%s", len ? buf : "exec: the relay died");
	}
	return pid_file ? write_pid(pid_file, child, err) : 0;
}

int hull_engine_vm_bundle_exec(struct hull_ctx *ctx, const char *id, json_t *process, bool detach, const char *pid_file,
			       const char *console_socket, int *status, struct hull_error **err)
{
	*status = 0;
	_cleanup_free_ char *dir = NULL;
	if (running_dir(ctx, id, &dir, err) < 0)
		return -EINVAL;
	bool terminal = json_is_true(json_object_get(process, "terminal"));
	if (detach)
		return exec_detached(dir, id, process, pid_file, console_socket, err);
	if (console_socket)
		return hull_error_msg(err, ENOTSUP, "exec: --console-socket into a VM needs --detach");
	if (terminal && !isatty(STDIN_FILENO))
		return hull_error_msg(err, ENOTTY, "exec: a terminal process needs a terminal as stdin");
	int r = pid_file ? write_pid(pid_file, getpid(), err) : 0;
	if (r < 0)
		return r;
	return exec_call(dir, id, process, terminal, NULL, status, err);
}

/* pid and its descendants, from /proc/PID/task/TID/children. */
static void add_tree(pid_t pid, pid_t **pids, size_t *n, int depth)
{
	*pids = hull_xrealloc(*pids, (*n + 1) * sizeof(pid_t));
	(*pids)[(*n)++] = pid;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	_cleanup_closedir_ DIR *d = opendir(path);
	for (struct dirent *de; d && depth < 8 && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *file = hull_strdup_printf("%s/%s/children", path, de->d_name);
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		if (hull_read_file(file, &text, &len, NULL) < 0 || !text)
			continue;
		for (char *p = text, *end; *p; p = end) {
			long child = strtol(p, &end, 10);
			if (end == p)
				break;
			if (child > 0)
				add_tree((pid_t)child, pids, n, depth + 1);
		}
	}
}

int hull_engine_vm_bundle_pids(struct hull_ctx *ctx, const char *id, pid_t **pids, size_t *n, struct hull_error **err)
{
	*pids = NULL;
	*n = 0;
	_cleanup_(hull_container_state_freep) struct hull_container_state *st = hull_runtime_state(ctx, id, err);
	if (!st)
		return -ENOENT;
	if (st->oci->pid > 0)
		add_tree(st->oci->pid, pids, n, 0);
	return 0;
}
