/* rootfs.c - switch to the rootfs (pivot_root, or chroot with --no-pivot),
 * then masked paths, read-only paths and a read-only root.
 * Reference: OCI runtime-spec config-linux.md#masked-paths, #readonly-paths,
 * config.md#root. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/inroot.h"
#include "runtime_internal.h"

/* pivot_root(".", ".") stacks the old root on top of the new one at "/";
 * detaching the top mount leaves only the new root, with no directory for
 * the old one needed inside the rootfs (as runc and crun do). The old root
 * is made a slave first so the detach does not propagate to the host. */
static int do_pivot(const char *rootfs, struct hull_error **err)
{
	if (chdir(rootfs) < 0)
		return hull_error_set(err, errno, "chdir `%s`", rootfs);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return hull_error_set(err, errno, "pivot_root `%s`", rootfs);
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return hull_error_set(err, errno, "make the old root a slave");
	if (umount2(".", MNT_DETACH) < 0)
		return hull_error_set(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return hull_error_set(err, errno, "chdir /");
	return 0;
}

/* With chroot the host's full procfs and sysfs stay reachable in the mount
 * namespace, and the kernel then lets a user namespace inside mount a bare
 * /proc (no masked paths): detach them first, or cover them where that is
 * refused (runc's msMoveRoot does the same). */
static int hide_host_proc_sys(const char *rootfs, struct hull_error **err)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	size_t n = 0, len = strlen(rootfs);
	char **points = NULL;
	while (f && fgets(line, sizeof(line), f)) {
		char root[1024], point[1024], type[64];
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s", root, point) != 2 ||
		    sscanf(dash + 3, "%63s", type) != 1)
			continue;
		if (strcmp(root, "/") || (strcmp(type, "proc") && strcmp(type, "sysfs")) ||
		    (!strncmp(point, rootfs, len) && (point[len] == '/' || !point[len])))
			continue;
		points = hull_xrealloc(points, (n + 2) * sizeof(char *));
		points[n++] = hull_xstrdup(point);
		points[n] = NULL;
	}
	_cleanup_strv_ char **list = points;
	for (size_t i = 0; i < n; i++) {
		if (mount(NULL, list[i], NULL, MS_SLAVE | MS_REC, NULL) < 0 && errno == ENOENT)
			continue; /* gone with a parent detached before */
		if (umount2(list[i], MNT_DETACH) == 0 || errno == ENOENT)
			continue;
		if ((errno == EINVAL || errno == EPERM) && mount("tmpfs", list[i], "tmpfs", 0, NULL) < 0 &&
		    errno != ENOENT)
			return hull_error_set(err, errno, "--no-pivot: cover the host's `%s`", list[i]);
	}
	return 0;
}

/* --no-pivot: for a rootfs on ramfs/initramfs, where pivot_root is refused.
 * The rootfs is moved over / and chrooted into (runc's msMoveRoot). */
static int do_chroot(const char *rootfs, struct hull_error **err)
{
	if (hide_host_proc_sys(rootfs, err) < 0)
		return -EINVAL;
	if (chdir(rootfs) < 0)
		return hull_error_set(err, errno, "chdir `%s`", rootfs);
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return hull_error_set(err, errno, "move `%s` to /", rootfs);
	if (chroot(".") < 0)
		return hull_error_set(err, errno, "chroot `%s`", rootfs);
	if (chdir("/") < 0)
		return hull_error_set(err, errno, "chdir /");
	return 0;
}

int rootfs_pivot(const char *rootfs, bool no_pivot, struct hull_error **err)
{
	return no_pivot ? do_chroot(rootfs, err) : do_pivot(rootfs, err);
}

/* A masked directory gets an empty read-only tmpfs, a masked file
 * /dev/null; paths that do not exist are skipped (runc does the same). */
static int mask_path(const char *path, struct hull_error **err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? 0 : hull_error_set(err, errno, "linux.maskedPaths: `%s`", path);
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k,mode=555") < 0)
			return hull_error_set(err, errno, "linux.maskedPaths: mask `%s`", path);
		return 0;
	}
	if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0) {
		if (errno == ENOENT && access("/dev/null", F_OK) < 0)
			return hull_error_msg(err, ENOENT,
					      "linux.maskedPaths: mask `%s`: the container's /dev has no null "
					      "device (a /dev bind mount must provide one)",
					      path);
		return hull_error_set(err, errno, "linux.maskedPaths: mask `%s`", path);
	}
	return 0;
}

static int readonly_path(const char *path, struct hull_error **err)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return 0;
		return hull_error_set(err, errno, "linux.readonlyPaths: bind `%s`", path);
	}
	if (remount_bind(path, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
		return hull_error_wrap(err, -EINVAL, "linux.readonlyPaths");
	return 0;
}

int rootfs_finalize(const struct hull_oci_config *cfg, struct hull_error **err)
{
	for (char **p = cfg->readonly_paths; *p; p++)
		if (readonly_path(*p, err) < 0)
			return -EINVAL;
	for (char **p = cfg->masked_paths; *p; p++)
		if (mask_path(*p, err) < 0)
			return -EINVAL;
	if (cfg->root_readonly && remount_bind("/", MS_RDONLY, err) < 0)
		return hull_error_wrap(err, -EINVAL, "root.readonly");
	return 0;
}

int rootfs_propagation(const struct hull_oci_config *cfg, struct hull_error **err)
{
	unsigned long prop = cfg->rootfs_propagation;
	if (!(prop & (MS_SHARED | MS_UNBINDABLE)))
		return 0;
	/* config-linux.md#rootfs-mount-propagation: a shared "/" gets a peer
	 * group of its own; it stays a slave of the host's mounts, so the
	 * container's mounts never reach the host */
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return hull_error_set(err, errno, "linux.rootfsPropagation: make / %s%s", (prop & MS_REC) ? "r" : "",
				      (prop & MS_SHARED) ? "shared" : "unbindable");
	if (!(prop & MS_REC))
		return 0;
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hull_error_set(err, errno, "open /");
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		if (!m->propagation)
			continue;
		_cleanup_close_ int fd = hull_open_in_root(root, m->destination, O_PATH, 0);
		if (fd < 0)
			return hull_error_set(err, -fd, "config.json: mounts[%zu]: open `%s`", i, m->destination);
		char target[64];
		snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
		if (mount(NULL, target, NULL, m->propagation, NULL) < 0)
			return hull_error_set(err, errno, "config.json: mounts[%zu]: set propagation of `%s`", i,
					      m->destination);
	}
	return 0;
}
