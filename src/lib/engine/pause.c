/* pause.c - docker pause/unpause: the cgroup freezer through the runtime
 * library (hull_container_pause/resume on the engine's runtime root), and
 * the paused status in the container's state.json, which ps and inspect
 * read. */
#include <errno.h>

#include "hull/cgroup.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/proc.h"
#include "engine_internal.h"
#include "store_internal.h"

static int freeze(struct hull_ctx *ctx, struct hull_container *c, bool frozen, struct hull_error **err)
{
	struct hull_ctx rt = *ctx;
	_cleanup_free_ char *root = hull_engine_runtime_root(ctx);
	rt.runtime_root = root;
	int r = frozen ? hull_container_pause(&rt, c->id, err) : hull_container_resume(&rt, c->id, err);
	if (r < 0)
		return hull_error_wrap(err, r, "%s container %s", frozen ? "pause" : "unpause", c->name);
	c->state.status = frozen ? HULL_ENGINE_PAUSED : HULL_ENGINE_RUNNING;
	return hull_container_save_state(c, err);
}

int hull_engine_pause(struct hull_ctx *ctx, struct hull_container *c, struct hull_error **err)
{
	int r = hull_container_load_state(c, err);
	if (r < 0)
		return r;
	if (c->state.status == HULL_ENGINE_PAUSED)
		return hull_error_msg(err, EINVAL, "Container %s is already paused", c->id);
	if (c->state.status != HULL_ENGINE_RUNNING || !hull_proc_alive(c->state.pid, c->state.pid_start))
		return hull_error_msg(err, EINVAL, "Container %s is not running", c->id);
	return freeze(ctx, c, true, err);
}

int hull_engine_unpause(struct hull_ctx *ctx, struct hull_container *c, struct hull_error **err)
{
	int r = hull_container_load_state(c, err);
	if (r < 0)
		return r;
	if (c->state.status != HULL_ENGINE_PAUSED)
		return hull_error_msg(err, EINVAL, "Container %s is not paused", c->id);
	return freeze(ctx, c, false, err);
}

void engine_thaw_after_signal(struct hull_ctx *ctx, struct hull_container *c)
{
	if (c->state.status != HULL_ENGINE_PAUSED)
		return;
	struct hull_error *ignored = NULL;
	freeze(ctx, c, false, &ignored);
	hull_error_free(ignored);
}
