/* volumes.c - /volumes: list, inspect, create, remove and prune, on hull's
 * local volumes (the functions `hull volume` calls). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/json.h"
#include "hull/volume.h"

/* The volume named by the route's first part, or NULL with docker's 404. */
static struct hull_volume *volume_get(struct api_request *req, struct api_response *resp)
{
	struct hull_error *err = NULL;
	struct hull_volume *v = hull_volume_get(&req->cli->ctx, req->params[0], &err);
	if (!v)
		api_not_found(resp, err, "get %s: no such volume", req->params[0]);
	return v;
}

void api_volume_inspect(struct api_request *req, struct api_response *resp)
{
	_cleanup_volume_ struct hull_volume *v = volume_get(req, resp);
	if (v)
		resp->json = hull_volume_inspect_json(v);
}

/* ---------------------------------------------------------------- list -- */

static const char *const volume_filters[] = {"name", "label", "driver", "dangling", NULL};

struct candidate {
	struct hull_cli *cli;
	const struct hull_volume *v;
};

static bool name_matches(const void *obj, const char *value)
{
	const struct candidate *c = obj;
	return strstr(c->v->name, value) != NULL;
}

static bool driver_matches(const void *obj, const char *value)
{
	return !strcmp(value, "local");
}

/* dangling=true: no container, in any state, mounts it */
static bool dangling_matches(const void *obj, const char *value)
{
	const struct candidate *c = obj;
	_cleanup_strv_ char **users = NULL;
	if (hull_volume_users(&c->cli->ctx, c->v->name, &users, NULL) < 0)
		return false;
	bool dangling = !users || !users[0];
	return (!strcmp(value, "true") || !strcmp(value, "1")) == dangling;
}

void api_volumes_list(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *filters = NULL;
	if (api_filters(req, volume_filters, &filters, resp) < 0)
		return;
	struct hull_volume **vs = NULL;
	size_t n = 0;
	struct hull_error *err = NULL;
	if (hull_volume_list(&req->cli->ctx, &vs, &n, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		struct candidate c = {req->cli, vs[i]};
		if (api_filter_any(filters, "name", name_matches, &c) &&
		    api_filter_any(filters, "driver", driver_matches, &c) && api_labels_match(filters, vs[i]->labels) &&
		    api_filter_any(filters, "dangling", dangling_matches, &c))
			json_array_append_new(out, hull_volume_inspect_json(vs[i]));
		hull_volume_free(vs[i]);
	}
	free(vs);
	resp->json = json_pack("{s:o,s:[]}", "Volumes", out, "Warnings");
}

/* -------------------------------------------------------------- create -- */

void api_volume_create(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *body = api_body_json(req, resp);
	if (!body)
		return;
	const char *name = json_string_value(json_object_get(body, "Name"));
	const char *driver = json_string_value(json_object_get(body, "Driver"));
	json_t *labels = json_object_get(body, "Labels");
	if (driver && *driver && strcmp(driver, "local")) {
		api_error(resp, 400, "volume create: driver %s: hull has only the local driver", driver);
		return;
	}
	if (json_object_size(json_object_get(body, "DriverOpts"))) {
		api_error(resp, 400, "volume create: driver options are not supported by hull's local driver");
		return;
	}
	if (labels && !json_is_null(labels) && !json_is_object(labels)) {
		api_error(resp, 400, "volume create: Labels must be an object of strings");
		return;
	}
	struct hull_error *err = NULL;
	_cleanup_volume_ struct hull_volume *v = hull_volume_create(&req->cli->ctx, name && *name ? name : NULL,
								    json_is_object(labels) ? labels : NULL, NULL, &err);
	if (!v) {
		api_fail(resp, err);
		return;
	}
	resp->status = 201;
	resp->json = hull_volume_inspect_json(v);
}

/* -------------------------------------------------------- remove, prune -- */

void api_volume_delete(struct api_request *req, struct api_response *resp)
{
	struct hull_error *err = NULL;
	if (hull_volume_remove(&req->cli->ctx, req->params[0], &err) < 0) {
		/* force: a volume that is not there is fine, one in use never is */
		if (err && err->code == ENOENT && api_query_bool(req, "force")) {
			hull_error_free(err);
		} else if (err && err->code == ENOENT) {
			hull_error_free(err);
			api_error(resp, 404, "get %s: no such volume", req->params[0]);
			return;
		} else {
			api_fail(resp, err);
			return;
		}
	}
	resp->status = 204;
}

/* API 1.41 (docker 20.10) prunes every unused volume, named or not; the
 * anonymous-only default came with 1.42. */
void api_volumes_prune(struct api_request *req, struct api_response *resp)
{
	static const char *const known[] = {"label", NULL};
	_cleanup_json_ json_t *filters = NULL;
	if (api_filters(req, known, &filters, resp) < 0)
		return;
	if (json_object_get(filters, "label")) {
		api_error(resp, 400, "volume prune: label filters are not supported");
		return;
	}
	struct hull_error *err = NULL;
	_cleanup_strv_ char **removed = NULL;
	unsigned long long bytes = 0;
	if (hull_volume_prune(&req->cli->ctx, true, &removed, &bytes, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	json_t *names = json_array();
	for (char **p = removed; p && *p; p++)
		json_array_append_new(names, json_string(*p));
	resp->json = json_pack("{s:o,s:I}", "VolumesDeleted", names, "SpaceReclaimed", (json_int_t)bytes);
}
