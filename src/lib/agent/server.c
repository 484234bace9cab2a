/* server.c - the agent's side of the protocol (docs/vm-agent.md): one
 * container per connection, run with hull's own runtime library, its
 * stdio relayed as frames, its exit status reported on "wait".
 *
 * Everything the host sends is checked as input: the id by runc's rule,
 * file names as single path components, sizes capped. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/exec.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/runtime.h"

/* After the process has exited, output still buffered in a pipe is read;
 * a descendant that keeps the pipe open does not hold the exit back longer. */
#define DRAIN_MS 300

struct agent {
	struct hull_ctx *ctx;
	const struct hull_agent_server_opts *opts;
	int conn;
	char *id;
	char *bundle;
	bool exec_session; /* a connection of exec_listen: its process is an exec */
	bool created, started, exited, wait_requested, exit_sent;
	pid_t pid;
	int pidfd;
	int status;			   /* as a shell reports it */
	int in;				   /* to the process: its stdin pipe, or the pty master */
	int out, errfd;			   /* from the process: pipes, or the master as out */
	int master;			   /* pty master with process.terminal, else -1 */
	pid_t execs[HULL_AGENT_EXEC_MAX];  /* children serving exec connections (main connection) */
	int exec_fds[HULL_AGENT_EXEC_MAX]; /* their pidfds, -1 for a free slot */
};

static int send_simple(struct agent *a, const char *type, const char *message, struct hull_error **err)
{
	_cleanup_json_ json_t *m =
	    message ? json_pack("{s:s,s:s}", "type", type, "message", message) : json_pack("{s:s}", "type", type);
	return hull_agent_send(a->conn, m, err);
}

/* A file name the host may put in files/: one path component. */
static bool plain_name(const char *name)
{
	if (!*name || !strcmp(name, ".") || !strcmp(name, "..") || strlen(name) > 255)
		return false;
	for (const char *p = name; *p; p++)
		if (!(*p == '.' || *p == '-' || *p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z')))
			return false;
	return true;
}

static int write_files(struct agent *a, json_t *files, struct hull_error **err)
{
	_cleanup_free_ char *dir = hull_path_join(a->bundle, "files");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return hull_error_set(err, errno, "mkdir `%s`", dir);
	if (!files)
		return 0;
	if (!json_is_object(files))
		return hull_error_msg(err, EINVAL, "create: files: must be an object of name: content");
	const char *name;
	json_t *v;
	json_object_foreach(files, name, v)
	{
		if (!plain_name(name))
			return hull_error_msg(err, EINVAL,
					      "create: files: `%s` is not a plain file name ([A-Za-z0-9._-])", name);
		if (!json_is_string(v) || json_string_length(v) > HULL_AGENT_FILE_MAX)
			return hull_error_msg(err, EINVAL, "create: files: `%s` must be a string of at most %u bytes",
					      name, HULL_AGENT_FILE_MAX);
		_cleanup_free_ char *p = hull_path_join(dir, name);
		int r = hull_write_file_atomic(p, json_string_value(v), json_string_length(v), 0644, false, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The pty master the runtime sent over the console socket (SCM_RIGHTS). */
static int receive_master(int listen_fd, int *master, struct hull_error **err)
{
	_cleanup_close_ int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return hull_error_set(err, errno, "accept on the console socket");
	char data[64];
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = {.iov_base = data, .iov_len = sizeof(data)};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		return hull_error_set(err, errno, "receive the pty master");
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return hull_error_msg(err, EPROTO, "the runtime sent no pty master");
	memcpy(master, CMSG_DATA(cm), sizeof(int));
	return 0;
}

static int console_listen(const char *path, struct hull_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return hull_error_msg(err, ENAMETOOLONG, "console socket path `%s` is too long", path);
	strcpy(sa.sun_path, path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return hull_error_set(err, e, "console socket `%s`", path);
	}
	return fd;
}

/* A new network namespace starts with lo down; bring it up, as the engine
 * does for --network none. In a child: setns would move the agent itself. */
static void loopback_up(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	pid_t child = fork();
	if (child == 0) {
		int ns = open(path, O_RDONLY | O_CLOEXEC);
		int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		struct ifreq ifr = {0};
		strcpy(ifr.ifr_name, "lo");
		if (ns < 0 || setns(ns, CLONE_NEWNET) < 0 || s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
			_exit(1);
		ifr.ifr_flags |= IFF_UP;
		_exit(ioctl(s, SIOCSIFFLAGS, &ifr) < 0);
	}
	if (child > 0)
		waitpid(child, NULL, 0);
}

static int read_pid(const char *bundle)
{
	_cleanup_free_ char *p = hull_path_join(bundle, "init.pid");
	_cleanup_free_ char *buf = NULL;
	return hull_read_file(p, &buf, NULL, NULL) == 0 ? atoi(buf) : 0;
}

static int create_container(struct agent *a, json_t *msg, struct hull_error **err)
{
	json_t *config = json_object_get(msg, "config");
	const char *id = json_string_value(json_object_get(msg, "id"));
	if (a->created)
		return hull_error_msg(err, EEXIST, "create: this connection has its container already");
	if (!id || hull_runtime_validate_id(id, err) < 0)
		return hull_error_msg(err, EINVAL, "create: id: must be a container id ([A-Za-z0-9_+.-]+)");
	if (!json_is_object(config) || !json_is_object(json_object_get(config, "process")))
		return hull_error_msg(err, EINVAL, "create: config: must be an OCI config object with a process");
	int r = hull_mkdir_p(a->opts->state_dir, 0700, err);
	if (r < 0)
		return r;
	a->bundle = hull_path_join(a->opts->state_dir, "bundle");
	if ((r = hull_rm_rf(a->bundle, err)) < 0 || (r = hull_mkdir_p(a->bundle, 0700, err)) < 0)
		return r;
	r = write_files(a, json_object_get(msg, "files"), err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *cfg = json_deep_copy(config);
	/* "network": checked now, applied once the container's namespace exists */
	json_t *network = json_object_get(msg, "network");
	struct hull_agent_netconf nc;
	if (network && (r = hull_agent_netconf_parse(network, &nc, err)) < 0)
		return r;
	if (network && !a->opts->guest_network)
		return hull_error_msg(
		    err, ENOTSUP,
		    "create: network: this agent is not a VM's (it would configure the host's interfaces)");
	json_t *root = json_object_get(cfg, "root");
	if (!json_is_object(root))
		json_object_set_new(cfg, "root", root = json_object());
	json_object_set_new(root, "path", json_string(a->opts->rootfs));
	_cleanup_free_ char *cfg_path = hull_path_join(a->bundle, "config.json");
	if ((r = hull_json_dump_file(cfg, cfg_path, 0600, err)) < 0)
		return r;

	bool terminal = json_is_true(json_object_get(json_object_get(cfg, "process"), "terminal"));
	struct hull_runtime_opts ro = HULL_RUNTIME_OPTS_INIT;
	_cleanup_free_ char *pid_file = hull_path_join(a->bundle, "init.pid");
	_cleanup_free_ char *console = hull_path_join(a->bundle, "console.sock");
	ro.bundle = a->bundle;
	ro.pid_file = pid_file;
	ro.no_pivot = a->opts->no_pivot;
	_cleanup_close_ int listen_fd = -1;
	int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
	if (terminal) {
		if ((listen_fd = console_listen(console, err)) < 0)
			return listen_fd;
		ro.console_socket = console;
	} else {
		for (int i = 0; i < 3; i++)
			if (pipe2(pipes[i], O_CLOEXEC) < 0)
				return hull_error_set(err, errno, "pipe for the container's stdio");
		ro.stdio[0] = pipes[0][0];
		ro.stdio[1] = pipes[1][1];
		ro.stdio[2] = pipes[2][1];
	}
	r = hull_runtime_create(a->ctx, id, &ro, err);
	if (!terminal) {
		close(pipes[0][0]);
		close(pipes[1][1]);
		close(pipes[2][1]);
		a->in = pipes[0][1];
		a->out = pipes[1][0];
		a->errfd = pipes[2][0];
	}
	if (r < 0)
		return r;
	a->id = hull_xstrdup(id);
	a->created = true;
	if (terminal) {
		if ((r = receive_master(listen_fd, &a->master, err)) < 0)
			return r;
		a->in = dup(a->master);
		a->out = a->master;
	}
	a->pid = read_pid(a->bundle);
	a->pidfd = a->pid > 0 ? (int)syscall(SYS_pidfd_open, a->pid, 0) : -1;
	if (a->pidfd < 0)
		return hull_error_set(err, errno, "create: watch the container's process (pid %d)", (int)a->pid);
	/* the guest's NIC goes into the container's network namespace, as the
	 * engine moves a veth end into a plain container's */
	if (network && (r = hull_agent_netconf_apply(&nc, a->pid, err)) < 0)
		return hull_error_wrap(err, r, "create");
	loopback_up(a->pid);
	return 0;
}

static int start_container(struct agent *a, struct hull_error **err)
{
	if (!a->created || a->started)
		return hull_error_msg(err, EINVAL,
				      a->started ? "start: already started" : "start: nothing was created");
	int r = hull_runtime_start(a->ctx, a->id, err);
	if (r < 0)
		return r;
	a->started = true;
	return 0;
}

/* exec: the process runs in the container's namespaces by the runtime's
 * exec path, its stdio on pipes (or a pty) of ours, its status ours to wait. */
static int exec_process(struct agent *a, json_t *msg, struct hull_error **err)
{
	if (!a->exec_session)
		return hull_error_msg(err, EINVAL,
				      "exec: only on a connection of its own (vsock port %u), not the container's",
				      HULL_AGENT_EXEC_PORT);
	if (a->created)
		return hull_error_msg(err, EEXIST, "exec: this connection runs its process already");
	if (!a->id)
		return hull_error_msg(err, ESRCH, "exec: no container runs here yet");
	json_t *obj = json_object_get(msg, "process");
	if (!json_is_object(obj))
		return hull_error_msg(err, EINVAL, "exec: process: must be an OCI process object");
	struct hull_oci_process *proc = hull_oci_process_parse(obj, "exec", "process", err);
	if (!proc)
		return -EINVAL;
	_cleanup_free_ char *pid_file = hull_strdup_printf("%s/exec-%d.pid", a->opts->state_dir, (int)getpid());
	_cleanup_free_ char *console = hull_strdup_printf("%s/exec-%d.sock", a->opts->state_dir, (int)getpid());
	struct hull_exec_opts eo = {.process = proc, .pid_file = pid_file, .detach = true};
	_cleanup_close_ int listen_fd = -1;
	int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}}, saved[3] = {-1, -1, -1};
	int r = 0;
	if (proc->terminal) {
		if ((listen_fd = console_listen(console, err)) < 0)
			r = listen_fd;
		eo.console_socket = console;
	} else {
		/* the runtime's exec gives the process our 0, 1 and 2 */
		for (int i = 0; i < 3 && r == 0; i++)
			if (pipe2(pipes[i], O_CLOEXEC) < 0 || (saved[i] = fcntl(i, F_DUPFD_CLOEXEC, 3)) < 0 ||
			    dup2(pipes[i][i == 0 ? 0 : 1], i) < 0)
				r = hull_error_set(err, errno, "exec: the process's stdio");
	}
	int status = 0;
	bool terminal = proc->terminal;
	if (r == 0)
		r = hull_runtime_exec(a->ctx, a->id, &eo, &status, err);
	hull_oci_process_free(proc);
	for (int i = 0; i < 3; i++) {
		if (saved[i] >= 0) {
			dup2(saved[i], i);
			close(saved[i]);
		}
		if (pipes[i][i == 0 ? 0 : 1] >= 0)
			close(pipes[i][i == 0 ? 0 : 1]);
	}
	if (!terminal) {
		a->in = pipes[0][1];
		a->out = pipes[1][0];
		a->errfd = pipes[2][0];
	}
	unlink(console);
	if (r < 0)
		return r;
	a->created = a->started = true;
	if (terminal) {
		if ((r = receive_master(listen_fd, &a->master, err)) < 0)
			return r;
		a->in = dup(a->master);
		a->out = a->master;
	}
	_cleanup_free_ char *buf = NULL;
	a->pid = hull_read_file(pid_file, &buf, NULL, NULL) == 0 ? atoi(buf) : 0;
	unlink(pid_file);
	a->pidfd = a->pid > 0 ? (int)syscall(SYS_pidfd_open, a->pid, 0) : -1;
	if (a->pidfd < 0)
		return hull_error_set(err, errno, "exec: watch the process (pid %d)", (int)a->pid);
	return 0;
}

static int take_stdin(struct agent *a, json_t *msg, struct hull_error **err)
{
	if (json_is_true(json_object_get(msg, "eof"))) {
		/* a pty has no end of input of its own: ^D is the terminal's */
		if (a->in >= 0)
			close(a->in);
		a->in = -1;
		return 0;
	}
	const char *data = json_string_value(json_object_get(msg, "data"));
	size_t len = 0;
	_cleanup_free_ void *bytes = data ? hull_agent_b64_decode(data, &len) : NULL;
	if (!bytes)
		return hull_error_msg(err, EINVAL, "stdin: data: must be base64");
	/* a process that closed its stdin: the host's input has nowhere to go */
	if (a->in >= 0 && hull_write_all(a->in, bytes, len) < 0) {
		close(a->in);
		a->in = -1;
	}
	return 0;
}

/* "file": a new content for one of the files the create brought (the
 * engine's /etc/hosts when a peer joins its network), written in place:
 * the container sees it through its bind mount, which a rename would
 * leave on the old inode. */
static int update_file(struct agent *a, json_t *msg, struct hull_error **err)
{
	const char *name = json_string_value(json_object_get(msg, "name"));
	json_t *content = json_object_get(msg, "content");
	if (!a->created || a->exec_session)
		return hull_error_msg(err, EINVAL, "file: no container on this connection");
	if (!name || !plain_name(name))
		return hull_error_msg(err, EINVAL, "file: name: must be a plain file name ([A-Za-z0-9._-])");
	if (!json_is_string(content) || json_string_length(content) > HULL_AGENT_FILE_MAX)
		return hull_error_msg(err, EINVAL, "file: content: must be a string of at most %u bytes",
				      HULL_AGENT_FILE_MAX);
	_cleanup_free_ char *dir = hull_path_join(a->bundle, "files");
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int fd = dfd < 0 ? -1 : openat(dfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return hull_error_msg(err, ENOENT, "file: `%s` is not one of the files the create brought", name);
	if (ftruncate(fd, 0) < 0 || hull_write_all(fd, json_string_value(content), json_string_length(content)) < 0)
		return hull_error_set(err, errno, "file: write `%s`", name);
	return 0;
}

static int signal_container(struct agent *a, json_t *msg, struct hull_error **err)
{
	json_int_t sig = json_integer_value(json_object_get(msg, "signal"));
	if (!json_is_integer(json_object_get(msg, "signal")) || sig < 1 || sig > 64)
		return hull_error_msg(err, EINVAL, "signal: signal: must be a signal number (1..64)");
	if (!a->created || a->exited)
		return hull_error_msg(err, ESRCH, "signal: the container is not running");
	if (kill(a->pid, (int)sig) < 0)
		return hull_error_set(err, errno, "signal %d to the container", (int)sig);
	return 0;
}

static int resize_terminal(struct agent *a, json_t *msg, struct hull_error **err)
{
	json_int_t rows = json_integer_value(json_object_get(msg, "rows"));
	json_int_t cols = json_integer_value(json_object_get(msg, "cols"));
	if (rows < 1 || rows > 65535 || cols < 1 || cols > 65535)
		return hull_error_msg(err, EINVAL, "resize: rows and cols must be 1..65535");
	if (a->master < 0)
		return hull_error_msg(err, ENOTTY, "resize: the container has no terminal (process.terminal is false)");
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	if (ioctl(a->master, TIOCSWINSZ, &ws) < 0)
		return hull_error_set(err, errno, "resize the container's terminal");
	return 0;
}

/* One request; a bad one is answered with an error frame and the
 * connection goes on. Returns < 0 only when the stream itself broke. */
static int handle(struct agent *a, json_t *msg, struct hull_error **err)
{
	const char *type = json_string_value(json_object_get(msg, "type"));
	struct hull_error *bad = NULL;
	int r = 0;
	if (!type)
		r = hull_error_msg(&bad, EINVAL, "frame without a \"type\"");
	else if (!strcmp(type, "stdin")) {
		/* no answer unless it was malformed: input flows without round trips */
		if ((r = take_stdin(a, msg, &bad)) == 0)
			return 0;
	} else if (!strcmp(type, "wait")) {
		a->wait_requested = true;
		return 0;
	} else if (!strcmp(type, "create"))
		r = a->exec_session ? hull_error_msg(&bad, EINVAL, "create: not on an exec connection")
				    : create_container(a, msg, &bad);
	else if (!strcmp(type, "exec"))
		r = exec_process(a, msg, &bad);
	else if (!strcmp(type, "start"))
		r = start_container(a, &bad);
	else if (!strcmp(type, "signal"))
		r = signal_container(a, msg, &bad);
	else if (!strcmp(type, "resize"))
		r = resize_terminal(a, msg, &bad);
	else if (!strcmp(type, "file"))
		r = update_file(a, msg, &bad);
	else
		r = hull_error_msg(&bad, EINVAL, "unknown request type `%s`", type);
	if (r < 0) {
		/* the errno too: the host tells "not found" (127) from "cannot run" (126) */
		_cleanup_json_ json_t *m =
		    json_pack("{s:s,s:s,s:i}", "type", "error", "message", bad ? bad->msg : "failed", "errno",
			      bad && bad->code > 0 ? bad->code : -r);
		r = hull_agent_send(a->conn, m, err);
	} else {
		r = send_simple(a, "ok", NULL, err);
	}
	hull_error_free(bad);
	return r;
}

/* Output of the process to the host; false at its end. */
static bool relay_output(struct agent *a, int *fd, const char *stream, struct hull_error **err)
{
	char buf[32768];
	ssize_t n = read(*fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		/* EIO: a pty whose last slave closed */
		if (*fd != a->master)
			close(*fd);
		*fd = -1;
		return false;
	}
	_cleanup_free_ char *b64 = hull_agent_b64_encode(buf, (size_t)n);
	_cleanup_json_ json_t *m = json_pack("{s:s,s:s}", "type", stream, "data", b64);
	return hull_agent_send(a->conn, m, err) == 0;
}

static void reap(struct agent *a)
{
	int ws;
	if (waitpid(a->pid, &ws, WNOHANG) != a->pid)
		return;
	a->exited = true;
	a->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	close(a->pidfd);
	a->pidfd = -1;
}

static int send_exit(struct agent *a, struct hull_error **err)
{
	_cleanup_json_ json_t *m = json_pack("{s:s,s:i}", "type", "exit", "status", a->status);
	a->exit_sent = true;
	return hull_agent_send(a->conn, m, err);
}

static int loop(struct agent *a, struct hull_error **err);
static void cleanup(struct agent *a);

/* A connection on exec_listen: served by a child of its own, so that a
 * slow exec never holds up the container's connection. */
static void accept_exec(struct agent *a)
{
	int conn = accept4(a->opts->exec_listen, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return;
	size_t slot = 0;
	while (slot < HULL_AGENT_EXEC_MAX && a->exec_fds[slot] >= 0)
		slot++;
	pid_t child = slot < HULL_AGENT_EXEC_MAX ? fork() : -1;
	if (child == 0) {
		int fds[] = {a->conn, a->in, a->out, a->errfd, a->pidfd, a->master, a->opts->exec_listen};
		for (size_t i = 0; i < HULL_ARRAY_SIZE(fds); i++)
			if (fds[i] >= 0)
				close(fds[i]);
		for (size_t i = 0; i < HULL_AGENT_EXEC_MAX; i++)
			if (a->exec_fds[i] >= 0)
				close(a->exec_fds[i]);
		struct agent e = {.ctx = a->ctx,
				  .opts = a->opts,
				  .conn = conn,
				  .exec_session = true,
				  .id = a->id ? hull_xstrdup(a->id) : NULL,
				  .pidfd = -1,
				  .in = -1,
				  .out = -1,
				  .errfd = -1,
				  .master = -1};
		for (size_t i = 0; i < HULL_AGENT_EXEC_MAX; i++)
			e.exec_fds[i] = -1;
		int r = loop(&e, NULL);
		cleanup(&e);
		_exit(r < 0 ? 1 : 0);
	}
	if (child < 0) {
		/* too many at once, or no fork: the host sees the connection close */
		_cleanup_json_ json_t *m =
		    json_pack("{s:s,s:s}", "type", "error", "message", "exec: too many exec connections at once");
		hull_agent_send(conn, m, NULL);
		close(conn);
		return;
	}
	close(conn);
	a->execs[slot] = child;
	a->exec_fds[slot] = (int)syscall(SYS_pidfd_open, child, 0);
	if (a->exec_fds[slot] < 0) {
		/* cannot watch it: wait for it now rather than leave a zombie */
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
}

static void reap_exec(struct agent *a, size_t slot)
{
	waitpid(a->execs[slot], NULL, 0);
	close(a->exec_fds[slot]);
	a->exec_fds[slot] = -1;
}

static int loop(struct agent *a, struct hull_error **err)
{
	for (;;) {
		bool outputs_open = a->out >= 0 || a->errfd >= 0;
		if (a->exited && a->wait_requested && !a->exit_sent && !outputs_open && send_exit(a, err) < 0)
			return -EPIPE;
		struct pollfd p[5 + HULL_AGENT_EXEC_MAX] = {
		    {.fd = a->conn, .events = POLLIN},
		    /* output is read only once the process may write it */
		    {.fd = a->started ? a->out : -1, .events = POLLIN},
		    {.fd = a->started ? a->errfd : -1, .events = POLLIN},
		    {.fd = a->pidfd, .events = POLLIN},
		    {.fd = a->exec_session ? -1 : a->opts->exec_listen, .events = POLLIN},
		};
		for (size_t i = 0; i < HULL_AGENT_EXEC_MAX; i++)
			p[5 + i] = (struct pollfd){.fd = a->exec_fds[i], .events = POLLIN};
		int timeout = a->exited && outputs_open ? DRAIN_MS : -1;
		int n = poll(p, HULL_ARRAY_SIZE(p), timeout);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_set(err, errno, "poll");
		if (n == 0) {
			/* drained as far as we wait: what still holds the pipes open is not the process */
			if (a->out >= 0 && a->out != a->master)
				close(a->out);
			if (a->errfd >= 0)
				close(a->errfd);
			a->out = a->errfd = -1;
			continue;
		}
		if (p[1].revents && !relay_output(a, &a->out, "stdout", err) && err && *err)
			return -EPIPE;
		if (p[2].revents && !relay_output(a, &a->errfd, "stderr", err) && err && *err)
			return -EPIPE;
		if (p[3].revents)
			reap(a);
		if (p[4].revents)
			accept_exec(a);
		for (size_t i = 0; i < HULL_AGENT_EXEC_MAX; i++)
			if (p[5 + i].revents)
				reap_exec(a, i);
		if (p[0].revents) {
			json_t *msg = NULL;
			int r = hull_agent_recv(a->conn, &msg, err);
			if (r < 0)
				return r;
			if (!msg)
				return 0; /* the host is done */
			r = handle(a, msg, err);
			json_decref(msg);
			if (r < 0)
				return r;
		}
	}
}

static void cleanup(struct agent *a)
{
	if (a->created && !a->exited && a->pid > 0) {
		kill(a->pid, SIGKILL);
		waitpid(a->pid, NULL, 0);
	}
	/* exec connections end with the container's */
	for (size_t i = 0; i < HULL_AGENT_EXEC_MAX; i++)
		if (a->exec_fds[i] >= 0) {
			kill(a->execs[i], SIGKILL);
			reap_exec(a, i);
		}
	if (a->created && !a->exec_session) {
		struct hull_error *ignored = NULL;
		hull_runtime_delete(a->ctx, a->id, true, &ignored);
		hull_error_free(ignored);
	}
	int fds[] = {a->in, a->out, a->errfd, a->pidfd};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0 && fds[i] != a->master)
			close(fds[i]);
	if (a->master >= 0)
		close(a->master);
	free(a->id);
	free(a->bundle);
}

int hull_agent_serve(struct hull_ctx *ctx, int conn, const struct hull_agent_server_opts *opts, struct hull_error **err)
{
	struct agent a = {
	    .ctx = ctx, .opts = opts, .conn = conn, .pidfd = -1, .in = -1, .out = -1, .errfd = -1, .master = -1};
	for (size_t i = 0; i < HULL_AGENT_EXEC_MAX; i++)
		a.exec_fds[i] = -1;
	/* a host that goes away mid-write is an error of that write, not a signal */
	signal(SIGPIPE, SIG_IGN);
	int r = loop(&a, err);
	cleanup(&a);
	return r;
}
