/* hull/container_lifecycle.h - a container's life: create, start (its monitor), wait, kill, stop,
 * pause, remove. */
#ifndef HULL_CONTAINER_LIFECYCLE_H
#define HULL_CONTAINER_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hull/ctx.h"
#include "hull/error.h"

struct hull_container;
struct hull_run_options;

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

/* hull_engine_pause / hull_engine_unpause: freeze or thaw every process of
 * a running container (the cgroup freezer, as docker pause); its status
 * becomes paused / running. Docker's errors: "Container ID is not
 * running", "... is already paused", "... is not paused". */
int hull_engine_pause(struct hull_ctx *ctx, struct hull_container *c, struct hull_error **err);
int hull_engine_unpause(struct hull_ctx *ctx, struct hull_container *c, struct hull_error **err);

/* hull_engine_image_in_use: for hull_image_store_set_in_use: is image_id
 * used by any container of ctx (a struct hull_ctx *)? */
bool hull_engine_image_in_use(void *ctx, const char *image_id);

/* hull_engine_monitor_main: the monitor's body (in the forked child).
 * Never returns: exits with the container's exit status. */
void hull_engine_monitor_main(struct hull_ctx *ctx, const char *id, const struct hull_attach *attach, int ready_fd)
	__attribute__((noreturn));

#endif
