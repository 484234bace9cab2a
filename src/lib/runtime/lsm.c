/* lsm.c - process.apparmorProfile, process.selinuxLabel and
 * linux.mountLabel (OCI runtime-spec config.md#linux-process,
 * config-linux.md#mount-label): applied where the host runs that LSM, and
 * an error where it does not, as runc refuses them: a container asked to
 * be confined never runs unconfined without a word. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "hull/fs.h"
#include "runtime_internal.h"

#ifndef SELINUX_MAGIC
#define SELINUX_MAGIC 0xf97cff8c
#endif

bool lsm_apparmor_enabled(void)
{
	/* what runc and libapparmor read: the module's own switch; the
	 * attr files we write need no securityfs mount */
	char buf[4] = "";
	int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] == 'Y';
}

bool lsm_selinux_enabled(void)
{
	/* selinuxfs is only registered when SELinux is the running LSM */
	struct statfs sf;
	return statfs("/sys/fs/selinux", &sf) == 0 && (unsigned long)sf.f_type == (unsigned long)SELINUX_MAGIC;
}

int lsm_check(const struct hull_oci_process *p, const char *mount_label, const char *where, struct hull_error **err)
{
	if (p && p->apparmor_profile && *p->apparmor_profile && !lsm_apparmor_enabled())
		return hull_error_msg(err, EOPNOTSUPP,
				      "%s: process.apparmorProfile: profile `%s` asked, but AppArmor is not enabled on "
				      "this host (remove the field to run without it)",
				      where, p->apparmor_profile);
	if (p && p->selinux_label && *p->selinux_label && !lsm_selinux_enabled())
		return hull_error_msg(err, EOPNOTSUPP,
				      "%s: process.selinuxLabel: label `%s` asked, but SELinux is not enabled on this "
				      "host (remove the field to run without it)",
				      where, p->selinux_label);
	if (mount_label && *mount_label && !lsm_selinux_enabled())
		return hull_error_msg(err, EOPNOTSUPP,
				      "%s: linux.mountLabel: label `%s` asked, but SELinux is not enabled on this host "
				      "(remove the field to run without it)",
				      where, mount_label);
	return 0;
}

/* Write value to our own /proc/self/attr file `path` (or, when it does not
 * exist, `fallback`); the file must be procfs: a container could cover its
 * /proc (runc's EnsureProcHandle). */
static int write_attr(const char *path, const char *fallback, const char *value, const char *field,
		      struct hull_error **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && fallback) {
		path = fallback;
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return hull_error_set(err, errno, "%s: open `%s`", field, path);
	struct statfs sf;
	if (fstatfs(fd, &sf) < 0)
		return hull_error_set(err, errno, "%s: statfs `%s`", field, path);
	if ((unsigned long)sf.f_type != (unsigned long)PROC_SUPER_MAGIC)
		return hull_error_msg(err, EPERM, "%s: `%s` is not on procfs", field, path);
	size_t len = strlen(value);
	if (write(fd, value, len) != (ssize_t)len)
		return hull_error_set(err, errno, "%s: write `%s` to `%s`", field, value, path);
	return 0;
}

int lsm_exec_labels(const struct hull_oci_process *p, struct hull_error **err)
{
	if (p->apparmor_profile && *p->apparmor_profile) {
		/* libapparmor's aa_change_onexec: the profile takes effect at
		 * execve; the per-LSM file first (Linux 5.8+), the shared one
		 * on older kernels */
		_cleanup_free_ char *cmd = hull_strdup_printf("exec %s", p->apparmor_profile);
		if (write_attr("/proc/self/attr/apparmor/exec", "/proc/self/attr/exec", cmd, "process.apparmorProfile",
			       err) < 0)
			return -EINVAL;
	}
	/* setexeccon(3): the label of the program execve starts */
	if (p->selinux_label && *p->selinux_label &&
	    write_attr("/proc/self/attr/exec", NULL, p->selinux_label, "process.selinuxLabel", err) < 0)
		return -EINVAL;
	return 0;
}

char *lsm_mount_data(const char *data, const char *mount_label, const char *type)
{
	/* runc labels what it mounts but proc, sysfs and mqueue, whose
	 * context the policy sets */
	if (!mount_label || !*mount_label || !strcmp(type, "proc") || !strcmp(type, "sysfs") ||
	    !strcmp(type, "mqueue") || !strcmp(type, "cgroup") || !strcmp(type, "cgroup2"))
		return NULL;
	return data && *data ? hull_strdup_printf("%s,context=\"%s\"", data, mount_label)
			     : hull_strdup_printf("context=\"%s\"", mount_label);
}
