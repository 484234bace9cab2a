/* container.c - the engine containers a build makes (never started, for
 * COPY, ADD and WORKDIR; RUN makes its own in run.c) and the child
 * process that writes into one: the child mounts the container's overlay
 * in a mount namespace of its own, so the mount ends with it, whatever
 * happens to it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builder_internal.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/run_options.h"

struct hull_container *build_container(struct build *b, const char *image_id, struct hull_error **err)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	char *cmd[] = {"/bin/sh", "-c", "#(nop) ", NULL};
	o.image = image_id;
	o.cmd = cmd;
	o.entrypoint = "";
	o.network = "none";
	o.no_healthcheck = true;
	o.log_driver = "none";
	o.pull = "never";
	return hull_engine_create(b->ctx, b->store, &o, NULL, NULL, err);
}

void build_container_remove(struct build *b, struct hull_container *c)
{
	if (!c)
		return;
	struct hull_error *e = NULL;
	if (hull_engine_remove(b->ctx, c, true, true, &e) < 0)
		hull_error_free(e);
}

int build_in_child(int (*fn)(void *data, struct hull_error **err), void *data, struct hull_error **err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return hull_error_set(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return hull_error_set(err, errno, "fork");
	}
	if (pid == 0) {
		close(p[0]);
		struct hull_error *e = NULL;
		int r = fn(data, &e);
		if (r < 0) {
			const char *m = e && e->msg ? e->msg : "failed";
			hull_write_all(p[1], m, strlen(m));
		}
		_exit(r < 0 ? 1 : 0);
	}
	close(p[1]);
	_cleanup_free_ char *msg = NULL;
	size_t len = 0;
	hull_read_all_max(p[0], 65536, &msg, &len);
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "wait for the build's copy process");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (msg && len)
		return hull_error_msg(err, EIO, "%.*s", (int)len, msg);
	return hull_error_msg(err, EIO, "the build's copy process died (status %d)", status);
}
