/* lifecycle.c - POST /containers/{id}/start, stop, restart, kill, wait and
 * DELETE /containers/{id}. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "attach.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/runtime.h"

static bool is_up(const struct hull_container *c)
{
	return c->state.status == HULL_ENGINE_RUNNING || c->state.status == HULL_ENGINE_PAUSED ||
	       c->state.status == HULL_ENGINE_RESTARTING;
}

void api_container_start(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	if (is_up(c)) {
		resp->status = 304;
		return;
	}
	struct hull_error *err = NULL;
	if (api_attach_start(req->cli, c, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	resp->status = 204;
}

/* ?t=SECONDS, -1 (the container's own) when absent. */
static int timeout_arg(struct api_request *req)
{
	const char *t = api_query(req, "t");
	return t && *t ? atoi(t) : -1;
}

void api_container_stop(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	if (!is_up(c)) {
		resp->status = 304;
		return;
	}
	struct hull_error *err = NULL;
	if (hull_engine_stop(&req->cli->ctx, c, timeout_arg(req), &err) < 0) {
		api_fail(resp, err);
		return;
	}
	resp->status = 204;
}

void api_container_restart(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	struct hull_error *err = NULL;
	if (hull_engine_stop(&req->cli->ctx, c, timeout_arg(req), &err) < 0 ||
	    api_attach_start(req->cli, c, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	resp->status = 204;
}

void api_container_kill(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	int sig = SIGKILL;
	const char *s = api_query(req, "signal");
	struct hull_error *err = NULL;
	if (s && *s && hull_signal_parse(s, &sig, &err) < 0) {
		hull_error_free(err);
		api_error(resp, 400, "Invalid signal: %s", s);
		return;
	}
	if (!is_up(c)) {
		api_error(resp, 409, "Container %s is not running", req->params[0]);
		return;
	}
	if (hull_engine_kill(&req->cli->ctx, c, sig, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	resp->status = 204;
}

void api_container_delete(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	bool force = api_query_bool(req, "force");
	if (is_up(c) && !force) {
		api_error(resp, 409,
			  "You cannot remove a running container %s. Stop the container before attempting removal or "
			  "force remove",
			  c->id);
		return;
	}
	struct hull_error *err = NULL;
	if (hull_engine_remove(&req->cli->ctx, c, force, api_query_bool(req, "v"), &err) < 0) {
		api_fail(resp, err);
		return;
	}
	resp->status = 204;
}

/* ---------------------------------------------------------------- wait -- */

static void nap(void)
{
	struct timespec ts = {0, 100 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

struct waiter {
	struct hull_cli *cli;
	char id[HULL_ID_LEN + 1];
	char finished[40];
	bool next, removed, seen_up, done;
	int code;
};

/* Block until the condition holds; false when the container vanished
 * before it could (its code is then unknown). */
static bool wait_condition(struct waiter *w)
{
	struct hull_container *c = hull_container_load(&w->cli->ctx, w->id, NULL);
	for (;;) {
		if (!c) {
			/* removed (--rm): what the attached run reported, else the last code seen */
			api_attach_exit_code(w->id, &w->code);
			return true;
		}
		bool up = is_up(c);
		w->seen_up = w->seen_up || up;
		w->code = c->state.exit_code;
		bool changed = strcmp(w->finished, c->state.finished_at) != 0;
		if (!w->removed && !up && (!w->next || changed || w->seen_up))
			break;
		hull_container_free(c);
		nap();
		c = hull_container_load(&w->cli->ctx, w->id, NULL);
	}
	hull_container_free(c);
	return true;
}

/* The body comes when the condition holds; the headers go at once, as
 * docker's do: its CLI waits for them before it starts the container. */
static long wait_read(void *data, char *buf, size_t max)
{
	struct waiter *w = data;
	if (w->done)
		return -1;
	w->done = true;
	wait_condition(w);
	int n = snprintf(buf, max, "{\"StatusCode\":%d,\"Error\":null}\n", w->code);
	return n > 0 && (size_t)n < max ? n : -1;
}

/* docker's conditions: not-running (the default: at once when it is not
 * running), next-exit (the next time it stops) and removed. */
void api_container_wait(struct api_request *req, struct api_response *resp)
{
	const char *cond = api_query(req, "condition");
	if (!cond || !*cond)
		cond = "not-running";
	if (strcmp(cond, "not-running") && strcmp(cond, "next-exit") && strcmp(cond, "removed")) {
		api_error(resp, 400, "invalid condition: \"%s\" (not-running, next-exit or removed)", cond);
		return;
	}
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	struct waiter *w = calloc(1, sizeof(*w));
	if (!w) {
		api_error(resp, 500, "out of memory");
		return;
	}
	w->cli = req->cli;
	snprintf(w->id, sizeof(w->id), "%s", c->id);
	snprintf(w->finished, sizeof(w->finished), "%s", c->state.finished_at);
	w->next = !strcmp(cond, "next-exit");
	w->removed = !strcmp(cond, "removed");
	w->seen_up = is_up(c);
	resp->has_stream = true;
	resp->stream = (struct api_stream){.read = wait_read, .done = free, .data = w};
	resp->content_type = "application/json";
}
