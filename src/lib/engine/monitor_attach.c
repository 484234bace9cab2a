/* monitor_attach.c - the monitor's side of `hull attach`: a listening
 * socket in the container directory (attach_proto.h), the container's
 * output copied to every attached client, their input to its stdin or
 * pty, and the exit status told to them when the process ends. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/logs.h"
#include "attach_proto.h"
#include "monitor_internal.h"

void monitor_attach_init(struct attach_hub *hub)
{
	hub->listen = -1;
	for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) {
		hub->clients[i] = -1;
		hub->input_open[i] = false;
	}
}

int monitor_attach_listen(struct attach_hub *hub, const char *dir, struct hull_error **err)
{
	_cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return hull_error_set(err, errno, "open `%s`", dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	attach_socket_path(sa.sun_path, sizeof(sa.sun_path), dirfd);
	unlink(sa.sun_path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, ATTACH_MAX_CLIENTS) < 0)
		return hull_error_set(err, errno, "attach socket `%s/%s`", dir, ATTACH_SOCKET);
	hub->listen = take_fd(fd);
	return 0;
}

static void drop(struct attach_hub *hub, int i)
{
	close(hub->clients[i]);
	hub->clients[i] = -1;
	hub->input_open[i] = false;
}

static void accept_client(struct attach_hub *hub)
{
	int fd = accept4(hub->listen, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* a client that stops reading must not stall the container's
	 * output (and its log) for long: it is dropped after a second */
	struct timeval timeout = { .tv_sec = 1 };
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
	for (int i = 0; i < ATTACH_MAX_CLIENTS; i++)
		if (hub->clients[i] < 0) {
			hub->clients[i] = fd;
			hub->input_open[i] = true;
			return;
		}
	close(fd); /* full */
}

size_t monitor_attach_pollfds(const struct attach_hub *hub, struct pollfd *p)
{
	size_t n = 0;
	if (!hub || hub->listen < 0)
		return 0;
	p[n++] = (struct pollfd){ .fd = hub->listen, .events = POLLIN };
	for (int i = 0; i < ATTACH_MAX_CLIENTS; i++)
		p[n++] = (struct pollfd){ .fd = hub->clients[i], .events = hub->input_open[i] ? POLLIN : 0 };
	return n;
}

/* One message from client i: input for the container, or a resize. */
static void client_input(struct attach_hub *hub, int i, int in, int master)
{
	char buf[ATTACH_MAX_PAYLOAD + 1];
	ssize_t n = recv(hub->clients[i], buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* its stdin ended (or it went): the container's stays open
		 * for the next attach, as docker's does without StdinOnce */
		hub->input_open[i] = false;
		return;
	}
	if (buf[0] == ATTACH_RESIZE && (size_t)n == 1 + sizeof(struct winsize) && master >= 0) {
		struct winsize ws;
		memcpy(&ws, buf + 1, sizeof(ws));
		ioctl(master, TIOCSWINSZ, &ws);
		return;
	}
	int to = master >= 0 ? master : in;
	if (buf[0] == ATTACH_STDIN && n > 1 && to >= 0)
		hull_write_all(to, buf + 1, (size_t)n - 1);
}

void monitor_attach_handle(struct attach_hub *hub, const struct pollfd *p, int in, int master)
{
	if (!hub || hub->listen < 0)
		return;
	if (p[0].revents & POLLIN)
		accept_client(hub);
	for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) {
		short ev = p[1 + i].revents;
		if (hub->clients[i] < 0 || p[1 + i].fd != hub->clients[i] || !ev)
			continue;
		if (ev & POLLIN)
			client_input(hub, i, in, master);
		else if (ev & (POLLHUP | POLLERR | POLLNVAL))
			drop(hub, i);
	}
}

void monitor_attach_send(struct attach_hub *hub, int stream, const char *buf, size_t len)
{
	if (!hub)
		return;
	char type = stream == HULL_STREAM_STDERR ? ATTACH_STDERR : ATTACH_STDOUT;
	for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) {
		if (hub->clients[i] < 0)
			continue;
		for (size_t off = 0; off < len; off += ATTACH_MAX_PAYLOAD) {
			size_t chunk = len - off < ATTACH_MAX_PAYLOAD ? len - off : ATTACH_MAX_PAYLOAD;
			if (attach_send_message(hub->clients[i], type, buf + off, chunk) < 0) {
				drop(hub, i);
				break;
			}
		}
	}
}

void monitor_attach_end(struct attach_hub *hub, int code)
{
	if (!hub)
		return;
	char word[16];
	int len = snprintf(word, sizeof(word), "%d", code);
	for (int i = 0; i < ATTACH_MAX_CLIENTS; i++) {
		if (hub->clients[i] < 0)
			continue;
		attach_send_message(hub->clients[i], ATTACH_EXIT, word, (size_t)len);
		drop(hub, i);
	}
}

void monitor_attach_close(struct attach_hub *hub, const char *dir)
{
	monitor_attach_end(hub, 255);
	if (hub->listen < 0)
		return;
	close(hub->listen);
	hub->listen = -1;
	_cleanup_free_ char *p = hull_path_join(dir, ATTACH_SOCKET);
	unlink(p);
}
