/* sync.c - the parent <-> init handshake over a SOCK_SEQPACKET pair. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime_internal.h"

struct sync_msg {
	unsigned type;
	char text[1020];
};

int sync_send(int sock, enum sync_type type, const char *text, int fd)
{
	struct sync_msg m = { .type = type };
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	struct iovec iov = { &m, sizeof(m.type) + (text ? strlen(m.text) + 1 : 0) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

int sync_recv(int sock, enum sync_type *type, char *text, size_t len, int *fd)
{
	struct sync_msg m = { 0 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { &m, sizeof(m) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	if (fd)
		*fd = -1;
	ssize_t n;
	int resets = 0;
	/* A peer that exits with our message unread makes the kernel report
	 * ECONNRESET once, ahead of what it sent us: read on to get its text. */
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && (errno == EINTR || (errno == ECONNRESET && resets++ == 0)));
	if (n < 0)
		return -errno;
	*type = n >= (ssize_t)sizeof(m.type) ? (enum sync_type)m.type : 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int got;
		memcpy(&got, CMSG_DATA(c), sizeof(int));
		if (fd && *fd < 0)
			*fd = got;
		else
			close(got);
	}
	if (text && len)
		snprintf(text, len, "%s", m.text);
	return 0;
}

int sync_expect(int sock, enum sync_type want, int *fd, struct hull_error **err)
{
	enum sync_type type;
	char text[sizeof(((struct sync_msg *)0)->text)];
	int r = sync_recv(sock, &type, text, sizeof(text), fd);
	if (r < 0)
		return hull_error_set(err, -r, "read from the container's init");
	if (type == SYNC_ERROR)
		return hull_error_msg(err, EINVAL, "%s", text);
	if (type == 0)
		return hull_error_msg(err, EPIPE, "the container's init exited during setup");
	if (type != want)
		return hull_error_msg(err, EPROTO, "container init: unexpected message %u (wanted %u)", type, want);
	return 0;
}
