/* test_inroot.c - hull_open_in_root: what a path inside a root may and may
 * not reach. Each test builds a small tree under /tmp and checks where an
 * open lands by reading the file it opened. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/error.h"
#include "hull/fs.h"
#include "hull/inroot.h"

static char top[64];   /* holds root/ and a file outside it */
static char root[96];  /* the root the tests resolve in */
static int root_fd = -1;

static void put(const char *rel, const char *text)
{
	_cleanup_free_ char *p = hull_path_join(top, rel);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f, "create %s", p);
	fputs(text, f);
	fclose(f);
}

static void dir(const char *rel)
{
	_cleanup_free_ char *p = hull_path_join(top, rel);
	cr_assert_eq(mkdir(p, 0755), 0, "mkdir %s", p);
}

static void link_to(const char *target, const char *rel)
{
	_cleanup_free_ char *p = hull_path_join(top, rel);
	cr_assert_eq(symlink(target, p), 0, "symlink %s", p);
}

/* The text of the file fd opened (it must be a regular file). */
static char *text_of(int fd)
{
	static char buf[64];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
	return buf;
}

static void setup(void)
{
	strcpy(top, "/tmp/hull-test-inroot.XXXXXX");
	cr_assert_not_null(mkdtemp(top));
	snprintf(root, sizeof(root), "%s/root", top);
	dir("root");
	dir("root/etc");
	dir("root/d");
	put("root/etc/passwd", "inside");
	put("root/d/f", "d-f");
	put("passwd", "outside");
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(root_fd, 0);
}

static void teardown(void)
{
	struct hull_error *err = NULL;
	if (root_fd >= 0)
		close(root_fd);
	hull_rm_rf(top, &err);
	hull_error_free(err);
}

TestSuite(inroot, .init = setup, .fini = teardown);

Test(inroot, relative_and_absolute_names_open_inside)
{
	_cleanup_close_ int a = hull_open_in_root(root_fd, "etc/passwd", O_RDONLY, 0);
	cr_assert_geq(a, 0);
	cr_assert_str_eq(text_of(a), "inside");
	_cleanup_close_ int b = hull_open_in_root(root_fd, "//etc/passwd", O_RDONLY, 0);
	cr_assert_geq(b, 0);
	cr_assert_str_eq(text_of(b), "inside");
}

Test(inroot, dot_dot_stops_at_the_root)
{
	/* ../passwd from the root would be top/passwd ("outside") on a plain open */
	_cleanup_close_ int fd = hull_open_in_root(root_fd, "../passwd", O_RDONLY, 0);
	cr_assert_eq(fd, -ENOENT);
	_cleanup_close_ int fd2 = hull_open_in_root(root_fd, "d/../../../etc/passwd", O_RDONLY, 0);
	cr_assert_geq(fd2, 0);
	cr_assert_str_eq(text_of(fd2), "inside");
}

Test(inroot, absolute_symlink_resolves_in_the_root)
{
	char outside[128];
	snprintf(outside, sizeof(outside), "%s/passwd", top);
	link_to(outside, "root/host-path"); /* a host path: not there inside the root */
	link_to("/etc/passwd", "root/abs");
	_cleanup_close_ int fd = hull_open_in_root(root_fd, "abs", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	cr_assert_str_eq(text_of(fd), "inside");
	cr_assert_eq(hull_open_in_root(root_fd, "host-path", O_RDONLY, 0), -ENOENT);
}

Test(inroot, relative_symlink_cannot_climb_out)
{
	link_to("../../../../passwd", "root/d/up");
	_cleanup_close_ int fd = hull_open_in_root(root_fd, "d/up", O_RDONLY, 0);
	cr_assert_eq(fd, -ENOENT); /* it names root/passwd, which does not exist */
	link_to("../../../../etc/passwd", "root/d/up2");
	_cleanup_close_ int fd2 = hull_open_in_root(root_fd, "d/up2", O_RDONLY, 0);
	cr_assert_geq(fd2, 0);
	cr_assert_str_eq(text_of(fd2), "inside");
}

Test(inroot, empty_and_slash_name_the_root)
{
	struct stat want, a, b;
	cr_assert_eq(fstat(root_fd, &want), 0);
	_cleanup_close_ int fa = hull_open_in_root(root_fd, "", O_PATH | O_DIRECTORY, 0);
	_cleanup_close_ int fb = hull_open_in_root(root_fd, "/", O_PATH | O_DIRECTORY, 0);
	cr_assert_geq(fa, 0);
	cr_assert_geq(fb, 0);
	cr_assert_eq(fstat(fa, &a), 0);
	cr_assert_eq(fstat(fb, &b), 0);
	cr_assert(a.st_ino == want.st_ino && a.st_dev == want.st_dev);
	cr_assert(b.st_ino == want.st_ino && b.st_dev == want.st_dev);
}

Test(inroot, fd_is_close_on_exec)
{
	_cleanup_close_ int fd = hull_open_in_root(root_fd, "d/f", O_RDONLY, 0);
	cr_assert_geq(fd, 0);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

Test(inroot, magic_links_are_refused)
{
	/* From the host's /, /proc/self/fd/N is a magic link to an fd that
	 * could be anywhere: refused even when the root is the host's. */
	_cleanup_close_ int host = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", root_fd);
	cr_assert_eq(hull_open_in_root(host, p, O_PATH, 0), -ELOOP);
	cr_assert_eq(errno, ELOOP);
	cr_assert_eq(hull_open_in_root(host, "/proc/self/root/etc", O_PATH, 0), -ELOOP);
}

Test(inroot, no_symlinks_refuses_any_symlink)
{
	link_to("d", "root/alias");
	_cleanup_close_ int ok = hull_open_in_root(root_fd, "alias/f", O_RDONLY, 0);
	cr_assert_geq(ok, 0);
	cr_assert_str_eq(text_of(ok), "d-f");
	cr_assert_eq(hull_open_in_root(root_fd, "alias/f", O_RDONLY, HULL_IN_ROOT_NO_SYMLINKS), -ELOOP);
	cr_assert_eq(hull_open_in_root(root_fd, "alias", O_PATH, HULL_IN_ROOT_NO_SYMLINKS), -ELOOP);
	_cleanup_close_ int plain = hull_open_in_root(root_fd, "d/f", O_RDONLY, HULL_IN_ROOT_NO_SYMLINKS);
	cr_assert_geq(plain, 0);
}

Test(inroot, no_xdev_refuses_a_mount_below_the_root)
{
	/* A private mount namespace: the tmpfs never shows on the host
	 * (Criterion runs each test in its own process). */
	cr_assert_eq(unshare(CLONE_NEWNS), 0, "unshare: %s", strerror(errno));
	cr_assert_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	_cleanup_free_ char *mnt = hull_path_join(root, "d");
	cr_assert_eq(mount("tmpfs", mnt, "tmpfs", 0, "size=64k"), 0, "mount: %s", strerror(errno));
	/* root_fd still names the root in the namespace it was opened in */
	close(root_fd);
	root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(root_fd, 0);
	_cleanup_close_ int fd = hull_open_in_root(root_fd, "d", O_PATH | O_DIRECTORY, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(hull_open_in_root(root_fd, "d", O_PATH | O_DIRECTORY, HULL_IN_ROOT_NO_XDEV), -EXDEV);
	umount2(mnt, MNT_DETACH);
}

Test(inroot, bad_root_fd_fails)
{
	cr_assert_eq(hull_open_in_root(-1, "etc/passwd", O_RDONLY, 0), -EBADF);
	_cleanup_close_ int file = hull_open_in_root(root_fd, "d/f", O_RDONLY, 0);
	cr_assert_eq(hull_open_in_root(file, "x", O_RDONLY, 0), -ENOTDIR);
}

static atomic_bool stop_renaming;

static void *rename_loop(void *arg)
{
	const char *base = arg;
	char a[128], b[128];
	snprintf(a, sizeof(a), "%s/ping", base);
	snprintf(b, sizeof(b), "%s/pong", base);
	while (!atomic_load(&stop_renaming)) {
		rename(a, b);
		rename(b, a);
	}
	return NULL;
}

Test(inroot, dot_dot_survives_concurrent_renames)
{
	/* Any rename on the system while `..` is walked makes openat2 return
	 * EAGAIN; a caller (unpacking a layer, mounting a volume) must not
	 * fail because something else on the host renamed a file. */
	put("ping", "");
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, rename_loop, top), 0);
	int failures = 0, last = 0;
	for (int i = 0; i < 20000; i++) {
		int fd = hull_open_in_root(root_fd, "d/../d/../d/../etc/passwd", O_RDONLY, 0);
		if (fd < 0) {
			failures++;
			last = fd;
		} else {
			close(fd);
		}
	}
	atomic_store(&stop_renaming, true);
	pthread_join(t, NULL);
	cr_assert_eq(failures, 0, "%d of 20000 opens failed, the last with %s", failures, strerror(-last));
}
