/* create.c - POST /containers/create: the container made from docker's
 * config (create_config.c), then connected to its further networks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "create_config.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/network.h"
#include "hull/run_options.h"

/* The endpoints beyond the first (docker-py lists them all): connected
 * now, so the container starts on each, as `hull network connect` does to
 * a created container. A failure removes the container. */
static int connect_more(struct hull_cli *cli, struct hull_container *c, json_t *more, struct hull_error **err)
{
	const char *name;
	json_t *ep;
	json_object_foreach(more, name, ep)
	{
		json_t *list = json_object_get(ep, "Aliases");
		_cleanup_free_ const char **aliases = hull_xcalloc(json_array_size(list) + 1, sizeof(char *));
		for (size_t i = 0, k = 0; i < json_array_size(list); i++)
			if (json_string_value(json_array_get(list, i)))
				aliases[k++] = json_string_value(json_array_get(list, i));
		const char *ip = json_string_value(json_object_get(json_object_get(ep, "IPAMConfig"), "IPv4Address"));
		int r =
		    hull_network_connect(&cli->ctx, name, c->id, (char *const *)aliases, ip && *ip ? ip : NULL, err);
		if (r < 0) {
			hull_engine_remove(&cli->ctx, c, true, true, NULL);
			return hull_error_wrap(err, r, "connect to network %s", name);
		}
	}
	return 0;
}

void api_container_create(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *body = api_body_json(req, resp);
	if (!body)
		return;
	struct api_create cc = {0};
	if (!api_create_from(body, &cc, resp)) {
		api_create_clear(&cc);
		return;
	}
	struct hull_run_options *o = &cc.o;
	const char *name = api_query(req, "name");
	o->name = name && *name ? (name[0] == '/' ? name + 1 : name) : NULL;
	o->pull = "never"; /* the docker CLI pulls through the API when it is told the image is missing */
	o->detach = true;
	struct hull_error *err = NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_store_open(&req->cli->ctx, &store, &err) < 0) {
		api_create_clear(&cc);
		api_fail(resp, err);
		return;
	}
	if (hull_image_get(store, o->image, &img, &err) < 0) {
		hull_error_free(err);
		api_error(resp, 404, "No such image: %s", o->image);
		api_create_clear(&cc);
		return;
	}
	_cleanup_strv_ char **warnings = NULL;
	_cleanup_container_ struct hull_container *c =
	    hull_engine_create(&req->cli->ctx, store, o, NULL, &warnings, &err);
	if (!c) {
		if (err && err->code == EEXIST && o->name)
			api_error(resp, 409, "Conflict. The container name \"/%s\" is already in use: %s", o->name,
				  err->msg);
		else
			api_fail(resp, steal_ptr(err));
		hull_error_free(err);
		api_create_clear(&cc);
		return;
	}
	int r = connect_more(req->cli, c, cc.more_networks, &err);
	api_create_clear(&cc);
	if (r < 0) {
		api_fail(resp, err);
		return;
	}
	json_t *w = json_array();
	for (char **p = warnings; p && *p; p++)
		json_array_append_new(w, json_string(*p));
	resp->status = 201;
	resp->json = json_pack("{s:s,s:o}", "Id", c->id, "Warnings", w);
}
