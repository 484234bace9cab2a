/* hull/inroot.h - open a path resolved inside a root directory, never
 * outside it: the one place hull calls openat2(2) with RESOLVE_IN_ROOT.
 * Used for container rootfs paths (mounts, -u USER's /etc/passwd,
 * WORKDIR, volume copy-up), layer tar members and the paths an image
 * archive's JSON names. */
#ifndef HULL_INROOT_H
#define HULL_INROOT_H

/* Extra refusals on top of the default resolution (see hull_open_in_root). */
#define HULL_IN_ROOT_NO_SYMLINKS (1u << 0) /* any symlink on the way fails with ELOOP */
#define HULL_IN_ROOT_NO_XDEV (1u << 1)     /* crossing a mount point fails with EXDEV */

/* hull_open_in_root: open `path` relative to the directory root_fd as if
 * root_fd were `/` (openat2(2) RESOLVE_IN_ROOT): `..` stops at the root, an
 * absolute path or an absolute symlink target starts from it, so nothing
 * resolves outside it (the CVE-2021-30465 / CVE-2018-15664 class).
 * Magic links (/proc/self/fd/N, /proc/PID/root...) are always refused
 * (ELOOP); `refuse` adds HULL_IN_ROOT_* refusals. Leading slashes are
 * dropped and an empty path names the root itself. O_CLOEXEC is always
 * added to `flags`.
 * The kernel's EAGAIN (a concurrent rename or mount on the system while
 * resolving `..`) is retried up to 32 times before it is returned.
 * Returns the new fd (the caller owns it) or -errno; errno is left set too.
 * No fallback: a kernel without openat2 (< 5.6) gets -ENOSYS rather than a
 * resolution that a racing rename could escape. */
int hull_open_in_root(int root_fd, const char *path, int flags, unsigned refuse);

#endif
