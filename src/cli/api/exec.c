/* exec.c - POST /containers/{id}/exec, POST /exec/{id}/start (hijacked)
 * and GET /exec/{id}/json.
 *
 * hull_runtime_exec runs the process on the caller's stdio, which in a
 * threaded server belongs to everyone: each exec runs in a child of its
 * own whose 0-2 are the client's connection (input) and pipes (output,
 * framed as docker's stream); the parent relays and reaps it. */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "hull/cleanup.h"
#include "hull/engine.h"
#include "hull/exec.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci.h"

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
	if (json_is_true(json_object_get(body, "Tty"))) {
		api_error(resp, 400, "exec with a tty is not served by hull's API yet: drop -t, or use `hull exec -t`");
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
	if (user && *user && !strchr("0123456789", user[0])) {
		hull_error_msg(err, EINVAL, "exec -u %s: only numeric UID[:GID] is served by hull's API yet", user);
		return NULL;
	}
	struct hull_exec_overrides o = {.args = args,
					.env = env,
					.cwd = wd && *wd ? wd : NULL,
					.user = user && *user ? user : NULL,
					.caps = caps_all};
	return hull_exec_process(cfg, &o, err);
}

/* In the child: 0-2 as given, nothing else open but the log, then the runtime's exec. */
static void run_child(struct exec_rec *e, struct hull_oci_process *proc, const int fds[3])
{
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			_exit(126);
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	struct hull_ctx rt = e->cli->ctx;
	_cleanup_free_ char *root = hull_engine_runtime_root(&e->cli->ctx);
	rt.runtime_root = root;
	struct hull_exec_opts eo = {.process = proc};
	int status = 0;
	struct hull_error *err = NULL;
	int r = hull_runtime_exec(&rt, e->ctr, &eo, &status, &err);
	if (r < 0) {
		fprintf(stderr, "hull: %s\n", err ? err->msg : "exec failed");
		_exit(r == -ENOENT ? 127 : 126);
	}
	_exit(status);
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
	if (sock >= 0 && (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0))
		goto done;
	int fds[3] = {in ? sock : devnull, out[1] >= 0 ? out[1] : devnull, errp[1] >= 0 ? errp[1] : devnull};
	pid_t pid = fork();
	if (pid == 0)
		run_child(e, proc, fds);
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
	resp->content_type = "application/vnd.docker.multiplexed-stream";
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
		resp->json = json_pack(
		    "{s:s,s:s,s:b,s:i,s:i,s:b,s:b,s:b,s:b,s:{s:b,s:O,s:o,s:b,s:s},s:s}", "ID", e->id, "ContainerID",
		    e->ctr, "Running", e->running, "ExitCode", e->started && !e->running ? e->exit_code : 0, "Pid",
		    (int)e->pid, "OpenStdin", json_is_true(json_object_get(e->config, "AttachStdin")), "OpenStdout", 1,
		    "OpenStderr", 1, "CanRemove", 0, "ProcessConfig", "tty", 0, "entrypoint", json_array_get(cmd, 0),
		    "arguments", args, "privileged", 0, "user", user ? user : "", "DetachKeys", "");
	}
	pthread_mutex_unlock(&lock);
	if (!e)
		api_error(resp, 404, "No such exec instance: %s", req->params[0]);
}
