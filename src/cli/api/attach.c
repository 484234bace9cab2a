/* attach.c - the hijacked attach connection (HTTP 101, "Upgrade: tcp")
 * and the start that hands it to the monitor.
 *
 * docker run attaches before it starts: the connection waits here, keyed
 * by container id, until POST /containers/{id}/start takes it. The monitor
 * writes the container's output to what it is given; without a tty that
 * is a pair of pipes, which a relay thread frames in docker's stream
 * format (a header of 8 bytes: stream, 0, 0, 0, big-endian length). */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "hull/attach.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"

/* A hijacked connection waiting for its start, then relayed. */
struct link {
	char id[HULL_ID_LEN + 1];
	int sock;
	struct MHD_UpgradeResponseHandle *urh;
	bool tty, stdin_open;
	int out, err; /* read ends of the monitor's pipes (no tty), -1 */
	int exit_fd;
	pid_t monitor;
	bool abandoned; /* its start came and went before its upgrade */
	struct link *next;
};

/* A finished attached run's exit code, for wait (ring of the last ones). */
struct exit_rec {
	char id[HULL_ID_LEN + 1];
	int code; /* -1: still running */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t upgraded = PTHREAD_COND_INITIALIZER;
static struct link *waiting;
static struct exit_rec exits[64];
static size_t exits_next;

static void set_exit(const char *id, int code)
{
	pthread_mutex_lock(&lock);
	size_t i;
	for (i = 0; i < sizeof(exits) / sizeof(exits[0]); i++)
		if (!strcmp(exits[i].id, id))
			break;
	if (i == sizeof(exits) / sizeof(exits[0])) {
		i = exits_next++ % (sizeof(exits) / sizeof(exits[0]));
		snprintf(exits[i].id, sizeof(exits[i].id), "%s", id);
	}
	exits[i].code = code;
	pthread_mutex_unlock(&lock);
}

bool api_attach_exit_code(const char *id, int *code)
{
	for (int tries = 0; tries < 600; tries++) { /* the monitor says it after --rm's removal */
		int found = -2;
		pthread_mutex_lock(&lock);
		for (size_t i = 0; i < sizeof(exits) / sizeof(exits[0]); i++)
			if (!strcmp(exits[i].id, id))
				found = exits[i].code;
		pthread_mutex_unlock(&lock);
		if (found == -2)
			return false;
		if (found >= 0) {
			*code = found;
			return true;
		}
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return false;
}

static void link_close(struct link *l)
{
	if (l->out >= 0)
		close(l->out);
	if (l->err >= 0)
		close(l->err);
	if (l->exit_fd >= 0)
		close(l->exit_fd);
	shutdown(l->sock, SHUT_RDWR);
	MHD_upgrade_action(l->urh, MHD_UPGRADE_ACTION_CLOSE);
	free(l);
}

/* One chunk from fd as a frame of stream; false at EOF. */
static bool relay_chunk(int sock, int *fd, uint8_t stream)
{
	uint8_t buf[8 + 16384];
	ssize_t n = read(*fd, buf + 8, sizeof(buf) - 8);
	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return false;
	}
	memset(buf, 0, 8);
	buf[0] = stream;
	buf[4] = (uint8_t)(n >> 24);
	buf[5] = (uint8_t)(n >> 16);
	buf[6] = (uint8_t)(n >> 8);
	buf[7] = (uint8_t)n;
	hull_write_all(sock, buf, (size_t)n + 8); /* a client gone: keep draining, the writer must not block */
	return true;
}

void api_relay_frames(int sock, int *out, int *err)
{
	while (*out >= 0 || *err >= 0) {
		struct pollfd p[2] = {{.fd = *out, .events = POLLIN}, {.fd = *err, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			relay_chunk(sock, out, 1);
		if (p[1].revents)
			relay_chunk(sock, err, 2);
	}
}

static void *relay(void *arg)
{
	struct link *l = arg;
	api_relay_frames(l->sock, &l->out, &l->err);
	int code = 0, r;
	while ((r = hull_engine_exit_code(l->exit_fd, &code)) == -EINTR)
		;
	l->exit_fd = -1; /* closed by hull_engine_exit_code */
	int status = 0;
	while (waitpid(l->monitor, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 125;
	set_exit(l->id, code);
	link_close(l);
	return NULL;
}

/* The upgrade is done: the parked link gets its connection. The client
 * may have read the 101 and sent its start before this runs: the link was
 * parked when the attach was answered, and the start waits for this. */
static void on_upgrade(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
		       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct link *l = cls;
	pthread_mutex_lock(&lock);
	l->sock = sock;
	l->urh = urh;
	bool abandoned = l->abandoned;
	pthread_cond_broadcast(&upgraded);
	pthread_mutex_unlock(&lock);
	if (abandoned)
		link_close(l);
}

void api_container_attach(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	if (c->state.status == HULL_ENGINE_PAUSED || c->state.status == HULL_ENGINE_RESTARTING) {
		api_error(resp, 409, "You cannot attach to a %s container",
			  c->state.status == HULL_ENGINE_PAUSED ? "paused" : "restarting");
		return;
	}
	if (c->state.status == HULL_ENGINE_RUNNING) {
		api_attach_running(req, resp, c);
		return;
	}
	struct link *l = calloc(1, sizeof(*l));
	if (!l) {
		api_error(resp, 500, "out of memory");
		return;
	}
	snprintf(l->id, sizeof(l->id), "%s", c->id);
	l->tty = json_is_true(json_object_get(json_object_get(c->record, "Config"), "Tty"));
	l->stdin_open = api_query_bool(req, "stdin") &&
			json_is_true(json_object_get(json_object_get(c->record, "Config"), "OpenStdin"));
	l->out = l->err = l->exit_fd = -1;
	l->sock = -1;
	pthread_mutex_lock(&lock);
	l->next = waiting;
	waiting = l;
	pthread_mutex_unlock(&lock);
	resp->status = 101;
	resp->upgrade = on_upgrade;
	resp->upgrade_cls = l;
	resp->content_type = l->tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream";
}

/* The link parked for id, once its connection is there (up to 5 s after
 * the attach was answered); NULL when there is none, or when its upgrade
 * did not come in time (its client left, or will find it closed). */
static struct link *take_waiting(const char *id)
{
	pthread_mutex_lock(&lock);
	struct link **pp = &waiting, *l = NULL;
	for (; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->id, id)) {
			l = *pp;
			*pp = l->next;
			break;
		}
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	while (l && !l->urh && pthread_cond_timedwait(&upgraded, &lock, &deadline) == 0)
		;
	if (l && !l->urh) {
		/* its upgrade may still come: on_upgrade closes it then */
		l->abandoned = true;
		l = NULL;
	}
	pthread_mutex_unlock(&lock);
	return l;
}

int api_attach_start(struct hull_cli *cli, struct hull_container *c, struct hull_error **err)
{
	pid_t monitor;
	int exit_fd;
	struct link *l = take_waiting(c->id);
	if (!l) {
		struct hull_attach detached = {.fds = {0, 1, 2}, .close_fds = true};
		return hull_engine_start(&cli->ctx, c, &detached, &monitor, &exit_fd, err);
	}
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct hull_attach a = {.attach = true,
				.stdin_open = l->stdin_open,
				.close_fds = true,
				.fds = {l->stdin_open ? l->sock : devnull, l->sock, l->sock}};
	int out[2] = {-1, -1}, errp[2] = {-1, -1};
	if (!l->tty) {
		if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
			int e = errno;
			for (int i = 0; i < 2; i++) {
				if (out[i] >= 0)
					close(out[i]);
				if (errp[i] >= 0)
					close(errp[i]);
			}
			link_close(l);
			return hull_error_set(err, e, "attach: pipe");
		}
		a.fds[1] = out[1];
		a.fds[2] = errp[1];
	}
	set_exit(c->id, -1);
	int r = hull_engine_start(&cli->ctx, c, &a, &monitor, &exit_fd, err);
	if (out[1] >= 0) {
		close(out[1]);
		close(errp[1]);
	}
	l->out = out[0];
	l->err = errp[0];
	if (r < 0) {
		set_exit(c->id, 125);
		link_close(l);
		return r;
	}
	l->monitor = monitor;
	l->exit_fd = exit_fd;
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, relay, l) != 0)
		relay(l); /* no thread: relay here, the start answers late */
	pthread_attr_destroy(&attr);
	return 0;
}

/* ?h=ROWS&w=COLS: docker's resize query, 0 with a 400 in resp when bad. */
int api_resize_args(struct api_request *req, struct api_response *resp, unsigned *rows, unsigned *cols)
{
	const char *h = api_query(req, "h"), *w = api_query(req, "w");
	char *end1 = NULL, *end2 = NULL;
	unsigned long r = h ? strtoul(h, &end1, 10) : 0, c = w ? strtoul(w, &end2, 10) : 0;
	if (!h || !w || *end1 || *end2 || r > 0xffff || c > 0xffff) {
		api_error(resp, 400, "resize: h and w must be numbers of rows and columns");
		return -1;
	}
	*rows = (unsigned)r;
	*cols = (unsigned)c;
	return 0;
}

void api_container_resize(struct api_request *req, struct api_response *resp)
{
	unsigned rows, cols;
	if (api_resize_args(req, resp, &rows, &cols) < 0)
		return;
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	struct hull_error *err = NULL;
	if (hull_engine_resize(c, rows, cols, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	resp->raw = hull_xstrdup("");
}
