/* inroot.c - paths resolved inside a root with openat2(2) (see
 * include/hull/inroot.h). Reference: openat2(2), RESOLVE_IN_ROOT. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hull/inroot.h"

#define OPEN_IN_ROOT_ATTEMPTS 32

int hull_open_in_root(int root_fd, const char *path, int flags, unsigned refuse)
{
	struct open_how how = {
		.flags = (unsigned long long)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	if (refuse & HULL_IN_ROOT_NO_SYMLINKS)
		how.resolve |= RESOLVE_NO_SYMLINKS;
	if (refuse & HULL_IN_ROOT_NO_XDEV)
		how.resolve |= RESOLVE_NO_XDEV;
	/* RESOLVE_IN_ROOT already treats `/a` as `a`; dropping the slashes
	 * lets "" and "/" both name the root (openat2 refuses "" with ENOENT). */
	while (*path == '/')
		path++;
	if (!*path)
		path = ".";
	/* EAGAIN: a rename or mount anywhere on the system raced a `..` step,
	 * and the kernel could not prove it stayed inside; openat2(2) asks the
	 * caller to retry. Bounded, so that a hostile loop of renames ends in
	 * an error, not a hang. */
	for (int attempt = 0;; attempt++) {
		long fd = syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != EAGAIN || attempt == OPEN_IN_ROOT_ATTEMPTS - 1)
			return -errno;
	}
}
