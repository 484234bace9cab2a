/* hull/oci.h - the OCI runtime-spec config.json, parsed and validated.
 *
 * hull_oci_config_load() turns a bundle's config.json into plain C structs,
 * checking every field it reads; errors name the file and the field:
 * `config.json: process.args: must be a non-empty array`. Parts other rooms
 * interpret themselves (linux.resources, linux.seccomp, hooks,
 * process.capabilities) stay available as borrowed jansson references into
 * the kept document.
 *
 * Reference: OCI runtime-spec 1.1 config.md, config-linux.md.
 */
#ifndef HULL_OCI_H
#define HULL_OCI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hull/error.h"

#define HULL_OCI_VERSION "1.1.0"

/* config.md#mounts; options already split into mount(2) flags. */
struct hull_oci_mount {
	char *destination;          /* absolute path inside the container */
	char *source;               /* host path for binds, or device/fs name; may be NULL */
	char *type;                 /* filesystem type; "bind" or NULL for bind mounts */
	unsigned long flags;        /* MS_* set by options (MS_BIND|MS_REC for rbind) */
	unsigned long propagation;  /* MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (|MS_REC) or 0 */
	char *data;                 /* options mount(2) does not know, comma-joined; may be NULL */
	bool bind;                  /* a bind mount (type bind or option bind/rbind) */
	bool readonly;              /* "ro": binds need a second, remounting mount(2) */
	uint64_t rec_attr_set;      /* MOUNT_ATTR_* of runc's recursive options (rro, rnosuid...) */
	uint64_t rec_attr_clr;      /* MOUNT_ATTR_* they clear (rrw, rsuid..., atime changes) */
};

/* config-linux.md#namespaces */
struct hull_oci_namespace {
	int type;   /* CLONE_NEWPID, CLONE_NEWNET, ... */
	char *path; /* join this namespace (absolute) instead of creating one; NULL = new */
};

/* config-linux.md#user-namespace-mappings */
struct hull_oci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

/* config-linux.md#devices */
struct hull_oci_device {
	char *path;     /* absolute path inside the container */
	char type;      /* 'c', 'b', 'u' or 'p' */
	int64_t major, minor;
	mode_t mode;    /* fileMode permission bits (default 0666) */
	uid_t uid;
	gid_t gid;
};

/* config.md#posix-process rlimits */
struct hull_oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

/* config.md#process: also the shape of `exec --process FILE`. */
struct hull_oci_process {
	bool terminal;
	unsigned console_height, console_width; /* 0 = not given */
	char *cwd;                 /* absolute */
	char **args;               /* non-empty, NULL-terminated */
	char **env;                /* NULL-terminated, "KEY=VALUE"; never NULL */
	uid_t uid;
	gid_t gid;
	gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask;
	struct hull_oci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;    /* may be NULL */
	char *selinux_label;       /* may be NULL */
	json_t *capabilities;      /* borrowed from the document; NULL if absent */
	json_t *json;              /* owned reference to the process object */
};

struct hull_oci_config {
	json_t *json;              /* the whole document (owned) */
	char *oci_version;
	char *root_path;           /* absolute: the bundle joined with root.path */
	bool root_readonly;
	char *hostname;            /* may be NULL */
	char *domainname;          /* may be NULL */
	struct hull_oci_process *process; /* NULL when config.json has none */
	struct hull_oci_mount *mounts;
	size_t n_mounts;
	struct hull_oci_namespace *namespaces;
	size_t n_namespaces;
	struct hull_oci_id_mapping *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	struct hull_oci_device *devices;
	size_t n_devices;
	char **sysctl_keys, **sysctl_values; /* parallel, NULL-terminated */
	char **masked_paths;       /* NULL-terminated, never NULL */
	char **readonly_paths;     /* NULL-terminated, never NULL */
	unsigned long rootfs_propagation; /* MS_* or 0 (not given) */
	char *cgroups_path;        /* may be NULL */
	char *mount_label;         /* may be NULL */
	bool has_personality;      /* linux.personality given */
	unsigned long personality; /* PER_LINUX or PER_LINUX32 (linux.personality.domain) */
	json_t *resources;         /* borrowed: linux.resources, or NULL */
	json_t *seccomp;           /* borrowed: linux.seccomp, or NULL */
	json_t *hooks;             /* borrowed: hooks, or NULL */
	json_t *annotations;       /* borrowed: annotations, or NULL */
	json_t *linux_json;        /* borrowed: linux, or NULL */
};

/* hull_oci_config_load: read and validate `bundle`/config.json. root.path and
 * relative bind mount sources are resolved against the bundle; root.path
 * must be an existing directory. The
 * returned config is owned by the caller (hull_oci_config_free). Errors name
 * "config.json" and the field. */
struct hull_oci_config *hull_oci_config_load(const char *bundle, struct hull_error **err);

/* hull_oci_config_parse: as above from an already parsed document; takes a
 * new reference on doc. `bundle` resolves a relative root.path and bind
 * sources (may be NULL: then both are kept as given and root.path is not
 * checked on disk). `where` names the
 * file in errors. */
struct hull_oci_config *hull_oci_config_parse(json_t *doc, const char *bundle, const char *where,
					      struct hull_error **err);

/* hull_oci_config_free: NULL is fine. */
void hull_oci_config_free(struct hull_oci_config *cfg);

/* hull_oci_proc_mount_refusal: runc's rule for a mount destination in
 * /proc (libcontainer checkProcMount): /proc itself only for a proc
 * filesystem (`is_proc`), beneath it only the files lxcfs emulates
 * (/proc/meminfo, /proc/cpuinfo...). `destination` must be cleaned
 * (hull_path_clean). Returns NULL when the mount is allowed, else a static
 * sentence saying why not ("cannot be mounted because it is inside /proc"). */
const char *hull_oci_proc_mount_refusal(const char *destination, bool is_proc);
static inline void hull_oci_config_freep(struct hull_oci_config **c)
{
	hull_oci_config_free(*c);
	*c = NULL;
}

/* hull_oci_process_parse: validate a process object. `where` is the file
 * name for errors, `prefix` the dotted path of obj ("process" for
 * config.json, NULL for an exec --process file whose top level is the
 * process). Takes a new reference on obj. */
struct hull_oci_process *hull_oci_process_parse(json_t *obj, const char *where, const char *prefix,
						struct hull_error **err);

/* hull_oci_process_free: NULL is fine. */
void hull_oci_process_free(struct hull_oci_process *p);

/* hull_oci_config_namespace: the entry of the given CLONE_NEW* type, or NULL
 * when the config has none (the container shares the host's). */
const struct hull_oci_namespace *hull_oci_config_namespace(const struct hull_oci_config *cfg, int type);

/* hull_oci_namespace_type: "pid" -> CLONE_NEWPID...; -1 when unknown. */
int hull_oci_namespace_type(const char *name);

/* hull_oci_namespace_name: CLONE_NEWPID -> "pid"...; NULL when unknown. */
const char *hull_oci_namespace_name(int type);

/* hull_oci_rlimit_parse: "RLIMIT_NOFILE" -> RLIMIT_NOFILE; -1 when unknown. */
int hull_oci_rlimit_parse(const char *name);

/* hull_oci_spec_default: the document `hull spec` writes (runc's default:
 * busybox-friendly, terminal on, sh). `rootless` adds a user namespace
 * mapping the caller's uid/gid and drops what needs real root, as
 * `runc spec --rootless` does. The caller owns the reference. */
json_t *hull_oci_spec_default(bool rootless, uid_t uid, gid_t gid);

/* The record a runtime keeps for one container (runtime.md#state plus what
 * runc's `state` prints). Saved as <root>/<id>/state.json. */
struct hull_oci_state {
	char *oci_version;
	char *id;
	pid_t pid;                    /* the container's init, as seen from the host; 0 if none */
	unsigned long long pid_start; /* its start time (/proc/<pid>/stat field 22), so a reused pid is not ours */
	char *bundle;                 /* absolute */
	char *rootfs;                 /* absolute */
	char *created;                /* RFC 3339 with nanoseconds, UTC */
	char *owner;                  /* user name of the state dir owner; "" when unknown */
	json_t *annotations;          /* owned; NULL when none */
	json_t *json;                 /* owned: the whole document, so fields other rooms add
				       * (cgroup paths...) survive a load/save round trip */
};

/* hull_oci_state_load: read a state.json (path given for errors). */
struct hull_oci_state *hull_oci_state_load(const char *path, struct hull_error **err);

/* hull_oci_state_save: write state.json atomically (temp name + rename):
 * readers never see a half-written file. */
int hull_oci_state_save(struct hull_oci_state *st, const char *path, struct hull_error **err);

/* hull_oci_state_to_json: the object runc's `state` and `list --format json`
 * print: ociVersion, id, pid, status, bundle, rootfs, created, owner and
 * annotations (only when present). The caller owns it. */
json_t *hull_oci_state_to_json(const struct hull_oci_state *st, const char *status);

/* hull_oci_state_free: NULL is fine. */
void hull_oci_state_free(struct hull_oci_state *st);
static inline void hull_oci_state_freep(struct hull_oci_state **s)
{
	hull_oci_state_free(*s);
	*s = NULL;
}

#endif
