/* images.c - GET /images/json and /images/{name}/json. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/image.h"
#include "hull/json.h"

/* docker's familiar form: "docker.io/library/busybox:latest" -> "busybox:latest". */
static json_t *familiar(const char *ref)
{
	if (!strncmp(ref, "docker.io/library/", 18))
		ref += 18;
	else if (!strncmp(ref, "docker.io/", 10))
		ref += 10;
	return json_string(ref);
}

static json_t *names_json(char **names)
{
	json_t *a = json_array();
	for (char **n = names; n && *n; n++)
		json_array_append_new(a, familiar(*n));
	return a;
}

static json_t *config_member(const struct hull_image *img, const char *key, json_t *fallback)
{
	json_t *v = json_object_get(img->config->raw, key);
	if (v) {
		json_decref(fallback);
		return json_incref(v);
	}
	return fallback;
}

static json_t *summary(const struct hull_image *img)
{
	json_t *cfg = json_object_get(img->config->raw, "config");
	json_t *labels = json_object_get(cfg, "Labels");
	return json_pack("{s:s,s:s,s:o,s:o,s:I,s:I,s:I,s:I,s:O,s:i}", "Id", img->id, "ParentId", "", "RepoTags",
			 names_json(img->names), "RepoDigests", names_json(img->repo_digests), "Created",
			 (json_int_t)img->created, "Size", (json_int_t)img->size, "VirtualSize", (json_int_t)img->size,
			 "SharedSize", (json_int_t)-1, "Labels", json_is_object(labels) ? labels : json_object(),
			 "Containers", -1);
}

void api_images_list(struct api_request *req, struct api_response *resp)
{
	struct hull_error *err = NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	struct hull_image **list = NULL;
	if (hull_image_store_open(&req->cli->ctx, &store, &err) < 0 || hull_image_list(store, &list, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	json_t *a = json_array();
	for (size_t i = 0; list[i]; i++)
		json_array_append_new(a, summary(list[i]));
	hull_image_list_free(list);
	resp->json = a;
}

void api_image_inspect(struct api_request *req, struct api_response *resp)
{
	struct hull_error *err = NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_store_open(&req->cli->ctx, &store, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	if (hull_image_get(store, req->params[0], &img, &err) < 0) {
		hull_error_free(err);
		api_error(resp, 404, "No such image: %s", req->params[0]);
		return;
	}
	resp->json =
	    json_pack("{s:s,s:o,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:{s:s,s:{}},s:{}}", "Id", img->id, "RepoTags",
		      names_json(img->names), "RepoDigests", names_json(img->repo_digests), "Parent", "", "Comment", "",
		      "Created", config_member(img, "created", json_string("")), "Config",
		      config_member(img, "config", json_object()), "Architecture",
		      config_member(img, "architecture", json_string("amd64")), "Os",
		      config_member(img, "os", json_string("linux")), "Size", (json_int_t)img->size, "VirtualSize",
		      (json_int_t)img->size, "RootFS", config_member(img, "rootfs", json_object()), "GraphDriver",
		      "Name", "overlay", "Data", "Metadata");
	/* docker's legacy member: the config of the container the image was
	 * committed from; docker-compose reads its Volumes */
	json_t *cfg = json_object_get(resp->json, "Config");
	json_object_set_new(resp->json, "ContainerConfig", json_is_object(cfg) ? json_deep_copy(cfg) : json_object());
	json_object_set_new(resp->json, "DockerVersion", json_string(""));
	json_t *author = json_object_get(img->config->raw, "author");
	json_object_set_new(resp->json, "Author", json_is_string(author) ? json_incref(author) : json_string(""));
}
