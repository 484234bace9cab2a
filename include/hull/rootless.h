/* hull/rootless.h - the rootless engine: the user's own user and mount namespaces. */
#ifndef HULL_ROOTLESS_H
#define HULL_ROOTLESS_H

#include "hull/ctx.h"
#include "hull/error.h"

/* hull_engine_userns_join: for a caller with euid != 0, enter the user's
 * rootless user and mount namespaces (src/lib/engine/userns.c): join the
 * pause process named in <ctx->runtime_root>/pause.pid, or start one
 * (newuidmap/newgidmap with the /etc/subuid and /etc/subgid ranges, else a
 * single mapping 0 -> the caller). Afterwards the caller is uid 0 in that
 * namespace. Must run while the process is single-threaded (setns(2)).
 * *warning (malloc'd, or NULL) says why only one id could be mapped, set
 * only when this call made the namespace. A no-op for real root. */
int hull_engine_userns_join(struct hull_ctx *ctx, char **warning, struct hull_error **err);

#endif
