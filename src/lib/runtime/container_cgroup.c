/* container_cgroup.c - a container's cgroup over its life: created and
 * joined while the init is set up, saved beside state.json, frozen by
 * pause, updated by update, read by ps and events, removed by delete. */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "runtime_internal.h"

/* runc's AllowedDevices (libcontainer/specconv): what every container may
 * use whatever linux.resources.devices says. */
static const char *const default_rules[] = {
	"{\"allow\":true,\"type\":\"c\",\"access\":\"m\"}",
	"{\"allow\":true,\"type\":\"b\",\"access\":\"m\"}",
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}",
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":8,\"access\":\"rwm\"}",
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":7,\"access\":\"rwm\"}",
	"{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":0,\"access\":\"rwm\"}",
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}",
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":9,\"access\":\"rwm\"}",
	"{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":1,\"access\":\"rwm\"}",
	"{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"}",
	"{\"allow\":true,\"type\":\"c\",\"major\":5,\"minor\":2,\"access\":\"rwm\"}",
};

json_t *hull_container_resources(const struct hull_oci_config *cfg)
{
	json_t *res = cfg->resources ? json_deep_copy(cfg->resources) : json_object();
	json_t *rules = json_array(), *given = json_object_get(res, "devices"), *r;
	size_t i;
	/* deny by default, then the config's rules and the defaults
	 * (config-linux.md#allowed-device-list); linux.devices only makes the
	 * nodes: access to them is the rules' business, as with runc */
	json_array_append_new(rules, json_pack("{s:b,s:s}", "allow", 0, "access", "rwm"));
	json_array_foreach(given, i, r)
		json_array_append(rules, r);
	for (i = 0; i < HULL_ARRAY_SIZE(default_rules); i++)
		json_array_append_new(rules, json_loads(default_rules[i], 0, NULL));
	json_object_set_new(res, "devices", rules);
	return res;
}

static char *cgroup_file(struct hull_ctx *ctx, const char *id)
{
	return state_path(ctx, id, "cgroup.json");
}

/* runc warns when the cgroup it is given already holds processes: limits
 * and freezing would then act on strangers too */
static void warn_not_empty(struct hull_ctx *ctx, struct hull_cgroup *cg)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (hull_cgroup_pids(cg, &pids, &n, NULL) == 0 && n > 0)
		hull_warn(ctx, "container's cgroup is not empty: %zu process(es) found", n);
}

int hull_container_cgroup_setup(struct hull_ctx *ctx, const char *id, pid_t pid, const struct hull_oci_config *cfg,
				struct hull_error **err)
{
	_cleanup_(hull_cgroup_layout_freep) struct hull_cgroup_layout *layout = NULL;
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = NULL;
	_cleanup_json_ json_t *res = hull_container_resources(cfg);
	_cleanup_free_ char *file = cgroup_file(ctx, id);
	int r = hull_cgroup_layout_detect(&layout, err);
	if (r < 0)
		return r;
	/* rootless on a v2 host, the default cgroup is in the subtree
	 * delegated to the user (the root's /hull is not theirs) */
	_cleanup_free_ char *delegated = NULL, *path = NULL;
	if (ctx->rootless && !(cfg->cgroups_path && *cfg->cgroups_path) &&
	    hull_cgroup_delegated(layout, &delegated, NULL) == 0)
		path = hull_strdup_printf("%s/hull/%s", delegated, id);
	cg = hull_cgroup_open(layout, path ? path : cfg->cgroups_path, id, err);
	if (!cg)
		return -EINVAL;
	/* an eBPF device program needs CAP_SYS_ADMIN on the host: rootless,
	 * the host's permissions on the nodes guard them instead (runc too) */
	if (ctx->rootless && cg->mode == HULL_CGROUP_V2)
		json_object_del(res, "devices");
	cg->shared_pidns = hull_oci_config_namespace(cfg, CLONE_NEWPID) == NULL;
	/* a cgroup someone froze beforehand would stop the container dead
	 * (runc refuses it); it is not ours, so it is left as it is */
	bool frozen = false;
	if (hull_cgroup_frozen(cg, &frozen, NULL) == 0 && frozen)
		return hull_error_msg(err, EBUSY, "container's cgroup unexpectedly frozen (%s): thaw it first",
				      cg->path);
	/* saved before anything is made, so that a failure below is cleaned up */
	if ((r = hull_cgroup_save(cg, file, err)) < 0)
		return r;
	r = hull_cgroup_create(cg, res, err);
	if (r == 0)
		warn_not_empty(ctx, cg);
	if (r == 0)
		r = hull_cgroup_apply(cg, res, err);
	if (r == 0)
		r = hull_cgroup_enter(cg, pid, err);
	if (r < 0 && ctx->rootless && (r == -EACCES || r == -EPERM || r == -EROFS) && !cfg->resources) {
		/* rootless without limits: a cgroup is a nicety we may lack */
		hull_debug(ctx, "%s; the container runs in the caller's cgroup", (*err)->msg);
		hull_error_release(err);
		hull_cgroup_destroy(cg, NULL);
		unlink(file);
		return 0;
	}
	return r;
}

int hull_container_cgroup_place(void *data, pid_t pid, const struct hull_oci_config *cfg, struct hull_error **err)
{
	struct hull_container_cgroup_place *p = data;
	return hull_container_cgroup_setup(p->ctx, p->id, pid, cfg, err);
}

struct hull_cgroup *hull_container_cgroup(struct hull_ctx *ctx, const char *id, struct hull_error **err)
{
	_cleanup_free_ char *file = cgroup_file(ctx, id);
	if (access(file, F_OK) < 0) {
		_cleanup_free_ char *dir = hull_runtime_state_dir(ctx, id);
		if (access(dir, F_OK) < 0)
			hull_error_msg(err, ENOENT, "container \"%s\" does not exist", id);
		else
			hull_error_msg(err, ENOENT, "container \"%s\" has no cgroup (created rootless without one)", id);
		return NULL;
	}
	return hull_cgroup_load(file, err);
}

int hull_container_cgroup_remove(struct hull_ctx *ctx, const char *id, struct hull_error **err)
{
	_cleanup_free_ char *file = cgroup_file(ctx, id);
	if (access(file, F_OK) < 0)
		return 0;
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = hull_cgroup_load(file, err);
	if (!cg)
		return -EINVAL;
	if (cg->shared_pidns) {
		int r = hull_cgroup_destroy(cg, err);
		if (r == 0)
			unlink(file);
		return r;
	}
	/* the pid namespace's members die with its init, a moment after it */
	for (int i = 0; i < 100; i++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if (hull_cgroup_pids(cg, &pids, &n, NULL) < 0 || n == 0)
			break;
		usleep(5000);
	}
	struct hull_error *busy = NULL;
	if (hull_cgroup_remove_dirs(cg, &busy) < 0) {
		hull_debug(ctx, "keep cgroup %s: %s", cg->path, busy->msg);
		hull_error_free(busy);
	}
	unlink(file);
	return 0;
}

/* Run fn on the cgroup of a container whose status is in `allowed` (bits of
 * 1 << enum hull_status), holding the container's lock. */
static int with_container(struct hull_ctx *ctx, const char *id, unsigned allowed, const char *verb,
			  int (*fn)(struct hull_ctx *, const char *, struct hull_cgroup *, void *, struct hull_error **),
			  void *data, struct hull_error **err)
{
	_cleanup_close_ int lock = state_lock(ctx, id, err);
	if (lock < 0)
		return lock;
	struct hull_container_state *st = hull_runtime_state(ctx, id, err);
	if (!st)
		return -ENOENT;
	enum hull_status status = st->status;
	hull_container_state_free(st);
	if (!(allowed & (1u << status)))
		return hull_error_msg(err, EINVAL, "cannot %s container \"%s\": it is %s", verb, id,
				      hull_status_name(status));
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = hull_container_cgroup(ctx, id, err);
	if (!cg)
		return -ENOENT;
	return fn(ctx, id, cg, data, err);
}

/* state.json's "paused" flag, read by the status computation. */
static int mark_paused(struct hull_ctx *ctx, const char *id, bool paused, struct hull_error **err)
{
	_cleanup_free_ char *path = state_path(ctx, id, "state.json");
	_cleanup_(hull_oci_state_freep) struct hull_oci_state *st = hull_oci_state_load(path, err);
	if (!st)
		return -EINVAL;
	if (paused)
		json_object_set_new(st->json, "paused", json_true());
	else
		json_object_del(st->json, "paused");
	return hull_oci_state_save(st, path, err);
}

static int do_freeze(struct hull_ctx *ctx, const char *id, struct hull_cgroup *cg, void *data,
		     struct hull_error **err)
{
	bool frozen = data != NULL;
	int r = hull_cgroup_freeze(cg, frozen, err);
	if (r < 0)
		return r;
	return mark_paused(ctx, id, frozen, err);
}

int hull_container_pause(struct hull_ctx *ctx, const char *id, struct hull_error **err)
{
	return with_container(ctx, id, (1u << HULL_STATUS_RUNNING) | (1u << HULL_STATUS_CREATED), "pause",
			      do_freeze, (void *)1, err);
}

int hull_container_resume(struct hull_ctx *ctx, const char *id, struct hull_error **err)
{
	return with_container(ctx, id, 1u << HULL_STATUS_PAUSED, "resume", do_freeze, NULL, err);
}

static int do_update(struct hull_ctx *ctx, const char *id, struct hull_cgroup *cg, void *data,
		     struct hull_error **err)
{
	return hull_cgroup_apply(cg, data, err);
}

int hull_container_update(struct hull_ctx *ctx, const char *id, json_t *resources, struct hull_error **err)
{
	unsigned live = (1u << HULL_STATUS_CREATED) | (1u << HULL_STATUS_RUNNING) | (1u << HULL_STATUS_PAUSED);
	return with_container(ctx, id, live, "update", do_update, resources, err);
}
