/* hull/engine.h - the docker-like engine: containers from images.
 *
 * What lives under ctx->data_root (default /var/lib/hull, env HULL_DATA_ROOT):
 *   containers/<id>/container.json   the record: docker's inspect shape, less State
 *   containers/<id>/state.json       State, written by the container's monitor
 *   containers/<id>/config.json      the OCI runtime spec generated for it
 *   containers/<id>/rootfs           overlay mount point (lower = image layers)
 *   containers/<id>/diff, work       overlay upper and work dirs (gone with rm)
 *   containers/<id>/<id>-json.log    json-file logs (rotated .1 .2 ...)
 *   containers/<id>/slirp4netns.log, slirp4netns.sock, pasta.log
 *                                    a user-mode network's helper: its stderr, API socket
 *   names/<name> -> <id>             the name index (a symlink per name)
 *   volumes/<name>/_data             named volumes, as docker lays them out
 *   networks/<name>.json             user networks; ipam/ holds allocations
 *
 * The library never prints and never exits; the CLI (src/cli/engine/) does.
 */
#ifndef HULL_ENGINE_H
#define HULL_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hull/ctx.h"
#include "hull/error.h"
#include "hull/fs.h"
#include "hull/proc.h"
#include "hull/size.h"
#include "hull/timefmt.h"

/* ---------------------------------------------------------------- ids -- */

#define HULL_ID_LEN 64      /* docker's ids: 64 lowercase hex digits */
#define HULL_SHORT_ID_LEN 12 /* what ps shows */

/* hull_engine_new_id: 64 random lowercase hex digits into out (65 bytes with
 * the NUL); never all digits, as docker ensures, so a short id can never be
 * mistaken for a number. Returns 0 or -errno when getrandom fails. */
int hull_engine_new_id(char out[HULL_ID_LEN + 1], struct hull_error **err);

/* hull_engine_random_name: a malloc'd "adjective_surname" name, the shape
 * docker gives unnamed containers; retry picks a fresh pair. */
char *hull_engine_random_name(void);

/* hull_engine_valid_name: docker's rule for container, volume and network
 * names: [a-zA-Z0-9][a-zA-Z0-9_.-]* (up to 128 chars). */
bool hull_engine_valid_name(const char *name);

/* ------------------------------------------------------ container store -- */

enum hull_engine_status {
	HULL_ENGINE_CREATED = 0,
	HULL_ENGINE_RUNNING,
	HULL_ENGINE_PAUSED,
	HULL_ENGINE_EXITED,
	HULL_ENGINE_REMOVING,
	HULL_ENGINE_DEAD,
	HULL_ENGINE_RESTARTING, /* --restart: between two runs, the monitor waiting its back-off */
};

/* hull_engine_status_name: docker's lowercase word ("running"...). */
const char *hull_engine_status_name(enum hull_engine_status s);

/* The live part of a record (docker's State object), kept in state.json. */
struct hull_engine_state {
	enum hull_engine_status status;
	pid_t pid;                  /* container init on the host, 0 when not running */
	unsigned long long pid_start; /* its start time (/proc/PID/stat field 22): pid reuse guard */
	pid_t monitor_pid;          /* the monitor process, 0 when none */
	unsigned long long monitor_start;
	int exit_code;
	bool oom_killed;
	char started_at[40];        /* RFC 3339, "" when never */
	char finished_at[40];
	char error[256];            /* why it failed to start / how it ended oddly */
};

/* One container: its id, name, directory, and the record documents. */
struct hull_container {
	char *id;                         /* 64 hex */
	char *name;                       /* without docker's leading '/' */
	char *dir;                        /* data_root/containers/<id> */
	json_t *record;                   /* container.json (owned) */
	struct hull_engine_state state; /* from state.json, checked against /proc */
	int create_lock;                  /* reserve's flock on dir/lock until create is done, -1: none */
};

/* hull_container_free: free c and everything it owns; NULL is fine. */
void hull_container_free(struct hull_container *c);
void hull_container_freep(struct hull_container **c);
#define _cleanup_container_ _cleanup_(hull_container_freep)

/* hull_engine_containers_dir: malloc'd data_root/containers. */
char *hull_engine_containers_dir(const struct hull_ctx *ctx);

/* hull_engine_runtime_root: where the engine keeps the OCI runtime state of
 * its containers, apart from `hull runtime` users' --root so that runc-style
 * commands never see engine containers: /run/hull-engine for the default
 * data root, data_root/run otherwise (tests). Malloc'd. */
char *hull_engine_runtime_root(const struct hull_ctx *ctx);

/* hull_container_reserve: claim `name` (NULL: a random free one) for a new
 * container and make its directory with an empty record. Names are unique:
 * a taken name fails with EEXIST and a message naming the holder, as
 * docker's "Conflict. The container name ... is already in use". The caller
 * fills c->record and saves it; on failure nothing is left behind. Until
 * hull_container_created (or free), c holds a flock on its directory's
 * lock: a directory with no record whose lock is free is a create that was
 * killed, and the next reserve of the name, load, list or prune removes it
 * (with its name). */
struct hull_container *hull_container_reserve(const struct hull_ctx *ctx, const char *name,
					      struct hull_error **err);

/* hull_container_save: write container.json atomically. */
int hull_container_save(const struct hull_container *c, struct hull_error **err);

/* hull_container_save_state: write state.json atomically from c->state. */
int hull_container_save_state(const struct hull_container *c, struct hull_error **err);

/* hull_container_load: find a container by full id, name, or unique id
 * prefix (docker's rules) and load its record and state. The state tells
 * the truth: a "running" container whose monitor is gone (crash, reboot)
 * comes back as exited. ENOENT "No such container: X" when not found,
 * EINVAL when a prefix is ambiguous. */
struct hull_container *hull_container_load(const struct hull_ctx *ctx, const char *ref, struct hull_error **err);

/* hull_container_list: every container, oldest first; *out is a malloc'd
 * array of *n pointers (free each with hull_container_free, then the array).
 * Records that cannot be read are skipped (a half-made one from a crash). */
int hull_container_list(const struct hull_ctx *ctx, struct hull_container ***out, size_t *n,
			struct hull_error **err);

/* hull_container_lock: take the container's lock (flock on dir/lock); returns
 * the fd to close for release, or -errno. Serialises start/stop/rm/state
 * writes between concurrent hull processes. */
int hull_container_lock(const struct hull_container *c, struct hull_error **err);

/* hull_container_rename: give c the name `name` (docker rename): the new
 * name is claimed first (a taken one fails with docker's "Conflict"
 * message), then the record is saved and the old name released. The
 * same name as now is refused, as docker does. A running container's
 * monitor takes the new name from the record when it next saves it. */
int hull_container_rename(const struct hull_ctx *ctx, struct hull_container *c, const char *name,
			  struct hull_error **err);

/* hull_container_created: the record is saved, the create is complete:
 * let go of reserve's lock (other commands take it from now on). */
void hull_container_created(struct hull_container *c);

/* hull_container_hide: remove the name link and rename the directory to
 * containers/.rm-<id>, out of every listing; returns that path (malloc'd)
 * for the caller to delete. */
char *hull_container_hide(const struct hull_ctx *ctx, const struct hull_container *c, struct hull_error **err);

/* hull_container_remove_files: hide, then delete the tree (which must hold
 * no mounts any more: rm_rf does not cross them). A deletion that is killed
 * is finished by the next list (`ps`, `prune`): the caller holds the
 * container's lock, which moves with the directory and is deleted last. */
int hull_container_remove_files(const struct hull_ctx *ctx, const struct hull_container *c, struct hull_error **err);

/* hull_container_image: the record's Config.Image ("" when unset). */
const char *hull_container_image(const struct hull_container *c);

/* hull_engine_state_json: docker's State object for s (new reference). */
json_t *hull_engine_state_json(const struct hull_engine_state *s);

/* ------------------------------------------------------------- rootless -- */

/* hull_engine_userns_join: for a caller with euid != 0, enter the user's
 * rootless user and mount namespaces (src/lib/engine/userns.c): join the
 * pause process named in <ctx->runtime_root>/pause.pid, or start one
 * (newuidmap/newgidmap with the /etc/subuid and /etc/subgid ranges, else a
 * single mapping 0 -> the caller). Afterwards the caller is uid 0 in that
 * namespace. Must run while the process is single-threaded (setns(2)).
 * *warning (malloc'd, or NULL) says why only one id could be mapped, set
 * only when this call made the namespace. A no-op for real root. */
int hull_engine_userns_join(struct hull_ctx *ctx, char **warning, struct hull_error **err);

/* -------------------------------------------------------------- volumes -- */

/* A named volume: data_root/volumes/<name>/_data, as docker's local driver. */
struct hull_volume {
	char *name;
	char *mountpoint;  /* .../volumes/<name>/_data */
	char *created_at;  /* RFC 3339 */
	json_t *labels;    /* object of strings (owned) */
	bool anonymous;    /* made for an image VOLUME or `-v /path`: pruned by default */
};

void hull_volume_free(struct hull_volume *v);
void hull_volume_freep(struct hull_volume **v);
#define _cleanup_volume_ _cleanup_(hull_volume_freep)

/* hull_volume_lock: the volume store's lock (flock on volumes/.lock), held
 * while a volume is created or removed and while a container that uses
 * volumes records them, so `rm` cannot slip between check and use. Returns
 * the fd to close, or -errno. */
int hull_volume_lock(const struct hull_ctx *ctx, struct hull_error **err);

/* hull_volume_create: create volume `name` (NULL: an anonymous one with a
 * 64-hex name). An existing volume of that name is returned as is, as
 * `docker volume create` does; *created (may be NULL) says which. labels
 * (borrowed, may be NULL) is an object of strings. */
struct hull_volume *hull_volume_create(const struct hull_ctx *ctx, const char *name, json_t *labels, bool *created,
				       struct hull_error **err);

/* hull_volume_create_locked: the same, for a caller that holds
 * hull_volume_lock() already (flock does not nest across fds). */
struct hull_volume *hull_volume_create_locked(const struct hull_ctx *ctx, const char *name, json_t *labels,
					      bool *created, struct hull_error **err);

/* hull_volume_get: load one volume; ENOENT "no such volume: NAME". */
struct hull_volume *hull_volume_get(const struct hull_ctx *ctx, const char *name, struct hull_error **err);

/* hull_volume_list: every volume sorted by name; *out malloc'd array. */
int hull_volume_list(const struct hull_ctx *ctx, struct hull_volume ***out, size_t *n, struct hull_error **err);

/* hull_volume_users: ids of the containers (any state) whose record mounts
 * the volume; *ids is a malloc'd NULL-ended strv (empty when unused). */
int hull_volume_users(const struct hull_ctx *ctx, const char *name, char ***ids, struct hull_error **err);

/* hull_volume_remove: remove the volume and its data. Refused (EBUSY,
 * "remove NAME: volume is in use - [ID...]") while any container uses it,
 * running or not, as docker does; force does not override that. */
int hull_volume_remove(const struct hull_ctx *ctx, const char *name, struct hull_error **err);

/* hull_volume_prune: remove unused volumes: anonymous ones only, or all
 * unused ones when `all` (docker >= 23 semantics). *removed gets the names
 * (strv, may be NULL) and *reclaimed the bytes freed. */
int hull_volume_prune(const struct hull_ctx *ctx, bool all, char ***removed, unsigned long long *reclaimed,
		      struct hull_error **err);

/* hull_volume_inspect_json: docker's `volume inspect` object (new ref). */
json_t *hull_volume_inspect_json(const struct hull_volume *v);

/* ----------------------------------------------------------------- logs -- */

/* The json-file log of a container, docker's format: one object per line,
 * {"log":"text\n","stream":"stdout","time":"RFC3339Nano"}; rotated to
 * NAME.1 ... NAME.(max_files-1) when NAME would pass max_size bytes. */
struct hull_logfile {
	char *path;
	int fd;
	unsigned long long size;      /* current size of path */
	unsigned long long max_size;  /* 0: unlimited */
	unsigned max_files;           /* >= 1; 1 means truncate-in-place by rotation */
	char *partial[2];             /* pending bytes without a newline, per stream */
	size_t partial_len[2];
};

#define HULL_LOG_DEFAULT_MAX_SIZE (10ULL << 20) /* --log-opt max-size=10m */
#define HULL_LOG_DEFAULT_MAX_FILES 3                     /* --log-opt max-file=3 */

enum hull_log_stream { HULL_STREAM_STDOUT = 0, HULL_STREAM_STDERR = 1 };

/* hull_logfile_open: open (append) or create the log at path. */
int hull_logfile_open(struct hull_logfile *lf, const char *path, unsigned long long max_size, unsigned max_files,
		      struct hull_error **err);

/* hull_logfile_write: log a chunk of a stream's output. Complete lines are
 * written at once; a trailing partial line waits for its newline (up to
 * 16 KiB, then it is written as a partial record, as docker does). */
int hull_logfile_write(struct hull_logfile *lf, enum hull_log_stream stream, const char *buf, size_t len,
		       struct hull_error **err);

/* hull_logfile_close: write pending partial lines and close. */
void hull_logfile_close(struct hull_logfile *lf);

/* One record as read back. */
struct hull_log_record {
	enum hull_log_stream stream;
	const char *time;  /* RFC 3339 */
	const char *text;  /* the "log" member, with its newline when it had one */
	size_t len;
};

/* Reading options for hull_logs_read. */
struct hull_logs_options {
	long tail;          /* last N records; -1 for all */
	bool follow;        /* keep reading as the container writes */
	int64_t since_ns;   /* only records at or after (0: all) */
	int64_t until_ns;   /* only records before (0: no bound) */
	/* follow stops when this returns false (the container stopped) and
	 * everything written has been read; called about every 200 ms. */
	bool (*still_running)(void *data);
	void *data;
};

/* hull_logs_read: call emit for each record of the log at path (and its
 * rotated files, oldest first). emit returns < 0 to stop (e.g. EPIPE). A
 * missing log reads as empty. */
int hull_logs_read(const char *path, const struct hull_logs_options *opts,
		   int (*emit)(const struct hull_log_record *rec, void *data), void *data, struct hull_error **err);

/* --------------------------------------------------- run/create options -- */

/* docker run's flags, as parsed by the CLI; strv members are NULL-ended
 * and may be NULL. Everything is borrowed. */
/* hull_engine_vm_default_kernel: the kernel of `--vm` without --vm-kernel:
 * /boot/vmlinuz-$(uname -r), else the newest /boot/vmlinuz-* (malloc'd). */
char *hull_engine_vm_default_kernel(struct hull_error **err);

/* hull_engine_vm_exec: `exec` into a running container of `run --vm`: a
 * connection of its own to the guest agent (the VMM's vsock, port
 * HULL_AGENT_EXEC_PORT) runs process (an OCI process object, borrowed) in
 * the container with the runtime's exec path; stdio[0] (-1: none) goes to
 * it, its output to stdio[1] and stdio[2]; signals read from signal_fd
 * (-1: none) are forwarded; with terminal, stdio[0] is a tty whose size is
 * the process's. Its exit status (128+N when killed by N) in *status. */
int hull_engine_vm_exec(const struct hull_container *c, json_t *process, const int stdio[3], int signal_fd,
			bool terminal, int *status, struct hull_error **err);

/* The runtime's command line with a micro-VM (vm_bundle.c, docs/vm-agent.md
 * "For orchestrators: the annotation"): a bundle whose config.json
 * annotations hold run.hull.isolation=vm.
 *
 * hull_engine_vm_bundle_wanted: 1 if bundle's (NULL: ".") config.json asks
 * for a VM, 0 if not (absent, "container", or no readable config.json: the
 * runtime reports that), an error for another value. */
struct hull_runtime_launch;
struct hull_runtime_opts;
int hull_engine_vm_bundle_wanted(const char *bundle, struct hull_error **err);

/* hull_engine_vm_bundle_is: is container id (of the runtime root) one in a VM? */
bool hull_engine_vm_bundle_is(struct hull_ctx *ctx, const char *id);

/* hull_engine_vm_bundle_launch: struct hull_runtime_opts.launch (data: the
 * ctx): refuse by name what a VM cannot honour (namespaces to join, hooks,
 * host directories to bind), make an ext4 image of the rootfs, start the VM
 * shim, which boots the VM and creates the container in it; returns once it
 * is created (*pid: the shim), or the guest's error with nothing left. */
int hull_engine_vm_bundle_launch(void *data, const struct hull_runtime_launch *what, pid_t *pid,
				 struct hull_error **err);

/* hull_engine_vm_bundle_run: `hull run` of such a bundle: create, start and
 * (unless opts->detach) wait, relaying signals, then delete (unless
 * opts->keep); *exit_status is the container's. */
int hull_engine_vm_bundle_run(struct hull_ctx *ctx, const char *id, const struct hull_runtime_opts *opts,
			      int *exit_status, struct hull_error **err);

/* hull_engine_vm_bundle_exec: `hull exec` into such a container: process
 * (an OCI process object) over an exec connection of its own. Foreground:
 * stdio relayed, *status the process's. detach: a child of ours relays
 * (its pid to pid_file, its exit status the process's) and we return once
 * the process runs. With process.terminal, console_socket gets the pty. */
int hull_engine_vm_bundle_exec(struct hull_ctx *ctx, const char *id, json_t *process, bool detach,
			       const char *pid_file, const char *console_socket, int *status,
			       struct hull_error **err);

/* hull_engine_vm_bundle_pids: the host processes of such a container (its
 * shim and the VMM); malloc'd. */
int hull_engine_vm_bundle_pids(struct hull_ctx *ctx, const char *id, pid_t **pids, size_t *n,
			       struct hull_error **err);

/* hull_engine_vm_rootfs: where the host sees a running VM container's
 * root filesystem (its image's layers, in its monitor's mount namespace),
 * for the user and group lookup of exec -u; malloc'd. */
char *hull_engine_vm_rootfs(const struct hull_container *c);

/* hull_engine_vm_prepare: make what `run --vm` of image needs and keeps
 * (the initramfs for kernel, NULL: the default one, and, when disk is not
 * NULL, the image's read-only disk of `--vm-rootfs disk`) ahead of the
 * first run; their paths in *initrd, *disk. */
struct hull_image_store;
int hull_engine_vm_prepare(struct hull_ctx *ctx, struct hull_image_store *store, const char *image, const char *kernel,
			   char **initrd, char **disk, struct hull_error **err);

struct hull_run_options {
	const char *image;      /* reference as typed */
	const char *name;       /* --name, NULL: random */
	char **cmd;             /* after IMAGE; NULL: the image's Cmd */
	const char *entrypoint; /* --entrypoint; "" clears the image's */
	char **env;             /* -e K=V, or K (value from our environment) */
	char **env_files;       /* --env-file */
	const char *workdir;    /* -w */
	const char *user;       /* -u user[:group] */
	char **volumes;         /* -v SRC:DST[:OPTS] or -v DST */
	char **mounts;          /* --mount type=...,source=...,target=... */
	char **tmpfs;           /* --tmpfs DST[:OPTS] */
	char **publish;         /* -p [IP:][HOST:]CONTAINER[/PROTO] */
	bool publish_all;       /* -P */
	char **expose;          /* --expose PORT[/PROTO] */
	const char *network;    /* --network none|host|bridge|NAME; NULL: bridge */
	char **network_alias;   /* --network-alias */
	const char *ip;         /* --ip: the address on a user network, NULL: the next free one */
	const char *hostname;   /* -h */
	const char *domainname; /* --domainname */
	char **dns;             /* --dns */
	char **dns_search;      /* --dns-search */
	char **add_host;        /* --add-host NAME:IP */
	long long memory;       /* -m bytes, 0: none */
	long long memory_swap;  /* --memory-swap bytes, 0: none, -1 unlimited */
	long long nano_cpus;    /* --cpus * 1e9 */
	long long cpu_shares;   /* -c */
	long long pids_limit;   /* --pids-limit, 0: none */
	bool read_only;         /* --read-only */
	char **cap_add, **cap_drop;
	char **security_opt;    /* seccomp=FILE|unconfined, no-new-privileges[:true] */
	bool privileged;
	bool interactive, tty, detach, auto_remove, init;
	char **labels;          /* -l K=V */
	const char *log_driver; /* json-file (default) | none */
	char **log_opts;        /* max-size=, max-file= */
	const char *stop_signal;
	int stop_timeout;       /* -1: default (10 s) */
	const char *health_cmd; /* --health-cmd (CMD-SHELL), NULL: the image's */
	long long health_interval, health_timeout, health_start_period; /* ns, 0: the image's or default */
	int health_retries;     /* 0: the image's or 3 */
	bool no_healthcheck;    /* --no-healthcheck: Test NONE */
	char **ulimits;         /* NAME=SOFT[:HARD] */
	char **sysctls;         /* K=V */
	char **devices;         /* --device HOST[:CONTAINER[:PERMS]] */
	char **group_add;
	const char *ipc, *pid, *uts; /* host or NULL */
	const char *userns;     /* "host" or NULL */
	long long shm_size;     /* --shm-size bytes, 0: 64m */
	const char *pull;       /* missing (default) | always | never */
	const char *platform;
	const char *restart;    /* no | always | on-failure[:N] | unless-stopped (the monitor restarts) */
	const char *cidfile;
	int scan_policy;        /* --scan-policy: an enum hull_scan_severity; -1: off (no scan) */
	const char *scan_db;    /* --scan-db DIR; NULL: hull scan's default database */
	bool vm;                /* --vm: in a KVM micro-VM (docs/vm-agent.md) */
	const char *vm_kernel;  /* --vm-kernel FILE; NULL: hull_engine_vm_default_kernel() */
	const char *vm_rootfs;  /* --vm-rootfs host|disk; NULL: host */
};

/* ------------------------------------------------------ restart policy -- */

/* docker's --restart policies. always and unless-stopped only differ when
 * a daemon restarts; hull has none, so here they behave the same. */
enum hull_restart_kind {
	HULL_RESTART_NO = 0,
	HULL_RESTART_ALWAYS,
	HULL_RESTART_ON_FAILURE,
	HULL_RESTART_UNLESS_STOPPED,
};

struct hull_restart_policy {
	enum hull_restart_kind kind;
	int max_retries; /* on-failure:N; 0: no limit */
};

/* hull_restart_policy_parse: "no" | "always" | "unless-stopped" |
 * "on-failure[:N]" (NULL or "": no). EINVAL naming the flag otherwise, and
 * for a count on anything but on-failure, as docker refuses it. */
int hull_restart_policy_parse(const char *spec, struct hull_restart_policy *out, struct hull_error **err);

/* hull_restart_kind_name: docker's name for kind ("on-failure"...). */
const char *hull_restart_kind_name(enum hull_restart_kind kind);

/* What the monitor remembers between runs; zero it at start. */
struct hull_restart_tracker {
	unsigned count;    /* restarts so far: docker's RestartCount */
	unsigned delay_ms; /* the last back-off */
};

/* hull_restart_next: the process exited with exit_code after ran_ms: true
 * when the policy runs it again (t->count grows), after *delay_ms (moby's
 * restartmanager: 100 ms doubling up to 1 minute, back to 100 ms once a
 * run lasted 10 s). Never after a stop or kill by the user; on-failure only
 * on a non-zero code and at most max_retries times. */
bool hull_restart_next(const struct hull_restart_policy *p, struct hull_restart_tracker *t, int exit_code,
		       bool stopped_by_user, unsigned long long ran_ms, unsigned *delay_ms);

/* hull_engine_update_restart: docker update --restart: set the container's
 * RestartPolicy (under its lock, in the record as it is on disk, c->record
 * refreshed). A running container's monitor follows it from the next exit
 * of the process. Refused, as docker does, for a --rm container. */
int hull_engine_update_restart(struct hull_container *c, const char *spec, struct hull_error **err);

/* hull_run_options_init: zero with stop_timeout -1 and scan_policy -1. */
void hull_run_options_init(struct hull_run_options *o);

/* A port mapping parsed from -p (docker's PortBinding). */
struct hull_port_mapping {
	char host_ip[64];   /* "" for all */
	unsigned host_port; /* 0: pick one */
	unsigned container_port;
	char proto[8];      /* "tcp" | "udp" | "sctp" */
};

/* hull_parse_publish: "-p" syntax -> mappings (ranges expand). *out is
 * malloc'd, *n entries. Errors quote the spec and say what is wrong. */
int hull_parse_publish(const char *spec, struct hull_port_mapping **out, size_t *n, struct hull_error **err);

/* A mount parsed from -v / --mount / --tmpfs: docker's MountPoint. */
struct hull_mount_spec {
	char *type;        /* "volume" | "bind" | "tmpfs" */
	char *source;      /* volume name (NULL: anonymous), host path, or NULL */
	char *destination; /* absolute path in the container */
	bool readonly;
	bool nocopy;       /* volume-nocopy: do not fill from the image */
	char *options;     /* tmpfs options ("size=64m,mode=1777") or bind propagation */
};

void hull_mount_spec_clear(struct hull_mount_spec *m);

/* hull_parse_volume_flag: -v SRC:DST[:ro|rw|z|Z|nocopy|rprivate...] or DST. */
int hull_parse_volume_flag(const char *spec, struct hull_mount_spec *out, struct hull_error **err);

/* hull_parse_mount_flag: --mount type=bind|volume|tmpfs,source=,target=,
 * readonly,volume-nocopy,tmpfs-size=,tmpfs-mode=,bind-propagation=. */
int hull_parse_mount_flag(const char *spec, struct hull_mount_spec *out, struct hull_error **err);

/* hull_parse_tmpfs_flag: --tmpfs DST[:OPTS]. */
int hull_parse_tmpfs_flag(const char *spec, struct hull_mount_spec *out, struct hull_error **err);

/* hull_engine_build_record: docker's Config and HostConfig objects for a new
 * container from the flags and the image's config (a json object in
 * image-spec config.md's "config" shape: Entrypoint, Cmd, Env, WorkingDir,
 * User, ExposedPorts, Volumes, Labels, StopSignal). Sets "Config",
 * "HostConfig", "Path", "Args", "Created" in record. Validates every flag:
 * a bad one fails here, before anything is created. */
int hull_engine_build_record(json_t *record, const struct hull_run_options *o, json_t *image_config,
			     struct hull_error **err);

/* ------------------------------------------------------- spec (OCI) -- */

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

/* ------------------------------------------------------------- networks -- */

/* A bridge network: the default "bridge" (bridge hull0, 10.88.0.0/16, or
 * what data_root/engine.json sets: {"bridge": "NAME", "bip": "IP/PREFIX"})
 * or one made by `hull network create`. "host" and "none" are modes, not
 * networks with state. */
struct hull_network {
	char *name;
	char *id;          /* 64 hex */
	char *bridge;      /* Linux bridge name */
	uint32_t subnet;   /* network address, host byte order */
	int prefix;
	uint32_t gateway;  /* the bridge's address, host byte order */
	char *created;
	json_t *labels;
	bool internal;     /* no NAT to the outside */
	bool is_default;   /* the "bridge" network: no name resolution (as docker's) */
};

void hull_network_free(struct hull_network *n);
void hull_network_freep(struct hull_network **n);
#define _cleanup_network_ _cleanup_(hull_network_freep)

/* hull_network_create: a user bridge network. subnet "10.89.3.0/24" or
 * NULL (the first free 10.89.N.0/24 that neither another network nor a
 * host route uses); gateway NULL: the first address. EEXIST when taken. */
struct hull_network *hull_network_create(const struct hull_ctx *ctx, const char *name, const char *subnet,
					 const char *gateway, json_t *labels, bool internal, struct hull_error **err);

/* hull_network_get: by name or id (prefix); "bridge" always exists. */
struct hull_network *hull_network_get(const struct hull_ctx *ctx, const char *ref, struct hull_error **err);

/* hull_network_list: "bridge" first, then user networks by name. */
int hull_network_list(const struct hull_ctx *ctx, struct hull_network ***out, size_t *n, struct hull_error **err);

/* hull_network_remove: remove a user network and its bridge; refused
 * (EBUSY, naming them) while containers are attached; "bridge" cannot go. */
int hull_network_remove(const struct hull_ctx *ctx, const char *ref, struct hull_error **err);

/* hull_network_inspect_json: docker's `network inspect` object (new ref),
 * with the attached containers. */
json_t *hull_network_inspect_json(const struct hull_ctx *ctx, const struct hull_network *n);

/* A container's endpoint on a network, as recorded. */
struct hull_endpoint {
	char network[129];
	char ip[16];
	char gateway[16];
	int prefix;
	char mac[18];
	char veth[16]; /* host side */
};

/* Who joins: fills the peers' /etc/hosts on user networks. */
struct hull_endpoint_request {
	const char *container_id;
	const char *name;        /* container name */
	const char *hostname;
	char *const *aliases;    /* --network-alias, may be NULL */
	const char *ip;          /* --ip: this address (in the subnet, free), NULL: the first free one */
	const char *hosts_path;  /* the container's hosts file, kept up to date */
	const char *domainname;  /* for its own hosts line */
	json_t *extra_hosts;     /* --add-host entries (borrowed, may be NULL) */
	pid_t pid;               /* a process in the container's network namespace */
	const char *ifname;      /* the interface inside, NULL: eth0 */
	bool secondary;          /* `network connect`: no default route, a veth name of its own */
	const char *hosts_ip;    /* its own /etc/hosts line's address, NULL: this network's */
	bool tap;                /* a micro-VM's: a persistent tap "tap<id>" on the bridge instead of a veth
				    (pid, ifname unused); its guest configures the address (out->veth names it) */
};

/* hull_network_attach: make sure the bridge, its address and the NAT
 * rules exist; take a free address (under the network's lock, so
 * concurrent runs never collide); make a veth pair with eth0 inside the
 * container's namespace (address, MAC 02:42:<ip>, default route); bring
 * lo up; write the container's /etc/hosts (hosts_path, in place: it is
 * bind-mounted) with its own address, and on user networks add it to its
 * peers' and theirs to its own. On failure everything taken is given back. */
int hull_network_attach(const struct hull_ctx *ctx, const struct hull_network *n,
			const struct hull_endpoint_request *req, struct hull_endpoint *out, struct hull_error **err);

/* hull_network_detach: give the address back, remove the veth (or tap) if it is
 * still there, take the container out of its peers' /etc/hosts. Safe to
 * call twice and after a crash (missing pieces are fine). */
int hull_network_detach(const struct hull_ctx *ctx, const char *network, const char *container_id,
			const char *veth, struct hull_error **err);

/* hull_network_connect: docker's `network connect [--alias A] [--ip IP]
 * NETWORK CONTAINER` for a running container on a bridge network: one
 * more interface (eth1, eth2...) with an address on network (ip, or the
 * first free one), recorded in its NetworkSettings.Networks; its peers
 * there and it resolve each other by name and aliases (/etc/hosts). The
 * connection lasts while the container runs. EEXIST when connected
 * already; EINVAL for a stopped container or a host/none/container:/
 * user-mode network one. */
int hull_network_connect(const struct hull_ctx *ctx, const char *network, const char *container,
			 char *const *aliases, const char *ip, struct hull_error **err);

/* hull_network_disconnect: the reverse; the network a running container
 * was started on only with force (it holds the default route). With
 * force, a network that no longer exists is fine. */
int hull_network_disconnect(const struct hull_ctx *ctx, const char *network, const char *container, bool force,
			    struct hull_error **err);

/* hull_netns_loopback_up: bring lo up in pid's network namespace
 * (--network none and every new namespace). */
int hull_netns_loopback_up(pid_t pid, struct hull_error **err);

/* hull_network_publish: DNAT the record's PortBindings (HostConfig) to ip
 * through nftables (table ip hull); host port 0 gets a free one. A port
 * another container or a host program holds fails with docker's "port is
 * already allocated". Each entry is tagged in the kernel with owner (the
 * container's id), for hull_network_unpublish_owner. Returns docker's
 * NetworkSettings.Ports (new ref). */
json_t *hull_network_publish(const struct hull_ctx *ctx, json_t *port_bindings, json_t *exposed, bool publish_all,
			     const char *ip, const char *owner, struct hull_error **err);

/* hull_network_unpublish: remove the DNAT entries of ports (as returned
 * by publish); missing entries are fine. */
int hull_network_unpublish(const struct hull_ctx *ctx, json_t *ports, const char *ip, struct hull_error **err);

/* hull_network_unpublish_owner: remove every DNAT entry the kernel has
 * tagged with owner (a container id), whether or not a record lists it:
 * what `rm` does for a container whose monitor died. Never fails. */
int hull_network_unpublish_owner(const struct hull_ctx *ctx, const char *owner, struct hull_error **err);

/* User-mode networks, as podman's: --network slirp4netns[:OPTIONS] (Debian's
 * slirp4netns: tap0 10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3; options
 * allow_host_loopback=, cidr=, enable_ipv6=, mtu=, outbound_addr[6]=,
 * port_handler=slirp4netns) and --network pasta[:ARG,...] (Debian's passt:
 * the host's addresses copied in, ARGs passed to pasta). A helper process
 * per container carries its traffic over the host's sockets and publishes
 * its ports; it needs no root, and dies with the container. */

/* hull_engine_is_usernet: network is slirp4netns[:...] or pasta[:...]. */
bool hull_engine_is_usernet(const char *network);

/* hull_engine_usernet_check: for a user-mode network, check its options
 * and that its helper is installed (ENOENT names the Debian package); 0
 * for every other network mode. Run at create: nothing is made when it
 * fails. */
int hull_engine_usernet_check(const char *network, struct hull_error **err);

/* hull_engine_default_rootless_network: the user-mode network a rootless
 * container gets when none is asked for: "pasta" when the pasta binary is
 * installed and runs, else "slirp4netns" when installed, else "none".
 * Static string; forks `pasta --version` once per call. */
const char *hull_engine_default_rootless_network(void);

/* hull_engine_usernet_kill: kill the helper a container's NetworkSettings
 * (HullUserNet: Pid, PidStart) records, if it still runs: what `rm` does
 * after its monitor died without stopping it. */
void hull_engine_usernet_kill(json_t *network_settings);

/* hull_engine_resolv_conf: docker's resolv.conf for a container: the host's
 * (nameservers on 127.0.0.0/8 replaced by public resolvers, as a loopback
 * resolver is unreachable from the container's namespace), or --dns and
 * --dns-search when given. Malloc'd text. */
char *hull_engine_resolv_conf(json_t *dns, json_t *dns_search, bool host_network);

/* hull_engine_hosts_base: the container's /etc/hosts without peers:
 * localhost lines, its own address and hostname, --add-host entries. */
char *hull_engine_hosts_base(const char *ip, const char *hostname, const char *domainname, json_t *extra_hosts,
			     struct hull_error **err);

/* ------------------------------------------------- container lifecycle -- */

struct hull_image_store;
struct hull_pull_progress;

/* Progress of an implicit pull (`run` of an image not here yet). */
struct hull_engine_pull_hooks {
	void (*progress)(void *opaque, const struct hull_pull_progress *p);
	void (*pulling)(void *opaque, const char *ref); /* "Unable to find image locally" moment */
	void *opaque;
};

/* hull_engine_create: docker create. Finds the image (pulling it when
 * missing unless o->pull is "never"; always when "always"), reserves the
 * name, builds the record from the flags and the image config, makes the
 * volumes the mounts name (filling new ones from the image later, at
 * start), and saves the record with state "created". Every flag is checked
 * before anything is made; on failure nothing is left. With o->scan_policy
 * set, the image is scanned first (as `hull scan --fail-on SEV IMAGE` would:
 * vulnerabilities and configuration audit) and refused with -EACCES, the
 * error naming the findings that reach the threshold, before anything is
 * made. warnings (may be NULL) gets a malloc'd strv of what docker would
 * warn about. */
struct hull_container *hull_engine_create(struct hull_ctx *ctx, struct hull_image_store *store,
					  const struct hull_run_options *o, const struct hull_engine_pull_hooks *hooks,
					  char ***warnings, struct hull_error **err);

/* How the caller's terminal/stdio attach to a starting container. */
struct hull_attach {
	bool attach;    /* copy the container's output to our stdout/stderr (not -d) */
	bool stdin_open; /* -i: copy our stdin to the container */
	int fds[3];     /* our stdio, normally 0 1 2 */
	const char *detach_keys; /* on a pty: the bytes that detach (docker's ctrl-p ctrl-q), NULL: none */
	size_t detach_len;
	/* close every other descriptor in the monitor (keeping fds, the log's
	 * and 0-2): a long-lived caller (the API server) must not leave its
	 * clients' sockets open in a monitor that outlives the request */
	bool close_fds;
};

/* hull_engine_start: start a created (or exited) container: fork its
 * monitor, which mounts the rootfs, connects the network, creates and
 * starts it through the runtime, then keeps its stdio and logs, reaps it
 * and records its exit code. Returns once the container runs (or failed
 * to start, with the reason). Attached: *monitor gets the monitor's pid
 * (our child, to waitpid) and *exit_fd a pipe for hull_engine_exit_code;
 * the monitor says the code there before its last cleanup, so a
 * foreground run returns without waiting for the unmount. */
int hull_engine_start(struct hull_ctx *ctx, struct hull_container *c, const struct hull_attach *attach,
		      pid_t *monitor, int *exit_fd, struct hull_error **err);

/* hull_engine_exit_code: for an attached start: read the line the monitor
 * writes when the container has stopped (and, with --rm, has been removed)
 * from exit_fd (closed here). -EINTR when a signal came first (call again);
 * -ECONNABORTED when the user typed the detach keys (the container runs on,
 * the monitor has let go of our terminal); -EPIPE when the monitor died
 * without saying (waitpid it). */
int hull_engine_exit_code(int exit_fd, int *code);

/* ---------------------------------------------------------------- attach -- */

#define HULL_DETACH_KEYS_MAX 16

/* How `hull attach` joins a running container's stdio through its monitor. */
struct hull_attach_options {
	int fds[3];              /* our stdin, stdout, stderr */
	bool stdin;              /* send fds[0] to the container (when it was started with -i) */
	const char *detach_keys; /* the bytes that detach (docker's ctrl-p,ctrl-q: "\x10\x11") */
	size_t detach_len;       /* 0: no detach sequence */
	void (*interrupted)(void *data); /* a signal interrupted the wait: relay it (--sig-proxy) */
	void *data;
};

/* hull_engine_parse_detach_keys: docker's --detach-keys ("ctrl-p,ctrl-q",
 * "ctrl-a,d": single characters or ctrl-X, comma separated) into keys
 * (HULL_DETACH_KEYS_MAX bytes), *len of them; EINVAL naming a bad one. */
int hull_engine_parse_detach_keys(const char *spec, char *keys, size_t *len, struct hull_error **err);

/* hull_engine_attach: attach to a running container (docker attach):
 * copy its output from now on to fds[1]/fds[2] (one stream on a pty), our
 * input to it, the size of our terminal to its pty. Returns 0 when the
 * process exits (*code its status) or when the detach keys were typed
 * (*detached; the container runs on). Refused for a container that is not
 * running, in docker's words. Our stdin's end leaves the container's stdin
 * open (docker without --stdin-once) and keeps the output coming. */
int hull_engine_attach(struct hull_container *c, const struct hull_attach_options *o, int *code, bool *detached,
		       struct hull_error **err);

/* hull_engine_resize: set the size of a running container's pty (docker's
 * POST /containers/{id}/resize), through its monitor. EINVAL for a
 * container without a tty. */
int hull_engine_resize(struct hull_container *c, unsigned rows, unsigned cols, struct hull_error **err);

/* hull_engine_wait_exit: wait for the container to stop; its exit code in
 * *code. Works from any process (polls state when not the monitor's
 * parent). */
int hull_engine_wait(struct hull_ctx *ctx, const char *ref, int *code, struct hull_error **err);

/* hull_engine_kill: send sig to the container's init. ESRCH-like error
 * "container X is not running" when it is not. */
int hull_engine_kill(struct hull_ctx *ctx, struct hull_container *c, int sig, struct hull_error **err);

/* hull_engine_stop: StopSignal (default SIGTERM), then SIGKILL after
 * timeout seconds (-1: the record's StopTimeout, 10), and wait for it to
 * have exited. A stopped container is fine (docker: no error). */
int hull_engine_stop(struct hull_ctx *ctx, struct hull_container *c, int timeout, struct hull_error **err);

/* hull_engine_remove: docker rm. A running container is refused unless
 * force (then killed). Removes the runtime state, rootfs upper/work, logs,
 * the name; with volumes (-v) its anonymous volumes too. Works after a
 * monitor crash or a reboot (leftover processes killed, stale state). */
int hull_engine_remove(struct hull_ctx *ctx, struct hull_container *c, bool force, bool volumes,
		       struct hull_error **err);

/* hull_engine_health_json: docker's State.Health of c (new ref: Status
 * starting|healthy|unhealthy, FailingStreak, Log of the last 5 probes), or
 * NULL when c has no health check (none, or Test NONE). */
json_t *hull_engine_health_json(const struct hull_container *c);

/* hull_engine_inspect_json: docker's inspect object (new ref): the record
 * with the live State, and a loud HullSecurity note when privileged. */
json_t *hull_engine_inspect_json(const struct hull_container *c);

/* hull_engine_pause / hull_engine_unpause: freeze or thaw every process of
 * a running container (the cgroup freezer, as docker pause); its status
 * becomes paused / running. Docker's errors: "Container ID is not
 * running", "... is already paused", "... is not paused". */
int hull_engine_pause(struct hull_ctx *ctx, struct hull_container *c, struct hull_error **err);
int hull_engine_unpause(struct hull_ctx *ctx, struct hull_container *c, struct hull_error **err);

/* hull_engine_container_prune: remove every stopped (created, exited,
 * dead) container that passes every filter (NULL-ended, may be NULL):
 * docker's until=DURATION|TIME (created before), label=K[=V], label!=K[=V];
 * any other is refused before anything goes. *removed gets their ids
 * (strv, owned by the caller), *reclaimed the bytes of their changes. */
int hull_engine_container_prune(struct hull_ctx *ctx, char *const *filters, char ***removed,
				unsigned long long *reclaimed, struct hull_error **err);

/* hull_engine_prune_filters_check: EINVAL naming the first filter
 * hull_engine_container_prune would refuse. */
int hull_engine_prune_filters_check(char *const *filters, struct hull_error **err);

/* hull_engine_container_size: docker's SizeRw (*rw: the bytes of its
 * overlay upper directory) and SizeRootFs (*virtual_size: those plus its
 * image's unpacked size), as ps -s and inspect --size show them. */
int hull_engine_container_size(struct hull_ctx *ctx, const struct hull_container *c, unsigned long long *rw,
			       unsigned long long *virtual_size, struct hull_error **err);

/* One row of docker system df. */
struct hull_disk_row {
	unsigned long total;             /* how many */
	unsigned long active;            /* used (images, volumes) or running (containers) */
	unsigned long long size;         /* bytes on disk */
	unsigned long long reclaimable;  /* bytes a prune of the unused would free */
};

struct hull_disk_usage {
	struct hull_disk_row images;     /* shared layers counted once; active = a container's image */
	struct hull_disk_row containers; /* their overlay upper dirs */
	struct hull_disk_row volumes;    /* active = mounted by any container */
};

/* hull_engine_disk_usage: docker system df's numbers. */
int hull_engine_disk_usage(struct hull_ctx *ctx, struct hull_disk_usage *out, struct hull_error **err);

struct hull_image;

/* One row of docker history. */
struct hull_history_entry {
	long long created; /* unix seconds, 0 when unknown */
	char *created_by;  /* the step ("/bin/sh -c #(nop) CMD ...") */
	char *comment;
	long long size;    /* bytes of the layer it made; 0 for an empty_layer step */
	bool empty_layer;
};

/* hull_engine_image_history: img's build steps from its config's
 * "history" (OCI image-spec config.md), newest first; the steps that made
 * layers get those layers' sizes in order. An image without history gives
 * one unnamed row per layer. *out malloc'd (hull_history_free). */
int hull_engine_image_history(const struct hull_image *img, struct hull_history_entry **out, size_t *n,
			      struct hull_error **err);
void hull_history_free(struct hull_history_entry *h, size_t n);

/* One line of docker diff. */
struct hull_change {
	char kind;  /* 'A' added, 'C' changed, 'D' deleted */
	char *path; /* absolute, in the container */
};

/* hull_engine_diff: the changes of container c against its image, from
 * its overlay upper directory (whiteouts are deletions), sorted by path
 * as docker prints them. *out is a malloc'd array of *n (free it with
 * hull_changes_free); a never-started container has none. */
int hull_engine_diff(const struct hull_container *c, struct hull_change **out, size_t *n, struct hull_error **err);
void hull_changes_free(struct hull_change *changes, size_t n);

/* docker cp's destination, as found before copying. */
enum hull_cp_dest {
	HULL_CP_DEST_MISSING,
	HULL_CP_DEST_FILE,
	HULL_CP_DEST_DIR,
};

/* hull_cp_plan: docker cp's path rules. A source file goes into an
 * existing directory under its own name, else replaces or becomes dst (a
 * missing dst ending in '/' is an error); a directory source goes into an
 * existing directory under its own name, or only its contents when src
 * ends in "/.", or becomes a missing dst; onto a file it is an error.
 * *dir (malloc'd) is the directory the copy goes into, *name (malloc'd)
 * the name the top entry takes there, NULL when only contents go. */
int hull_cp_plan(const char *src, bool src_is_dir, const char *dst, enum hull_cp_dest dst_kind, char **dir,
		 char **name, struct hull_error **err);

struct hull_cp_opts {
	bool archive;              /* -a: keep the source's uid/gid */
	bool follow_link;          /* -L: follow a symlink that SRC itself is */
	unsigned long long copied; /* out: bytes of file data copied */
	/* called for each device node, FIFO or socket of the container that a
	 * copy to a host directory leaves out (name: its path in the
	 * container; kind: "a block device"...); may be NULL */
	void (*skipped)(void *data, const char *name, const char *kind);
	void *skipped_data;
};

/* hull_engine_cp_from: copy `src` of container c (running or not) to the
 * host path dst by hull_cp_plan's rules, or, when dst is NULL, write it as
 * a tar to out_fd. Container paths resolve inside its root only. Files
 * made on the host belong to the caller unless opts->archive; none is
 * setuid or setgid, and device nodes, FIFOs and sockets are left out
 * (opts->skipped is told; a src that is one fails with ENODEV): only the
 * tar keeps them. A dst that is a symlink is followed, as docker does; one
 * that exists and is a character device or a FIFO (/dev/null, a pipe) gets
 * a regular file's data written into it. May move the calling process into
 * a private mount namespace (stopped c). */
int hull_engine_cp_from(struct hull_container *c, const char *src, const char *dst, int out_fd,
			struct hull_cp_opts *opts, struct hull_error **err);

/* hull_engine_cp_to: copy host path src into container c at dst by
 * hull_cp_plan's rules, or, when src is NULL, extract the tar read from
 * in_fd into the container directory dst. Every path written is resolved
 * inside the container's root (a symlink there to / or /etc stays in the
 * container); entries belong to the container's root unless
 * opts->archive. May move the caller into a private mount namespace. */
int hull_engine_cp_to(struct hull_container *c, const char *src, int in_fd, const char *dst,
		      struct hull_cp_opts *opts, struct hull_error **err);

/* hull_engine_root_private: for a process that writes into a stopped
 * container and then exits (the build's COPY, ADD and WORKDIR): move the
 * caller into a private mount namespace, mount the container's overlay
 * there (no volumes) and return an O_PATH fd of its root, or -errno. The
 * mount goes with the namespace, when the process ends. */
int hull_engine_root_private(const struct hull_container *c, struct hull_error **err);

/* hull_engine_tar_into: extract the tar (any compression) read from in_fd
 * under directory dir of the tree at root (an O_PATH fd; every path is
 * resolved inside it), keeping the tar's owners, modes and times; with
 * host, device nodes, FIFOs, sockets and setuid/setgid bits are left out. */
int hull_engine_tar_into(int root, const char *dir, int in_fd, bool host, struct hull_error **err);

/* hull_engine_export: write the container's filesystem (image layers plus
 * its changes, without volumes) to fd as a tar (docker export). Works on
 * running and stopped containers. */
int hull_engine_export(struct hull_ctx *ctx, struct hull_container *c, int fd, struct hull_error **err);

/* hull_engine_commit: a new image from the container's changes (its
 * overlay upper dir) on top of its image, with the container's run config
 * (Entrypoint, Cmd, Env, WorkingDir, User, ExposedPorts, Volumes, Labels);
 * tagged `name` when not NULL. *image_id (malloc'd) gets the new id. */
int hull_engine_commit(struct hull_ctx *ctx, struct hull_image_store *store, struct hull_container *c,
		       const char *name, const char *author, const char *comment, char **image_id,
		       struct hull_error **err);

/* hull_engine_pids: host pids of every process in a running container
 * (its pid namespace); *out malloc'd. ESRCH when it is not running. */
int hull_engine_pids(const struct hull_container *c, pid_t **out, size_t *n, struct hull_error **err);

/* A running container's usage, summed over its processes (/proc). */
struct hull_usage {
	unsigned long long cpu_ns;       /* user + system CPU time so far */
	unsigned long long memory;       /* resident bytes */
	unsigned long long net_rx, net_tx; /* bytes on its interfaces but lo */
	unsigned long long block_read, block_write;
	size_t pids;
};

/* hull_engine_usage: fill u for a running container. */
int hull_engine_usage(const struct hull_container *c, struct hull_usage *u, struct hull_error **err);

/* hull_engine_image_in_use: for hull_image_store_set_in_use: is image_id
 * used by any container of ctx (a struct hull_ctx *)? */
bool hull_engine_image_in_use(void *ctx, const char *image_id);

/* hull_engine_monitor_main: the monitor's body (in the forked child).
 * Never returns: exits with the container's exit status. */
void hull_engine_monitor_main(struct hull_ctx *ctx, const char *id, const struct hull_attach *attach, int ready_fd)
	__attribute__((noreturn));

#endif
