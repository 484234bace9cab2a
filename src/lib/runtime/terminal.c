/* terminal.c - process.terminal: a pty made inside the container (from its
 * own devpts), the master handed to --console-socket (runc's protocol: one
 * SCM_RIGHTS message) or to the foreground `run`, the slave made the
 * process' controlling terminal and /dev/console.
 * Reference: OCI runtime-spec config.md#process (terminal, consoleSize),
 * runc docs/terminals.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "hull/fs.h"
#include "runtime_internal.h"

int terminal_connect(const char *path, struct hull_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return hull_error_msg(err, ENAMETOOLONG, "--console-socket: path `%s` is too long", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_error_set(err, errno, "--console-socket: socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return hull_error_set(err, e, "--console-socket: connect `%s`", path);
	}
	return fd;
}

/* runc sends the pty name as the message body and the master as the fd. */
static int send_console(int sock, const char *name, int master, struct hull_error **err)
{
	struct iovec iov = { (void *)name, strlen(name) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		return hull_error_set(err, errno, "--console-socket: send the terminal");
	return 0;
}

static int bind_console(const char *slave, struct hull_error **err)
{
	int fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	if (mount(slave, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return hull_error_set(err, errno, "bind `%s` on /dev/console", slave);
	return 0;
}

int terminal_setup(struct spawn *s, struct hull_error **err)
{
	const struct hull_oci_process *p = s->cfg->process;
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return hull_error_set(err, errno, "process.terminal: open /dev/ptmx (is /dev/pts mounted?)");
	char name[64];
	if (unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0)
		return hull_error_set(err, errno, "process.terminal: unlock the pty");
	_cleanup_close_ int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return hull_error_set(err, errno, "process.terminal: open `%s`", name);
	/* the group stays devpts' gid=5 (tty), as runc leaves it */
	if (fchown(slave, p->uid, (gid_t)-1) < 0 && errno != EINVAL)
		return hull_error_set(err, errno, "process.terminal: chown `%s`", name);
	if (p->console_height || p->console_width) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height,
				      .ws_col = (unsigned short)p->console_width };
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	if (bind_console(name, err) < 0)
		return -EINVAL;
	int r = 0;
	if (s->console_fd >= 0)
		r = send_console(s->console_fd, name, master, err);
	else if (s->pty_to_parent)
		r = sync_send(s->sync_fd, SYNC_PTY, NULL, master) < 0 ? hull_error_set(err, EPIPE, "send the pty") : 0;
	if (r < 0)
		return r;
	if (s->console_fd >= 0)
		close(take_fd(s->console_fd));
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return hull_error_set(err, errno, "process.terminal: make `%s` the controlling terminal", name);
	for (int i = 0; i < 3; i++)
		if (dup2(slave, i) < 0)
			return hull_error_set(err, errno, "process.terminal: dup2");
	return 0;
}

int terminal_raw(int fd, void *saved, size_t saved_len)
{
	struct termios t;
	if (saved_len < sizeof(t) || tcgetattr(fd, &t) < 0)
		return -errno;
	memcpy(saved, &t, sizeof(t));
	cfmakeraw(&t);
	return tcsetattr(fd, TCSANOW, &t) < 0 ? -errno : 0;
}
