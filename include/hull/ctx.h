/* hull/ctx.h - the context every library entry point receives.
 *
 * No mutable globals live in the library (STYLE.md #5): what a command line
 * sets (state roots, logging) travels in this struct.
 */
#ifndef HULL_CTX_H
#define HULL_CTX_H

#include <stdbool.h>

#include "hull/log.h"

struct hull_ctx {
	const char *runtime_root; /* OCI runtime state root (--root), default /run/hull */
	const char *data_root;    /* engine/image data, default /var/lib/hull */
	struct hull_log log;      /* where library diagnostics go */
	bool debug;               /* --debug given */
	bool systemd_cgroup;      /* --systemd-cgroup given (accepted; cgroupfs is used) */
	bool rootless;            /* running without real root (euid != 0 or --rootless true) */
};

/* hull_ctx_init: defaults; roots may be overridden by HULL_ROOT/HULL_DATA_ROOT
 * and later by the command line. */
void hull_ctx_init(struct hull_ctx *ctx);

#define hull_debug(ctx, ...) hull_log_write(&(ctx)->log, HULL_LOG_DEBUG, __VA_ARGS__)
#define hull_info(ctx, ...) hull_log_write(&(ctx)->log, HULL_LOG_INFO, __VA_ARGS__)
#define hull_warn(ctx, ...) hull_log_write(&(ctx)->log, HULL_LOG_WARN, __VA_ARGS__)

#endif
