/* config.c - config.json: the document, root, hostname and mounts.
 * process lives in config_process.c, linux in config_linux.c.
 * Reference: OCI runtime-spec 1.1 config.md. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "config_internal.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci.h"

char *oci_field(const char *prefix, const char *name)
{
	if (!prefix || !*prefix)
		return hull_xstrdup(name);
	return hull_strdup_printf("%s.%s", prefix, name);
}

char *oci_strdup_or_null(const char *s)
{
	return s ? hull_xstrdup(s) : NULL;
}

/* config.md#mounts options that are mount(2) flags; "clear" options undo a
 * flag an earlier option set. The rest go to the filesystem as data. */
static const struct mount_flag {
	const char *name;
	bool clear;
	unsigned long flag;
} mount_flags[] = {
	{ "async", true, MS_SYNCHRONOUS },   { "atime", true, MS_NOATIME },
	{ "bind", false, MS_BIND },          { "defaults", false, 0 },
	{ "dev", true, MS_NODEV },           { "diratime", true, MS_NODIRATIME },
	{ "dirsync", false, MS_DIRSYNC },    { "exec", true, MS_NOEXEC },
	{ "iversion", false, MS_I_VERSION }, { "lazytime", false, MS_LAZYTIME },
	{ "loud", true, MS_SILENT },         { "mand", false, MS_MANDLOCK },
	{ "noatime", false, MS_NOATIME },    { "nodev", false, MS_NODEV },
	{ "nodiratime", false, MS_NODIRATIME }, { "noexec", false, MS_NOEXEC },
	{ "noiversion", true, MS_I_VERSION }, { "nolazytime", true, MS_LAZYTIME },
	{ "nomand", true, MS_MANDLOCK },     { "norelatime", true, MS_RELATIME },
	{ "nostrictatime", true, MS_STRICTATIME }, { "nosuid", false, MS_NOSUID },
	{ "rbind", false, MS_BIND | MS_REC }, { "relatime", false, MS_RELATIME },
	{ "remount", false, MS_REMOUNT },    { "ro", false, MS_RDONLY },
	{ "rw", true, MS_RDONLY },           { "silent", false, MS_SILENT },
	{ "strictatime", false, MS_STRICTATIME }, { "suid", true, MS_NOSUID },
	{ "sync", false, MS_SYNCHRONOUS },
};

/* runc 1.1's recursive options: mount_setattr(2) attributes applied with
 * AT_RECURSIVE to the mount and every mount below it (an "ro" rbind leaves
 * its submounts writable, "rro" does not). Kernel 5.12+. */
static const struct rec_attr {
	const char *name;
	bool clear;
	uint64_t attr;
} rec_attrs[] = {
	{ "rro", false, MOUNT_ATTR_RDONLY },            { "rrw", true, MOUNT_ATTR_RDONLY },
	{ "rnosuid", false, MOUNT_ATTR_NOSUID },        { "rsuid", true, MOUNT_ATTR_NOSUID },
	{ "rnodev", false, MOUNT_ATTR_NODEV },          { "rdev", true, MOUNT_ATTR_NODEV },
	{ "rnoexec", false, MOUNT_ATTR_NOEXEC },        { "rexec", true, MOUNT_ATTR_NOEXEC },
	{ "rnodiratime", false, MOUNT_ATTR_NODIRATIME }, { "rdiratime", true, MOUNT_ATTR_NODIRATIME },
	{ "rrelatime", false, MOUNT_ATTR_RELATIME },    { "rnorelatime", true, MOUNT_ATTR_RELATIME },
	{ "rnoatime", false, MOUNT_ATTR_NOATIME },      { "ratime", true, MOUNT_ATTR_NOATIME },
	{ "rstrictatime", false, MOUNT_ATTR_STRICTATIME }, { "rnostrictatime", true, MOUNT_ATTR_STRICTATIME },
	{ "rnosymfollow", false, MOUNT_ATTR_NOSYMFOLLOW }, { "rsymfollow", true, MOUNT_ATTR_NOSYMFOLLOW },
};

static bool apply_rec_attr(struct hull_oci_mount *m, const char *o)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(rec_attrs); i++) {
		const struct rec_attr *r = &rec_attrs[i];
		if (strcmp(r->name, o))
			continue;
		/* The access-time modes are one field, not bits: mount_setattr(2)
		 * takes a new mode only with all of MOUNT_ATTR__ATIME in attr_clr
		 * (EINVAL otherwise); clearing one (ratime, rnostrictatime) means
		 * the default, relatime. The later option wins, as with MS_*. */
		uint64_t a = r->attr;
		if ((a & MOUNT_ATTR__ATIME) == a) {
			if (r->clear && !a)
				return true; /* rnorelatime: nothing to undo (runc: the same) */
			m->rec_attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
			m->rec_attr_clr |= MOUNT_ATTR__ATIME;
			if (!r->clear)
				m->rec_attr_set |= a;
		} else if (r->clear) {
			m->rec_attr_clr |= a;
			m->rec_attr_set &= ~a;
		} else {
			m->rec_attr_set |= a;
			m->rec_attr_clr &= ~a;
		}
		return true;
	}
	return false;
}

static const struct propagation_name {
	const char *name;
	unsigned long flags;
} propagation_names[] = {
	{ "private", MS_PRIVATE },          { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },            { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },              { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE },    { "runbindable", MS_UNBINDABLE | MS_REC },
};

unsigned long oci_propagation_parse(const char *name)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(propagation_names); i++)
		if (!strcmp(propagation_names[i].name, name))
			return propagation_names[i].flags;
	return 0;
}

/* Options runc accepts that are not mount(2) flags nor filesystem data. */
static bool ignored_option(const char *o)
{
	return !strcmp(o, "tmpcopyup") || !strcmp(o, "idmap") || !strcmp(o, "ridmap");
}

static void apply_option(struct hull_oci_mount *m, const char *o, char **data)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(mount_flags); i++) {
		if (strcmp(mount_flags[i].name, o))
			continue;
		if (mount_flags[i].clear)
			m->flags &= ~mount_flags[i].flag;
		else
			m->flags |= mount_flags[i].flag;
		return;
	}
	if (apply_rec_attr(m, o))
		return;
	unsigned long prop = oci_propagation_parse(o);
	if (prop) {
		m->propagation = prop;
		return;
	}
	if (ignored_option(o))
		return;
	char *joined = *data ? hull_strdup_printf("%s,%s", *data, o) : hull_xstrdup(o);
	free(*data);
	*data = joined;
}

const char *hull_oci_proc_mount_refusal(const char *destination, bool is_proc)
{
	/* lxcfs' files, the only ones runc lets a mount cover inside /proc */
	static const char *const lxcfs[] = {
	    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",  "/proc/stat",	   "/proc/swaps",
	    "/proc/uptime",  "/proc/loadavg",	"/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
	};
	if (!hull_path_is_or_under(destination, "/proc"))
		return NULL;
	if (!strcmp(destination, "/proc"))
		return is_proc ? NULL : "cannot be mounted because it is not of type proc";
	for (size_t i = 0; i < HULL_ARRAY_SIZE(lxcfs); i++)
		if (!strcmp(destination, lxcfs[i]))
			return NULL;
	return "cannot be mounted because it is inside /proc";
}

/* Is the mount at /proc a proc filesystem: its type, or a bind of one. */
static bool mount_is_proc(const struct hull_oci_mount *m)
{
	struct statfs sf;
	if (m->type && !strcmp(m->type, "proc"))
		return true;
	return m->bind && m->source && statfs(m->source, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

static int parse_mount(json_t *obj, struct hull_oci_mount *m, const char *bundle, const char *where, size_t i,
		       struct hull_error **err)
{
	_cleanup_free_ char *field = hull_strdup_printf("mounts[%zu]", i);
	if (!json_is_object(obj))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an object", where, field);
	const char *dest = NULL, *source = NULL, *type = NULL;
	json_t *options = NULL;
	_cleanup_free_ char *f_dest = oci_field(field, "destination");
	_cleanup_free_ char *f_src = oci_field(field, "source");
	_cleanup_free_ char *f_type = oci_field(field, "type");
	_cleanup_free_ char *f_opts = oci_field(field, "options");
	if (hull_json_get_string(obj, "destination", &dest, true, where, f_dest, err) < 0 ||
	    hull_json_get_string(obj, "source", &source, false, where, f_src, err) < 0 ||
	    hull_json_get_string(obj, "type", &type, false, where, f_type, err) < 0 ||
	    hull_json_get_array(obj, "options", &options, false, where, f_opts, err) < 0)
		return -EINVAL;
	/* config.md#mounts: "This value MUST be an absolute path" (Linux). */
	if (!hull_is_absolute(dest))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an absolute path, not `%s`", where, f_dest, dest);
	/* Kept cleaned, so that every comparison of destinations (is /dev a
	 * bind mount? which mount replaces which?) sees `/dev/`, `//dev` and
	 * `/dev/.` as the `/dev` they resolve to, as runc's CleanPath does. */
	m->destination = hull_path_clean(dest);
	m->source = oci_strdup_or_null(source);
	m->type = oci_strdup_or_null(type);
	size_t k;
	json_t *o;
	json_array_foreach(options, k, o) {
		if (!json_is_string(o))
			return hull_error_msg(err, EINVAL, "%s: %s[%zu]: must be a string", where, f_opts, k);
		apply_option(m, json_string_value(o), &m->data);
	}
	if (type && (!strcmp(type, "bind") || !strcmp(type, "rbind")))
		m->flags |= MS_BIND | (!strcmp(type, "rbind") ? MS_REC : 0);
	m->bind = (m->flags & MS_BIND) != 0;
	m->readonly = (m->flags & MS_RDONLY) != 0;
	if (m->bind && !source)
		return hull_error_msg(err, EINVAL, "%s: %s: a bind mount needs a source", where, f_src);
	/* config.md#mounts: a bind source is "either absolute or relative to
	 * the bundle", whatever the runtime's working directory */
	if (m->bind && bundle && !hull_is_absolute(source)) {
		free(m->source);
		m->source = hull_path_join(bundle, source);
	}
	if (!m->bind && !type)
		return hull_error_msg(err, EINVAL, "%s: %s: required unless the mount is a bind mount", where, f_type);
	const char *refusal = hull_oci_proc_mount_refusal(m->destination, mount_is_proc(m));
	if (refusal)
		return hull_error_msg(err, EINVAL, "%s: %s: `%s` %s", where, f_dest, dest, refusal);
	return 0;
}

static int parse_mounts(struct hull_oci_config *cfg, const char *bundle, const char *where, struct hull_error **err)
{
	json_t *arr;
	if (hull_json_get_array(cfg->json, "mounts", &arr, false, where, "mounts", err) < 0)
		return -EINVAL;
	size_t n = json_array_size(arr);
	cfg->mounts = hull_xcalloc(n, sizeof(*cfg->mounts));
	for (size_t i = 0; i < n; i++) {
		cfg->n_mounts = i + 1;
		int r = parse_mount(json_array_get(arr, i), &cfg->mounts[i], bundle, where, i, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_root(struct hull_oci_config *cfg, const char *bundle, const char *where, struct hull_error **err)
{
	json_t *root;
	const char *path = NULL;
	if (hull_json_get_object(cfg->json, "root", &root, true, where, "root", err) < 0 ||
	    hull_json_get_string(root, "path", &path, true, where, "root.path", err) < 0 ||
	    hull_json_get_bool(root, "readonly", &cfg->root_readonly, false, where, "root.readonly", err) < 0)
		return -EINVAL;
	if (!*path)
		return hull_error_msg(err, EINVAL, "%s: root.path: must not be empty", where);
	if (!bundle) {
		cfg->root_path = hull_xstrdup(path);
		return 0;
	}
	/* config.md#root: a relative path is relative to the bundle; one that
	 * climbs out of it is refused (the bundle is the caller's promise of
	 * what the container gets) */
	_cleanup_free_ char *clean = hull_path_clean(path);
	if (!hull_is_absolute(clean) && (!strcmp(clean, "..") || !strncmp(clean, "../", 3)))
		return hull_error_msg(err, EINVAL,
				      "%s: root.path: `%s` leads out of the bundle; give a directory inside "
				      "it or an absolute path",
				      where, path);
	cfg->root_path = hull_is_absolute(clean) ? hull_xstrdup(clean) : hull_path_join(bundle, clean);
	struct stat st;
	if (stat(cfg->root_path, &st) < 0)
		return hull_error_set(err, errno, "%s: root.path: `%s`", where, cfg->root_path);
	if (!S_ISDIR(st.st_mode))
		return hull_error_msg(err, ENOTDIR, "%s: root.path: `%s` is not a directory", where, cfg->root_path);
	/* runc's rule (libcontainer/configs/validate rootfs): the path must be
	 * the real one, no symlink on the way; and never the host's own root */
	_cleanup_free_ char *real = realpath(cfg->root_path, NULL);
	_cleanup_free_ char *want = hull_path_clean(cfg->root_path);
	if (!real)
		return hull_error_set(err, errno, "%s: root.path: `%s`", where, cfg->root_path);
	if (!strcmp(real, "/"))
		return hull_error_msg(err, EINVAL, "%s: root.path: `%s` is the host's root directory", where, path);
	if (strcmp(real, want))
		return hull_error_msg(err, EINVAL,
				      "%s: root.path: `%s` goes through a symlink (to `%s`); give the real "
				      "path",
				      where, cfg->root_path, real);
	return 0;
}

static int parse_top(struct hull_oci_config *cfg, const char *where, struct hull_error **err)
{
	const char *version = NULL, *hostname = NULL, *domainname = NULL;
	json_t *process;
	if (!json_is_object(cfg->json))
		return hull_error_msg(err, EINVAL, "%s: must hold a JSON object", where);
	if (hull_json_get_string(cfg->json, "ociVersion", &version, true, where, "ociVersion", err) < 0 ||
	    hull_json_get_string(cfg->json, "hostname", &hostname, false, where, "hostname", err) < 0 ||
	    hull_json_get_string(cfg->json, "domainname", &domainname, false, where, "domainname", err) < 0 ||
	    hull_json_get_object(cfg->json, "process", &process, false, where, "process", err) < 0 ||
	    hull_json_get_object(cfg->json, "hooks", &cfg->hooks, false, where, "hooks", err) < 0 ||
	    hull_json_get_object(cfg->json, "annotations", &cfg->annotations, false, where, "annotations", err) < 0)
		return -EINVAL;
	/* config.md#specification-version: SemVer 2.0.0; we run 1.0.x-1.2.x. */
	if (strncmp(version, "1.", 2))
		return hull_error_msg(err, EINVAL, "%s: ociVersion: `%s` is not a 1.x runtime-spec version", where,
				      version);
	cfg->oci_version = hull_xstrdup(version);
	cfg->hostname = oci_strdup_or_null(hostname);
	cfg->domainname = oci_strdup_or_null(domainname);
	if (cfg->annotations) {
		const char *k;
		json_t *v;
		json_object_foreach(cfg->annotations, k, v) {
			if (!json_is_string(v))
				return hull_error_msg(err, EINVAL, "%s: annotations.%s: must be a string", where, k);
		}
	}
	if (process) {
		cfg->process = hull_oci_process_parse(process, where, "process", err);
		if (!cfg->process)
			return -EINVAL;
	}
	return 0;
}

struct hull_oci_config *hull_oci_config_parse(json_t *doc, const char *bundle, const char *where,
					      struct hull_error **err)
{
	_cleanup_(hull_oci_config_freep) struct hull_oci_config *cfg = hull_xcalloc(1, sizeof(*cfg));
	cfg->json = json_incref(doc);
	if (parse_top(cfg, where, err) < 0 || parse_root(cfg, bundle, where, err) < 0 ||
	    parse_mounts(cfg, bundle, where, err) < 0 || oci_parse_linux(cfg, where, err) < 0)
		return NULL;
	return steal_ptr(cfg);
}

struct hull_oci_config *hull_oci_config_load(const char *bundle, struct hull_error **err)
{
	_cleanup_free_ char *path = hull_path_join(bundle, "config.json");
	_cleanup_json_ json_t *doc = hull_json_load_file(path, "config.json", err);
	if (!doc)
		return NULL;
	return hull_oci_config_parse(doc, bundle, "config.json", err);
}

void hull_oci_config_free(struct hull_oci_config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		free(cfg->mounts[i].destination);
		free(cfg->mounts[i].source);
		free(cfg->mounts[i].type);
		free(cfg->mounts[i].data);
	}
	free(cfg->mounts);
	for (size_t i = 0; i < cfg->n_namespaces; i++)
		free(cfg->namespaces[i].path);
	free(cfg->namespaces);
	free(cfg->uid_mappings);
	free(cfg->gid_mappings);
	for (size_t i = 0; i < cfg->n_devices; i++)
		free(cfg->devices[i].path);
	free(cfg->devices);
	hull_strv_free(cfg->sysctl_keys);
	hull_strv_free(cfg->sysctl_values);
	hull_strv_free(cfg->masked_paths);
	hull_strv_free(cfg->readonly_paths);
	hull_oci_process_free(cfg->process);
	free(cfg->oci_version);
	free(cfg->root_path);
	free(cfg->hostname);
	free(cfg->domainname);
	free(cfg->cgroups_path);
	free(cfg->mount_label);
	if (cfg->json)
		json_decref(cfg->json);
	free(cfg);
}
