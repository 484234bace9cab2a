/* router.c - from a method and a path to a handler: docker's routes, with
 * or without the /vX.Y prefix (the server strips it). */
#include <stdlib.h>
#include <string.h>

#include "api.h"

struct route {
	const char *method;
	const char *pattern; /* "{}" is one path segment, "{*}" one or more (an image name has slashes) */
	api_handler handler;
};

static const struct route routes[] = {
    {"GET", "/_ping", api_ping},
    {"HEAD", "/_ping", api_ping},
    {"GET", "/version", api_version},
    {"GET", "/info", api_info},
    {"GET", "/system/df", api_system_df},
    {"POST", "/build/prune", api_build_prune},
    {"GET", "/events", api_events},
    {"GET", "/images/json", api_images_list},
    {"POST", "/images/create", api_image_create},
    {"POST", "/images/load", api_images_load},
    {"POST", "/images/prune", api_images_prune},
    {"GET", "/images/get", api_images_get},
    {"GET", "/images/{*}/json", api_image_inspect},
    {"GET", "/images/{*}/history", api_image_history},
    {"GET", "/images/{*}/get", api_image_get},
    {"POST", "/images/{*}/tag", api_image_tag},
    {"POST", "/images/{*}/push", api_image_push},
    {"DELETE", "/images/{*}", api_image_delete},
    {"GET", "/containers/json", api_containers_list},
    {"POST", "/containers/create", api_container_create},
    {"POST", "/containers/prune", api_containers_prune},
    {"GET", "/containers/{}/json", api_container_inspect},
    {"GET", "/containers/{}/logs", api_container_logs},
    {"GET", "/containers/{}/top", api_container_top},
    {"GET", "/containers/{}/export", api_container_export},
    {"POST", "/commit", api_commit},
    {"GET", "/containers/{}/stats", api_container_stats},
    {"POST", "/containers/{}/start", api_container_start},
    {"POST", "/containers/{}/stop", api_container_stop},
    {"POST", "/containers/{}/restart", api_container_restart},
    {"POST", "/containers/{}/kill", api_container_kill},
    {"POST", "/containers/{}/wait", api_container_wait},
    {"POST", "/containers/{}/attach", api_container_attach},
    {"POST", "/containers/{}/resize", api_container_resize},
    {"POST", "/exec/{}/resize", api_exec_resize},
    {"POST", "/containers/{}/exec", api_exec_create},
    {"POST", "/containers/{}/rename", api_container_rename},
    {"POST", "/containers/{}/pause", api_container_pause},
    {"POST", "/containers/{}/unpause", api_container_unpause},
    {"POST", "/exec/{}/start", api_exec_start},
    {"GET", "/exec/{}/json", api_exec_inspect},
    {"DELETE", "/containers/{}", api_container_delete},
    {"GET", "/networks", api_networks_list},
    {"POST", "/networks/create", api_network_create},
    {"POST", "/networks/prune", api_networks_prune},
    {"GET", "/networks/{}", api_network_inspect},
    {"DELETE", "/networks/{}", api_network_delete},
    {"POST", "/networks/{}/connect", api_network_connect},
    {"POST", "/networks/{}/disconnect", api_network_disconnect},
    {"GET", "/volumes", api_volumes_list},
    {"POST", "/volumes/create", api_volume_create},
    {"POST", "/volumes/prune", api_volumes_prune},
    {"GET", "/volumes/{}", api_volume_inspect},
    {"DELETE", "/volumes/{}", api_volume_delete},
};

/* Does path match pattern? Captures go to params[*n...]. Both start with '/'. */
static bool match(const char *pattern, const char *path, char **params, size_t *n)
{
	while (*pattern && *path) {
		if (!strncmp(pattern, "{*}", 3)) {
			const char *tail = pattern + 3; /* "/json" or "" */
			size_t pl = strlen(path), tl = strlen(tail);
			if (pl <= tl || strcmp(path + pl - tl, tail) || *n >= API_MAX_PARAMS)
				return false;
			params[(*n)++] = strndup(path, pl - tl);
			return true;
		}
		if (!strncmp(pattern, "{}", 2)) {
			size_t seg = strcspn(path, "/");
			if (seg == 0 || *n >= API_MAX_PARAMS)
				return false;
			params[(*n)++] = strndup(path, seg);
			pattern += 2;
			path += seg;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return !*pattern && !*path;
}

static void clear_params(struct api_request *req)
{
	for (size_t i = 0; i < API_MAX_PARAMS; i++) {
		free(req->params[i]);
		req->params[i] = NULL;
	}
}

api_handler api_route(struct api_request *req, bool *allowed)
{
	*allowed = false;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		size_t n = 0;
		clear_params(req);
		if (!match(routes[i].pattern, req->path, req->params, &n))
			continue;
		if (!strcmp(routes[i].method, req->method))
			return routes[i].handler;
		*allowed = true;
	}
	clear_params(req);
	return NULL;
}
