/* container_hooks.c - a container's hooks at each point of its life
 * (config.md#posix-platform-hooks): the state they read, and the hooks that
 * run after create (poststart from `start`, poststop from `delete`) kept in
 * the state dir, so those commands need not re-read the bundle. */
#include <errno.h>
#include <unistd.h>

#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"
#include "runtime_internal.h"

json_t *hull_hook_state(const struct hull_oci_config *cfg, const char *id, const char *bundle, const char *status,
			pid_t pid)
{
	json_t *st = json_pack("{s:s,s:s,s:s,s:s}", "ociVersion", cfg && cfg->oci_version ? cfg->oci_version : "1.0.2",
			       "id", id, "status", status, "bundle", bundle ? bundle : "");
	if (pid > 0)
		json_object_set_new(st, "pid", json_integer(pid));
	if (cfg && cfg->annotations)
		json_object_set(st, "annotations", cfg->annotations);
	return st;
}

bool hull_hooks_needs_state(const struct hull_oci_config *cfg)
{
	static const char *const kinds[] = { "prestart", "createRuntime", "createContainer", "startContainer" };
	for (size_t i = 0; cfg->hooks && i < HULL_ARRAY_SIZE(kinds); i++)
		if (json_array_size(json_object_get(cfg->hooks, kinds[i])) > 0)
			return true;
	return false;
}

int hull_container_hooks_save(struct hull_ctx *ctx, const char *id, const struct hull_oci_config *cfg,
			      const char *bundle, struct hull_error **err)
{
	if (!cfg->hooks || (!json_array_size(json_object_get(cfg->hooks, "poststart")) &&
			    !json_array_size(json_object_get(cfg->hooks, "poststop"))))
		return 0;
	_cleanup_free_ char *path = state_path(ctx, id, "hooks.json");
	_cleanup_json_ json_t *doc = json_pack("{s:O,s:s,s:s}", "hooks", cfg->hooks, "bundle", bundle, "ociVersion",
					       cfg->oci_version ? cfg->oci_version : "1.0.2");
	if (cfg->annotations)
		json_object_set(doc, "annotations", cfg->annotations);
	return hull_json_dump_file(doc, path, 0600, err);
}

static void warn_hook(void *data, const char *msg)
{
	struct hull_ctx *ctx = data;
	hull_warn(ctx, "%s", msg);
}

int hull_container_hooks_run(struct hull_ctx *ctx, const char *id, enum hull_hook_kind kind, const char *status,
			     pid_t pid, struct hull_error **err)
{
	_cleanup_free_ char *path = state_path(ctx, id, "hooks.json");
	if (access(path, F_OK) < 0)
		return 0;
	_cleanup_json_ json_t *doc = hull_json_load_file(path, path, err);
	if (!doc)
		return -EINVAL;
	_cleanup_json_ json_t *st = json_pack("{s:O,s:s,s:s,s:O}", "ociVersion", json_object_get(doc, "ociVersion"),
					      "id", id, "status", status, "bundle", json_object_get(doc, "bundle"));
	if (pid > 0)
		json_object_set_new(st, "pid", json_integer(pid));
	json_t *ann = json_object_get(doc, "annotations");
	if (ann)
		json_object_set(st, "annotations", ann);
	return hull_hooks_run_all(json_object_get(doc, "hooks"), kind, st, warn_hook, ctx, err);
}
