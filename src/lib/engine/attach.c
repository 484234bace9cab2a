/* attach.c - `hull attach`: the client's side of the monitor's attach
 * socket (attach_proto.h): the container's output to our stdout/stderr,
 * our stdin to it, the detach keys (docker's ctrl-p,ctrl-q), the pty's
 * size, and the exit status at the end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "hull/attach.h"
#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "attach_proto.h"
#include "store_internal.h"

int hull_engine_parse_detach_keys(const char *spec, char *keys, size_t *len, struct hull_error **err)
{
	size_t n = 0;
	_cleanup_free_ char *copy = hull_xstrdup(spec);
	char *save = NULL;
	for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
		if (n >= HULL_DETACH_KEYS_MAX)
			return hull_error_msg(err, EINVAL, "--detach-keys `%s`: at most %d keys", spec,
					      HULL_DETACH_KEYS_MAX);
		if (strlen(k) == 1) {
			keys[n++] = k[0];
			continue;
		}
		/* docker's ctrl-<value>: a-z, @, [, \, ], ^, _ */
		if (strlen(k) == 6 && !strncmp(k, "ctrl-", 5) &&
		    ((k[5] >= 'a' && k[5] <= 'z') || strchr("@[\\]^_", k[5]))) {
			keys[n++] = (char)(k[5] & 0x1f);
			continue;
		}
		return hull_error_msg(err, EINVAL,
				      "--detach-keys `%s`: `%s` is not a key: use a single character or ctrl-X "
				      "(X one of a-z @ [ \\ ] ^ _), comma separated, as `ctrl-p,ctrl-q`",
				      spec, k);
	}
	if (n == 0)
		return hull_error_msg(err, EINVAL, "--detach-keys `%s`: no key", spec);
	*len = n;
	return 0;
}

static int connect_monitor(const struct hull_container *c, struct hull_error **err)
{
	_cleanup_close_ int dirfd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return hull_error_set(err, errno, "open `%s`", c->dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	attach_socket_path(sa.sun_path, sizeof(sa.sun_path), dirfd);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_error_set(err, errno, "attach to %s: socket", c->name);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return hull_error_set(err, errno, "attach to %s: connect to its monitor (`%s/%s`)", c->name, c->dir,
				      ATTACH_SOCKET);
	}
	return fd;
}

int attach_send_message(int sock, char type, const char *buf, size_t len)
{
	char msg[ATTACH_MAX_PAYLOAD + 1];
	msg[0] = type;
	memcpy(msg + 1, buf, len);
	ssize_t n;
	while ((n = send(sock, msg, len + 1, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n == (ssize_t)(len + 1) ? 0 : -EPIPE;
}

/* The size of whichever of our stdin/stdout is a terminal, to the pty
 * when it changed. */
static void send_size(int sock, const struct hull_attach_options *o, struct winsize *last)
{
	struct winsize ws;
	if (ioctl(o->fds[0], TIOCGWINSZ, &ws) < 0 && ioctl(o->fds[1], TIOCGWINSZ, &ws) < 0)
		return;
	if (ws.ws_row == last->ws_row && ws.ws_col == last->ws_col)
		return;
	*last = ws;
	attach_send_message(sock, ATTACH_RESIZE, (const char *)&ws, sizeof(ws));
}

struct session {
	int sock;
	const struct hull_attach_options *o;
	size_t matched; /* bytes of the detach sequence seen so far, held back */
	bool stdin_open;
};

/* Our input to the container, the detach sequence taken out. Returns 1
 * when it was typed, 0 to go on, <0 when the monitor went. */
static int forward_input(struct session *s)
{
	char in[ATTACH_MAX_PAYLOAD / 2], out[ATTACH_MAX_PAYLOAD];
	ssize_t n = read(s->o->fds[0], in, sizeof(in));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		/* the container's stdin stays open for the next attach */
		s->stdin_open = false;
		shutdown(s->sock, SHUT_WR);
		return 0;
	}
	size_t len = 0;
	bool detach = engine_detach_scan(s->o->detach_keys, s->o->detach_len, &s->matched, in, (size_t)n, out, &len);
	if (len && attach_send_message(s->sock, ATTACH_STDIN, out, len) < 0)
		return -EPIPE;
	return detach ? 1 : 0;
}

bool engine_detach_scan(const char *keys, size_t keys_len, size_t *matched, const char *in, size_t n, char *out,
			size_t *out_len)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = in[i];
		if (keys_len && ch == keys[*matched]) {
			if (++*matched == keys_len) {
				*matched = 0;
				*out_len = len;
				return true;
			}
			continue;
		}
		/* a false start: the held keys were input after all */
		memcpy(out + len, keys, *matched);
		len += *matched;
		*matched = 0;
		if (keys_len && ch == keys[0]) {
			*matched = 1;
			continue;
		}
		out[len++] = ch;
	}
	*out_len = len;
	return false;
}

/* A message from the monitor. Returns 1 at the end (code set), 0 to go
 * on, -EPIPE when the monitor closed without a word. */
static int take_output(struct session *s, int *code)
{
	char buf[ATTACH_MAX_PAYLOAD + 2];
	ssize_t n = recv(s->sock, buf, sizeof(buf) - 1, 0);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0)
		return -EPIPE;
	if (buf[0] == ATTACH_EXIT) {
		buf[n] = '\0';
		*code = atoi(buf + 1);
		return 1;
	}
	int to = buf[0] == ATTACH_STDERR ? s->o->fds[2] : s->o->fds[1];
	hull_write_all(to, buf + 1, (size_t)n - 1);
	return 0;
}

static int check_running(struct hull_container *c, struct hull_error **err)
{
	if (hull_container_load_state(c, err) < 0)
		return -EINVAL;
	switch (c->state.status) {
	case HULL_ENGINE_RUNNING: return 0;
	case HULL_ENGINE_PAUSED:
		return hull_error_msg(err, EINVAL, "You cannot attach to a paused container, unpause it first");
	case HULL_ENGINE_RESTARTING:
		return hull_error_msg(err, EINVAL, "You cannot attach to a restarting container, wait until it is running");
	default: return hull_error_msg(err, EINVAL, "You cannot attach to a stopped container, start it first");
	}
}

int hull_engine_resize(struct hull_container *c, unsigned rows, unsigned cols, struct hull_error **err)
{
	int r = check_running(c, err);
	if (r < 0)
		return r;
	_cleanup_record_ struct hull_container_record rec;
	hull_container_record_parse(c->record, "container.json", &rec, NULL); /* a bad member reads as absent */
	if (!rec.config.tty)
		return hull_error_msg(err, EINVAL, "container %s has no tty to resize", c->name);
	if (rows > 0xffff || cols > 0xffff)
		return hull_error_msg(err, EINVAL, "resize %s: %ux%u is not a terminal size", c->name, rows, cols);
	_cleanup_close_ int sock = connect_monitor(c, err);
	if (sock < 0)
		return sock;
	struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
	if (attach_send_message(sock, ATTACH_RESIZE, (const char *)&ws, sizeof(ws)) < 0)
		return hull_error_msg(err, EPIPE, "resize %s: its monitor went away", c->name);
	return 0;
}

int hull_engine_attach(struct hull_container *c, const struct hull_attach_options *o, int *code, bool *detached,
		       struct hull_error **err)
{
	*detached = false;
	*code = 0;
	int r = check_running(c, err);
	if (r < 0)
		return r;
	_cleanup_close_ int sock = connect_monitor(c, err);
	if (sock < 0)
		return sock;
	_cleanup_record_ struct hull_container_record rec;
	hull_container_record_parse(c->record, "container.json", &rec, NULL); /* a bad member reads as absent */
	bool tty = rec.config.tty;
	struct session s = { .sock = sock, .o = o, .stdin_open = o->stdin && rec.config.open_stdin };
	struct winsize last = { 0 };
	for (;;) {
		if (tty)
			send_size(sock, o, &last);
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
				       { .fd = s.stdin_open ? o->fds[0] : -1, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno != EINTR)
				return hull_error_set(err, errno, "attach to %s: poll", c->name);
			if (o->interrupted)
				o->interrupted(o->data);
			continue;
		}
		if (p[0].revents) {
			r = take_output(&s, code);
			if (r == 1)
				return 0;
			if (r < 0)
				break;
		}
		if (p[1].revents) {
			r = forward_input(&s);
			if (r == 1) {
				*detached = true;
				return 0;
			}
			if (r < 0)
				break;
		}
	}
	/* no exit word: the monitor was killed; its record says what it knows */
	if (hull_container_load_state(c, NULL) == 0 && c->state.status == HULL_ENGINE_EXITED) {
		*code = c->state.exit_code;
		return 0;
	}
	return hull_error_msg(err, EPIPE, "attach to %s: the connection to its monitor was lost", c->name);
}
