/* hull/container_record.h - a container's record (containers/<id>/container.json) as a C type.
 *
 * The record is docker's inspect shape less State (hull/container_store.h).
 * hull_container_record_parse reads it into the structs below, checking the
 * type of every member it knows; hull_container_record_json writes the
 * same JSON back. Members hull does not know (a newer hull's, or docker's
 * that an API client sent) are kept in each object's `extra` and written
 * back unchanged, so a parse and a serialize lose nothing.
 *
 * Every member is optional: an absent one reads as zero, NULL or empty.
 * `present` and `null` are bitmaps over an object's members, in the
 * order of the table in record_type.c; they let a serialize write back
 * what was there (an absent member stays absent, a null one null), and
 * are no business of readers. A member set by code is written when it is
 * non-zero or its bit is set; a nested object when its `here` is set.
 *
 * Opaque members (json_t *, owned): the shapes hull hands through without
 * reading them field by field (PortBindings, Mounts, NetworkSettings'
 * Networks and Ports, HostConfig.HullConnected).
 */
#ifndef HULL_CONTAINER_RECORD_H
#define HULL_CONTAINER_RECORD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/cleanup.h"
#include "hull/error.h"

/* A JSON object of strings (Labels, Tmpfs, LogConfig.Config), in order. */
struct hull_record_strmap {
	size_t n;
	char **keys;
	char **values;
};

/* hull_record_strmap_get: the value of key, NULL when absent. */
const char *hull_record_strmap_get(const struct hull_record_strmap *m, const char *key);

/* The bookkeeping every object of the record carries (see above). */
struct hull_record_object {
	bool here; /* the object is in the record (code that fills one sets it) */
	uint64_t present;
	uint64_t null;
	json_t *extra; /* unknown members, owned; NULL: none */
};

/* Config.Healthcheck: docker's HealthConfig; durations in ns. */
struct hull_record_healthcheck {
	struct hull_record_object obj;
	char **test; /* ["CMD-SHELL", "cmd"], ["CMD", ...], ["NONE"] */
	long long interval, timeout, start_period, start_interval;
	long long retries;
};

/* Config: what the process is (docker's container Config). */
struct hull_record_config {
	struct hull_record_object obj;
	char *hostname, *domainname, *user;
	bool attach_stdin, attach_stdout, attach_stderr, tty, open_stdin, stdin_once;
	char **env;	   /* K=V */
	char **cmd;	   /* null in the record: NULL with the null bit */
	char **entrypoint; /* likewise */
	char *image;	   /* the reference as typed */
	char *working_dir;
	/* the keys of ExposedPorts ("80/tcp") and Volumes (the anonymous
	 * volumes' destinations); their values are written as {} (docker's
	 * empty struct: what an image put in one is not kept) */
	char **exposed_ports;
	char **volumes;
	struct hull_record_strmap labels;
	char *stop_signal;
	long long stop_timeout;
	struct hull_record_healthcheck healthcheck;
};

struct hull_record_restart_policy {
	struct hull_record_object obj;
	char *name; /* no | always | on-failure | unless-stopped */
	long long maximum_retry_count;
};

struct hull_record_log_config {
	struct hull_record_object obj;
	char *type; /* json-file | none */
	struct hull_record_strmap config;
};

/* HostConfig.HullVM: the container runs in a KVM micro-VM. */
struct hull_record_vm {
	struct hull_record_object obj;
	char *kernel, *kernel_version;
	char *rootfs; /* host | disk; NULL: disk (records older than the root share) */
};

/* HostConfig: how the container is run (docker's HostConfig, and hull's own
 * Hull* members). */
struct hull_record_host_config {
	struct hull_record_object obj;
	char **binds;			 /* -v SRC:DST[:OPTS] */
	char **hull_mount_flags;	 /* --mount, as typed */
	struct hull_record_strmap tmpfs; /* destination -> options */
	json_t *port_bindings;		 /* {"80/tcp": [{"HostIp", "HostPort"}]} */
	bool publish_all_ports;
	char *network_mode; /* bridge | host | none | NAME | container:ID */
	bool privileged;
	char **cap_add, **cap_drop;
	char **security_opt;
	bool readonly_rootfs;
	long long memory, memory_swap, nano_cpus, cpu_shares;
	long long pids_limit; /* null in the record: 0 with the null bit */
	bool auto_remove;
	struct hull_record_log_config log_config;
	char **dns, **dns_search, **extra_hosts;
	char **ulimits, **sysctls, **devices, **group_add;
	char *ipc_mode, *pid_mode, *uts_mode, *userns_mode;
	long long shm_size;
	bool init;
	struct hull_record_restart_policy restart_policy;
	char **network_aliases;
	char *hull_ipv4_address;       /* --ip */
	struct hull_record_vm hull_vm; /* present bit of "HullVM": a VM */
	json_t *hull_connected;	       /* `network connect` wishes: {NET: {Aliases, IPv4Address}} */
};

/* GraphDriver.Data: the overlay's directories. */
struct hull_record_graph_data {
	struct hull_record_object obj;
	char **hull_lower_dirs; /* top layer first */
	char *upper_dir, *work_dir, *merged_dir;
};

struct hull_record_graph_driver {
	struct hull_record_object obj;
	char *name;
	struct hull_record_graph_data data;
};

/* NetworkSettings.HullUserNet: the slirp4netns or pasta helper. */
struct hull_record_usernet {
	struct hull_record_object obj;
	char *mode; /* slirp4netns | pasta */
	long long pid, pid_start;
};

/* NetworkSettings: written by the monitor for each run. */
struct hull_record_network_settings {
	struct hull_record_object obj;
	char *ip_address, *gateway, *mac_address;
	long long ip_prefix_len;
	json_t *networks; /* {NET: endpoint} */
	json_t *ports;	  /* docker's PortMap */
	char *sandbox_key;
	struct hull_record_usernet hull_user_net;
};

struct hull_container_record {
	struct hull_record_object obj;
	char *id, *name; /* name with docker's leading '/' */
	char *created;	 /* RFC 3339 */
	char *path;
	char **args;
	struct hull_record_config config;
	struct hull_record_host_config host_config;
	char *image; /* the image id */
	char *resolv_conf_path, *hostname_path, *hosts_path, *log_path;
	struct hull_record_graph_driver graph_driver;
	char *driver, *platform;
	long long restart_count;
	char **hull_warnings;
	json_t *mounts; /* docker's MountPoint array, with HullCopyUp, HullAnonymous, HullOptions */
	struct hull_record_network_settings network_settings;
};

/* hull_container_record_parse: j (a record object, borrowed) -> *out, which
 * the caller clears with hull_container_record_clear even on failure. A
 * member of the wrong type fails with EINVAL naming `display` and the
 * member's dotted path ("container.json: HostConfig.Memory: expected an
 * integer, found a string"); the members of the right type are read even
 * then, so a reader that has no way to report the error sees what is there
 * (and zero for the bad member). */
int hull_container_record_parse(json_t *j, const char *display, struct hull_container_record *out,
				struct hull_error **err);

/* hull_container_record_load: read and parse the record file at path; errors
 * name the path. */
int hull_container_record_load(const char *path, struct hull_container_record *out, struct hull_error **err);

/* hull_container_record_json: r as the record's JSON (new reference): the
 * members that were parsed, or set, and every unknown one. */
json_t *hull_container_record_json(const struct hull_container_record *r);

/* hull_container_record_clear: free what r owns and zero it. */
void hull_container_record_clear(struct hull_container_record *r);
#define _cleanup_record_ _cleanup_(hull_container_record_clear)

/* Is the container's VM member there (--vm)? */
static inline bool hull_record_host_config_is_vm(const struct hull_record_host_config *hc)
{
	return hc->hull_vm.obj.here;
}

#endif
