/* hull/ctx.h - the context every library entry point receives.
 *
 * No mutable globals live in the library: what a command line
 * sets (state roots, logging) travels in this struct.
 */
#ifndef HULL_CTX_H
#define HULL_CTX_H

#include <stdbool.h>

#include "hull/log.h"

struct hull_ctx {
	const char *runtime_root; /* OCI runtime state root (--root), default /run/hull (user: see below) */
	const char *data_root;    /* engine/image data, default /var/lib/hull */
	struct hull_log log;      /* where library diagnostics go */
	bool debug;               /* --debug given */
	bool systemd_cgroup;      /* --systemd-cgroup given (accepted; cgroupfs is used) */
	bool rootless;            /* running without real root (euid != 0 or --rootless true) */
	char *owned_roots[2];     /* the per-user roots hull_ctx_init allocated (freed by hull_ctx_release),
				     kept even when a flag points runtime_root/data_root elsewhere */
};

/* Set (to the caller's uid) in the environment of a rootless engine/image
 * command re-executed inside the user's namespace (see main.c): the
 * context is rootless although euid is 0 there. */
#define HULL_ROOTLESS_ENV "_HULL_ROOTLESS_UID"

/* hull_ctx_init: defaults; roots may be overridden by HULL_ROOT/HULL_DATA_ROOT
 * and later by the command line. For euid != 0 the defaults are the
 * user's own roots (below). */
void hull_ctx_init(struct hull_ctx *ctx);

/* hull_ctx_release: free what hull_ctx_init allocated; the roots it chose
 * are dangling afterwards. */
void hull_ctx_release(struct hull_ctx *ctx);

/* hull_ctx_user_data_root: $XDG_DATA_HOME/hull, else ~/.local/share/hull
 * (home from $HOME or, when unset, the passwd entry). malloc'd. */
char *hull_ctx_user_data_root(void);

/* hull_ctx_user_runtime_root: $XDG_RUNTIME_DIR/hull, else
 * /tmp/hull-run-UID. malloc'd; the caller checks who owns it. */
char *hull_ctx_user_runtime_root(void);

#define hull_debug(ctx, ...) hull_log_write(&(ctx)->log, HULL_LOG_DEBUG, __VA_ARGS__)
#define hull_info(ctx, ...) hull_log_write(&(ctx)->log, HULL_LOG_INFO, __VA_ARGS__)
#define hull_warn(ctx, ...) hull_log_write(&(ctx)->log, HULL_LOG_WARN, __VA_ARGS__)

#endif
