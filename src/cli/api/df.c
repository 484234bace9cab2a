/* df.c - GET /system/df: docker system df's lists (images with how many
 * containers use them, containers with their sizes, volumes with their
 * usage), from which the docker CLI sums its table; and POST /build/prune,
 * which docker system prune calls last: hull has no build cache. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/prune.h"
#include "hull/timefmt.h"
#include "hull/volume.h"

static json_t *names_of(char **names)
{
	json_t *a = json_array();
	for (char **n = names; n && *n; n++)
		json_array_append_new(a, json_string(*n));
	return a;
}

/* Images, each with the count of containers (of list) made from it. */
static json_t *images_json(struct api_request *req, struct hull_container **list, size_t n, long long *layers)
{
	json_t *out = json_array();
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	struct hull_image **images = NULL;
	if (hull_image_store_open(&req->cli->ctx, &store, NULL) < 0 || hull_image_list(store, &images, NULL) < 0)
		return out;
	for (size_t i = 0; images[i]; i++) {
		int users = 0;
		for (size_t k = 0; k < n; k++) {
			const char *image = json_string_value(json_object_get(list[k]->record, "Image"));
			users += image && !strcmp(image, images[i]->id);
		}
		*layers += images[i]->size;
		json_array_append_new(
		    out, json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:{},s:i}", "Id", images[i]->id, "ParentId", "",
				   "RepoTags", names_of(images[i]->names), "RepoDigests",
				   names_of(images[i]->repo_digests), "Created", (json_int_t)images[i]->created, "Size",
				   (json_int_t)images[i]->size, "SharedSize", (json_int_t)0, "VirtualSize",
				   (json_int_t)images[i]->size, "Labels", "Containers", users));
	}
	hull_image_list_free(images);
	return out;
}

static json_t *containers_json(struct api_request *req, struct hull_container **list, size_t n)
{
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		unsigned long long rw = 0, virt = 0;
		hull_engine_container_size(&req->cli->ctx, list[i], &rw, &virt, NULL);
		const char *image = json_string_value(json_object_get(list[i]->record, "Image"));
		long long created =
		    hull_time_parse_ns(json_string_value(json_object_get(list[i]->record, "Created"))) /
		    1000000000LL;
		json_array_append_new(out, json_pack("{s:s,s:[s+],s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:{},s:[],s:[]}", "Id",
						     list[i]->id, "Names", "/", list[i]->name, "Image",
						     hull_container_image(list[i]), "ImageID", image ? image : "",
						     "State", hull_engine_status_name(list[i]->state.status), "Status",
						     hull_engine_status_name(list[i]->state.status), "SizeRw",
						     (json_int_t)rw, "SizeRootFs", (json_int_t)virt, "Created",
						     (json_int_t)created, "Labels", "Mounts", "Ports"));
	}
	return out;
}

static json_t *volumes_json(struct api_request *req)
{
	json_t *out = json_array();
	struct hull_volume **vs = NULL;
	size_t n = 0;
	if (hull_volume_list(&req->cli->ctx, &vs, &n, NULL) < 0)
		return out;
	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_ char **users = NULL;
		size_t refs = 0;
		if (hull_volume_users(&req->cli->ctx, vs[i]->name, &users, NULL) == 0)
			while (users && users[refs])
				refs++;
		json_t *v = hull_volume_inspect_json(vs[i]);
		json_object_set_new(v, "UsageData",
				    json_pack("{s:I,s:I}", "Size", (json_int_t)hull_du(vs[i]->mountpoint), "RefCount",
					      (json_int_t)refs));
		json_array_append_new(out, v);
		hull_volume_free(vs[i]);
	}
	free(vs);
	return out;
}

void api_system_df(struct api_request *req, struct api_response *resp)
{
	struct hull_container **list = NULL;
	size_t n = 0;
	struct hull_error *err = NULL;
	if (hull_container_list(&req->cli->ctx, &list, &n, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	long long layers = 0;
	json_t *images = images_json(req, list, n, &layers);
	json_t *containers = containers_json(req, list, n);
	for (size_t i = 0; i < n; i++)
		hull_container_free(list[i]);
	free(list);
	resp->json = json_pack("{s:I,s:o,s:o,s:o,s:[]}", "LayersSize", (json_int_t)layers, "Images", images,
			       "Containers", containers, "Volumes", volumes_json(req), "BuildCache");
}

void api_build_prune(struct api_request *req, struct api_response *resp)
{
	resp->json = json_pack("{s:[],s:i}", "CachesDeleted", "SpaceReclaimed", 0);
}
