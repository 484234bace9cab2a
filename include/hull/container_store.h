/* hull/container_store.h - the engine's container store: records, state, names, locks.
 *
 * What lives under ctx->data_root (default /var/lib/hull, env HULL_DATA_ROOT):
 *   containers/<id>/container.json   the record: docker's inspect shape, less State
 *                                    (its C type: hull/container_record.h)
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
#ifndef HULL_CONTAINER_STORE_H
#define HULL_CONTAINER_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hull/cleanup.h"
#include "hull/ctx.h"
#include "hull/error.h"

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

#endif
