/* mounts.c - config.json mounts into the rootfs, before pivot_root.
 * Every destination is resolved with hull_open_in_root (openat2
 * RESOLVE_IN_ROOT), so a symlink in the rootfs cannot point a mount at the
 * host (CVE-2021-30465 class), and mount(2) is given the resolved
 * /proc/self/fd/N.
 * Reference: OCI runtime-spec config.md#mounts, config-linux.md#mount-propagation. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hull/fs.h"
#include "hull/inroot.h"
#include "runtime_internal.h"

/* mkdir -p of dest's directories inside the root; returns an O_PATH fd of
 * the parent directory and points *leaf at the last component. */
static int make_parents(int rootfd, char *path, char **leaf, struct hull_error **err)
{
	char *slash = strrchr(path, '/');
	*leaf = slash ? slash + 1 : path;
	if (!slash || slash == path)
		return hull_open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0);
	*slash = '\0';
	int fd = hull_open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
	if (fd == -ENOENT) {
		char *leaf2;
		int parent = make_parents(rootfd, path, &leaf2, err);
		if (parent < 0) {
			*slash = '/';
			return parent;
		}
		if (mkdirat(parent, leaf2, 0755) < 0 && errno != EEXIST) {
			int e = errno;
			close(parent);
			*slash = '/';
			return hull_error_set(err, e, "mkdir `%s` in the rootfs", path);
		}
		close(parent);
		fd = hull_open_in_root(rootfd, path, O_PATH | O_DIRECTORY, 0);
	}
	if (fd < 0)
		hull_error_set(err, -fd, "open `%s` in the rootfs", path);
	*slash = '/';
	return fd;
}

int mount_target(int rootfd, const char *dest, bool file, struct hull_error **err)
{
	int fd = hull_open_in_root(rootfd, dest, O_PATH, 0);
	if (fd >= 0 || fd != -ENOENT) {
		if (fd < 0)
			return hull_error_set(err, -fd, "open `%s` in the rootfs", dest);
		return fd;
	}
	_cleanup_free_ char *copy = hull_xstrdup(dest);
	char *leaf;
	_cleanup_close_ int parent = make_parents(rootfd, copy, &leaf, err);
	if (parent < 0)
		return parent;
	if (file) {
		int f = openat(parent, leaf, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (f < 0 && errno != EEXIST && errno != ELOOP)
			return hull_error_set(err, errno, "create `%s` in the rootfs", dest);
		if (f >= 0)
			close(f);
	} else if (mkdirat(parent, leaf, 0755) < 0 && errno != EEXIST) {
		return hull_error_set(err, errno, "mkdir `%s` in the rootfs", dest);
	}
	fd = hull_open_in_root(rootfd, dest, O_PATH, 0);
	if (fd < 0)
		return hull_error_set(err, -fd, "open `%s` in the rootfs", dest);
	return fd;
}

/* After mount(2) on /proc/self/fd/N, that fd still names the directory
 * underneath; flags and propagation must go to the new mount on top. */
static int reopen(int rootfd, const char *dest, char target[64], struct hull_error **err)
{
	int fd = hull_open_in_root(rootfd, dest, O_PATH, 0);
	if (fd < 0)
		return hull_error_set(err, -fd, "open `%s` in the rootfs", dest);
	snprintf(target, 64, "/proc/self/fd/%d", fd);
	return fd;
}

/* Flags the kernel refuses to clear on a remount when the mount came from a
 * more privileged namespace (mount_namespaces(7) "locked" flags): keep them. */
static unsigned long locked_flags(const char *target)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(target, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

int remount_bind(const char *target, unsigned long flags, struct hull_error **err)
{
	flags &= MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
		 MS_STRICTATIME;
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags, NULL) == 0)
		return 0;
	if (errno == EPERM &&
	    mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | flags | (locked_flags(target) & ~MS_RDONLY), NULL) == 0)
		return 0;
	return hull_error_set(err, errno, "remount `%s`", target);
}

/* source_fd: the source as the parent opened it (mounts_send_sources), or
 * -1 to resolve m->source here. */
static int mount_bind(const struct hull_oci_mount *m, int rootfd, int source_fd, struct hull_error **err)
{
	char fd_path[64];
	const char *source = m->source;
	if (source_fd >= 0) {
		snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", source_fd);
		source = fd_path;
	}
	struct stat st;
	if (stat(source, &st) < 0)
		return hull_error_set(err, errno, "bind mount source `%s`", m->source);
	_cleanup_close_ int fd = mount_target(rootfd, m->destination, !S_ISDIR(st.st_mode), err);
	if (fd < 0)
		return fd;
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
		return hull_error_set(err, errno, "bind mount `%s` on `%s`", m->source, m->destination);
	_cleanup_close_ int top = reopen(rootfd, m->destination, target, err);
	if (top < 0)
		return top;
	unsigned long extra = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (extra && remount_bind(target, extra, err) < 0)
		return hull_error_wrap(err, -EINVAL, "mount `%s`", m->destination);
	if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		return hull_error_set(err, errno, "set propagation of `%s`", m->destination);
	return 0;
}

/* A cgroup mount: the host's hierarchies the container is in, read-only by
 * default. On a cgroup v2 host cgroup2 is mounted itself (in the container's
 * cgroup namespace, if any); on v1/hybrid hosts (like runc) a tmpfs holds a
 * bind of the container's own cgroup directory from each hierarchy. */
static int mount_cgroup(const struct hull_oci_mount *m, int rootfd, bool cgns, struct hull_error **err)
{
	struct statfs sf;
	_cleanup_close_ int fd = mount_target(rootfd, m->destination, false, err);
	if (fd < 0)
		return fd;
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
		if (mount("cgroup2", target, "cgroup2", flags, NULL) == 0)
			return 0;
		if (mount("/sys/fs/cgroup", target, NULL, MS_BIND | MS_REC, NULL) < 0)
			return hull_error_set(err, errno, "mount cgroup2 on `%s`", m->destination);
		_cleanup_close_ int top = reopen(rootfd, m->destination, target, err);
		return top < 0 ? top : remount_bind(target, flags, err);
	}
	if (mount("tmpfs", target, "tmpfs", (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return hull_error_set(err, errno, "mount tmpfs on `%s`", m->destination);
	_cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return hull_error_set(err, errno, "open `/proc/self/cgroup`");
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
		if (!path)
			continue;
		*ctrl++ = '\0';
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		const char *dir = !*ctrl ? "unified" : !strncmp(ctrl, "name=", 5) ? ctrl + 5 : ctrl;
		_cleanup_free_ char *host = hull_strdup_printf("/sys/fs/cgroup/%s%s", dir, path);
		_cleanup_free_ char *dest = hull_strdup_printf("%s/%s", m->destination, dir);
		if (access(host, F_OK) < 0)
			continue;
		_cleanup_close_ int dfd = mount_target(rootfd, dest, false, err);
		if (dfd < 0)
			return dfd;
		char dt[64];
		snprintf(dt, sizeof(dt), "/proc/self/fd/%d", dfd);
		/* in a cgroup namespace our paths read "/": a bind would expose the
		 * host's hierarchy root, while a fresh mount shows the namespace's
		 * root, the container's cgroup (runc mounts it so too) */
		if (!cgns || mount("cgroup", dt, *ctrl ? "cgroup" : "cgroup2", flags | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				   *ctrl ? ctrl : NULL) < 0) {
			if (mount(host, dt, NULL, MS_BIND | MS_REC, NULL) < 0)
				return hull_error_set(err, errno, "bind `%s` on `%s`", host, dest);
			_cleanup_close_ int top = reopen(rootfd, dest, dt, err);
			if (top < 0)
				return top;
			if (remount_bind(dt, flags | MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
				return -EINVAL;
		}
		/* cpu,cpuacct is also reachable as cpu and cpuacct. */
		for (char *tok = strtok(ctrl, ","); tok && strchr(dir, ','); tok = strtok(NULL, ",")) {
			_cleanup_close_ int parent = mount_target(rootfd, m->destination, false, NULL);
			if (parent >= 0)
				symlinkat(dir, parent, tok);
		}
	}
	_cleanup_close_ int top = reopen(rootfd, m->destination, target, err);
	if (top < 0)
		return top;
	if ((flags & MS_RDONLY) && mount(NULL, target, NULL, MS_REMOUNT | flags, "mode=755") < 0)
		return hull_error_set(err, errno, "remount `%s` read-only", m->destination);
	return 0;
}

/* proc and sysfs go on the directory named, never where a symlink there
 * points: an image whose /proc links elsewhere would get procfs where the
 * LSM profile does not expect it (CVE-2023-28642; runc 1.1.5 refuses too). */
static int check_ordinary_dir(const struct hull_oci_mount *m, int rootfd, struct hull_error **err)
{
	if (strcmp(m->type, "proc") && strcmp(m->type, "sysfs"))
		return 0;
	_cleanup_close_ int fd = hull_open_in_root(rootfd, m->destination, O_PATH | O_NOFOLLOW, 0);
	if (fd == -ENOENT)
		return 0; /* made as a directory by mount_target */
	if (fd < 0)
		return hull_error_set(err, -fd, "open `%s` in the rootfs", m->destination);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "stat `%s` in the rootfs", m->destination);
	if (!S_ISDIR(st.st_mode))
		return hull_error_msg(err, ENOTDIR, "filesystem \"%s\" must be mounted on ordinary directory: `%s` is %s",
				      m->type, m->destination, S_ISLNK(st.st_mode) ? "a symlink" : "not a directory");
	return 0;
}

static int mount_other(const struct hull_oci_mount *m, int rootfd, bool has_netns, const char *mount_label,
		       struct hull_error **err)
{
	int r = check_ordinary_dir(m, rootfd, err);
	if (r < 0)
		return r;
	_cleanup_close_ int fd = mount_target(rootfd, m->destination, false, err);
	if (fd < 0)
		return fd;
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	unsigned long flags = m->flags & ~(MS_BIND | MS_REC);
	/* a read-only tmpfs (/dev) still gets mounts and device nodes inside:
	 * it goes read-only at the end (mounts_readonly_tmpfs), as with runc */
	if (!strcmp(m->type, "tmpfs"))
		flags &= ~(unsigned long)MS_RDONLY;
	/* config-linux.md#mount-label: the SELinux context of what is mounted */
	_cleanup_free_ char *labelled = lsm_mount_data(m->data, mount_label, m->type);
	if (mount(m->source ? m->source : m->type, target, m->type, flags, labelled ? labelled : m->data) < 0) {
		/* sysfs can only be mounted by the owner of the network
		 * namespace; without one of our own, bind the host's (runc does). */
		if (!(errno == EPERM && !strcmp(m->type, "sysfs") && !has_netns))
			return hull_error_set(err, errno, "mount %s on `%s`", m->type, m->destination);
		if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0)
			return hull_error_set(err, errno, "bind /sys on `%s`", m->destination);
		_cleanup_close_ int top = reopen(rootfd, m->destination, target, err);
		if (top < 0 || remount_bind(target, flags, err) < 0)
			return -EINVAL;
		return 0;
	}
	if (!m->propagation)
		return 0;
	_cleanup_close_ int top = reopen(rootfd, m->destination, target, err);
	if (top < 0)
		return top;
	if (mount(NULL, target, NULL, m->propagation, NULL) < 0)
		return hull_error_set(err, errno, "set propagation of `%s`", m->destination);
	return 0;
}

/* runc 1.1's recursive options (rro, rnosuid, rnoexec...): the mount now on
 * top of the destination and every mount below it, in one mount_setattr(2)
 * with AT_RECURSIVE (Linux 5.12+), after the mount as runc does. */
static int mount_rec_attr(const struct hull_oci_mount *m, int rootfd, struct hull_error **err)
{
	if (!m->rec_attr_set && !m->rec_attr_clr)
		return 0;
	_cleanup_close_ int top = hull_open_in_root(rootfd, m->destination, O_PATH, 0);
	if (top < 0)
		return hull_error_set(err, -top, "open `%s` in the rootfs", m->destination);
	struct mount_attr attr = { .attr_set = m->rec_attr_set, .attr_clr = m->rec_attr_clr };
	if (mount_setattr(top, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno == ENOSYS)
		return hull_error_msg(err, ENOSYS,
				      "`%s`: recursive mount options (rro, rnosuid...) need mount_setattr(2), "
				      "Linux 5.12 or later",
				      m->destination);
	return hull_error_set(err, errno, "set the recursive mount options of `%s`", m->destination);
}

int mounts_readonly_tmpfs(const struct hull_oci_config *cfg, int rootfd, struct hull_error **err)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		if (m->bind || !m->type || strcmp(m->type, "tmpfs") || !(m->flags & MS_RDONLY))
			continue;
		_cleanup_close_ int fd = mount_target(rootfd, m->destination, false, err);
		if (fd < 0)
			return hull_error_wrap(err, fd, "config.json: mounts[%zu]", i);
		char target[64];
		snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
		if (mount(NULL, target, NULL, MS_REMOUNT | (m->flags & ~(MS_BIND | MS_REC)), m->data) < 0)
			return hull_error_set(err, errno, "config.json: mounts[%zu]: remount `%s` read-only", i,
					      m->destination);
	}
	return 0;
}

int mounts_setup(const struct hull_oci_config *cfg, int rootfd, int (*placed)(struct spawn *, struct hull_error **),
		 struct spawn *s, struct hull_error **err)
{
	const struct hull_oci_namespace *net = hull_oci_config_namespace(cfg, CLONE_NEWNET);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		int r;
		if (m->bind)
			r = mount_bind(m, rootfd, s->mount_fds ? s->mount_fds[i] : -1, err);
		else if (!strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2"))
			/* it binds (or, in a cgroup namespace, mounts) the init's own
			 * cgroup: only known once the parent has placed it */
			r = placed(s, err) < 0 ? -EINVAL
					       : mount_cgroup(m, rootfd,
							      hull_oci_config_namespace(cfg, CLONE_NEWCGROUP) != NULL, err);
		else
			r = mount_other(m, rootfd, net && !net->path, cfg->mount_label, err);
		if (r >= 0)
			r = mount_rec_attr(m, rootfd, err);
		if (r < 0)
			return hull_error_wrap(err, r, "config.json: mounts[%zu]", i);
	}
	return 0;
}

/* With a user namespace, the container's root is an unprivileged user of
 * the host: a bind source in a directory only the host's root may enter
 * (mode 0700) is out of its reach, though the caller asked for it. runc
 * 1.1 opens such sources in the container's mount namespace with its own
 * privileges and passes the fds; so does this. Through /proc/PID/root, so
 * that the fd's mount is one of the child's namespace (mount(2) refuses to
 * bind a mount of another namespace), resolved as the host path it is. */
int mounts_send_sources(const struct hull_oci_config *cfg, pid_t child, int sock)
{
	_cleanup_close_ int root = -1;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		/* /proc/self and the magic links under /proc mean the child, not us */
		if (!m->bind || !hull_is_absolute(m->source) || !strncmp(m->source, "/proc/", 6))
			continue;
		if (root < 0) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/root", (int)child);
			root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (root < 0)
				return 0;
		}
		_cleanup_close_ int fd = hull_open_in_root(root, m->source, O_PATH, 0);
		if (fd < 0)
			continue;
		char index[24];
		snprintf(index, sizeof(index), "%zu", i);
		int r = sync_send(sock, SYNC_MOUNT_SOURCE, index, fd);
		if (r < 0)
			return r;
	}
	return 0;
}
