/* record_type.c - a container's record, JSON <-> struct hull_container_record.
 *
 * One table per object of the record says each member's JSON name, kind and
 * place in the struct; one walker parses, serializes and frees by the
 * tables. Unknown members go to the object's `extra` and come back out as
 * they were. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hull/container_record.h"
#include "hull/fs.h"
#include "hull/json.h"

enum kind {
	K_STR,	/* char * */
	K_BOOL, /* bool */
	K_INT,	/* long long */
	K_STRV, /* char **, a JSON array of strings */
	K_MAP,	/* struct hull_record_strmap, an object of strings */
	K_KEYS, /* char **, the keys of an object of (empty) objects */
	K_OBJ,	/* a nested struct beginning with struct hull_record_object */
	K_JSON, /* json_t *, kept as it is (of the table's JSON type) */
};

#define F_NULLABLE 1u /* JSON null is a value of its own */

struct table;

struct field {
	const char *name;
	enum kind kind;
	size_t off;
	unsigned flags;
	const struct table *sub; /* K_OBJ */
	json_type jtype;	 /* K_JSON */
};

struct table {
	const struct field *f;
	size_t n;
};

#define TABLE(name, ...)                                                                                               \
	static const struct field name##_fields[] = {__VA_ARGS__};                                                     \
	static const struct table name = {name##_fields, HULL_ARRAY_SIZE(name##_fields)};                              \
	_Static_assert(HULL_ARRAY_SIZE(name##_fields) <= 64, "a bitmap of 64 members")

/* clang-format off */
#define FS(T, json, m) { json, K_STR, offsetof(T, m), 0, NULL, 0 }
#define FB(T, json, m) { json, K_BOOL, offsetof(T, m), 0, NULL, 0 }
#define FI(T, json, m) { json, K_INT, offsetof(T, m), 0, NULL, 0 }
#define FIN(T, json, m) { json, K_INT, offsetof(T, m), F_NULLABLE, NULL, 0 }
#define FV(T, json, m) { json, K_STRV, offsetof(T, m), 0, NULL, 0 }
#define FVN(T, json, m) { json, K_STRV, offsetof(T, m), F_NULLABLE, NULL, 0 }
#define FM(T, json, m) { json, K_MAP, offsetof(T, m), 0, NULL, 0 }
#define FK(T, json, m) { json, K_KEYS, offsetof(T, m), 0, NULL, 0 }
#define FO(T, json, m, t) { json, K_OBJ, offsetof(T, m), 0, &t, 0 }
#define FJ(T, json, m, jt) { json, K_JSON, offsetof(T, m), 0, NULL, jt }
/* clang-format on */

#define HC struct hull_record_healthcheck
TABLE(healthcheck_table, FV(HC, "Test", test), FI(HC, "Interval", interval), FI(HC, "Timeout", timeout),
      FI(HC, "StartPeriod", start_period), FI(HC, "StartInterval", start_interval), FI(HC, "Retries", retries));
#undef HC

#define C struct hull_record_config
TABLE(config_table, FS(C, "Hostname", hostname), FS(C, "Domainname", domainname), FS(C, "User", user),
      FB(C, "AttachStdin", attach_stdin), FB(C, "AttachStdout", attach_stdout), FB(C, "AttachStderr", attach_stderr),
      FB(C, "Tty", tty), FB(C, "OpenStdin", open_stdin), FB(C, "StdinOnce", stdin_once), FV(C, "Env", env),
      FVN(C, "Cmd", cmd), FVN(C, "Entrypoint", entrypoint), FS(C, "Image", image), FS(C, "WorkingDir", working_dir),
      FK(C, "ExposedPorts", exposed_ports), FK(C, "Volumes", volumes), FM(C, "Labels", labels),
      FS(C, "StopSignal", stop_signal), FI(C, "StopTimeout", stop_timeout),
      FO(C, "Healthcheck", healthcheck, healthcheck_table));
#undef C

TABLE(restart_table, FS(struct hull_record_restart_policy, "Name", name),
      FI(struct hull_record_restart_policy, "MaximumRetryCount", maximum_retry_count));
TABLE(log_table, FS(struct hull_record_log_config, "Type", type), FM(struct hull_record_log_config, "Config", config));
TABLE(vm_table, FS(struct hull_record_vm, "Kernel", kernel), FS(struct hull_record_vm, "KernelVersion", kernel_version),
      FS(struct hull_record_vm, "RootFS", rootfs));

#define H struct hull_record_host_config
TABLE(host_config_table, FV(H, "Binds", binds), FV(H, "HullMountFlags", hull_mount_flags), FM(H, "Tmpfs", tmpfs),
      FJ(H, "PortBindings", port_bindings, JSON_OBJECT), FB(H, "PublishAllPorts", publish_all_ports),
      FS(H, "NetworkMode", network_mode), FB(H, "Privileged", privileged), FV(H, "CapAdd", cap_add),
      FV(H, "CapDrop", cap_drop), FV(H, "SecurityOpt", security_opt), FB(H, "ReadonlyRootfs", readonly_rootfs),
      FI(H, "Memory", memory), FI(H, "MemorySwap", memory_swap), FI(H, "NanoCpus", nano_cpus),
      FI(H, "CpuShares", cpu_shares), FIN(H, "PidsLimit", pids_limit), FB(H, "AutoRemove", auto_remove),
      FO(H, "LogConfig", log_config, log_table), FV(H, "Dns", dns), FV(H, "DnsSearch", dns_search),
      FV(H, "ExtraHosts", extra_hosts), FV(H, "Ulimits", ulimits), FV(H, "Sysctls", sysctls), FV(H, "Devices", devices),
      FV(H, "GroupAdd", group_add), FS(H, "IpcMode", ipc_mode), FS(H, "PidMode", pid_mode), FS(H, "UTSMode", uts_mode),
      FS(H, "UsernsMode", userns_mode), FI(H, "ShmSize", shm_size), FB(H, "Init", init),
      FO(H, "RestartPolicy", restart_policy, restart_table), FV(H, "NetworkAliases", network_aliases),
      FS(H, "HullIPv4Address", hull_ipv4_address), FO(H, "HullVM", hull_vm, vm_table),
      FJ(H, "HullConnected", hull_connected, JSON_OBJECT));
#undef H

#define G struct hull_record_graph_data
TABLE(graph_data_table, FV(G, "HullLowerDirs", hull_lower_dirs), FS(G, "UpperDir", upper_dir),
      FS(G, "WorkDir", work_dir), FS(G, "MergedDir", merged_dir));
#undef G
TABLE(graph_table, FS(struct hull_record_graph_driver, "Name", name),
      FO(struct hull_record_graph_driver, "Data", data, graph_data_table));

#define U struct hull_record_usernet
TABLE(usernet_table, FS(U, "Mode", mode), FI(U, "Pid", pid), FI(U, "PidStart", pid_start));
#undef U
#define N struct hull_record_network_settings
TABLE(network_table, FS(N, "IPAddress", ip_address), FS(N, "Gateway", gateway), FI(N, "IPPrefixLen", ip_prefix_len),
      FS(N, "MacAddress", mac_address), FJ(N, "Networks", networks, JSON_OBJECT), FJ(N, "Ports", ports, JSON_OBJECT),
      FS(N, "SandboxKey", sandbox_key), FO(N, "HullUserNet", hull_user_net, usernet_table));
#undef N

#define R struct hull_container_record
TABLE(record_table, FS(R, "Id", id), FS(R, "Name", name), FS(R, "Created", created), FS(R, "Path", path),
      FV(R, "Args", args), FO(R, "Config", config, config_table), FO(R, "HostConfig", host_config, host_config_table),
      FS(R, "Image", image), FS(R, "ResolvConfPath", resolv_conf_path), FS(R, "HostnamePath", hostname_path),
      FS(R, "HostsPath", hosts_path), FS(R, "LogPath", log_path), FO(R, "GraphDriver", graph_driver, graph_table),
      FS(R, "Driver", driver), FS(R, "Platform", platform), FI(R, "RestartCount", restart_count),
      FV(R, "HullWarnings", hull_warnings), FJ(R, "Mounts", mounts, JSON_ARRAY),
      FO(R, "NetworkSettings", network_settings, network_table));
#undef R

const char *hull_record_strmap_get(const struct hull_record_strmap *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->keys[i], key))
			return m->values[i];
	return NULL;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int wrong(const char *display, const char *path, const char *want, const json_t *v, struct hull_error **err)
{
	return hull_error_msg(err, EINVAL, "%s: %s: expected %s, found %s", display, path, want, type_name(v));
}

static void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static int parse_strv(json_t *v, char ***out, const char *display, const char *path, struct hull_error **err)
{
	if (!json_is_array(v))
		return wrong(display, path, "an array of strings", v, err);
	char **s = hull_xcalloc(json_array_size(v) + 1, sizeof(char *));
	*out = s;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
	{
		if (!json_is_string(e)) {
			_cleanup_free_ char *at = hull_strdup_printf("%s[%zu]", path, i);
			return wrong(display, at, "a string", e, err);
		}
		s[i] = hull_xstrdup(json_string_value(e));
	}
	return 0;
}

static int parse_map(json_t *v, struct hull_record_strmap *m, const char *display, const char *path,
		     struct hull_error **err)
{
	if (!json_is_object(v))
		return wrong(display, path, "an object of strings", v, err);
	m->keys = hull_xcalloc(json_object_size(v) + 1, sizeof(char *));
	m->values = hull_xcalloc(json_object_size(v) + 1, sizeof(char *));
	const char *k;
	json_t *e;
	json_object_foreach(v, k, e)
	{
		if (!json_is_string(e)) {
			_cleanup_free_ char *at = hull_strdup_printf("%s.%s", path, k);
			return wrong(display, at, "a string", e, err);
		}
		m->keys[m->n] = hull_xstrdup(k);
		m->values[m->n++] = hull_xstrdup(json_string_value(e));
	}
	return 0;
}

static int parse_keys(json_t *v, char ***out, const char *display, const char *path, struct hull_error **err)
{
	if (!json_is_object(v))
		return wrong(display, path, "an object", v, err);
	char **s = hull_xcalloc(json_object_size(v) + 1, sizeof(char *));
	*out = s;
	size_t n = 0;
	const char *k;
	json_t *e;
	json_object_foreach(v, k, e)
	{
		/* docker's value is an empty struct: what an image puts in it is
		 * read by no one, and not kept */
		if (!json_is_object(e)) {
			_cleanup_free_ char *at = hull_strdup_printf("%s.%s", path, k);
			return wrong(display, at, "an object", e, err);
		}
		s[n++] = hull_xstrdup(k);
	}
	return 0;
}

static int parse_object(json_t *j, const struct table *t, void *base, const char *display, const char *prefix,
			struct hull_error **err);
static void field_clear(const struct field *f, void *at);

static int parse_field(json_t *v, const struct field *f, void *at, const char *display, const char *path,
		       struct hull_error **err)
{
	switch (f->kind) {
	case K_STR:
		if (!json_is_string(v))
			return wrong(display, path, "a string", v, err);
		*(char **)at = hull_xstrdup(json_string_value(v));
		return 0;
	case K_BOOL:
		if (!json_is_boolean(v))
			return wrong(display, path, "a boolean", v, err);
		*(bool *)at = json_is_true(v);
		return 0;
	case K_INT:
		if (!json_is_integer(v))
			return wrong(display, path, "an integer", v, err);
		*(long long *)at = json_integer_value(v);
		return 0;
	case K_STRV:
		return parse_strv(v, (char ***)at, display, path, err);
	case K_MAP:
		return parse_map(v, at, display, path, err);
	case K_KEYS:
		return parse_keys(v, (char ***)at, display, path, err);
	case K_OBJ:
		if (!json_is_object(v))
			return wrong(display, path, "an object", v, err);
		return parse_object(v, f->sub, at, display, path, err);
	case K_JSON:
		if (json_typeof(v) != f->jtype)
			return wrong(display, path, f->jtype == JSON_ARRAY ? "an array" : "an object", v, err);
		*(json_t **)at = json_incref(v);
		return 0;
	}
	return 0;
}

static int parse_object(json_t *j, const struct table *t, void *base, const char *display, const char *prefix,
			struct hull_error **err)
{
	struct hull_record_object *ro = base;
	ro->here = true;
	int first = 0; /* the first error; the members after it are still read */
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v)
	{
		size_t i = 0;
		while (i < t->n && strcmp(t->f[i].name, key))
			i++;
		if (i == t->n) {
			if (!ro->extra)
				ro->extra = json_object();
			json_object_set(ro->extra, key, v);
			continue;
		}
		const struct field *f = &t->f[i];
		ro->present |= 1ULL << i;
		if (json_is_null(v) && (f->flags & F_NULLABLE)) {
			ro->null |= 1ULL << i;
			continue;
		}
		_cleanup_free_ char *path = *prefix ? hull_strdup_printf("%s.%s", prefix, key) : hull_xstrdup(key);
		int r = parse_field(v, f, (char *)base + f->off, display, path, first < 0 ? NULL : err);
		if (r < 0 && first == 0)
			first = r;
		/* kept as it was, not as a zero (an object keeps its good members) */
		if (r < 0 && !(f->kind == K_OBJ && json_is_object(v))) {
			field_clear(f, (char *)base + f->off);
			ro->present &= ~(1ULL << i);
			if (!ro->extra)
				ro->extra = json_object();
			json_object_set(ro->extra, key, v);
		}
	}
	return first;
}

int hull_container_record_parse(json_t *j, const char *display, struct hull_container_record *out,
				struct hull_error **err)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(j))
		return wrong(display, "the record", "an object", j, err);
	return parse_object(j, &record_table, out, display, "", err);
}

int hull_container_record_load(const char *path, struct hull_container_record *out, struct hull_error **err)
{
	memset(out, 0, sizeof(*out));
	_cleanup_json_ json_t *j = hull_json_load_file(path, path, err);
	if (!j)
		return -EINVAL;
	return hull_container_record_parse(j, path, out, err);
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *object_json(const struct table *t, const void *base);

/* Is the member set by code (so written even without its present bit)? */
static bool is_set(const struct field *f, const void *at)
{
	switch (f->kind) {
	case K_BOOL:
		return *(const bool *)at;
	case K_INT:
		return *(const long long *)at != 0;
	case K_MAP:
		return ((const struct hull_record_strmap *)at)->n != 0;
	case K_OBJ:
		return ((const struct hull_record_object *)at)->here;
	default: /* the pointer kinds */
		return *(void *const *)at != NULL;
	}
}

static json_t *field_json(const struct field *f, const void *at)
{
	switch (f->kind) {
	case K_STR:
		return json_string(*(char *const *)at ? *(char *const *)at : "");
	case K_BOOL:
		return json_boolean(*(const bool *)at);
	case K_INT:
		return json_integer(*(const long long *)at);
	case K_STRV:
		return strv_json(*(char **const *)at);
	case K_MAP: {
		const struct hull_record_strmap *m = at;
		json_t *o = json_object();
		for (size_t i = 0; i < m->n; i++)
			json_object_set_new(o, m->keys[i], json_string(m->values[i]));
		return o;
	}
	case K_KEYS: {
		json_t *o = json_object();
		for (char **k = *(char **const *)at; k && *k; k++)
			json_object_set_new(o, *k, json_object());
		return o;
	}
	case K_OBJ:
		return object_json(f->sub, at);
	case K_JSON: {
		json_t *v = *(json_t *const *)at;
		return v ? json_deep_copy(v) : f->jtype == JSON_ARRAY ? json_array() : json_object();
	}
	}
	return json_null();
}

static json_t *object_json(const struct table *t, const void *base)
{
	const struct hull_record_object *ro = base;
	json_t *o = json_object();
	for (size_t i = 0; i < t->n; i++) {
		const struct field *f = &t->f[i];
		const void *at = (const char *)base + f->off;
		if (ro->null & (1ULL << i))
			json_object_set_new(o, f->name, json_null());
		else if ((ro->present & (1ULL << i)) || is_set(f, at))
			json_object_set_new(o, f->name, field_json(f, at));
	}
	if (ro->extra) {
		_cleanup_json_ json_t *extra = json_deep_copy(ro->extra);
		json_object_update_missing(o, extra);
	}
	return o;
}

json_t *hull_container_record_json(const struct hull_container_record *r)
{
	return object_json(&record_table, r);
}

static void object_clear(const struct table *t, void *base);

static void field_clear(const struct field *f, void *at)
{
	switch (f->kind) {
	case K_STR:
		free(*(char **)at);
		*(char **)at = NULL;
		break;
	case K_STRV:
	case K_KEYS:
		strv_free(*(char ***)at);
		*(char ***)at = NULL;
		break;
	case K_MAP: {
		struct hull_record_strmap *m = at;
		strv_free(m->keys);
		strv_free(m->values);
		memset(m, 0, sizeof(*m));
		break;
	}
	case K_OBJ:
		object_clear(f->sub, at);
		break;
	case K_JSON:
		json_decref(*(json_t **)at);
		*(json_t **)at = NULL;
		break;
	default:
		break;
	}
}

static void object_clear(const struct table *t, void *base)
{
	struct hull_record_object *ro = base;
	for (size_t i = 0; i < t->n; i++)
		field_clear(&t->f[i], (char *)base + t->f[i].off);
	json_decref(ro->extra);
	memset(ro, 0, sizeof(*ro));
}

void hull_container_record_clear(struct hull_container_record *r)
{
	if (!r)
		return;
	object_clear(&record_table, r);
	memset(r, 0, sizeof(*r));
}
