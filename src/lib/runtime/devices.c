/* devices.c - /dev: the default devices, linux.devices, the standard
 * symlinks. Reference: OCI runtime-spec config-linux.md#devices and
 * #default-devices; runtime-linux.md#dev-symbolic-links. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hull/fs.h"
#include "runtime_internal.h"

static const struct hull_oci_device default_devices[] = {
	{ "/dev/null", 'c', 1, 3, 0666, 0, 0 },    { "/dev/zero", 'c', 1, 5, 0666, 0, 0 },
	{ "/dev/full", 'c', 1, 7, 0666, 0, 0 },    { "/dev/random", 'c', 1, 8, 0666, 0, 0 },
	{ "/dev/urandom", 'c', 1, 9, 0666, 0, 0 }, { "/dev/tty", 'c', 5, 0, 0666, 0, 0 },
};

static const struct dev_link {
	const char *target, *name;
} dev_links[] = {
	{ "/proc/self/fd", "fd" },       { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
	{ "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },
};

static mode_t type_bits(char t)
{
	return t == 'b' ? S_IFBLK : t == 'p' ? S_IFIFO : S_IFCHR;
}

/* In a user namespace mknod is refused: bind the host's node instead. */
static int bind_device(const struct hull_oci_device *d, int rootfd, struct hull_error **err)
{
	_cleanup_close_ int fd = mount_target(rootfd, d->path, true, err);
	if (fd < 0)
		return fd;
	char target[64];
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	if (mount(d->path, target, NULL, MS_BIND, NULL) < 0)
		return hull_error_set(err, errno, "bind device `%s`", d->path);
	return 0;
}

static int make_device(const struct hull_oci_device *d, int rootfd, struct hull_error **err)
{
	_cleanup_free_ char *dir = hull_xstrdup(d->path);
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	_cleanup_close_ int parent = mount_target(rootfd, *dir ? dir : "/", false, err);
	if (parent < 0)
		return parent;
	/* mount_target gave an O_PATH fd: reopen it as a real directory. */
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", parent);
	_cleanup_close_ int dfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_error_set(err, errno, "open `%s` in the rootfs", dir);
	const char *name = slash + 1;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		return hull_error_set(err, errno, "replace `%s`", d->path);
	dev_t dev = d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
	if (mknodat(dfd, name, type_bits(d->type) | (d->mode & 07777), dev) < 0)
		return hull_error_set(err, errno, "mknod `%s`", d->path);
	if (fchownat(dfd, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_set(err, errno, "chown `%s`", d->path);
	return 0;
}

static bool listed(const struct hull_oci_config *cfg, const char *path)
{
	for (size_t i = 0; i < cfg->n_devices; i++)
		if (!strcmp(cfg->devices[i].path, path))
			return true;
	return false;
}

/* /dev bound from the host already has its devices (runc skips them too). */
static bool dev_is_bind(const struct hull_oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (!strcmp(cfg->mounts[i].destination, "/dev") && cfg->mounts[i].bind)
			return true;
	return false;
}

static int make_links(int rootfd, struct hull_error **err)
{
	_cleanup_close_ int devp = mount_target(rootfd, "/dev", false, err);
	if (devp < 0)
		return devp;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", devp);
	_cleanup_close_ int dev = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dev < 0)
		return hull_error_set(err, errno, "open /dev in the rootfs");
	for (size_t i = 0; i < HULL_ARRAY_SIZE(dev_links); i++) {
		/* /dev/ptmx must lead to the container's own devpts instance. */
		if (!strcmp(dev_links[i].name, "ptmx"))
			unlinkat(dev, "ptmx", 0);
		if (symlinkat(dev_links[i].target, dev, dev_links[i].name) < 0 && errno != EEXIST)
			return hull_error_set(err, errno, "symlink /dev/%s", dev_links[i].name);
	}
	if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 && errno != EEXIST)
		return hull_error_set(err, errno, "symlink /dev/core");
	return 0;
}

int devices_setup(const struct hull_oci_config *cfg, int rootfd, bool in_userns, struct hull_error **err)
{
	if (dev_is_bind(cfg))
		return 0;
	for (size_t i = 0; i < HULL_ARRAY_SIZE(default_devices) + cfg->n_devices; i++) {
		bool dflt = i < HULL_ARRAY_SIZE(default_devices);
		const struct hull_oci_device *d = dflt ? &default_devices[i]
						       : &cfg->devices[i - HULL_ARRAY_SIZE(default_devices)];
		if (dflt && listed(cfg, d->path))
			continue;
		int r = in_userns ? bind_device(d, rootfd, err) : make_device(d, rootfd, err);
		if (r < 0)
			return dflt ? r : hull_error_wrap(err, r, "config.json: linux.devices");
	}
	return make_links(rootfd, err);
}
