/* networks.c - /networks: list, inspect, create, remove, connect,
 * disconnect and prune, on hull's bridge networks (the functions `hull
 * network` calls). "host" and "none" are modes in hull, not networks with
 * state: they are listed and inspected as docker shows them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/json.h"
#include "hull/network.h"

/* The modes docker lists as networks beside the bridges. */
static json_t *mode_json(const char *name)
{
	const char *driver = !strcmp(name, "host") ? "host" : !strcmp(name, "none") ? "null" : NULL;
	if (!driver)
		return NULL;
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:{s:s,s:[]},s:b,s:b,s:b,s:{s:s},s:b,s:{},s:{},s:{}}", "Name", name,
			 "Id", name, "Created", "0001-01-01T00:00:00Z", "Scope", "local", "Driver", driver,
			 "EnableIPv6", 0, "IPAM", "Driver", "default", "Config", "Internal", 0, "Attachable", 0,
			 "Ingress", 0, "ConfigFrom", "Network", "", "ConfigOnly", 0, "Containers", "Options", "Labels");
}

/* docker's NetworkResource. A user network's Options are what its creator
 * gave (none here): docker-compose compares them with its file's and
 * would ask to recreate a network whose bridge name it did not choose. */
static json_t *network_json(struct hull_cli *cli, const struct hull_network *n)
{
	json_t *j = hull_network_inspect_json(&cli->ctx, n);
	if (!j)
		return NULL;
	if (!n->is_default)
		json_object_set_new(j, "Options", json_object());
	json_object_set_new(j, "Attachable", json_false());
	json_object_set_new(j, "Ingress", json_false());
	json_object_set_new(j, "ConfigFrom", json_pack("{s:s}", "Network", ""));
	json_object_set_new(j, "ConfigOnly", json_false());
	return j;
}

/* The network named by the route's first part (name, id or id prefix),
 * or NULL with docker's 404 in resp. */
static struct hull_network *network_get(struct api_request *req, struct api_response *resp)
{
	struct hull_error *err = NULL;
	struct hull_network *n = hull_network_get(&req->cli->ctx, req->params[0], &err);
	if (!n)
		api_not_found(resp, err, "network %s not found", req->params[0]);
	return n;
}

void api_network_inspect(struct api_request *req, struct api_response *resp)
{
	json_t *mode = mode_json(req->params[0]);
	if (mode) {
		resp->json = mode;
		return;
	}
	_cleanup_network_ struct hull_network *n = network_get(req, resp);
	if (n)
		resp->json = network_json(req->cli, n);
}

/* ---------------------------------------------------------------- list -- */

static const char *const network_filters[] = {"name", "id", "label", "driver", "type", "scope", "dangling", NULL};

static bool name_matches(const void *obj, const char *v)
{
	return strstr(json_string_value(json_object_get(obj, "Name")), v) != NULL;
}

static bool id_matches(const void *obj, const char *v)
{
	return !strncmp(json_string_value(json_object_get(obj, "Id")), v, strlen(v));
}

static bool driver_matches(const void *obj, const char *v)
{
	return !strcmp(json_string_value(json_object_get(obj, "Driver")), v);
}

static bool is_builtin(json_t *j)
{
	const char *name = json_string_value(json_object_get(j, "Name"));
	return !strcmp(name, "bridge") || !strcmp(name, "host") || !strcmp(name, "none");
}

static bool type_matches(const void *obj, const char *v)
{
	return !strcmp(v, is_builtin((json_t *)obj) ? "builtin" : "custom");
}

static bool scope_matches(const void *obj, const char *v)
{
	return !strcmp(v, "local");
}

/* dangling=true: a user network no container is attached to */
static bool dangling_matches(const void *obj, const char *v)
{
	bool dangling = !is_builtin((json_t *)obj) && !json_object_size(json_object_get(obj, "Containers"));
	return (!strcmp(v, "true") || !strcmp(v, "1")) == dangling;
}

static bool network_matches(json_t *j, json_t *filters)
{
	return api_filter_any(filters, "name", name_matches, j) && api_filter_any(filters, "id", id_matches, j) &&
	       api_filter_any(filters, "driver", driver_matches, j) &&
	       api_filter_any(filters, "type", type_matches, j) && api_filter_any(filters, "scope", scope_matches, j) &&
	       api_filter_any(filters, "dangling", dangling_matches, j) &&
	       api_labels_match(filters, json_object_get(j, "Labels"));
}

void api_networks_list(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *filters = NULL;
	if (api_filters(req, network_filters, &filters, resp) < 0)
		return;
	struct hull_network **ns = NULL;
	size_t n = 0;
	struct hull_error *err = NULL;
	if (hull_network_list(&req->cli->ctx, &ns, &n, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *j = network_json(req->cli, ns[i]);
		if (j && network_matches(j, filters))
			json_array_append_new(out, j);
		else
			json_decref(j);
		hull_network_free(ns[i]);
	}
	free(ns);
	const char *modes[] = {"host", "none"};
	for (size_t i = 0; i < 2; i++) {
		json_t *j = mode_json(modes[i]);
		if (j && network_matches(j, filters))
			json_array_append_new(out, j);
		else
			json_decref(j);
	}
	resp->json = out;
}

/* -------------------------------------------------------------- create -- */

/* IPAM {"Driver":"default","Config":[{"Subnet":..,"Gateway":..}]}: one
 * IPv4 pool at most, no IPRange or auxiliary addresses. */
static bool ipam_of(json_t *ipam, const char **subnet, const char **gateway, struct api_response *resp)
{
	const char *driver = json_string_value(json_object_get(ipam, "Driver"));
	json_t *config = json_object_get(ipam, "Config");
	if (driver && *driver && strcmp(driver, "default")) {
		api_error(resp, 400, "IPAM driver %s: hull has only the default one", driver);
		return false;
	}
	if (json_array_size(config) > 1) {
		api_error(resp, 400, "IPAM: hull gives a network one IPv4 subnet, not %zu", json_array_size(config));
		return false;
	}
	json_t *pool = json_array_get(config, 0);
	const char *range = json_string_value(json_object_get(pool, "IPRange"));
	if ((range && *range) || json_object_size(json_object_get(pool, "AuxiliaryAddresses"))) {
		api_error(resp, 400, "IPAM: IPRange and AuxiliaryAddresses are not supported; give Subnet and Gateway");
		return false;
	}
	*subnet = json_string_value(json_object_get(pool, "Subnet"));
	*gateway = json_string_value(json_object_get(pool, "Gateway"));
	if (*subnet && !**subnet)
		*subnet = NULL;
	if (*gateway && !**gateway)
		*gateway = NULL;
	return true;
}

void api_network_create(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *body = api_body_json(req, resp);
	if (!body)
		return;
	const char *name = json_string_value(json_object_get(body, "Name"));
	const char *driver = json_string_value(json_object_get(body, "Driver"));
	json_t *labels = json_object_get(body, "Labels");
	if (!name || !*name) {
		api_error(resp, 400, "network create: Name is required");
		return;
	}
	if (driver && *driver && strcmp(driver, "bridge")) {
		api_error(resp, 400, "network create %s: driver %s: hull has only bridge networks", name, driver);
		return;
	}
	if (json_is_true(json_object_get(body, "EnableIPv6"))) {
		api_error(resp, 400, "network create %s: IPv6 is not supported", name);
		return;
	}
	if (json_object_size(json_object_get(body, "Options"))) {
		api_error(resp, 400, "network create %s: driver options are not supported", name);
		return;
	}
	if (labels && !json_is_null(labels) && !json_is_object(labels)) {
		api_error(resp, 400, "network create %s: Labels must be an object of strings", name);
		return;
	}
	const char *subnet = NULL, *gateway = NULL;
	if (!ipam_of(json_object_get(body, "IPAM"), &subnet, &gateway, resp))
		return;
	if (!strcmp(name, "host") || !strcmp(name, "none")) {
		api_error(resp, 403, "network %s is a pre-defined network and cannot be created", name);
		return;
	}
	struct hull_error *err = NULL;
	_cleanup_network_ struct hull_network *same = hull_network_get(&req->cli->ctx, name, NULL);
	if (same && !strcmp(same->name, name)) {
		api_error(resp, 409, "network with name %s already exists", name);
		return;
	}
	_cleanup_network_ struct hull_network *n =
	    hull_network_create(&req->cli->ctx, name, subnet, gateway, json_is_object(labels) ? labels : NULL,
				json_is_true(json_object_get(body, "Internal")), &err);
	if (!n) {
		api_fail(resp, err);
		return;
	}
	resp->status = 201;
	resp->json = json_pack("{s:s,s:s}", "Id", n->id, "Warning", "");
}

/* -------------------------------------------------------- remove, prune -- */

void api_network_delete(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *mode = mode_json(req->params[0]);
	if (mode || !strcmp(req->params[0], "bridge")) {
		api_error(resp, 403, "%s is a pre-defined network and cannot be removed", req->params[0]);
		return;
	}
	_cleanup_network_ struct hull_network *n = network_get(req, resp);
	if (!n)
		return;
	struct hull_error *err = NULL;
	if (hull_network_remove(&req->cli->ctx, n->name, &err) < 0) {
		/* docker answers 403 for a network with endpoints */
		if (err && err->code == EBUSY)
			api_error(resp, 403, "error while removing network: %s", err->msg);
		else
			api_fail(resp, steal_ptr(err));
		hull_error_free(err);
		return;
	}
	resp->status = 204;
}

void api_networks_prune(struct api_request *req, struct api_response *resp)
{
	static const char *const known[] = {"label", "until", NULL};
	_cleanup_json_ json_t *filters = NULL;
	if (api_filters(req, known, &filters, resp) < 0)
		return;
	if (json_object_get(filters, "until")) {
		api_error(resp, 400, "network prune: the until filter is not supported");
		return;
	}
	struct hull_network **ns = NULL;
	size_t n = 0;
	struct hull_error *err = NULL;
	if (hull_network_list(&req->cli->ctx, &ns, &n, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	json_t *deleted = json_array();
	for (size_t i = 0; i < n; i++) {
		/* a network with containers refuses removal: that is the "unused" test */
		if (!ns[i]->is_default && api_labels_match(filters, ns[i]->labels) &&
		    hull_network_remove(&req->cli->ctx, ns[i]->name, NULL) == 0)
			json_array_append_new(deleted, json_string(ns[i]->name));
		hull_network_free(ns[i]);
	}
	free(ns);
	resp->json = json_pack("{s:o}", "NetworksDeleted", deleted);
}

/* --------------------------------------------------- connect, disconnect -- */

/* The container named in the body, or NULL with a 400 in resp. */
static const char *body_container(json_t *body, struct api_response *resp)
{
	const char *c = json_string_value(json_object_get(body, "Container"));
	if (!c || !*c)
		api_error(resp, 400, "Container is required");
	return c && *c ? c : NULL;
}

static void connect_failed(struct api_response *resp, const char *container, struct hull_error *err)
{
	if (err && err->code == ENOENT && strstr(err->msg, "network") == NULL)
		api_error(resp, 404, "No such container: %s", container);
	else
		api_fail(resp, steal_ptr(err));
	hull_error_free(err);
}

void api_network_connect(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *body = api_body_json(req, resp);
	const char *container = body ? body_container(body, resp) : NULL;
	if (!container)
		return;
	_cleanup_network_ struct hull_network *n = network_get(req, resp);
	if (!n)
		return;
	json_t *ep = json_object_get(body, "EndpointConfig");
	json_t *list = json_object_get(ep, "Aliases");
	_cleanup_free_ const char **aliases = calloc(json_array_size(list) + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; aliases && i < json_array_size(list); i++) {
		const char *a = json_string_value(json_array_get(list, i));
		if (a)
			aliases[k++] = a;
	}
	const char *ip = json_string_value(json_object_get(json_object_get(ep, "IPAMConfig"), "IPv4Address"));
	struct hull_error *err = NULL;
	if (hull_network_connect(&req->cli->ctx, n->name, container, (char *const *)aliases, ip && *ip ? ip : NULL,
				 &err) < 0) {
		connect_failed(resp, container, err);
		return;
	}
	resp->raw = strdup("");
}

void api_network_disconnect(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *body = api_body_json(req, resp);
	const char *container = body ? body_container(body, resp) : NULL;
	if (!container)
		return;
	struct hull_error *err = NULL;
	if (hull_network_disconnect(&req->cli->ctx, req->params[0], container,
				    json_is_true(json_object_get(body, "Force")), &err) < 0) {
		connect_failed(resp, container, err);
		return;
	}
	resp->raw = strdup("");
}
