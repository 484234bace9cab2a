/* hull/runtime.h - run OCI bundles: runc's lifecycle as a library.
 *
 * create -> start -> (the process runs) -> stopped -> delete, with the state
 * of each container kept under ctx->runtime_root/<id>/ (state.json, and the
 * exec.fifo the created init waits on). Every call is safe against concurrent
 * callers: creation is an atomic mkdir, and each container has a flock.
 * The container's init is the user's process itself (pid 1 of a new pid
 * namespace): no shim stays behind.
 *
 * The library forks with raw clone3(): call it from a process whose other
 * threads do not hold locks the child needs (malloc); the CLI is
 * single-threaded, and so should be an in-process caller while it creates.
 *
 * Reference: OCI runtime-spec 1.1 runtime.md (lifecycle and operations),
 * runc(8) for the command line semantics.
 */
#ifndef HULL_RUNTIME_H
#define HULL_RUNTIME_H

#include <stdbool.h>
#include <sys/types.h>

#include "hull/ctx.h"
#include "hull/error.h"
#include "hull/oci.h"

/* runtime.md#state status values. */
enum hull_status {
	HULL_STATUS_CREATING = 0, /* state dir exists, setup still running */
	HULL_STATUS_CREATED,      /* init waits for `start` */
	HULL_STATUS_RUNNING,      /* the user's process runs */
	HULL_STATUS_PAUSED,       /* frozen (cgroup freezer) */
	HULL_STATUS_STOPPED,      /* init has exited */
};

/* hull_status_name: "created", "running", ... */
const char *hull_status_name(enum hull_status s);

/* What opts->launch gets. */
struct hull_runtime_launch {
	const char *id;
	const char *state_dir;            /* <root>/<id>: exec.fifo is there */
	const char *bundle;               /* absolute */
	const struct hull_oci_config *cfg; /* checked */
	int console_fd;                   /* connected --console-socket, or -1 */
};

/* Options of create/run. Zero-initialise, then set what you need; stdio of
 * -1 (set with HULL_RUNTIME_OPTS_INIT) means "inherit the caller's". */
struct hull_runtime_opts {
	const char *bundle;         /* bundle directory; NULL = current directory */
	const char *pid_file;       /* write the init's host pid here (atomically); may be NULL */
	const char *console_socket; /* AF_UNIX socket path to send the pty master to (SCM_RIGHTS) */
	bool no_pivot;              /* chroot instead of pivot_root (rootfs on a ramfs) */
	bool detach;                /* run: return once the process runs, do not wait */
	bool forward_signals;       /* run (foreground): relay SIGTERM/SIGINT/... to the container */
	bool no_new_keyring;        /* accepted for runc compatibility */
	bool keep;                  /* run: leave the stopped container (and its cgroup) for `delete` */
	int stdio[3];               /* fds the init gets as 0, 1, 2; -1 = inherit */
	int preserve_fds;           /* pass fds 3 .. 3+N-1 through to the process */
	/* Hook for the cgroup manager: called by the parent after the child is
	 * cloned and its id maps are written, while the child makes its mounts;
	 * the child waits for it to return before a cgroup mount, the cgroup
	 * namespace, hooks, sysctls and execve. May be NULL. A negative return
	 * aborts create. */
	int (*place)(void *data, pid_t pid, const struct hull_oci_config *cfg, struct hull_error **err);
	void *place_data;
	/* Instead of cloning the init, start the container some other way (a
	 * micro-VM: hull_engine_vm_bundle_launch). Called by create once the
	 * config is checked and the state dir holds exec.fifo; it stores in
	 * *pid a child of the caller that stands for the container (state.json's
	 * pid: alive while the container is, exiting with its status) and that,
	 * as the init does, opens exec.fifo for writing, writes one byte when
	 * `start` reads it and closes it once the process runs. On failure it
	 * leaves no process behind. May be NULL. */
	int (*launch)(void *data, const struct hull_runtime_launch *what, pid_t *pid, struct hull_error **err);
	void *launch_data;
};

#define HULL_RUNTIME_OPTS_INIT { .stdio = { -1, -1, -1 } }

/* A container's state as `hull state` reports it. */
struct hull_container_state {
	struct hull_oci_state *oci; /* owned; oci->pid is 0 once stopped */
	enum hull_status status;
};

/* hull_container_state_free: NULL is fine. */
void hull_container_state_free(struct hull_container_state *st);
static inline void hull_container_state_freep(struct hull_container_state **st)
{
	hull_container_state_free(*st);
	*st = NULL;
}

/* hull_runtime_create: load bundle/config.json (validated before anything
 * is made), create the state dir (fails with `container "ID" already
 * exists` if it is there), and set the container up to the point where its
 * init waits on exec.fifo for hull_runtime_start. On failure nothing is left:
 * the child is killed, the state dir removed. */
int hull_runtime_create(struct hull_ctx *ctx, const char *id, const struct hull_runtime_opts *opts,
			struct hull_error **err);

/* hull_runtime_start: let a created container's init exec the user's
 * process (runtime.md#start). Fails unless the status is created. */
int hull_runtime_start(struct hull_ctx *ctx, const char *id, struct hull_error **err);

/* hull_runtime_run: create and start in one go, without the fifo round trip.
 * With opts->detach it returns once the process runs (*exit_status = 0).
 * Otherwise it waits for the process, relays signals when asked, proxies the
 * terminal when process.terminal is set and no console socket was given,
 * deletes the container and stores the exit status in *exit_status
 * (128+signal when killed by a signal, as a shell reports it). */
int hull_runtime_run(struct hull_ctx *ctx, const char *id, const struct hull_runtime_opts *opts, int *exit_status,
		     struct hull_error **err);

/* hull_runtime_kill: send sig to the container's init, or with `all` to every
 * process in it. Fails with `container "ID" is not running` once stopped. */
int hull_runtime_kill(struct hull_ctx *ctx, const char *id, int sig, bool all, struct hull_error **err);

/* hull_runtime_delete: remove a stopped (or created) container's state. A
 * running one is refused unless force, which SIGKILLs it first and waits for
 * it to go. A missing container is an error unless force. */
int hull_runtime_delete(struct hull_ctx *ctx, const char *id, bool force, struct hull_error **err);

/* hull_runtime_state: the container's state, status computed live (a pid
 * reused by another process is recognised by its start time). Caller frees. */
struct hull_container_state *hull_runtime_state(struct hull_ctx *ctx, const char *id, struct hull_error **err);

/* hull_runtime_list: every container under the root, sorted by id;
 * *out is a NULL-terminated array the caller frees with
 * hull_runtime_list_free. An absent root is an empty list. */
int hull_runtime_list(struct hull_ctx *ctx, struct hull_container_state ***out, struct hull_error **err);
void hull_runtime_list_free(struct hull_container_state **list);

/* hull_runtime_wait: wait until the container's init is gone (polls when it
 * is not the caller's child). Returns its exit status when known (the
 * caller's child), else 0. */
int hull_runtime_wait(struct hull_ctx *ctx, const char *id, int *exit_status, struct hull_error **err);

/* hull_runtime_state_dir: malloc'd "<root>/<id>" (for the cgroup manager and
 * exec to keep their files beside state.json). */
char *hull_runtime_state_dir(struct hull_ctx *ctx, const char *id);

/* hull_runtime_validate_id: runc's rule: [A-Za-z0-9_+.-]+, not "." or "..",
 * at most 1024 bytes. */
int hull_runtime_validate_id(const char *id, struct hull_error **err);

/* hull_signal_parse: "TERM", "SIGTERM", "sigterm", "15", "RTMIN+3" -> signal
 * number; error names the input. */
int hull_signal_parse(const char *s, int *sig, struct hull_error **err);

#endif
