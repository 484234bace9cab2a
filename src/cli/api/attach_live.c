/* attach_live.c - POST /containers/{id}/attach to a running container
 * (docker attach, docker-compose up): the hijacked connection joins the
 * container's stdio through its monitor (hull_engine_attach), as `hull
 * attach` does; without a tty the output is framed as docker's stream.
 * The session ends when the container stops or the detach keys come; a
 * client that goes away earlier leaves its thread until the container
 * stops (the monitor's attach has no other end). */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach.h"
#include "hull/attach.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"

struct live {
	struct hull_cli *cli;
	char id[HULL_ID_LEN + 1];
	bool tty, in;
	char keys[HULL_DETACH_KEYS_MAX];
	size_t keys_len;
	int sock;
	struct MHD_UpgradeResponseHandle *urh;
	int out, err; /* the relay's read ends (no tty), -1 */
};

static void *relay_main(void *arg)
{
	struct live *l = arg;
	api_relay_frames(l->sock, &l->out, &l->err);
	return NULL;
}

static void attach_session(struct live *l)
{
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *c = hull_container_load(&l->cli->ctx, l->id, &err);
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct hull_attach_options o = {.fds = {l->in ? l->sock : devnull, l->sock, l->sock},
					.stdin = l->in,
					.detach_keys = l->keys,
					.detach_len = l->keys_len};
	int out[2] = {-1, -1}, errp[2] = {-1, -1};
	pthread_t relay;
	bool relaying = false;
	if (c && !l->tty && pipe2(out, O_CLOEXEC) == 0 && pipe2(errp, O_CLOEXEC) == 0) {
		l->out = out[0];
		l->err = errp[0];
		o.fds[1] = out[1];
		o.fds[2] = errp[1];
		relaying = pthread_create(&relay, NULL, relay_main, l) == 0;
	}
	int code = 0;
	bool detached = false;
	if (c && (l->tty || relaying))
		hull_engine_attach(c, &o, &code, &detached, &err);
	if (err)
		dprintf(o.fds[2], "hull: %s\n", err->msg);
	hull_error_free(err);
	/* the write ends: their EOF ends the relay */
	if (out[1] >= 0)
		close(out[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	if (!relaying) {
		if (out[0] >= 0)
			close(out[0]);
		if (errp[0] >= 0)
			close(errp[0]);
		l->out = l->err = -1;
	}
	if (relaying)
		pthread_join(relay, NULL);
	for (int *fd = &l->out; fd <= &l->err; fd++)
		if (*fd >= 0)
			close(*fd);
}

static void *live_main(void *arg)
{
	struct live *l = arg;
	attach_session(l);
	shutdown(l->sock, SHUT_RDWR);
	MHD_upgrade_action(l->urh, MHD_UPGRADE_ACTION_CLOSE);
	free(l);
	return NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
		       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct live *l = cls;
	l->sock = sock;
	l->urh = urh;
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, live_main, l) != 0)
		live_main(l);
	pthread_attr_destroy(&attr);
}

void api_attach_running(struct api_request *req, struct api_response *resp, const struct hull_container *c)
{
	json_t *config = json_object_get(c->record, "Config");
	const char *keys = api_query(req, "detachKeys");
	struct live *l = hull_xcalloc(1, sizeof(*l));
	struct hull_error *err = NULL;
	l->tty = json_is_true(json_object_get(config, "Tty"));
	/* docker's default detach keys, ctrl-p ctrl-q, matter on a tty only */
	if (hull_engine_parse_detach_keys(keys && *keys ? keys : "ctrl-p,ctrl-q", l->keys, &l->keys_len, &err) < 0) {
		free(l);
		api_fail(resp, err);
		return;
	}
	if (!l->tty && !(keys && *keys))
		l->keys_len = 0;
	snprintf(l->id, sizeof(l->id), "%s", c->id);
	l->cli = req->cli;
	l->in = api_query_bool(req, "stdin") && json_is_true(json_object_get(config, "OpenStdin"));
	l->out = l->err = l->sock = -1;
	resp->status = 101;
	resp->upgrade = on_upgrade;
	resp->upgrade_cls = l;
	resp->content_type = l->tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
}
