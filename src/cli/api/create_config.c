/* create_config.c - the body of POST /containers/create as hull's run
 * options: each docker member becomes the flag the docker CLI would have
 * been given (a "k=v" label, a "-p" spec, a "--mount" spec...), so the
 * engine's own parsers check it as they check `hull run`'s flags. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "create_config.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/run_options.h"

static void mark_bad(struct api_create *c, const char *member)
{
	if (!c->bad)
		c->bad = member;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? s : NULL;
}

static const char *keep_str(struct api_create *c, char *s)
{
	c->str = hull_xrealloc(c->str, (c->n_str + 1) * sizeof(char *));
	c->str[c->n_str++] = s;
	return s;
}

/* list (a JSON array of strings, consumed) as a strv kept in c; NULL when
 * list is NULL or empty. */
static char **take(struct api_create *c, json_t *list)
{
	size_t n = json_array_size(list);
	if (!n) {
		json_decref(list);
		return NULL;
	}
	char **v = hull_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		v[i] = hull_xstrdup(json_string_value(json_array_get(list, i)));
	json_decref(list);
	c->strv = hull_xrealloc(c->strv, (c->n_strv + 1) * sizeof(char **));
	c->strv[c->n_strv++] = v;
	return v;
}

/* The member of obj when it has the type wanted; NULL when it is absent or
 * null, and NULL with the member marked bad when it has another type. */
static json_t *member_of(struct api_create *c, json_t *obj, const char *member, json_type type)
{
	json_t *v = json_object_get(obj, member);
	if (!v || json_is_null(v))
		return NULL;
	if (json_typeof(v) != type) {
		mark_bad(c, member);
		return NULL;
	}
	return v;
}

/* The member, an array of strings, as a new list; NULL when absent or null. */
static json_t *strings(struct api_create *c, json_t *obj, const char *member)
{
	json_t *a = json_object_get(obj, member);
	if (!a || json_is_null(a))
		return NULL;
	size_t i;
	json_t *v;
	bool ok = json_is_array(a);
	json_array_foreach(a, i, v) ok = ok && json_is_string(v);
	if (!ok) {
		mark_bad(c, member);
		return NULL;
	}
	return json_incref(a);
}

/* The member, an object of strings, as a list of "K<sep>V" ("K" when V is
 * empty and bare_when_empty). */
static json_t *pairs(struct api_create *c, json_t *obj, const char *member, char sep, bool bare_when_empty)
{
	json_t *o = member_of(c, obj, member, JSON_OBJECT);
	if (!o)
		return NULL;
	json_t *list = json_array();
	const char *key;
	json_t *val;
	json_object_foreach(o, key, val)
	{
		const char *v = json_string_value(val);
		if (!v) {
			mark_bad(c, member);
			continue;
		}
		json_array_append_new(list,
				      bare_when_empty && !*v ? json_string(key) : json_sprintf("%s%c%s", key, sep, v));
	}
	return list;
}

/* Env: only K=V; a bare K would take the value from the server's own environment. */
static json_t *env_of(struct api_create *c, json_t *body)
{
	json_t *all = strings(c, body, "Env");
	json_t *list = json_array();
	size_t i;
	json_t *v;
	json_array_foreach(all, i, v)
	{
		const char *s = json_string_value(v);
		if (strchr(s, '=') && s[0] != '=')
			json_array_append(list, v);
	}
	json_decref(all);
	return list;
}

/* PortBindings {"80/tcp":[{"HostIp":"","HostPort":"8080"}]} -> -p specs. */
static json_t *publish_of(struct api_create *c, json_t *hc)
{
	json_t *o = member_of(c, hc, "PortBindings", JSON_OBJECT);
	if (!o)
		return NULL;
	json_t *list = json_array();
	const char *key;
	json_t *val;
	json_object_foreach(o, key, val)
	{
		size_t i;
		json_t *b;
		json_array_foreach(val, i, b)
		{
			const char *ip = str(b, "HostIp");
			const char *hp = str(b, "HostPort");
			if (ip)
				json_array_append_new(list, json_sprintf("%s:%s:%s", ip, hp ? hp : "", key));
			else if (hp)
				json_array_append_new(list, json_sprintf("%s:%s", hp, key));
			else
				json_array_append_new(list, json_string(key));
		}
	}
	return list;
}

/* The keys of an object member ({"80/tcp":{}}, {"/data":{}}). */
static json_t *keys_of(struct api_create *c, json_t *obj, const char *member)
{
	json_t *o = member_of(c, obj, member, JSON_OBJECT);
	if (!o)
		return NULL;
	json_t *list = json_array();
	const char *key;
	json_t *val;
	json_object_foreach(o, key, val) json_array_append_new(list, json_string(key));
	return list;
}

/* s with the formatted tail appended (s is freed). */
static char *appendf(char *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *appendf(char *s, const char *fmt, ...)
{
	char *tail = NULL;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&tail, fmt, ap);
	va_end(ap);
	char *out = hull_strdup_printf("%s%s", s, r >= 0 ? tail : "");
	free(tail);
	free(s);
	return out;
}

/* One of HostConfig.Mounts ({Type, Source, Target, ReadOnly, ...Options})
 * as a --mount spec; NULL when Type or Target is missing. */
static char *mount_spec(json_t *m)
{
	const char *type = str(m, "Type"), *src = str(m, "Source"), *dst = str(m, "Target");
	if (!type || !dst)
		return NULL;
	char *spec = hull_strdup_printf("type=%s,target=%s", type, dst);
	if (src)
		spec = appendf(spec, ",source=%s", src);
	if (json_is_true(json_object_get(m, "ReadOnly")))
		spec = appendf(spec, ",readonly");
	if (json_is_true(json_object_get(json_object_get(m, "VolumeOptions"), "NoCopy")))
		spec = appendf(spec, ",volume-nocopy");
	const char *prop = str(json_object_get(m, "BindOptions"), "Propagation");
	if (prop)
		spec = appendf(spec, ",bind-propagation=%s", prop);
	json_t *tmpfs = json_object_get(m, "TmpfsOptions");
	json_int_t size = json_integer_value(json_object_get(tmpfs, "SizeBytes"));
	json_int_t mode = json_integer_value(json_object_get(tmpfs, "Mode"));
	if (size > 0)
		spec = appendf(spec, ",tmpfs-size=%lld", (long long)size);
	if (mode > 0)
		spec = appendf(spec, ",tmpfs-mode=%llo", (unsigned long long)mode);
	return spec;
}

static json_t *mounts_of(struct api_create *c, json_t *hc)
{
	json_t *a = member_of(c, hc, "Mounts", JSON_ARRAY);
	if (!a)
		return NULL;
	json_t *list = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(a, i, m)
	{
		_cleanup_free_ char *spec = mount_spec(m);
		if (spec)
			json_array_append_new(list, json_string(spec));
		else
			mark_bad(c, "Mounts");
	}
	return list;
}

/* Ulimits [{Name, Soft, Hard}] -> NAME=SOFT:HARD; Devices [{PathOnHost,
 * PathInContainer, CgroupPermissions}] -> HOST:CONTAINER:PERMS. */
static json_t *objects_of(struct api_create *c, json_t *hc, const char *member)
{
	json_t *a = member_of(c, hc, member, JSON_ARRAY);
	if (!a)
		return NULL;
	bool ulimits = !strcmp(member, "Ulimits");
	json_t *list = json_array();
	size_t i;
	json_t *e;
	json_array_foreach(a, i, e)
	{
		const char *first = str(e, ulimits ? "Name" : "PathOnHost");
		if (!first) {
			mark_bad(c, member);
			continue;
		}
		if (ulimits) {
			json_array_append_new(list,
					      json_sprintf("%s=%lld:%lld", first,
							   (long long)json_integer_value(json_object_get(e, "Soft")),
							   (long long)json_integer_value(json_object_get(e, "Hard"))));
		} else {
			const char *in = str(e, "PathInContainer"), *perms = str(e, "CgroupPermissions");
			json_array_append_new(list,
					      json_sprintf("%s:%s:%s", first, in ? in : first, perms ? perms : "rwm"));
		}
	}
	return list;
}

/* Healthcheck {Test, Interval, Timeout, StartPeriod, Retries}: Test
 * ["NONE"], ["CMD-SHELL", S] or ["CMD", ARG...] (run by a shell, the
 * arguments joined); [] or absent: the image's. */
static void healthcheck_of(struct api_create *c, json_t *body)
{
	json_t *h = json_object_get(body, "Healthcheck");
	if (!h || json_is_null(h))
		return;
	json_t *test = json_object_get(h, "Test");
	const char *kind = json_string_value(json_array_get(test, 0));
	struct hull_run_options *o = &c->o;
	if (kind && !strcmp(kind, "NONE")) {
		o->no_healthcheck = true;
		return;
	}
	if (kind && !strcmp(kind, "CMD-SHELL")) {
		o->health_cmd = json_string_value(json_array_get(test, 1));
	} else if (kind && !strcmp(kind, "CMD")) {
		char *cmd = hull_xstrdup("");
		for (size_t i = 1; i < json_array_size(test); i++)
			cmd = appendf(cmd, "%s%s", i > 1 ? " " : "", json_string_value(json_array_get(test, i)));
		o->health_cmd = keep_str(c, cmd);
	} else if (json_array_size(test)) {
		mark_bad(c, "Healthcheck");
	}
	o->health_interval = json_integer_value(json_object_get(h, "Interval"));
	o->health_timeout = json_integer_value(json_object_get(h, "Timeout"));
	o->health_start_period = json_integer_value(json_object_get(h, "StartPeriod"));
	o->health_retries = (int)json_integer_value(json_object_get(h, "Retries"));
}

static void restart_of(struct api_create *c, json_t *hc)
{
	json_t *rp = json_object_get(hc, "RestartPolicy");
	const char *name = str(rp, "Name");
	if (!name || !strcmp(name, "no"))
		return;
	json_int_t max = json_integer_value(json_object_get(rp, "MaximumRetryCount"));
	if (!strcmp(name, "on-failure") && max > 0)
		c->o.restart = keep_str(c, hull_strdup_printf("on-failure:%lld", (long long)max));
	else
		c->o.restart = name;
}

static void log_config_of(struct api_create *c, json_t *hc)
{
	json_t *lc = json_object_get(hc, "LogConfig");
	c->o.log_driver = str(lc, "Type");
	c->o.log_opts = take(c, pairs(c, lc, "Config", '=', false));
}

/* IpcMode, PidMode, UTSMode, UsernsMode: "host" or the default. */
static const char *mode_of(struct api_create *c, json_t *hc, const char *member)
{
	const char *m = str(hc, member);
	if (!m || !strcmp(m, "private") || !strcmp(m, "shareable"))
		return NULL;
	if (strcmp(m, "host"))
		mark_bad(c, member);
	return "host";
}

/* NetworkMode and NetworkingConfig.EndpointsConfig: the endpoint of the
 * network the container starts on gives its aliases and address; the
 * others are connected after the create. */
static void networking_of(struct api_create *c, json_t *body, json_t *hc)
{
	const char *mode = str(hc, "NetworkMode");
	c->o.network = mode && strcmp(mode, "default") ? mode : NULL;
	const char *primary = c->o.network ? c->o.network : "bridge";
	json_t *eps = json_object_get(json_object_get(body, "NetworkingConfig"), "EndpointsConfig");
	if (eps && !json_is_null(eps) && !json_is_object(eps)) {
		mark_bad(c, "EndpointsConfig");
		return;
	}
	const char *name;
	json_t *ep;
	json_object_foreach(eps, name, ep)
	{
		if (strcmp(name, primary) && (c->o.network || strcmp(name, "default"))) {
			if (!c->more_networks)
				c->more_networks = json_object();
			json_object_set(c->more_networks, name, ep);
			continue;
		}
		c->o.network_alias = take(c, strings(c, ep, "Aliases"));
		c->o.ip = str(json_object_get(ep, "IPAMConfig"), "IPv4Address");
	}
}

/* Config.Volumes {"/data":{}}: the docker CLI's `-v /data`; compose lists
 * every target there. A target no bind or mount covers gets an anonymous
 * volume. */
static json_t *anonymous_volumes(json_t *body, char **binds, char **mounts)
{
	_cleanup_json_ json_t *targets = keys_of(&(struct api_create){0}, body, "Volumes");
	json_t *list = json_array();
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t)
	{
		bool covered = false;
		for (char **b = binds; b && *b && !covered; b++) {
			struct hull_mount_spec m;
			if (hull_parse_volume_flag(*b, &m, NULL) == 0) {
				covered = m.destination && !strcmp(m.destination, json_string_value(t));
				hull_mount_spec_clear(&m);
			}
		}
		for (char **s = mounts; s && *s && !covered; s++) {
			struct hull_mount_spec m;
			if (hull_parse_mount_flag(*s, &m, NULL) == 0) {
				covered = m.destination && !strcmp(m.destination, json_string_value(t));
				hull_mount_spec_clear(&m);
			}
		}
		if (!covered)
			json_array_append(list, t);
	}
	return list;
}

/* Entrypoint: hull's is one word; the rest goes in front of Cmd. */
static void command_of(struct api_create *c, json_t *body)
{
	json_t *ep = json_object_get(body, "Entrypoint");
	json_t *cmd = strings(c, body, "Cmd");
	if (json_is_string(ep)) {
		c->o.entrypoint = json_string_value(ep);
	} else if (json_is_array(ep)) {
		c->o.entrypoint = json_array_size(ep) ? json_string_value(json_array_get(ep, 0)) : "";
		if (!c->o.entrypoint)
			mark_bad(c, "Entrypoint");
		if (json_array_size(ep) > 1) {
			json_t *joined = json_array();
			for (size_t i = 1; i < json_array_size(ep); i++)
				json_array_append(joined, json_array_get(ep, i));
			if (cmd)
				json_array_extend(joined, cmd);
			json_decref(cmd);
			cmd = joined;
		}
	} else if (ep && !json_is_null(ep)) {
		mark_bad(c, "Entrypoint");
	}
	c->o.cmd = take(c, cmd);
}

static long long integer(struct api_create *c, json_t *obj, const char *member)
{
	json_t *v = json_object_get(obj, member);
	if (v && !json_is_null(v) && !json_is_integer(v))
		mark_bad(c, member);
	return json_integer_value(v);
}

/* HostConfig's resources, privileges and namespaces. */
static void host_of(struct api_create *c, json_t *hc)
{
	struct hull_run_options *o = &c->o;
	o->memory = integer(c, hc, "Memory");
	o->memory_swap = integer(c, hc, "MemorySwap");
	o->nano_cpus = integer(c, hc, "NanoCpus");
	o->cpu_shares = integer(c, hc, "CpuShares");
	long long pids = integer(c, hc, "PidsLimit");
	o->pids_limit = pids > 0 ? pids : 0; /* docker: 0 and -1 are no limit */
	o->shm_size = integer(c, hc, "ShmSize");
	if (o->memory < 0 || o->nano_cpus < 0 || o->cpu_shares < 0 || o->shm_size < 0)
		mark_bad(c, "Memory, NanoCpus, CpuShares or ShmSize");
	o->read_only = json_is_true(json_object_get(hc, "ReadonlyRootfs"));
	o->auto_remove = json_is_true(json_object_get(hc, "AutoRemove"));
	o->privileged = json_is_true(json_object_get(hc, "Privileged"));
	o->init = json_is_true(json_object_get(hc, "Init"));
	o->cap_add = take(c, strings(c, hc, "CapAdd"));
	o->cap_drop = take(c, strings(c, hc, "CapDrop"));
	o->security_opt = take(c, strings(c, hc, "SecurityOpt"));
	o->group_add = take(c, strings(c, hc, "GroupAdd"));
	o->dns = take(c, strings(c, hc, "Dns"));
	o->dns_search = take(c, strings(c, hc, "DnsSearch"));
	o->add_host = take(c, strings(c, hc, "ExtraHosts"));
	o->sysctls = take(c, pairs(c, hc, "Sysctls", '=', false));
	o->ulimits = take(c, objects_of(c, hc, "Ulimits"));
	o->devices = take(c, objects_of(c, hc, "Devices"));
	o->ipc = mode_of(c, hc, "IpcMode");
	o->pid = mode_of(c, hc, "PidMode");
	o->uts = mode_of(c, hc, "UTSMode");
	o->userns = mode_of(c, hc, "UsernsMode");
	restart_of(c, hc);
	log_config_of(c, hc);
}

bool api_create_from(json_t *body, struct api_create *c, struct api_response *resp)
{
	struct hull_run_options *o = &c->o;
	json_t *hc = json_object_get(body, "HostConfig");
	hull_run_options_init(o);
	o->image = str(body, "Image");
	if (!o->image) {
		api_error(resp, 400, "config: Image is required");
		return false;
	}
	command_of(c, body);
	o->env = take(c, env_of(c, body));
	o->workdir = str(body, "WorkingDir");
	o->user = str(body, "User");
	o->hostname = str(body, "Hostname");
	o->domainname = str(body, "Domainname");
	o->labels = take(c, pairs(c, body, "Labels", '=', false));
	o->tty = json_is_true(json_object_get(body, "Tty"));
	o->interactive = json_is_true(json_object_get(body, "OpenStdin"));
	o->stop_signal = str(body, "StopSignal");
	if (json_is_integer(json_object_get(body, "StopTimeout")))
		o->stop_timeout = (int)integer(c, body, "StopTimeout");
	o->expose = take(c, keys_of(c, body, "ExposedPorts"));
	healthcheck_of(c, body);
	o->volumes = take(c, strings(c, hc, "Binds"));
	o->mounts = take(c, mounts_of(c, hc));
	json_t *anon = anonymous_volumes(body, o->volumes, o->mounts);
	if (json_array_size(anon)) {
		json_t *binds = strings(c, hc, "Binds");
		if (binds)
			json_array_extend(anon, binds);
		json_decref(binds);
		o->volumes = take(c, anon);
	} else {
		json_decref(anon);
	}
	o->tmpfs = take(c, pairs(c, hc, "Tmpfs", ':', true));
	o->publish = take(c, publish_of(c, hc));
	o->publish_all = json_is_true(json_object_get(hc, "PublishAllPorts"));
	networking_of(c, body, hc);
	host_of(c, hc);
	if (c->bad) {
		api_error(resp, 400, "config: %s has the wrong type or a value hull does not support", c->bad);
		return false;
	}
	return true;
}

void api_create_clear(struct api_create *c)
{
	for (size_t i = 0; i < c->n_strv; i++)
		hull_strv_free(c->strv[i]);
	free(c->strv);
	for (size_t i = 0; i < c->n_str; i++)
		free(c->str[i]);
	free(c->str);
	json_decref(c->more_networks);
}
