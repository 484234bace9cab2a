/* unixsock.c - the VMM's listening unix sockets (--api-socket, the vsock
 * host side): bound at a path the user gave, and removed on the way out.
 * A path is only ever unlinked when it is a socket: a stale one nobody
 * answers on (before binding), or the very one we bound (after). Any other
 * file at the path - a disk image, a config file named by mistake or by a
 * hostile snapshot - is refused and left alone. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "vm.h"

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* A socket file at sa's path that refuses connections is stale (its
 * server is gone): remove it. Anything else stays, with an error. */
static int remove_stale(const struct sockaddr_un *sa, struct hull_error **err)
{
	const char *path = sa->sun_path;
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : hull_error_set(err, errno, "stat `%s`", path);
	if (!S_ISSOCK(st.st_mode))
		return hull_error_msg(err, EEXIST,
				      "`%s` exists and is not a socket: hull will not replace it; "
				      "remove it or give another path",
				      path);
	_cleanup_close_ int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return hull_error_set(err, errno, "create a unix socket to probe `%s`", path);
	if (connect(probe, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		return hull_error_msg(err, EADDRINUSE, "`%s` is served by another process", path);
	if (errno != ECONNREFUSED)
		return hull_error_set(err, errno, "`%s` is a socket hull cannot tell stale (connect)", path);
	/* Left behind by a hull that was killed. Unlink it only if it is still
	 * the socket we looked at. */
	struct stat again;
	if (lstat(path, &again) == 0 && same_file(&st, &again) && S_ISSOCK(again.st_mode) && unlink(path) < 0 &&
	    errno != ENOENT)
		return hull_error_set(err, errno, "remove the stale socket `%s`", path);
	return 0;
}

int vm_unix_listen(const char *path, struct stat *bound, struct hull_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return hull_error_msg(err, ENAMETOOLONG, "`%s` is too long for a unix socket path", path);
	strcpy(sa.sun_path, path);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_error_set(err, errno, "create a unix socket for `%s`", path);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0 && errno == EADDRINUSE) {
		if ((r = remove_stale(&sa, err)) < 0)
			return r;
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (r < 0)
		return hull_error_set(err, errno, "bind `%s`", path);
	if (lstat(path, bound) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		unlink(path); /* bind just made it */
		return hull_error_set(err, e, "listen on `%s`", path);
	}
	return take_fd(fd);
}

void vm_unix_unlink(const char *path, const struct stat *bound)
{
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && same_file(&st, bound))
		unlink(path);
}
