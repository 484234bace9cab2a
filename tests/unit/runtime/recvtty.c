/* recvtty SOCKET: the receiving end of `--console-socket` for tests.
 * Accepts one connection, takes the pty master passed with SCM_RIGHTS,
 * prints the pty name it was sent to stderr, copies stdin to the master
 * and the master to stdout until the container side hangs up. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int receive_fd(int conn, char *name, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { name, len - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(conn, &mh, 0);
	if (n < 0)
		return -1;
	name[n] = '\0';
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: recvtty SOCKET\n");
		return 2;
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	unlink(argv[1]);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 1) < 0) {
		perror("recvtty: listen");
		return 1;
	}
	int conn = accept(s, NULL, NULL);
	char name[256];
	int master = conn < 0 ? -1 : receive_fd(conn, name, sizeof(name));
	if (master < 0) {
		perror("recvtty: receive the pty");
		return 1;
	}
	fprintf(stderr, "recvtty: got %s\n", name);
	int in_open = 1;
	for (;;) {
		struct pollfd p[2] = { { master, POLLIN, 0 }, { in_open ? 0 : -1, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 1;
		char buf[4096];
		if (p[0].revents) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n <= 0)
				return 0; /* EIO: every slave fd is closed */
			if (write(1, buf, (size_t)n) < 0)
				return 1;
		}
		if (p[1].revents) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0)
				in_open = 0;
			else if (write(master, buf, (size_t)n) < 0)
				return 1;
		}
	}
}
