/* config_linux.c - config-linux.md: namespaces, id mappings, devices,
 * sysctl, masked and read-only paths, rootfs propagation. */
#include <errno.h>
#include <linux/magic.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "config_internal.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct ns_name {
	const char *name;
	int type;
} ns_names[] = {
	{ "pid", CLONE_NEWPID },   { "network", CLONE_NEWNET },  { "mount", CLONE_NEWNS },
	{ "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS },      { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

int hull_oci_namespace_type(const char *name)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(ns_names); i++)
		if (!strcmp(ns_names[i].name, name))
			return ns_names[i].type;
	return -1;
}

const char *hull_oci_namespace_name(int type)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(ns_names); i++)
		if (ns_names[i].type == type)
			return ns_names[i].name;
	return NULL;
}

const struct hull_oci_namespace *hull_oci_config_namespace(const struct hull_oci_config *cfg, int type)
{
	for (size_t i = 0; i < cfg->n_namespaces; i++)
		if (cfg->namespaces[i].type == type)
			return &cfg->namespaces[i];
	return NULL;
}

static int parse_namespaces(struct hull_oci_config *cfg, json_t *lnx, const char *where, struct hull_error **err)
{
	json_t *arr;
	if (hull_json_get_array(lnx, "namespaces", &arr, false, where, "linux.namespaces", err) < 0)
		return -EINVAL;
	size_t n = json_array_size(arr);
	cfg->namespaces = hull_xcalloc(n, sizeof(*cfg->namespaces));
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		_cleanup_free_ char *f = hull_strdup_printf("linux.namespaces[%zu]", i);
		_cleanup_free_ char *f_type = oci_field(f, "type");
		_cleanup_free_ char *f_path = oci_field(f, "path");
		const char *type = NULL, *path = NULL;
		if (!json_is_object(o))
			return hull_error_msg(err, EINVAL, "%s: %s: must be an object", where, f);
		if (hull_json_get_string(o, "type", &type, true, where, f_type, err) < 0 ||
		    hull_json_get_string(o, "path", &path, false, where, f_path, err) < 0)
			return -EINVAL;
		int t = hull_oci_namespace_type(type);
		if (t < 0)
			return hull_error_msg(err, EINVAL,
					      "%s: %s: unknown namespace type `%s` (expected pid, network, mount, "
					      "ipc, uts, user, cgroup or time)",
					      where, f_type, type);
		if (hull_oci_config_namespace(cfg, t))
			return hull_error_msg(err, EINVAL, "%s: %s: namespace `%s` is listed twice", where, f_type,
					      type);
		if (path && !hull_is_absolute(path))
			return hull_error_msg(err, EINVAL, "%s: %s: must be an absolute path, not `%s`", where, f_path,
					      path);
		cfg->namespaces[i].type = t;
		cfg->namespaces[i].path = path && *path ? hull_xstrdup(path) : NULL;
		cfg->n_namespaces = i + 1;
	}
	return 0;
}

static int parse_mappings(json_t *lnx, const char *key, struct hull_oci_id_mapping **out, size_t *n_out,
			  const char *where, struct hull_error **err)
{
	json_t *arr;
	_cleanup_free_ char *field = hull_strdup_printf("linux.%s", key);
	if (hull_json_get_array(lnx, key, &arr, false, where, field, err) < 0)
		return -EINVAL;
	size_t n = json_array_size(arr);
	*out = hull_xcalloc(n, sizeof(**out));
	*n_out = n;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		static const char *const keys[] = { "containerID", "hostID", "size" };
		uint32_t vals[3];
		for (size_t k = 0; k < 3; k++) {
			json_t *v = json_is_object(o) ? json_object_get(o, keys[k]) : NULL;
			if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
				return hull_error_msg(err, EINVAL, "%s: %s[%zu].%s: must be an integer in [0, 2^32)",
						      where, field, i, keys[k]);
			vals[k] = (uint32_t)json_integer_value(v);
		}
		if (vals[2] == 0)
			return hull_error_msg(err, EINVAL, "%s: %s[%zu].size: must be at least 1", where, field, i);
		(*out)[i] = (struct hull_oci_id_mapping){ vals[0], vals[1], vals[2] };
	}
	return 0;
}

static int parse_device(struct hull_oci_device *d, json_t *o, const char *where, const char *f,
			struct hull_error **err)
{
	const char *path = NULL, *type = NULL;
	long long major = 0, minor = 0, mode = 0666, uid = 0, gid = 0;
	_cleanup_free_ char *f_path = oci_field(f, "path");
	_cleanup_free_ char *f_type = oci_field(f, "type");
	_cleanup_free_ char *f_major = oci_field(f, "major");
	_cleanup_free_ char *f_minor = oci_field(f, "minor");
	_cleanup_free_ char *f_mode = oci_field(f, "fileMode");
	_cleanup_free_ char *f_uid = oci_field(f, "uid");
	_cleanup_free_ char *f_gid = oci_field(f, "gid");
	if (!json_is_object(o))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an object", where, f);
	if (hull_json_get_string(o, "path", &path, true, where, f_path, err) < 0 ||
	    hull_json_get_string(o, "type", &type, true, where, f_type, err) < 0 ||
	    hull_json_get_int(o, "major", &major, false, where, f_major, err) < 0 ||
	    hull_json_get_int(o, "minor", &minor, false, where, f_minor, err) < 0 ||
	    hull_json_get_int(o, "fileMode", &mode, false, where, f_mode, err) < 0 ||
	    hull_json_get_int(o, "uid", &uid, false, where, f_uid, err) < 0 ||
	    hull_json_get_int(o, "gid", &gid, false, where, f_gid, err) < 0)
		return -EINVAL;
	if (!hull_is_absolute(path))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an absolute path, not `%s`", where, f_path, path);
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return hull_error_msg(err, EINVAL, "%s: %s: must be one of c, b, u, p, not `%s`", where, f_type, type);
	if (type[0] != 'p' && (!json_object_get(o, "major") || !json_object_get(o, "minor")))
		return hull_error_msg(err, EINVAL, "%s: %s: major and minor are required for a `%s` device", where, f,
				      type);
	if (mode < 0 || mode > 07777 || uid < 0 || gid < 0 || major < 0 || minor < 0)
		return hull_error_msg(err, EINVAL, "%s: %s: fileMode, uid, gid, major and minor must be >= 0", where,
				      f);
	d->path = hull_path_clean(path); /* compared with the default devices' paths */
	if (!strcmp(d->path, "/"))
		return hull_error_msg(err, EINVAL, "%s: %s: `%s` names the root, not a device file", where, f_path,
				      path);
	d->type = type[0];
	d->major = major;
	d->minor = minor;
	d->mode = (mode_t)mode;
	d->uid = (uid_t)uid;
	d->gid = (gid_t)gid;
	return 0;
}

static int parse_devices(struct hull_oci_config *cfg, json_t *lnx, const char *where, struct hull_error **err)
{
	json_t *arr;
	if (hull_json_get_array(lnx, "devices", &arr, false, where, "linux.devices", err) < 0)
		return -EINVAL;
	size_t n = json_array_size(arr);
	cfg->devices = hull_xcalloc(n, sizeof(*cfg->devices));
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *f = hull_strdup_printf("linux.devices[%zu]", i);
		cfg->n_devices = i + 1;
		if (parse_device(&cfg->devices[i], json_array_get(arr, i), where, f, err) < 0)
			return -EINVAL;
	}
	return 0;
}

static int parse_paths(json_t *lnx, const char *key, char ***out, const char *where, struct hull_error **err)
{
	json_t *arr;
	_cleanup_free_ char *field = hull_strdup_printf("linux.%s", key);
	if (hull_json_get_array(lnx, key, &arr, false, where, field, err) < 0 ||
	    hull_json_strv(arr, out, where, field, err) < 0)
		return -EINVAL;
	for (size_t i = 0; (*out)[i]; i++)
		if (!hull_is_absolute((*out)[i]))
			return hull_error_msg(err, EINVAL, "%s: %s[%zu]: must be an absolute path, not `%s`", where,
					      field, i, (*out)[i]);
	return 0;
}

/* runc's validator: a sysctl may only be set in a namespace the container
 * owns, or it would change the host (config-linux.md#sysctl). */
static int check_sysctl(struct hull_oci_config *cfg, const char *key, const char *where, struct hull_error **err)
{
	static const struct {
		const char *prefix;
		int ns;
	} owners[] = {
		{ "kernel.msgmax", CLONE_NEWIPC }, { "kernel.msgmnb", CLONE_NEWIPC }, { "kernel.msgmni", CLONE_NEWIPC },
		{ "kernel.sem", CLONE_NEWIPC },    { "kernel.shmall", CLONE_NEWIPC }, { "kernel.shmmax", CLONE_NEWIPC },
		{ "kernel.shmmni", CLONE_NEWIPC }, { "kernel.shm_rmid_forced", CLONE_NEWIPC },
		{ "fs.mqueue.", CLONE_NEWIPC },    { "net.", CLONE_NEWNET },
		{ "kernel.hostname", CLONE_NEWUTS }, { "kernel.domainname", CLONE_NEWUTS },
	};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(owners); i++) {
		if (strncmp(key, owners[i].prefix, strlen(owners[i].prefix)))
			continue;
		if (hull_oci_config_namespace(cfg, owners[i].ns))
			return 0;
		return hull_error_msg(err, EINVAL,
				      "%s: linux.sysctl.%s: needs its own %s namespace (it would change the host's)", where,
				      key, hull_oci_namespace_name(owners[i].ns));
	}
	return hull_error_msg(err, EINVAL, "%s: linux.sysctl.%s: not a namespaced sysctl; it would change the host",
			      where, key);
}

static int parse_sysctl(struct hull_oci_config *cfg, json_t *lnx, const char *where, struct hull_error **err)
{
	json_t *obj;
	if (hull_json_get_object(lnx, "sysctl", &obj, false, where, "linux.sysctl", err) < 0)
		return -EINVAL;
	size_t n = json_object_size(obj), i = 0;
	cfg->sysctl_keys = hull_xcalloc(n + 1, sizeof(char *));
	cfg->sysctl_values = hull_xcalloc(n + 1, sizeof(char *));
	const char *k;
	json_t *v;
	json_object_foreach(obj, k, v) {
		if (!json_is_string(v))
			return hull_error_msg(err, EINVAL, "%s: linux.sysctl.%s: must be a string", where, k);
		if (!*k || strstr(k, "..") || k[0] == '/' || k[0] == '.')
			return hull_error_msg(err, EINVAL, "%s: linux.sysctl: `%s` is not a sysctl name", where, k);
		if (check_sysctl(cfg, k, where, err) < 0)
			return -EINVAL;
		cfg->sysctl_keys[i] = hull_xstrdup(k);
		cfg->sysctl_values[i++] = hull_xstrdup(json_string_value(v));
	}
	return 0;
}

/* config-linux.md#namespaces: a type not listed is inherited from the
 * runtime. Without a mount namespace the container shares the runtime's
 * mount table (the host's): hull then mounts nothing and makes no device
 * node, it only chroots into root.path (as runc does then), so what would
 * need a mount or a node is refused rather than done to the host or
 * skipped without a word (runc refuses masked and read-only paths too). */
static int check_shared_mounts(const struct hull_oci_config *cfg, const char *where, struct hull_error **err)
{
	const struct {
		bool asked;
		const char *field;
	} asks[] = {
		{ cfg->n_mounts > 0, "mounts" },
		{ cfg->masked_paths[0] != NULL, "linux.maskedPaths" },
		{ cfg->readonly_paths[0] != NULL, "linux.readonlyPaths" },
		{ cfg->n_devices > 0, "linux.devices" },
		{ cfg->root_readonly, "root.readonly" },
		{ cfg->rootfs_propagation != 0, "linux.rootfsPropagation" },
		{ cfg->process && cfg->process->terminal, "process.terminal" },
	};
	const char *field = NULL;
	for (size_t i = 0; !field && i < HULL_ARRAY_SIZE(asks); i++)
		field = asks[i].asked ? asks[i].field : NULL;
	if (!field)
		return 0;
	return hull_error_msg(err, EINVAL,
			      "%s: %s: needs a mount namespace of the container's own; linux.namespaces has none, so "
			      "the container shares the host's mount table, where hull mounts nothing (add "
			      "{\"type\": \"mount\"} to linux.namespaces, or remove %s)",
			      where, field, field);
}

static int check_relations(struct hull_oci_config *cfg, const char *where, struct hull_error **err)
{
	if (!hull_oci_config_namespace(cfg, CLONE_NEWNS) && check_shared_mounts(cfg, where, err) < 0)
		return -EINVAL;
	const struct hull_oci_namespace *user = hull_oci_config_namespace(cfg, CLONE_NEWUSER);
	if ((cfg->n_uid_mappings || cfg->n_gid_mappings) && !user)
		return hull_error_msg(err, EINVAL, "%s: linux.uidMappings: mappings need a user namespace", where);
	if (user && !user->path && (!cfg->n_uid_mappings || !cfg->n_gid_mappings))
		return hull_error_msg(err, EINVAL,
				      "%s: linux.uidMappings: a new user namespace needs uidMappings and gidMappings",
				      where);
	const struct hull_oci_namespace *uts = hull_oci_config_namespace(cfg, CLONE_NEWUTS);
	if ((cfg->hostname && *cfg->hostname) && !uts)
		return hull_error_msg(err, EINVAL, "%s: hostname: setting it needs a uts namespace", where);
	if ((cfg->domainname && *cfg->domainname) && !uts)
		return hull_error_msg(err, EINVAL, "%s: domainname: setting it needs a uts namespace", where);
	return 0;
}

/* config-linux.md#personality: the execution domain, LINUX or LINUX32 (the
 * only two the spec defines). No flags are defined to act on: refusing
 * them beats ignoring what the caller asked for. */
static int parse_personality(struct hull_oci_config *cfg, json_t *lnx, const char *where, struct hull_error **err)
{
	json_t *pers, *flags = NULL;
	const char *domain = NULL;
	if (hull_json_get_object(lnx, "personality", &pers, false, where, "linux.personality", err) < 0)
		return -EINVAL;
	if (!pers)
		return 0;
	if (hull_json_get_string(pers, "domain", &domain, true, where, "linux.personality.domain", err) < 0 ||
	    hull_json_get_array(pers, "flags", &flags, false, where, "linux.personality.flags", err) < 0)
		return -EINVAL;
	if (!strcmp(domain, "LINUX"))
		cfg->personality = PER_LINUX;
	else if (!strcmp(domain, "LINUX32"))
		cfg->personality = PER_LINUX32;
	else
		return hull_error_msg(err, EINVAL,
				      "%s: linux.personality.domain: unknown domain `%s` (expected LINUX or "
				      "LINUX32)",
				      where, domain);
	if (json_array_size(flags))
		return hull_error_msg(err, EINVAL,
				      "%s: linux.personality.flags: no personality flag is supported; "
				      "remove them",
				      where);
	cfg->has_personality = true;
	return 0;
}

/* config-linux.md#intelrdt: resctrl groups. hull does not place containers
 * in them, and saying nothing would leave the caller believing the cache
 * and memory-bandwidth limits hold: refuse, saying why. */
static int check_intel_rdt(json_t *lnx, const char *where, struct hull_error **err)
{
	if (!json_object_get(lnx, "intelRdt"))
		return 0;
	struct statfs sf;
	if (statfs("/sys/fs/resctrl", &sf) < 0 || sf.f_type != RDTGROUP_SUPER_MAGIC)
		return hull_error_msg(err, EINVAL,
				      "%s: linux.intelRdt: this host has no resctrl filesystem "
				      "(Intel RDT) mounted at /sys/fs/resctrl; remove the field",
				      where);
	return hull_error_msg(err, EINVAL, "%s: linux.intelRdt: hull does not manage resctrl groups; remove the field",
			      where);
}

int oci_parse_linux(struct hull_oci_config *cfg, const char *where, struct hull_error **err)
{
	json_t *lnx;
	const char *prop = NULL, *cgpath = NULL, *label = NULL;
	if (hull_json_get_object(cfg->json, "linux", &lnx, false, where, "linux", err) < 0)
		return -EINVAL;
	cfg->linux_json = lnx;
	if (hull_json_get_object(lnx, "resources", &cfg->resources, false, where, "linux.resources", err) < 0 ||
	    hull_json_get_object(lnx, "seccomp", &cfg->seccomp, false, where, "linux.seccomp", err) < 0 ||
	    hull_json_get_string(lnx, "rootfsPropagation", &prop, false, where, "linux.rootfsPropagation", err) < 0 ||
	    hull_json_get_string(lnx, "cgroupsPath", &cgpath, false, where, "linux.cgroupsPath", err) < 0 ||
	    hull_json_get_string(lnx, "mountLabel", &label, false, where, "linux.mountLabel", err) < 0 ||
	    parse_namespaces(cfg, lnx, where, err) < 0 ||
	    parse_mappings(lnx, "uidMappings", &cfg->uid_mappings, &cfg->n_uid_mappings, where, err) < 0 ||
	    parse_mappings(lnx, "gidMappings", &cfg->gid_mappings, &cfg->n_gid_mappings, where, err) < 0 ||
	    parse_devices(cfg, lnx, where, err) < 0 || parse_sysctl(cfg, lnx, where, err) < 0 ||
	    parse_paths(lnx, "maskedPaths", &cfg->masked_paths, where, err) < 0 ||
	    parse_paths(lnx, "readonlyPaths", &cfg->readonly_paths, where, err) < 0 ||
	    parse_personality(cfg, lnx, where, err) < 0 || check_intel_rdt(lnx, where, err) < 0)
		return -EINVAL;
	if (prop && *prop) {
		cfg->rootfs_propagation = oci_propagation_parse(prop);
		if (!cfg->rootfs_propagation)
			return hull_error_msg(err, EINVAL,
					      "%s: linux.rootfsPropagation: unknown propagation `%s` (expected private, "
					      "rprivate, slave, rslave, shared, rshared, unbindable or runbindable)",
					      where, prop);
	}
	cfg->cgroups_path = oci_strdup_or_null(cgpath);
	cfg->mount_label = oci_strdup_or_null(label);
	return check_relations(cfg, where, err);
}
