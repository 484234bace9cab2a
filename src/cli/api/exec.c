/* exec.c - POST /containers/{id}/exec, POST /exec/{id}/start (hijacked)
 * and GET /exec/{id}/json.
 *
 * hull_runtime_exec runs the process on the caller's stdio, which in a
 * threaded server belongs to everyone: each exec runs in a child of its
 * own whose 0-2 are the client's connection (input) and pipes (output,
 * framed as docker's stream); the parent relays and reaps it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/engine_spec.h"
#include "hull/exec.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci.h"
#include "hull/security.h"

#define MAX_EXECS 128

/* One exec instance, kept until the table is full (oldest finished go first). */
struct exec_rec {
	char id[HULL_ID_LEN + 1];
	char ctr[HULL_ID_LEN + 1];
	json_t *config; /* the create body */
	bool started, running;
	int exit_code;
	pid_t pid;
	int sock; /* the hijacked connection while it runs */
	bool tty;
	int master;		   /* its pty while it runs (tty), -1 */
	unsigned short rows, cols; /* the last resize, applied when the pty comes */
	struct MHD_UpgradeResponseHandle *urh;
	struct hull_cli *cli;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct exec_rec *execs[MAX_EXECS];

static struct exec_rec *find(const char *id)
{
	for (size_t i = 0; i < MAX_EXECS; i++)
		if (execs[i] && !strcmp(execs[i]->id, id))
			return execs[i];
	return NULL;
}

static bool add(struct exec_rec *e)
{
	for (size_t i = 0; i < MAX_EXECS; i++)
		if (!execs[i] || (execs[i]->started && !execs[i]->running && !execs[i]->urh)) {
			if (execs[i]) {
				json_decref(execs[i]->config);
				free(execs[i]);
			}
			execs[i] = e;
			return true;
		}
	return false;
}

void api_exec_create(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *body = api_body_json(req, resp);
	if (!body)
		return;
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	if (c->state.status != HULL_ENGINE_RUNNING) {
		api_error(resp, 409, "Container %s is %s", c->id,
			  c->state.status == HULL_ENGINE_PAUSED ? "paused, unpause the container before exec"
								: "not running");
		return;
	}
	json_t *cmd = json_object_get(body, "Cmd");
	if (!json_is_array(cmd) || !json_array_size(cmd)) {
		api_error(resp, 400, "No exec command specified");
		return;
	}
	for (size_t i = 0; i < json_array_size(cmd); i++)
		if (!json_is_string(json_array_get(cmd, i))) {
			api_error(resp, 400, "Cmd: a list of strings is expected");
			return;
		}
	struct exec_rec *e = calloc(1, sizeof(*e));
	struct hull_error *err = NULL;
	if (!e || hull_engine_new_id(e->id, &err) < 0) {
		free(e);
		api_fail(resp, err);
		return;
	}
	snprintf(e->ctr, sizeof(e->ctr), "%s", c->id);
	e->config = json_incref(body);
	e->cli = req->cli;
	e->sock = -1;
	e->master = -1;
	e->tty = json_is_true(json_object_get(body, "Tty"));
	pthread_mutex_lock(&lock);
	bool ok = add(e);
	pthread_mutex_unlock(&lock);
	if (!ok) {
		json_decref(e->config);
		free(e);
		api_error(resp, 500, "too many execs running (%d)", MAX_EXECS);
		return;
	}
	resp->status = 201;
	resp->json = json_pack("{s:s}", "Id", e->id);
}

/* A strv of the strings of a JSON array (borrowed), NULL-ended. */
static char **strv_borrow(json_t *a)
{
	char **v = calloc(json_array_size(a) + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; v && i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s)
			v[k++] = (char *)s;
	}
	return v;
}

/* The OCI process for e, from the container's config. */
static struct hull_oci_process *process_for(struct exec_rec *e, struct hull_error **err)
{
	_cleanup_container_ struct hull_container *c = hull_container_load(&e->cli->ctx, e->ctr, err);
	if (!c)
		return NULL;
	_cleanup_(hull_oci_config_freep) struct hull_oci_config *cfg = hull_oci_config_load(c->dir, err);
	if (!cfg)
		return NULL;
	_cleanup_free_ char **args = strv_borrow(json_object_get(e->config, "Cmd"));
	_cleanup_free_ char **env = strv_borrow(json_object_get(e->config, "Env"));
	char *caps_all[] = {NULL};
	const char *user = json_string_value(json_object_get(e->config, "User"));
	const char *wd = json_string_value(json_object_get(e->config, "WorkingDir"));
	/* -u NAME[:GROUP]: resolved against the container's own /etc/passwd */
	_cleanup_free_ char *numeric = NULL;
	if (user && *user && !strchr("0123456789", user[0])) {
		_cleanup_free_ char *root = hull_strdup_printf("/proc/%d/root", (int)c->state.pid);
		uid_t uid;
		gid_t gid;
		_cleanup_free_ gid_t *gids = NULL;
		size_t n;
		if (hull_engine_resolve_user(root, user, NULL, &uid, &gid, &gids, &n, err) < 0)
			return NULL;
		numeric = hull_strdup_printf("%u:%u", (unsigned)uid, (unsigned)gid);
		user = numeric;
	}
	struct hull_exec_overrides o = {.tty = e->tty,
					.args = args,
					.env = env,
					.cwd = wd && *wd ? wd : NULL,
					.user = user && *user ? user : NULL,
					.caps = caps_all};
	return hull_exec_process(cfg, &o, err);
}

/* In the child: 0-2 as given, nothing else open but the log, then the
 * runtime's exec (its pty's master sent to console when not NULL). */
static void run_child(struct exec_rec *e, struct hull_oci_process *proc, const int fds[3], const char *console)
{
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			_exit(126);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	struct hull_ctx rt = e->cli->ctx;
	_cleanup_free_ char *root = hull_engine_runtime_root(&e->cli->ctx);
	rt.runtime_root = root;
	struct hull_exec_opts eo = {.process = proc, .console_socket = console};
	int status = 0;
	struct hull_error *err = NULL;
	int r = hull_runtime_exec(&rt, e->ctr, &eo, &status, &err);
	if (r < 0) {
		fprintf(stderr, "hull: %s\n", err ? err->msg : "exec failed");
		_exit(r == -ENOENT ? 127 : 126);
	}
	_exit(status);
}

/* A listening console socket (runc's protocol: the runtime sends the
 * pty's master there) in a private directory of the data root; its path
 * in path (size PATH_MAX), -1 on failure. */
static int console_listen(struct exec_rec *e, char *path, char *dir)
{
	snprintf(dir, PATH_MAX, "%s/.api-exec.XXXXXX", e->cli->ctx.data_root);
	if (!mkdtemp(dir))
		return -1;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int n = snprintf(path, PATH_MAX, "%s/console.sock", dir);
	int fd = n > 0 && (size_t)n < sizeof(sa.sun_path) ? socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0) : -1;
	if (fd < 0 || (strcpy(sa.sun_path, path), bind(fd, (struct sockaddr *)&sa, sizeof(sa))) < 0 ||
	    listen(fd, 1) < 0) {
		if (fd >= 0)
			close(fd);
		rmdir(dir);
		return -1;
	}
	return fd;
}

/* The master the runtime sends to listener, or -1 when child ends first. */
static int console_take(int listener, pid_t child)
{
	for (;;) {
		struct pollfd p = {.fd = listener, .events = POLLIN};
		int r = poll(&p, 1, 100);
		if (r > 0) {
			_cleanup_close_ int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
			char name[128];
			int master = -1;
			if (conn >= 0 && hull_fd_recv(conn, &master, name, sizeof(name), NULL) >= 0)
				return master;
			return -1;
		}
		/* the child ended first (it failed): leave it for the caller to reap */
		siginfo_t info = {0};
		if (waitid(P_PID, (id_t)child, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == child)
			return -1;
	}
}

/* The pty's output to sock as is, sock's input (when in) to the pty,
 * until the process hangs up. */
static void relay_tty(int master, int sock, bool in)
{
	char buf[16384];
	for (;;) {
		struct pollfd p[2] = {{.fd = master, .events = POLLIN}, {.fd = in ? sock : -1, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return;
		if (p[0].revents) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return; /* EIO: every slave closed */
			hull_write_all(sock, buf, (size_t)n);
		}
		if (in && p[1].revents) {
			ssize_t n = read(sock, buf, sizeof(buf));
			if (n <= 0)
				in = false;
			else
				hull_write_all(master, buf, (size_t)n);
		}
	}
}

static void set_master(struct exec_rec *e, int master)
{
	pthread_mutex_lock(&lock);
	e->master = master;
	if (master >= 0 && (e->rows || e->cols)) {
		struct winsize ws = {.ws_row = e->rows, .ws_col = e->cols};
		ioctl(master, TIOCSWINSZ, &ws);
	}
	pthread_mutex_unlock(&lock);
}

/* e with a tty on sock; its exit code. */
static int run_exec_tty(struct exec_rec *e, struct hull_oci_process *proc, int sock, int devnull)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int listener = console_listen(e, path, dir);
	if (listener < 0) {
		dprintf(sock, "hull: exec -t: a console socket in %s: %s\r\n", e->cli->ctx.data_root, strerror(errno));
		return 126;
	}
	bool in = json_is_true(json_object_get(e->config, "AttachStdin"));
	int fds[3] = {devnull, devnull, sock}; /* the runtime's own errors, if any, to the client */
	pid_t pid = fork();
	if (pid == 0) {
		close(listener);
		run_child(e, proc, fds, path);
	}
	int master = pid > 0 ? console_take(listener, pid) : -1;
	close(listener);
	unlink(path);
	rmdir(dir);
	if (pid < 0)
		return 126;
	pthread_mutex_lock(&lock);
	e->pid = pid;
	pthread_mutex_unlock(&lock);
	if (master >= 0) {
		set_master(e, master);
		relay_tty(master, sock, in);
		set_master(e, -1);
		close(master);
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run e with output framed to sock (-1: detached, output dropped); its exit code in e. */
static void run_exec(struct exec_rec *e, int sock)
{
	struct hull_error *err = NULL;
	struct hull_oci_process *proc = process_for(e, &err);
	int code = 126;
	int out[2] = {-1, -1}, errp[2] = {-1, -1};
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	bool in = sock >= 0 && json_is_true(json_object_get(e->config, "AttachStdin"));
	if (!proc) {
		if (sock >= 0 && pipe2(errp, O_CLOEXEC) == 0) {
			dprintf(errp[1], "hull: %s\n", err ? err->msg : "exec failed");
			close(errp[1]);
			api_relay_frames(sock, &out[0], &errp[0]);
		}
		hull_error_free(err);
		goto done;
	}
	if (sock >= 0 && e->tty) {
		code = run_exec_tty(e, proc, sock, devnull);
		goto done;
	}
	if (sock >= 0 && (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0))
		goto done;
	int fds[3] = {in ? sock : devnull, out[1] >= 0 ? out[1] : devnull, errp[1] >= 0 ? errp[1] : devnull};
	pid_t pid = fork();
	if (pid == 0)
		run_child(e, proc, fds, NULL);
	if (out[1] >= 0) {
		close(out[1]);
		close(errp[1]);
	}
	if (pid > 0) {
		pthread_mutex_lock(&lock);
		e->pid = pid;
		pthread_mutex_unlock(&lock);
		if (sock >= 0)
			api_relay_frames(sock, &out[0], &errp[0]);
		int status = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
done:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	hull_oci_process_free(proc);
	pthread_mutex_lock(&lock);
	e->exit_code = code;
	e->running = false;
	e->pid = 0;
	pthread_mutex_unlock(&lock);
}

static void *exec_thread(void *arg)
{
	struct exec_rec *e = arg;
	run_exec(e, e->sock);
	/* e may be reused once urh is NULL: take what is needed first */
	pthread_mutex_lock(&lock);
	struct MHD_UpgradeResponseHandle *urh = e->urh;
	int sock = e->sock;
	e->urh = NULL;
	e->sock = -1;
	pthread_mutex_unlock(&lock);
	if (urh) {
		shutdown(sock, SHUT_RDWR);
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	}
	return NULL;
}

static void spawn(struct exec_rec *e)
{
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, exec_thread, e) != 0)
		exec_thread(e);
	pthread_attr_destroy(&attr);
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
		       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct exec_rec *e = cls;
	e->sock = sock;
	e->urh = urh;
	spawn(e);
}

void api_exec_start(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *body = req->body_len ? api_body_json(req, resp) : json_object();
	if (!body)
		return;
	pthread_mutex_lock(&lock);
	struct exec_rec *e = find(req->params[0]);
	bool was = e && e->started;
	if (e && !was)
		e->started = e->running = true;
	pthread_mutex_unlock(&lock);
	if (!e) {
		api_error(resp, 404, "No such exec instance: %s", req->params[0]);
		return;
	}
	if (was) {
		api_error(resp, 409, "Exec %s has already run", req->params[0]);
		return;
	}
	if (json_is_true(json_object_get(body, "Detach"))) {
		e->sock = -1;
		spawn(e);
		resp->status = 200;
		resp->raw = strdup("");
		return;
	}
	resp->status = 101;
	resp->upgrade = (void *)on_upgrade;
	resp->upgrade_cls = e;
	resp->content_type = e->tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
}

void api_exec_resize(struct api_request *req, struct api_response *resp)
{
	unsigned rows, cols;
	if (api_resize_args(req, resp, &rows, &cols) < 0)
		return;
	pthread_mutex_lock(&lock);
	struct exec_rec *e = find(req->params[0]);
	bool tty = e && e->tty;
	if (tty) {
		e->rows = (unsigned short)rows;
		e->cols = (unsigned short)cols;
		struct winsize ws = {.ws_row = e->rows, .ws_col = e->cols};
		if (e->master >= 0)
			ioctl(e->master, TIOCSWINSZ, &ws);
	}
	pthread_mutex_unlock(&lock);
	if (!e)
		api_error(resp, 404, "No such exec instance: %s", req->params[0]);
	else if (!tty)
		api_error(resp, 400, "exec %s has no tty to resize", req->params[0]);
	else
		resp->raw = strdup("");
}

void api_exec_inspect(struct api_request *req, struct api_response *resp)
{
	pthread_mutex_lock(&lock);
	struct exec_rec *e = find(req->params[0]);
	if (e) {
		json_t *cmd = json_object_get(e->config, "Cmd");
		json_t *args = json_array();
		for (size_t i = 1; i < json_array_size(cmd); i++)
			json_array_append(args, json_array_get(cmd, i));
		const char *user = json_string_value(json_object_get(e->config, "User"));
		resp->json =
		    json_pack("{s:s,s:s,s:b,s:i,s:i,s:b,s:b,s:b,s:b,s:{s:b,s:O,s:o,s:b,s:s},s:s}", "ID", e->id,
			      "ContainerID", e->ctr, "Running", e->running, "ExitCode",
			      e->started && !e->running ? e->exit_code : 0, "Pid", (int)e->pid, "OpenStdin",
			      json_is_true(json_object_get(e->config, "AttachStdin")), "OpenStdout", 1, "OpenStderr", 1,
			      "CanRemove", 0, "ProcessConfig", "tty", e->tty, "entrypoint", json_array_get(cmd, 0),
			      "arguments", args, "privileged", 0, "user", user ? user : "", "DetachKeys", "");
	}
	pthread_mutex_unlock(&lock);
	if (!e)
		api_error(resp, 404, "No such exec instance: %s", req->params[0]);
}
