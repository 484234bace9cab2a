/* container_io.c - GET /containers/{id}/export (docker export) and POST
 * /commit (docker commit). The export mounts the container's filesystem
 * in a mount namespace of its own, which a threaded server must not enter:
 * it runs in a child that writes the tar to a pipe the response reads. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/commit_export.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"

struct child_stream {
	int fd;
	pid_t pid;
};

static long child_read(void *data, char *buf, size_t max)
{
	struct child_stream *s = data;
	ssize_t n;
	do
		n = read(s->fd, buf, max);
	while (n < 0 && errno == EINTR);
	return n > 0 ? n : -1;
}

static void child_done(void *data)
{
	struct child_stream *s = data;
	close(s->fd);
	/* a client that left early: the child's writes fail and it ends */
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(s);
}

void api_container_export(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		api_error(resp, 500, "export: pipe: %s", strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		signal(SIGPIPE, SIG_DFL);
		struct hull_error *err = NULL;
		_exit(hull_engine_export(&req->cli->ctx, c, fds[1], &err) < 0 ? 1 : 0);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		api_error(resp, 500, "export: fork: %s", strerror(errno));
		return;
	}
	struct child_stream *s = hull_xcalloc(1, sizeof(*s));
	*s = (struct child_stream){.fd = fds[0], .pid = pid};
	resp->has_stream = true;
	resp->stream = (struct api_stream){.read = child_read, .done = child_done, .data = s};
	resp->content_type = "application/x-tar";
}

/* POST /commit?container=&repo=&tag=&author=&comment=: the body (a config
 * to change, docker commit -c) is not applied: a non-empty one is refused. */
void api_commit(struct api_request *req, struct api_response *resp)
{
	const char *container = api_query(req, "container");
	const char *repo = api_query(req, "repo"), *tag = api_query(req, "tag");
	if (!container || !*container) {
		api_error(resp, 400, "commit: the container query argument is required");
		return;
	}
	/* the docker CLI sends "null" when there are no changes */
	_cleanup_json_ json_t *body =
	    req->body_len ? json_loadb(req->body, req->body_len, JSON_DECODE_ANY, NULL) : NULL;
	if (req->body_len && !json_is_object(body) && !json_is_null(body)) {
		api_error(resp, 400, "commit: the body is a container config (JSON object) or null");
		return;
	}
	if (json_is_object(body)) {
		json_t *changes = json_object_get(body, "Cmd");
		if (json_array_size(changes) || json_array_size(json_object_get(body, "Entrypoint")) ||
		    json_array_size(json_object_get(body, "Env")) ||
		    json_object_size(json_object_get(body, "Labels"))) {
			api_error(resp, 400, "commit --change is not served by hull: commit, then build on the image");
			return;
		}
	}
	req->params[0] = hull_xstrdup(container);
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	_cleanup_free_ char *name =
	    repo && *repo ? hull_strdup_printf("%s:%s", repo, tag && *tag ? tag : "latest") : NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = api_image_store(req, resp);
	if (!store)
		return;
	_cleanup_free_ char *id = NULL;
	struct hull_error *err = NULL;
	if (hull_engine_commit(&req->cli->ctx, store, c, name, api_query(req, "author"), api_query(req, "comment"), &id,
			       &err) < 0) {
		api_fail(resp, err);
		return;
	}
	resp->status = 201;
	resp->json = json_pack("{s:s}", "Id", id);
}
