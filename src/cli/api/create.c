/* create.c - POST /containers/create: docker's ContainerConfig and
 * HostConfig as hull's run options. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/engine.h"
#include "hull/image.h"
#include "hull/json.h"

/* Strings made while translating, freed together. */
struct scratch {
	char **strv[8];
	size_t n;
	char *str[4];
	size_t ns;
};

static void scratch_free(struct scratch *s)
{
	for (size_t i = 0; i < s->n; i++)
		hull_strv_free(s->strv[i]);
	for (size_t i = 0; i < s->ns; i++)
		free(s->str[i]);
}

static char **keep_strv(struct scratch *s, char **v)
{
	if (v && s->n < sizeof(s->strv) / sizeof(s->strv[0]))
		s->strv[s->n++] = v;
	return v;
}

/* A JSON array of strings as a malloc'd strv (skip: leading elements to
 * leave out); NULL when absent or null; *bad when it is not such an array. */
static char **strv_of(json_t *a, size_t skip, bool *bad)
{
	if (!a || json_is_null(a))
		return NULL;
	if (!json_is_array(a)) {
		*bad = true;
		return NULL;
	}
	size_t n = json_array_size(a);
	char **v = calloc(n + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = skip; v && i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s) {
			*bad = true;
			break;
		}
		v[k++] = strdup(s);
	}
	return v;
}

/* Env: only K=V; a bare K would take the value from the server's own environment. */
static char **env_of(json_t *a, bool *bad)
{
	char **v = strv_of(a, 0, bad);
	size_t k = 0;
	for (size_t i = 0; v && v[i]; i++) {
		if (strchr(v[i], '=') && v[i][0] != '=')
			v[k++] = v[i];
		else
			free(v[i]);
	}
	if (v)
		v[k] = NULL;
	return v;
}

/* Labels {"k":"v"} -> "k=v". */
static char **labels_of(json_t *o, bool *bad)
{
	if (!o || json_is_null(o))
		return NULL;
	if (!json_is_object(o)) {
		*bad = true;
		return NULL;
	}
	char **v = calloc(json_object_size(o) + 1, sizeof(char *));
	size_t k = 0;
	const char *key;
	json_t *val;
	json_object_foreach(o, key, val)
	{
		if (v && json_is_string(val) && asprintf(&v[k], "%s=%s", key, json_string_value(val)) >= 0)
			k++;
	}
	return v;
}

/* PortBindings {"80/tcp":[{"HostIp":"","HostPort":"8080"}]} -> -p specs. */
static char **publish_of(json_t *o, bool *bad)
{
	if (!o || json_is_null(o))
		return NULL;
	if (!json_is_object(o)) {
		*bad = true;
		return NULL;
	}
	size_t total = 0;
	const char *key;
	json_t *val;
	json_object_foreach(o, key, val) total += json_array_size(val) ? json_array_size(val) : 1;
	char **v = calloc(total + 1, sizeof(char *));
	size_t k = 0;
	json_object_foreach(o, key, val)
	{
		size_t i;
		json_t *b;
		json_array_foreach(val, i, b)
		{
			const char *ip = json_string_value(json_object_get(b, "HostIp"));
			const char *hp = json_string_value(json_object_get(b, "HostPort"));
			int r;
			if (ip && *ip)
				r = asprintf(&v[k], "%s:%s:%s", ip, hp ? hp : "", key);
			else if (hp && *hp)
				r = asprintf(&v[k], "%s:%s", hp, key);
			else
				r = asprintf(&v[k], "%s", key);
			if (v && r >= 0)
				k++;
		}
	}
	return v;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

/* Fill o from body; strings are borrowed from body or kept in s. Returns
 * false with a 400 in resp on a malformed member. */
static bool options_from(json_t *body, struct hull_run_options *o, struct scratch *s, struct api_response *resp)
{
	json_t *hc = json_object_get(body, "HostConfig");
	bool bad = false;
	o->image = str(body, "Image");
	if (!o->image) {
		api_error(resp, 400, "config: Image is required");
		return false;
	}
	json_t *ep = json_object_get(body, "Entrypoint");
	char **cmd = keep_strv(s, strv_of(json_object_get(body, "Cmd"), 0, &bad));
	if (json_is_string(ep)) {
		o->entrypoint = json_string_value(ep);
	} else if (json_is_array(ep)) {
		/* hull's entrypoint is one word: the rest goes in front of Cmd */
		o->entrypoint = json_array_size(ep) ? json_string_value(json_array_get(ep, 0)) : "";
		if (json_array_size(ep) > 1) {
			_cleanup_json_ json_t *joined = json_array();
			for (size_t i = 1; i < json_array_size(ep); i++)
				json_array_append(joined, json_array_get(ep, i));
			for (size_t i = 0; cmd && cmd[i]; i++)
				json_array_append_new(joined, json_string(cmd[i]));
			cmd = keep_strv(s, strv_of(joined, 0, &bad));
		}
		if (!o->entrypoint)
			bad = true;
	} else if (ep && !json_is_null(ep))
		bad = true;
	o->cmd = cmd;
	o->env = keep_strv(s, env_of(json_object_get(body, "Env"), &bad));
	o->workdir = str(body, "WorkingDir");
	o->user = str(body, "User");
	o->hostname = str(body, "Hostname");
	o->labels = keep_strv(s, labels_of(json_object_get(body, "Labels"), &bad));
	o->tty = json_is_true(json_object_get(body, "Tty"));
	o->interactive = json_is_true(json_object_get(body, "OpenStdin"));
	o->stop_signal = str(body, "StopSignal");
	o->volumes = keep_strv(s, strv_of(json_object_get(hc, "Binds"), 0, &bad));
	o->publish = keep_strv(s, publish_of(json_object_get(hc, "PortBindings"), &bad));
	o->publish_all = json_is_true(json_object_get(hc, "PublishAllPorts"));
	const char *net = str(hc, "NetworkMode");
	o->network = net && strcmp(net, "default") ? net : NULL;
	o->memory = json_integer_value(json_object_get(hc, "Memory"));
	o->auto_remove = json_is_true(json_object_get(hc, "AutoRemove"));
	o->privileged = json_is_true(json_object_get(hc, "Privileged"));
	o->init = json_is_true(json_object_get(hc, "Init"));
	o->cap_add = keep_strv(s, strv_of(json_object_get(hc, "CapAdd"), 0, &bad));
	o->cap_drop = keep_strv(s, strv_of(json_object_get(hc, "CapDrop"), 0, &bad));
	json_t *rp = json_object_get(hc, "RestartPolicy");
	const char *rname = str(rp, "Name");
	if (rname && strcmp(rname, "no")) {
		json_int_t max = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
		char *spec = NULL;
		if (!strcmp(rname, "on-failure") && max > 0 &&
		    asprintf(&spec, "on-failure:%lld", (long long)max) >= 0 &&
		    s->ns < sizeof(s->str) / sizeof(s->str[0]))
			s->str[s->ns++] = spec;
		o->restart = spec ? spec : rname;
	}
	if (o->memory < 0)
		bad = true;
	if (bad) {
		api_error(resp, 400,
			  "config: a member has the wrong type (Cmd, Entrypoint, Env, Labels, Binds, "
			  "PortBindings, CapAdd, CapDrop, Memory)");
		return false;
	}
	return true;
}

void api_container_create(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *body = api_body_json(req, resp);
	if (!body)
		return;
	struct hull_run_options o;
	hull_run_options_init(&o);
	struct scratch s = {0};
	const char *name = api_query(req, "name");
	o.name = name && *name ? (name[0] == '/' ? name + 1 : name) : NULL;
	o.pull = "never"; /* the docker CLI pulls through the API when it is told the image is missing */
	o.detach = true;
	if (!options_from(body, &o, &s, resp)) {
		scratch_free(&s);
		return;
	}
	struct hull_error *err = NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_store_open(&req->cli->ctx, &store, &err) < 0) {
		scratch_free(&s);
		api_fail(resp, err);
		return;
	}
	if (hull_image_get(store, o.image, &img, &err) < 0) {
		hull_error_free(err);
		scratch_free(&s);
		api_error(resp, 404, "No such image: %s", o.image);
		return;
	}
	_cleanup_strv_ char **warnings = NULL;
	_cleanup_container_ struct hull_container *c =
	    hull_engine_create(&req->cli->ctx, store, &o, NULL, &warnings, &err);
	scratch_free(&s);
	if (!c) {
		if (err && err->code == EEXIST && o.name)
			api_error(resp, 409, "Conflict. The container name \"/%s\" is already in use: %s", o.name,
				  err->msg);
		else
			api_fail(resp, steal_ptr(err));
		hull_error_free(err);
		return;
	}
	json_t *w = json_array();
	for (char **p = warnings; p && *p; p++)
		json_array_append_new(w, json_string(*p));
	resp->status = 201;
	resp->json = json_pack("{s:s,s:o}", "Id", c->id, "Warnings", w);
}
