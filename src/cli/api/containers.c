/* containers.c - GET /containers/json, /containers/{id}/json and
 * POST /containers/create. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/ps.h"
#include "api.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/image.h"
#include "hull/inspect.h"
#include "hull/json.h"
#include "hull/timefmt.h"

/* ------------------------------------------------------------ filters -- */

static const char *const container_filters[] = {"name", "id", "status", "ancestor", "label", "network", "volume", NULL};

static bool name_matches(const void *obj, const char *v)
{
	const struct hull_container *c = obj;
	return strstr(c->name, v[0] == '/' ? v + 1 : v) != NULL;
}

static bool id_matches(const void *obj, const char *v)
{
	const struct hull_container *c = obj;
	return !strncmp(c->id, v, strlen(v));
}

static bool status_matches(const void *obj, const char *v)
{
	const struct hull_container *c = obj;
	return !strcmp(hull_engine_status_name(c->state.status), v);
}

static bool ancestor_matches(const void *obj, const char *v)
{
	const struct hull_container *c = obj;
	return !strcmp(hull_container_image(c), v);
}

/* network=NAME: its NetworkMode, or a network it is connected to */
static bool network_matches(const void *obj, const char *v)
{
	const struct hull_container *c = obj;
	json_t *hc = json_object_get(c->record, "HostConfig");
	const char *mode = json_string_value(json_object_get(hc, "NetworkMode"));
	if (mode && !strcmp(mode, v))
		return true;
	return json_object_get(json_object_get(hc, "HullConnected"), v) ||
	       json_object_get(json_object_get(json_object_get(c->record, "NetworkSettings"), "Networks"), v);
}

/* volume=NAME or a mount point */
static bool volume_matches(const void *obj, const char *v)
{
	const struct hull_container *c = obj;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(c->record, "Mounts"), i, m)
	{
		const char *name = json_string_value(json_object_get(m, "Name"));
		const char *dst = json_string_value(json_object_get(m, "Destination"));
		if ((name && !strcmp(name, v)) || (dst && !strcmp(dst, v)))
			return true;
	}
	return false;
}

static bool filters_match(const struct hull_container *c, json_t *filters)
{
	json_t *labels = json_object_get(json_object_get(c->record, "Config"), "Labels");
	return api_filter_any(filters, "name", name_matches, c) && api_filter_any(filters, "id", id_matches, c) &&
	       api_filter_any(filters, "status", status_matches, c) &&
	       api_filter_any(filters, "ancestor", ancestor_matches, c) &&
	       api_filter_any(filters, "network", network_matches, c) &&
	       api_filter_any(filters, "volume", volume_matches, c) && api_labels_match(filters, labels);
}

/* --------------------------------------------------------------- list -- */

/* NetworkSettings.Ports {"80/tcp":[{"HostIp":..,"HostPort":..}]} as the list's Ports array. */
static json_t *ports_list(json_t *ports)
{
	json_t *out = json_array();
	const char *key;
	json_t *binds;
	json_object_foreach(ports, key, binds)
	{
		int priv = atoi(key);
		const char *slash = strchr(key, '/');
		const char *proto = slash ? slash + 1 : "tcp";
		if (!json_array_size(binds)) {
			json_array_append_new(out, json_pack("{s:i,s:s}", "PrivatePort", priv, "Type", proto));
			continue;
		}
		size_t i;
		json_t *b;
		json_array_foreach(binds, i, b)
		{
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			json_array_append_new(out, json_pack("{s:s,s:i,s:i,s:s}", "IP", ip && *ip ? ip : "0.0.0.0",
							     "PrivatePort", priv, "PublicPort", hp ? atoi(hp) : 0,
							     "Type", proto));
		}
	}
	return out;
}

static json_t *summary(const struct hull_container *c)
{
	_cleanup_json_ json_t *row = engine_ps_row(c, true);
	_cleanup_json_ json_t *insp = hull_engine_inspect_json(c);
	json_t *config = json_object_get(c->record, "Config");
	json_t *labels = json_object_get(config, "Labels");
	json_t *ns = json_object_get(insp, "NetworkSettings");
	json_t *nets = json_object_get(ns, "Networks");
	json_t *mounts = json_object_get(insp, "Mounts");
	const char *net = json_string_value(json_object_get(json_object_get(c->record, "HostConfig"), "NetworkMode"));
	char name[512];
	snprintf(name, sizeof(name), "/%s", c->name);
	const char *cmd = json_string_value(json_object_get(row, "Command"));
	/* ps quotes the command as "sh -c …"; the API gives it bare */
	_cleanup_free_ char *bare = cmd ? strdup(cmd) : strdup("");
	size_t bl = bare ? strlen(bare) : 0;
	if (bl >= 2 && bare[0] == '"' && bare[bl - 1] == '"') {
		memmove(bare, bare + 1, bl - 2);
		bare[bl - 2] = '\0';
	}
	return json_pack(
	    "{s:s,s:[s],s:s,s:s,s:s,s:I,s:o,s:O,s:s,s:s,s:{s:s},s:{s:O},s:O}", "Id", c->id, "Names", name, "Image",
	    hull_container_image(c), "ImageID",
	    json_string_value(json_object_get(insp, "Image")) ? json_string_value(json_object_get(insp, "Image")) : "",
	    "Command", bare ? bare : "", "Created",
	    (json_int_t)(hull_time_parse_ns(json_string_value(json_object_get(c->record, "Created"))) /
			 1000000000LL),
	    "Ports", ports_list(json_object_get(ns, "Ports")), "Labels",
	    json_is_object(labels) ? labels : json_object(), "State", hull_engine_status_name(c->state.status),
	    "Status", json_string_value(json_object_get(row, "Status")), "HostConfig", "NetworkMode",
	    net ? net : "default", "NetworkSettings", "Networks", nets ? nets : json_object(), "Mounts",
	    mounts ? mounts : json_array());
}

void api_containers_list(struct api_request *req, struct api_response *resp)
{
	bool all = api_query_bool(req, "all");
	_cleanup_json_ json_t *filters = NULL;
	if (api_filters(req, container_filters, &filters, resp) < 0)
		return;
	const char *limit_s = api_query(req, "limit");
	long limit = limit_s ? strtol(limit_s, NULL, 10) : -1;
	struct hull_container **list = NULL;
	size_t n = 0;
	struct hull_error *err = NULL;
	if (hull_container_list(&req->cli->ctx, &list, &n, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	json_t *out = json_array();
	/* newest first, as docker lists them */
	for (size_t i = n; i-- > 0;) {
		struct hull_container *c = list[i];
		bool up = c->state.status == HULL_ENGINE_RUNNING || c->state.status == HULL_ENGINE_PAUSED ||
			  c->state.status == HULL_ENGINE_RESTARTING;
		if ((all || up || (filters && json_object_get(filters, "status"))) &&
		    (!filters || filters_match(c, filters)) && (limit <= 0 || (long)json_array_size(out) < limit)) {
			json_t *s = summary(c);
			if (s)
				json_array_append_new(out, s);
		}
		hull_container_free(c);
	}
	free(list);
	resp->json = out;
}

/* ------------------------------------------------------------ inspect -- */

/* The container named by the route, or NULL with docker's 404 in resp. */
struct hull_container *api_container_get(struct api_request *req, struct api_response *resp)
{
	struct hull_error *err = NULL;
	struct hull_container *c = hull_container_load(&req->cli->ctx, req->params[0], &err);
	if (!c)
		api_not_found(resp, err, "No such container: %s", req->params[0]);
	return c;
}

/* "nofile=1024:2048" -> {"Name":"nofile","Soft":1024,"Hard":2048}. */
static json_t *ulimit_of(const char *s)
{
	const char *eq = strchr(s, '=');
	if (!eq)
		return NULL;
	char *end;
	long long soft = strtoll(eq + 1, &end, 10), hard = *end == ':' ? strtoll(end + 1, NULL, 10) : soft;
	return json_pack("{s:s%,s:I,s:I}", "Name", s, (size_t)(eq - s), "Soft", (json_int_t)soft, "Hard",
			 (json_int_t)hard);
}

/* "/dev/x[:/dev/y[:rwm]]" -> docker's DeviceMapping. */
static json_t *device_of(const char *s)
{
	_cleanup_free_ char *copy = strdup(s);
	if (!copy)
		return NULL;
	char *save = NULL, *host = strtok_r(copy, ":", &save), *ctr = strtok_r(NULL, ":", &save),
	     *perms = strtok_r(NULL, ":", &save);
	return json_pack("{s:s,s:s,s:s}", "PathOnHost", host ? host : "", "PathInContainer",
			 ctr ? ctr : (host ? host : ""), "CgroupPermissions", perms ? perms : "rwm");
}

/* hull keeps some HostConfig members as docker's flags wrote them (strings);
 * the API's clients decode docker's types, so give them those. */
static void docker_shapes(json_t *insp)
{
	json_t *hc = json_object_get(insp, "HostConfig");
	json_t *v = json_object_get(hc, "Sysctls");
	if (json_is_array(v)) {
		json_t *o = json_object();
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			const char *s = json_string_value(e);
			const char *eq = s ? strchr(s, '=') : NULL;
			if (eq) {
				_cleanup_free_ char *k = strndup(s, (size_t)(eq - s));
				if (k)
					json_object_set_new(o, k, json_string(eq + 1));
			}
		}
		json_object_set_new(hc, "Sysctls", o);
	}
	json_t *(*conv[])(const char *) = {ulimit_of, device_of};
	const char *keys[] = {"Ulimits", "Devices"};
	for (size_t k = 0; k < 2; k++) {
		v = json_object_get(hc, keys[k]);
		if (!json_is_array(v))
			continue;
		json_t *a = json_array();
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e)
		{
			json_t *o = json_is_string(e) ? conv[k](json_string_value(e)) : json_incref(e);
			if (o)
				json_array_append_new(a, o);
		}
		json_object_set_new(hc, keys[k], a);
	}
	json_t *ns = json_object_get(insp, "NetworkSettings");
	if (!json_is_object(ns)) {
		ns = json_pack("{s:{},s:{}}", "Networks", "Ports");
		json_object_set_new(insp, "NetworkSettings", ns);
	}
}

/* An endpoint's Aliases as docker reports them: the ones asked for and,
 * on a user network, the short id (docker-compose looks for it to tell
 * that a container is connected already). */
static json_t *aliases_of(const char *id, const char *network, json_t *asked)
{
	if (!strcmp(network, "bridge") || !strcmp(network, "host") || !strcmp(network, "none"))
		return json_null();
	json_t *a = json_is_array(asked) ? json_copy(asked) : json_array();
	json_array_append_new(a, json_sprintf("%.12s", id));
	return a;
}

static json_t *endpoint_stub(const char *network)
{
	return json_pack("{s:n,s:n,s:s,s:s,s:s,s:s,s:i,s:s}", "IPAMConfig", "Links", "NetworkID", network, "EndpointID",
			 "", "Gateway", "", "IPAddress", "", "IPPrefixLen", 0, "MacAddress", "");
}

/* NetworkSettings.Networks: a container that does not run is listed on
 * the networks it will start on, as docker lists it; each endpoint gets
 * its Aliases. */
static void endpoints_shape(json_t *insp, const struct hull_container *c)
{
	json_t *hc = json_object_get(c->record, "HostConfig");
	json_t *nets = json_object_get(json_object_get(insp, "NetworkSettings"), "Networks");
	if (!json_is_object(nets)) {
		nets = json_object();
		json_object_set_new(json_object_get(insp, "NetworkSettings"), "Networks", nets);
	}
	const char *mode = json_string_value(json_object_get(hc, "NetworkMode"));
	const char *primary = !mode || !*mode || !strcmp(mode, "default") ? "bridge" : mode;
	json_t *connected = json_object_get(hc, "HullConnected");
	if (!json_object_size(nets) && strncmp(primary, "container:", 10)) {
		json_object_set_new(nets, primary, endpoint_stub(primary));
		const char *name;
		json_t *wish;
		json_object_foreach(connected, name, wish) json_object_set_new(nets, name, endpoint_stub(name));
	}
	const char *name;
	json_t *ep;
	json_object_foreach(nets, name, ep)
	{
		json_t *asked = !strcmp(name, primary) ? json_object_get(hc, "NetworkAliases")
						       : json_object_get(json_object_get(connected, name), "Aliases");
		json_object_set_new(ep, "Aliases", aliases_of(c->id, name, asked));
	}
}

void api_container_inspect(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	resp->json = hull_engine_inspect_json(c);
	if (!resp->json)
		api_error(resp, 500, "inspect %s: the record is unreadable", c->name);
	else {
		docker_shapes(resp->json);
		endpoints_shape(resp->json, c);
	}
}
