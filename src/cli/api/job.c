/* job.c - a long request (a pull, a push, a load) run in a thread of its
 * own whose JSON lines are the response body as they come: docker's
 * progress stream. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

struct job {
	int out;
	void (*run)(void *data, int out);
	void (*done)(void *data);
	void *data;
};

static void *job_main(void *arg)
{
	struct job *j = arg;
	j->run(j->data, j->out);
	close(j->out);
	if (j->done)
		j->done(j->data);
	free(j);
	return NULL;
}

/* Blocks until the job writes (a thread per connection: only this one waits). */
static long pipe_read(void *data, char *buf, size_t max)
{
	int fd = (int)(intptr_t)data;
	ssize_t n;
	do
		n = read(fd, buf, max);
	while (n < 0 && errno == EINTR);
	return n > 0 ? n : -1;
}

static void pipe_done(void *data)
{
	close((int)(intptr_t)data);
}

void api_job_stream(struct api_response *resp, void (*run)(void *data, int out), void (*done)(void *data), void *data)
{
	int fds[2];
	pthread_t t;
	pthread_attr_t attr;
	struct job *j = hull_xcalloc(1, sizeof(*j));
	*j = (struct job){.run = run, .done = done, .data = data};
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free(j);
		if (done)
			done(data);
		api_error(resp, 500, "pipe: %s", strerror(errno));
		return;
	}
	j->out = fds[1];
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t, &attr, job_main, j);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		close(fds[0]);
		close(fds[1]);
		free(j);
		if (done)
			done(data);
		api_error(resp, 500, "start a thread: %s", strerror(r));
		return;
	}
	resp->has_stream = true;
	resp->stream = (struct api_stream){.read = pipe_read, .done = pipe_done, .data = (void *)(intptr_t)fds[0]};
	resp->content_type = "application/json";
}

void api_json_line(int out, json_t *line)
{
	_cleanup_free_ char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
	json_decref(line);
	if (!text)
		return;
	size_t len = strlen(text);
	text[len] = '\n'; /* json_dumps' NUL: the line's end, written with it */
	const char *p = text;
	size_t left = len + 1;
	while (left > 0) {
		ssize_t n = write(out, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the client went away: the job runs on unheard */
		p += n;
		left -= (size_t)n;
	}
}

void api_json_error_line(int out, const char *msg)
{
	api_json_line(out, json_pack("{s:{s:s},s:s}", "errorDetail", "message", msg, "error", msg));
}
