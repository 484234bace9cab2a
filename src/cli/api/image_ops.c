/* image_ops.c - POST /images/{name}/tag, DELETE /images/{name},
 * GET /images/{name}/history and POST /images/prune. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/fs.h"
#include "hull/history.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/timefmt.h"

struct hull_image_store *api_image_store(struct api_request *req, struct api_response *resp)
{
	struct hull_image_store *s = NULL;
	struct hull_error *err = NULL;
	if (hull_image_store_open(&req->cli->ctx, &s, &err) < 0) {
		api_fail(resp, err);
		return NULL;
	}
	/* rmi and prune keep the images containers use (the engine knows) */
	hull_image_store_set_in_use(s, hull_engine_image_in_use, &req->cli->ctx);
	return s;
}

/* docker's 404 for an image that is not here, other errors as they are. */
static void image_fail(struct api_response *resp, const char *name, struct hull_error *err)
{
	api_not_found(resp, err, "No such image: %s", name);
}

void api_image_tag(struct api_request *req, struct api_response *resp)
{
	const char *repo = api_query(req, "repo");
	const char *tag = api_query(req, "tag");
	if (!repo || !*repo) {
		api_error(resp, 400, "tag: the repo query argument is required");
		return;
	}
	_cleanup_free_ char *target = tag && *tag ? hull_strdup_printf("%s:%s", repo, tag) : hull_xstrdup(repo);
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = api_image_store(req, resp);
	if (!s)
		return;
	struct hull_error *err = NULL;
	if (hull_image_tag(s, req->params[0], target, &err) < 0) {
		image_fail(resp, req->params[0], err);
		return;
	}
	resp->status = 201;
	resp->raw = hull_xstrdup("");
}

/* "Untagged: X" / "Deleted: ID" lines as docker's [{"Untagged": X}, {"Deleted": ID}]. */
static json_t *removal_json(char **lines)
{
	json_t *out = json_array();
	for (char **l = lines; l && *l; l++) {
		const char *colon = strstr(*l, ": ");
		if (!colon)
			continue;
		_cleanup_free_ char *key = strndup(*l, (size_t)(colon - *l));
		if (key)
			json_array_append_new(out, json_pack("{s:s}", key, colon + 2));
	}
	return out;
}

void api_image_delete(struct api_request *req, struct api_response *resp)
{
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = api_image_store(req, resp);
	if (!s)
		return;
	_cleanup_strv_ char **lines = NULL;
	struct hull_error *err = NULL;
	if (hull_image_remove(s, req->params[0], api_query_bool(req, "force"), &lines, &err) < 0) {
		image_fail(resp, req->params[0], err);
		return;
	}
	resp->json = removal_json(lines);
}

void api_image_history(struct api_request *req, struct api_response *resp)
{
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = api_image_store(req, resp);
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	struct hull_error *err = NULL;
	if (!s)
		return;
	if (hull_image_get(s, req->params[0], &img, &err) < 0) {
		image_fail(resp, req->params[0], err);
		return;
	}
	struct hull_history_entry *h = NULL;
	size_t n = 0;
	if (hull_engine_image_history(img, &h, &n, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *tags = json_array();
		/* docker names the newest step with the image's id and tags, the rest "<missing>" */
		for (char **t = img->names; i == 0 && t && *t; t++)
			json_array_append_new(tags, json_string(*t));
		json_array_append_new(out,
				      json_pack("{s:s,s:I,s:s,s:o,s:I,s:s}", "Id", i == 0 ? img->id : "<missing>",
						"Created", (json_int_t)h[i].created, "CreatedBy",
						h[i].created_by ? h[i].created_by : "", "Tags", tags, "Size",
						(json_int_t)h[i].size, "Comment", h[i].comment ? h[i].comment : ""));
	}
	hull_history_free(h, n);
	resp->json = out;
}

/* filters: dangling=false prunes every unused image (docker image prune
 * -a), until=TIMESTAMP|DURATION only older ones. */
void api_images_prune(struct api_request *req, struct api_response *resp)
{
	static const char *const known[] = {"dangling", "until", NULL};
	_cleanup_json_ json_t *filters = NULL;
	if (api_filters(req, known, &filters, resp) < 0)
		return;
	json_t *dangling = json_array_get(json_object_get(filters, "dangling"), 0);
	const char *d = json_string_value(dangling);
	bool all = d && (!strcmp(d, "false") || !strcmp(d, "0"));
	const char *until = json_string_value(json_array_get(json_object_get(filters, "until"), 0));
	struct timespec before = {0};
	if (until) {
		long long ns = 0;
		struct hull_error *err = NULL;
		char *end;
		long long stamp = strtoll(until, &end, 10);
		if (*end == '\0') {
			before.tv_sec = stamp;
		} else if (hull_time_parse_duration(until, &ns, &err) == 0) {
			clock_gettime(CLOCK_REALTIME, &before);
			before.tv_sec -= ns / 1000000000LL;
		} else {
			api_fail(resp, err);
			return;
		}
	}
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = api_image_store(req, resp);
	if (!s)
		return;
	_cleanup_strv_ char **lines = NULL;
	long long freed = 0;
	struct hull_error *err = NULL;
	if (hull_image_prune(s, all, until ? &before : NULL, &lines, &freed, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	resp->json = json_pack("{s:o,s:I}", "ImagesDeleted", removal_json(lines), "SpaceReclaimed", (json_int_t)freed);
}
