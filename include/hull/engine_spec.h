/* hull/engine_spec.h - the OCI runtime spec of a container: docker's secure defaults (capabilities,
 * seccomp), its user, and the spec generated from its record. */
#ifndef HULL_ENGINE_SPEC_H
#define HULL_ENGINE_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hull/error.h"

/* docker's default capability set (14 capabilities, "CAP_" names). */
extern const char *const hull_engine_default_caps[];

/* hull_engine_capabilities: the set after --cap-add/--cap-drop ("ALL",
 * names with or without CAP_, any case) or every capability when
 * privileged; a json array of "CAP_X" (new ref), NULL with an error
 * naming an unknown capability. */
json_t *hull_engine_capabilities(json_t *cap_add, json_t *cap_drop, bool privileged, struct hull_error **err);

/* hull_engine_default_seccomp: the default profile for a container holding
 * `capabilities` (array of "CAP_X"), runtime-spec linux.seccomp (new ref). */
json_t *hull_engine_default_seccomp(json_t *capabilities);

/* hull_engine_default_seccomp_names: the unconditional allowlist. */
size_t hull_engine_default_seccomp_names(const char *const **out);

/* What spec generation needs beyond the record. */
struct hull_spec_inputs {
	const char *rootfs;        /* absolute, the mounted overlay */
	const char *dir;           /* the container directory: hosts, hostname, resolv.conf live there */
	uid_t uid;                 /* resolved from Config.User against the rootfs */
	gid_t gid;
	gid_t *gids;               /* additional groups */
	size_t n_gids;
	const char *netns_path;    /* join this network namespace; NULL: new one unless host */
	const char *ipc_path;      /* join these (container:X modes); NULL: new unless host */
	const char *pid_path;
	const char *uts_path;
	const char *etc_dir;       /* hosts, hostname, resolv.conf from here (--network container:X); NULL: dir */
	const char *shm_source;    /* bind this at /dev/shm (--ipc container:X); NULL: a tmpfs of ShmSize */
	bool userns;               /* run in a user namespace mapping uid_map/gid_map (rootless) */
	uid_t host_uid;            /* with userns: root in the container is this host uid */
	gid_t host_gid;
	const char *cgroup_parent; /* "/hull" */
	bool rootless;             /* in the user's rootless namespace: no linux.resources, */
	bool rootless_cgroup;      /* unless a cgroup v2 subtree is delegated (cgroup_parent in it) */
	const char *hosts_source;  /* hosts file to bind at /etc/hosts, NULL: dir/hosts */
};

/* hull_engine_spec: the OCI runtime-spec config.json for a container from
 * its record (Config, HostConfig, Mounts) with docker's secure defaults:
 * capability set, seccomp profile, masked and read-only /proc and /sys
 * paths, no new namespaces from inside, /dev/shm of ShmSize; privileged
 * lifts all of these. New reference, NULL with an error. */
json_t *hull_engine_spec(json_t *record, const struct hull_spec_inputs *in, struct hull_error **err);

/* hull_engine_resolve_user: docker's -u USER[:GROUP] against the rootfs's
 * /etc/passwd and /etc/group (read without leaving the rootfs): names or
 * numbers; "" is root. Supplementary groups are those /etc/group lists
 * the user in, plus group_add (names or numbers). *gids is malloc'd. */
int hull_engine_resolve_user(const char *rootfs, const char *user, json_t *group_add, uid_t *uid, gid_t *gid,
			     gid_t **gids, size_t *n_gids, struct hull_error **err);

#endif
