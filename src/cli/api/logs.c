/* logs.c - GET /containers/{id}/logs: the json-file log, framed in
 * docker's stream format (8-byte headers) unless the container has a tty;
 * with follow=1 the body goes on until the container stops. A thread
 * reads the log into a pipe that the response streams from. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"
#include "hull/logs.h"

struct reader {
	struct hull_cli *cli;
	char id[HULL_ID_LEN + 1];
	char *path;
	struct hull_logs_options o;
	bool out, err, tty, timestamps;
	int fd; /* the pipe's write end */
};

static bool still_running(void *data)
{
	struct reader *r = data;
	struct hull_container *c = hull_container_load(&r->cli->ctx, r->id, NULL);
	bool up = c && (c->state.status == HULL_ENGINE_RUNNING || c->state.status == HULL_ENGINE_PAUSED ||
			c->state.status == HULL_ENGINE_RESTARTING);
	hull_container_free(c);
	return up;
}

static int emit(const struct hull_log_record *rec, void *data)
{
	struct reader *r = data;
	if (rec->stream == HULL_STREAM_STDOUT ? !r->out : !r->err)
		return 0;
	size_t tlen = r->timestamps ? strlen(rec->time) + 1 : 0;
	size_t len = tlen + rec->len;
	if (len > UINT32_MAX)
		return 0;
	_cleanup_free_ uint8_t *buf = malloc(len + 8);
	if (!buf)
		return -ENOMEM;
	size_t h = 0;
	if (!r->tty) {
		memset(buf, 0, 8);
		buf[0] = rec->stream == HULL_STREAM_STDERR ? 2 : 1;
		buf[4] = (uint8_t)(len >> 24);
		buf[5] = (uint8_t)(len >> 16);
		buf[6] = (uint8_t)(len >> 8);
		buf[7] = (uint8_t)len;
		h = 8;
	}
	if (tlen) {
		memcpy(buf + h, rec->time, tlen - 1);
		buf[h + tlen - 1] = ' ';
	}
	memcpy(buf + h + tlen, rec->text, rec->len);
	return hull_write_all(r->fd, buf, h + len) < 0 ? -EPIPE : 0;
}

static void *read_logs(void *arg)
{
	struct reader *r = arg;
	struct hull_error *err = NULL;
	if (hull_logs_read(r->path, &r->o, emit, r, &err) < 0)
		hull_error_free(err);
	close(r->fd);
	free(r->path);
	free(r);
	return NULL;
}

static long stream_read(void *data, char *buf, size_t max)
{
	int fd = (int)(intptr_t)data;
	ssize_t n;
	while ((n = read(fd, buf, max)) < 0 && errno == EINTR)
		;
	return n > 0 ? n : -1;
}

static void stream_done(void *data)
{
	close((int)(intptr_t)data);
}

/* docker's since/until: "SECONDS[.NANOSECONDS]" since the epoch (the CLI
 * turns "10m" or a date into that); *ns 0 when absent. false when bad. */
static bool stamp_arg(const struct api_request *req, const char *key, int64_t *ns)
{
	const char *v = api_query(req, key);
	*ns = 0;
	if (!v || !*v || !strcmp(v, "0"))
		return true;
	char *end;
	long long sec = strtoll(v, &end, 10);
	long long frac = 0;
	if (*end == '.') {
		const char *digits = end + 1;
		frac = strtoll(digits, &end, 10);
		for (size_t n = (size_t)(end - digits); n < 9; n++)
			frac *= 10;
		if (end - digits > 9 || end == digits)
			return false;
	}
	if (*end || sec < 0)
		return false;
	*ns = (int64_t)sec * 1000000000LL + frac;
	return true;
}

void api_container_logs(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	bool out = api_query_bool(req, "stdout"), errs = api_query_bool(req, "stderr");
	if (!out && !errs) {
		api_error(resp, 400, "Bad parameters: you must choose at least one stream");
		return;
	}
	const char *tail = api_query(req, "tail");
	long n = -1;
	if (tail && *tail && strcmp(tail, "all")) {
		char *end;
		n = strtol(tail, &end, 10);
		if (*end || n < 0) {
			api_error(resp, 400, "tail: \"%s\" is not a number of lines or \"all\"", tail);
			return;
		}
	}
	int64_t since = 0, until = 0;
	if (!stamp_arg(req, "since", &since) || !stamp_arg(req, "until", &until)) {
		api_error(resp, 400, "since and until are seconds since the epoch, with up to 9 decimals");
		return;
	}
	const char *path = json_string_value(json_object_get(c->record, "LogPath"));
	if (!path) {
		api_error(resp, 501, "container %s has no json-file log (its log driver is none)", c->name);
		return;
	}
	struct reader *r = calloc(1, sizeof(*r));
	int p[2];
	if (!r || pipe2(p, O_CLOEXEC) < 0) {
		free(r);
		api_error(resp, 500, "logs: out of resources");
		return;
	}
	r->cli = req->cli;
	snprintf(r->id, sizeof(r->id), "%s", c->id);
	r->path = strdup(path);
	r->o = (struct hull_logs_options){.tail = n,
					  .follow = api_query_bool(req, "follow"),
					  .since_ns = since,
					  .until_ns = until,
					  .still_running = still_running,
					  .data = r};
	r->out = out;
	r->err = errs;
	r->tty = json_is_true(json_object_get(json_object_get(c->record, "Config"), "Tty"));
	r->timestamps = api_query_bool(req, "timestamps");
	r->fd = p[1];
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!r->path || pthread_create(&t, &attr, read_logs, r) != 0) {
		pthread_attr_destroy(&attr);
		close(p[0]);
		close(p[1]);
		free(r->path);
		free(r);
		api_error(resp, 500, "logs: cannot start the reader");
		return;
	}
	pthread_attr_destroy(&attr);
	resp->has_stream = true;
	resp->stream = (struct api_stream){.read = stream_read, .done = stream_done, .data = (void *)(intptr_t)p[0]};
	resp->content_type = r->tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
}
