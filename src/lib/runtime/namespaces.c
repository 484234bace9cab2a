/* namespaces.c - new namespaces (clone flags), joined ones (setns by
 * path), and the user namespace id maps.
 * Reference: OCI runtime-spec config-linux.md#namespaces,
 * #user-namespace-mappings; user_namespaces(7). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "runtime_internal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

unsigned long ns_new_flags(const struct hull_oci_config *cfg)
{
	unsigned long flags = 0;
	for (size_t i = 0; i < cfg->n_namespaces; i++)
		if (!cfg->namespaces[i].path)
			flags |= (unsigned long)cfg->namespaces[i].type;
	return flags;
}

bool ns_running_in_userns(void)
{
	/* the initial namespace maps every id to itself: "0 0 4294967295" */
	_cleanup_free_ char *map = NULL;
	if (hull_read_file("/proc/self/uid_map", &map, NULL, NULL) < 0)
		return false;
	unsigned long inside, outside, count;
	return sscanf(map, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside != 0 || outside != 0 ||
	       count != 4294967295UL;
}

/* Joined namespaces other than pid and time (which the parent joins, as
 * they only take effect for children). */
bool ns_any_joined(const struct hull_oci_config *cfg)
{
	for (size_t i = 0; i < cfg->n_namespaces; i++) {
		const struct hull_oci_namespace *ns = &cfg->namespaces[i];
		if (ns->path && ns->type != CLONE_NEWPID && ns->type != CLONE_NEWTIME)
			return true;
	}
	return false;
}

static int join(const struct hull_oci_namespace *ns, struct hull_error **err)
{
	int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "join %s namespace: open `%s`", hull_oci_namespace_name(ns->type),
				      ns->path);
	int r = setns(fd, ns->type);
	int e = errno;
	close(fd);
	if (r < 0)
		return hull_error_set(err, e, "join %s namespace `%s`", hull_oci_namespace_name(ns->type), ns->path);
	return 0;
}

/* The child joins what config.json names by path. The user namespace goes
 * first (user_only), so the joins after it are checked against it; with a
 * new user namespace to make, the joins happen before the unshare instead,
 * while the child still has the host's privileges. */
int ns_join_all(const struct hull_oci_config *cfg, bool user_only, bool skip_user, struct hull_error **err)
{
	for (size_t i = 0; i < cfg->n_namespaces; i++) {
		const struct hull_oci_namespace *ns = &cfg->namespaces[i];
		if (!ns->path || ns->type == CLONE_NEWPID || ns->type == CLONE_NEWTIME)
			continue;
		if ((ns->type == CLONE_NEWUSER) != user_only || (skip_user && ns->type == CLONE_NEWUSER))
			continue;
		if (join(ns, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int save_and_join(const struct hull_oci_config *cfg, int type, const char *self, int *saved,
			 struct hull_error **err)
{
	const struct hull_oci_namespace *ns = hull_oci_config_namespace(cfg, type);
	if (!ns || !ns->path)
		return 0;
	*saved = open(self, O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return hull_error_set(err, errno, "open `%s`", self);
	return join(ns, err);
}

/* pid and time namespaces: setns() changes only where the caller's future
 * children go (pid_namespaces(7)), so the parent joins them just before
 * clone and goes back right after. */
int ns_parent_join(const struct hull_oci_config *cfg, int *saved_pid, int *saved_time, struct hull_error **err)
{
	*saved_pid = *saved_time = -1;
	if (save_and_join(cfg, CLONE_NEWPID, "/proc/self/ns/pid", saved_pid, err) < 0 ||
	    save_and_join(cfg, CLONE_NEWTIME, "/proc/self/ns/time", saved_time, err) < 0) {
		ns_parent_restore(*saved_pid, *saved_time);
		return -EINVAL;
	}
	return 0;
}

void ns_parent_restore(int saved_pid, int saved_time)
{
	if (saved_pid >= 0) {
		setns(saved_pid, CLONE_NEWPID);
		close(saved_pid);
	}
	if (saved_time >= 0) {
		setns(saved_time, CLONE_NEWTIME);
		close(saved_time);
	}
}

static int write_map(pid_t pid, const char *file, const struct hull_oci_id_mapping *maps, size_t n,
		     struct hull_error **err)
{
	char buf[4096], path[64];
	size_t len = 0;
	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", maps[i].container_id,
					maps[i].host_id, maps[i].size);
	if (len >= sizeof(buf))
		return hull_error_msg(err, E2BIG, "%s: too many mappings", file);
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", path);
	/* user_namespaces(7): the map must be written in a single write(2). */
	ssize_t w = write(fd, buf, len);
	int e = errno;
	close(fd);
	if (w != (ssize_t)len)
		return hull_error_set(err, w < 0 ? e : EIO, "write %s `%.*s`", path, (int)(len ? len - 1 : 0), buf);
	return 0;
}

int ns_write_id_maps(pid_t pid, const struct hull_oci_config *cfg, struct hull_error **err)
{
	/* Without CAP_SETGID in the parent namespace, gid_map can only be
	 * written after setgroups is denied (user_namespaces(7), since 3.19). */
	if (geteuid() != 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
		if (hull_write_file(path, "deny", 4, err) < 0)
			return -EPERM;
	}
	if (write_map(pid, "uid_map", cfg->uid_mappings, cfg->n_uid_mappings, err) < 0 ||
	    write_map(pid, "gid_map", cfg->gid_mappings, cfg->n_gid_mappings, err) < 0)
		return hull_error_wrap(err, -EINVAL, "user namespace");
	return 0;
}
