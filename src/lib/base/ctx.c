/* ctx.c - context defaults. */
#include <stdlib.h>
#include <unistd.h>

#include "hull/ctx.h"

void hull_ctx_init(struct hull_ctx *ctx)
{
	const char *root = getenv("HULL_ROOT");
	const char *data = getenv("HULL_DATA_ROOT");
	ctx->runtime_root = root && *root ? root : "/run/hull";
	ctx->data_root = data && *data ? data : "/var/lib/hull";
	hull_log_init(&ctx->log);
	ctx->debug = false;
	ctx->systemd_cgroup = false;
	ctx->rootless = geteuid() != 0;
}
