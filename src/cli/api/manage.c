/* manage.c - POST /containers/{id}/rename, pause, unpause and
 * /containers/prune. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/prune.h"

void api_container_rename(struct api_request *req, struct api_response *resp)
{
	const char *name = api_query(req, "name");
	if (!name || !*name) {
		api_error(resp, 400, "rename: the name query argument is required");
		return;
	}
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	struct hull_error *err = NULL;
	if (hull_container_rename(&req->cli->ctx, c, name[0] == '/' ? name + 1 : name, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	resp->status = 204;
}

static void pause_or_unpause(struct api_request *req, struct api_response *resp, bool pause)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	struct hull_error *err = NULL;
	int r = pause ? hull_engine_pause(&req->cli->ctx, c, &err) : hull_engine_unpause(&req->cli->ctx, c, &err);
	if (r < 0) {
		/* docker: not running, already paused, not paused are conflicts */
		if (err && (err->code == EINVAL || err->code == EALREADY))
			err->code = EBUSY;
		api_fail(resp, err);
		return;
	}
	resp->status = 204;
}

void api_container_pause(struct api_request *req, struct api_response *resp)
{
	pause_or_unpause(req, resp, true);
}

void api_container_unpause(struct api_request *req, struct api_response *resp)
{
	pause_or_unpause(req, resp, false);
}

/* filters {"label":["k=v"],"label!":[...],"until":["1h"]} as the engine's
 * "label=k=v" list. */
static char **prune_filters(json_t *filters)
{
	size_t n = 0;
	const char *key;
	json_t *vals;
	json_object_foreach(filters, key, vals) n += json_array_size(vals);
	char **v = hull_xcalloc(n + 1, sizeof(char *));
	size_t k = 0;
	json_object_foreach(filters, key, vals)
	{
		size_t i;
		json_t *s;
		json_array_foreach(vals, i, s) v[k++] = hull_strdup_printf("%s=%s", key, json_string_value(s));
	}
	return v;
}

void api_containers_prune(struct api_request *req, struct api_response *resp)
{
	static const char *const known[] = {"label", "label!", "until", NULL};
	_cleanup_json_ json_t *filters = NULL;
	if (api_filters(req, known, &filters, resp) < 0)
		return;
	_cleanup_strv_ char **list = prune_filters(filters);
	_cleanup_strv_ char **removed = NULL;
	unsigned long long bytes = 0;
	struct hull_error *err = NULL;
	if (hull_engine_container_prune(&req->cli->ctx, list, &removed, &bytes, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	json_t *ids = json_array();
	for (char **p = removed; p && *p; p++)
		json_array_append_new(ids, json_string(*p));
	resp->json = json_pack("{s:o,s:I}", "ContainersDeleted", ids, "SpaceReclaimed", (json_int_t)bytes);
}
