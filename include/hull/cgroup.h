/* hull/cgroup.h - control groups for containers, on v1, v2 and hybrid hosts.
 *
 * One manager interface (a const table of function pointers)
 * with a v1 and a v2 implementation. A hybrid host (v1 controllers plus a
 * cgroup2 mount such as /sys/fs/cgroup/unified) uses the v1 manager, also
 * joins the unified hierarchy, and sends controllers that only the unified
 * mount carries (hugetlb on some hosts) there.
 *
 * Resources follow OCI runtime-spec config-linux.md#control-groups: the
 * `linux.resources` object of config.json (jansson) is mapped to cgroup file
 * writes by hull_cgroup_map_v1() / hull_cgroup_map_v2(), and applied by the
 * manager. The resolved directories are saved beside the container's state so
 * that later commands (pause, update, delete) find them whatever their own
 * cgroup is.
 */
#ifndef HULL_CGROUP_H
#define HULL_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hull/ctx.h"
#include "hull/error.h"
#include "hull/oci.h"

enum hull_cgroup_mode {
	HULL_CGROUP_V1 = 1, /* only v1 hierarchies */
	HULL_CGROUP_V2,     /* /sys/fs/cgroup is cgroup2 */
	HULL_CGROUP_HYBRID, /* v1 hierarchies plus a cgroup2 mount */
};

/* One v1 hierarchy from /proc/self/mountinfo. */
struct hull_cgroup_hierarchy {
	char *mountpoint;   /* /sys/fs/cgroup/memory */
	char *controllers;  /* comma list as in /proc/self/cgroup: "cpu,cpuacct", "name=systemd" */
	char *own;          /* this process's cgroup in it ("/" if unknown) */
};

/* What the host offers. */
struct hull_cgroup_layout {
	enum hull_cgroup_mode mode;
	char *unified;                       /* cgroup2 mount point, NULL when none */
	char *unified_own;                   /* own cgroup in the unified hierarchy */
	struct hull_cgroup_hierarchy *v1;    /* v1 hierarchies */
	size_t n_v1;
};

/* One directory the container's cgroup occupies. */
struct hull_cgroup_dir {
	char *controllers; /* "memory", "cpu,cpuacct", "name=systemd"; "" for the unified one */
	char *path;        /* absolute directory */
};

struct hull_cgroup;

/* The manager interface; v1 and v2 each provide one const table. */
struct hull_cgroup_ops {
	const char *name; /* "v1", "v2" */
	/* create every directory (enabling v2 controllers on the way down). */
	int (*create)(struct hull_cgroup *cg, json_t *resources, struct hull_error **err);
	/* write the resources (config-linux.md#control-groups). */
	int (*apply)(struct hull_cgroup *cg, json_t *resources, struct hull_error **err);
	/* move pid into every directory. */
	int (*enter)(struct hull_cgroup *cg, pid_t pid, struct hull_error **err);
	/* freeze or thaw, waiting until the kernel reports the new state. */
	int (*freeze)(struct hull_cgroup *cg, bool frozen, struct hull_error **err);
	/* is the cgroup frozen now? */
	int (*frozen)(struct hull_cgroup *cg, bool *out, struct hull_error **err);
	/* runc's stats shape (cpu, memory, pids, blkio, hugetlb) as a new object. */
	int (*stats)(struct hull_cgroup *cg, json_t **out, struct hull_error **err);
	/* the cgroup's directory that lists its processes. */
	const char *(*procs_dir)(struct hull_cgroup *cg);
};

struct hull_cgroup {
	const struct hull_cgroup_ops *ops;
	enum hull_cgroup_mode mode;
	char *path;                  /* the cgroupsPath used, e.g. "/hull/ID" or "ID" */
	struct hull_cgroup_dir *dirs; /* one per hierarchy joined */
	size_t n_dirs;
	char *unified_controllers;   /* hybrid: controllers the cgroup2 mount carries */
	bool shared_pidns;           /* the container has no pid namespace of its own: removing
				      * its cgroup must kill what is left in it (runc does too) */
};

/* hull_cgroup_layout_parse: build the layout from the text of a mountinfo
 * file and of a /proc/PID/cgroup file (own may be NULL: "/" everywhere).
 * A host with neither v1 nor v2 mounts is an error naming what was looked
 * for. */
int hull_cgroup_layout_parse(const char *mountinfo, const char *own, struct hull_cgroup_layout **out,
			     struct hull_error **err);

/* hull_cgroup_layout_detect: hull_cgroup_layout_parse on /proc/self. */
int hull_cgroup_layout_detect(struct hull_cgroup_layout **out, struct hull_error **err);

/* hull_cgroup_delegated: on a pure cgroup v2 host, the topmost cgroup at
 * or above the caller's own whose directory, cgroup.procs and
 * cgroup.subtree_control it may write: the subtree delegated to it
 * (cgroup-v2.rst "Delegation"). *out is its path in the hierarchy
 * ("/user/1000", as /proc/self/cgroup names it). -EPERM on a v1 or hybrid
 * host, -EACCES when nothing is delegated; the error says why and what to
 * do. */
int hull_cgroup_delegated(const struct hull_cgroup_layout *layout, char **out, struct hull_error **err);

void hull_cgroup_layout_free(struct hull_cgroup_layout *layout);
static inline void hull_cgroup_layout_freep(struct hull_cgroup_layout **l)
{
	hull_cgroup_layout_free(*l);
	*l = NULL;
}

/* hull_cgroup_open: resolve the directories a container's cgroup uses.
 * cgroups_path is config.json's linux.cgroupsPath (NULL or "" for the
 * default, which is "/hull/<id>"): an absolute path is taken from each
 * hierarchy's root, a relative one from this process's own cgroup in it
 * (runc's rule). Nothing is created. The caller frees with hull_cgroup_free. */
struct hull_cgroup *hull_cgroup_open(const struct hull_cgroup_layout *layout, const char *cgroups_path,
				     const char *id, struct hull_error **err);

/* hull_cgroup_save / hull_cgroup_load: keep the resolved directories in a
 * JSON file (written atomically) so that later commands use the same ones. */
int hull_cgroup_save(const struct hull_cgroup *cg, const char *file, struct hull_error **err);
struct hull_cgroup *hull_cgroup_load(const char *file, struct hull_error **err);

void hull_cgroup_free(struct hull_cgroup *cg);
void hull_cgroup_freep(struct hull_cgroup **cg);

/* Thin dispatchers over cg->ops, adding the cgroup's path as context. */
int hull_cgroup_create(struct hull_cgroup *cg, json_t *resources, struct hull_error **err);
int hull_cgroup_apply(struct hull_cgroup *cg, json_t *resources, struct hull_error **err);
int hull_cgroup_enter(struct hull_cgroup *cg, pid_t pid, struct hull_error **err);
int hull_cgroup_freeze(struct hull_cgroup *cg, bool frozen, struct hull_error **err);
int hull_cgroup_frozen(struct hull_cgroup *cg, bool *out, struct hull_error **err);
int hull_cgroup_stats(struct hull_cgroup *cg, json_t **out, struct hull_error **err);

/* hull_cgroup_pids: the pids in the cgroup (and its children), malloc'd. */
int hull_cgroup_pids(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_error **err);

/* hull_cgroup_kill_all: SIGKILL every process in the cgroup, thawing it
 * first, and wait (up to ~1 s) until it is empty. */
int hull_cgroup_kill_all(struct hull_cgroup *cg, struct hull_error **err);

/* hull_cgroup_destroy: kill what is left, then remove every directory
 * (children first). Directories already gone are fine. */
int hull_cgroup_destroy(struct hull_cgroup *cg, struct hull_error **err);

/* hull_cgroup_remove_dirs: rmdir every directory (children first) without
 * killing anything: EBUSY while a process is still inside. */
int hull_cgroup_remove_dirs(struct hull_cgroup *cg, struct hull_error **err);

/* One file write that a resource maps to. */
struct hull_cgroup_write {
	char *controller; /* "memory", "cpu", ... ("" for cgroup core files) */
	char *file;       /* "memory.limit_in_bytes", "memory.max" */
	char *value;
	bool optional;    /* skip when the file does not exist (kernel lacks it) */
	char *alt_file;   /* used instead when file does not exist (blkio.bfq.weight) */
	char *alt_value;  /* the value for alt_file */
};

struct hull_cgroup_writes {
	struct hull_cgroup_write *w;
	size_t n;
};

void hull_cgroup_writes_clear(struct hull_cgroup_writes *ws);

/* hull_cgroup_map_v1 / _v2: map linux.resources (may be NULL) to the file
 * writes of each version, in the order they must be made. Devices are not
 * included in the v2 list (they are an eBPF program, see below). Errors name
 * the field: "config.json: linux.resources.memory.limit: must be an
 * integer". */
int hull_cgroup_map_v1(json_t *resources, struct hull_cgroup_writes *out, struct hull_error **err);
int hull_cgroup_map_v2(json_t *resources, struct hull_cgroup_writes *out, struct hull_error **err);

/* hull_cgroup_write_in: write value to dir/file (no O_CREAT: cgroup files
 * exist or the kernel lacks them). The error names the file and value. */
int hull_cgroup_write_in(const char *dir, const char *file, const char *value, struct hull_error **err);

/* hull_cgroup_read_in: read dir/file, trailing newline removed. */
int hull_cgroup_read_in(const char *dir, const char *file, char **out, struct hull_error **err);

/* hull_cgroup_devices_v2: build the eBPF device filter for the
 * linux.resources.devices rules (later rules win, default deny, as the v1
 * controller behaves), load it with bpf(BPF_PROG_LOAD) and attach it to
 * the cgroup2 directory dir as BPF_CGROUP_DEVICE (replacing hull's previous
 * program there). */
int hull_cgroup_devices_v2(const char *dir, json_t *devices, struct hull_error **err);

/* hull_cgroup_devices_program: the filter's instructions (struct bpf_insn,
 * 8 bytes each) for tests; *n gets the count. */
int hull_cgroup_devices_program(json_t *devices, void **insns, size_t *n, struct hull_error **err);

/* --- a container's cgroup (container_cgroup.c) --- */

/* hull_container_resources: linux.resources with the device rules a
 * container gets: deny all, the config's rules, then runc's default allowed
 * devices (null, zero, full, random, urandom, tty, console, ptmx, pts, mknod
 * of any). The caller owns the result. */
json_t *hull_container_resources(const struct hull_oci_config *cfg);

/* hull_container_cgroup_setup: create the container's cgroup, apply its
 * resources, move pid in, and save the directories beside state.json
 * (cgroup.json). Rootless without linux.resources: a cgroup that cannot be
 * made is skipped with a warning, as runc does. Rootless on a v2 host
 * without linux.cgroupsPath, the cgroup is <delegated>/hull/<id> in the
 * subtree delegated to the caller (hull_cgroup_delegated), and device
 * rules are left to the host's permissions (no eBPF program without
 * CAP_SYS_ADMIN). */
int hull_container_cgroup_setup(struct hull_ctx *ctx, const char *id, pid_t pid, const struct hull_oci_config *cfg,
				struct hull_error **err);

/* The data of hull_container_cgroup_place (struct hull_runtime_opts.place). */
struct hull_container_cgroup_place {
	struct hull_ctx *ctx;
	const char *id;
};
int hull_container_cgroup_place(void *data, pid_t pid, const struct hull_oci_config *cfg, struct hull_error **err);

/* hull_container_cgroup: the saved cgroup of container id (caller frees). */
struct hull_cgroup *hull_container_cgroup(struct hull_ctx *ctx, const char *id, struct hull_error **err);

/* hull_container_cgroup_remove: remove every directory and cgroup.json.
 * A container with its own pid namespace is empty once its init died (the
 * kernel killed the rest); with the host's pid namespace what is left in
 * the cgroup is killed. A cgroup another container still uses (runc lets
 * two share one) stays. No cgroup.json: nothing to do. */
int hull_container_cgroup_remove(struct hull_ctx *ctx, const char *id, struct hull_error **err);

/* hull_container_pause / resume: freeze or thaw (runc pause/resume); the
 * status becomes paused / running. Pausing a stopped container, or resuming
 * one that is not paused, is an error naming its status. */
int hull_container_pause(struct hull_ctx *ctx, const char *id, struct hull_error **err);
int hull_container_resume(struct hull_ctx *ctx, const char *id, struct hull_error **err);

/* hull_container_update: apply a linux.resources object (runc update). */
int hull_container_update(struct hull_ctx *ctx, const char *id, json_t *resources, struct hull_error **err);

#endif
