/* record.c - a new container's record (docker's Config and HostConfig)
 * from docker run's flags and the image's config.
 *
 * What the image says is the default; flags override it, as docker does:
 * Env is merged key by key (--env-file, then -e); --entrypoint resets the
 * image's Cmd; ExposedPorts, Volumes and Labels are unions. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/restart.h"
#include "hull/run_options.h"
#include "hull/runtime.h"
#include "hull/size.h"
#include "hull/timefmt.h"
#include "hull/usernet.h"
#include "engine_internal.h"

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

/* Set K=V in an env array, replacing an existing K. */
static void env_set(json_t *env, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	size_t i;
	json_t *e;
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);
		if (s && !strncmp(s, kv, klen) && (s[klen] == '=' || s[klen] == '\0')) {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

/* "-e K" takes K's value from our environment and is dropped when unset. */
static int env_add_flag(json_t *env, const char *kv, const char *where, struct hull_error **err)
{
	if (!*kv || *kv == '=')
		return hull_error_msg(err, EINVAL, "invalid environment variable `%s`%s: it needs a name", kv, where);
	if (strchr(kv, '=')) {
		env_set(env, kv);
		return 0;
	}
	const char *v = getenv(kv);
	if (v) {
		_cleanup_free_ char *full = hull_strdup_printf("%s=%s", kv, v);
		env_set(env, full);
	}
	return 0;
}

static int env_add_file(json_t *env, const char *path, struct hull_error **err)
{
	_cleanup_free_ char *buf = NULL;
	if (hull_read_file_max(path, ENGINE_FLAG_FILE_MAX, &buf, NULL, err) < 0)
		return hull_error_wrap(err, -EINVAL, "--env-file");
	int lineno = 0;
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		size_t len = strlen(line);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		_cleanup_free_ char *where = hull_strdup_printf(" (%s line %d)", path, lineno);
		int r = env_add_flag(env, line, where, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static json_t *build_env(const struct hull_run_options *o, json_t *image_config, struct hull_error **err)
{
	json_t *img_env = json_object_get(image_config, "Env");
	_cleanup_json_ json_t *env = json_is_array(img_env) ? json_deep_copy(img_env) : json_array();
	for (char **f = o->env_files; f && *f; f++)
		if (env_add_file(env, *f, err) < 0)
			return NULL;
	for (char **e = o->env; e && *e; e++)
		if (env_add_flag(env, *e, "", err) < 0)
			return NULL;
	return steal_ptr(env);
}

/* Path/Args, docker's rule: entrypoint + cmd, where --entrypoint resets
 * the image's Cmd and CMD args after the image replace it. */
static int build_command(json_t *record, json_t *config, const struct hull_run_options *o, json_t *image_config,
			 struct hull_error **err)
{
	json_t *entry, *cmd;
	if (o->entrypoint) {
		entry = *o->entrypoint ? json_pack("[s]", o->entrypoint) : json_null();
		cmd = json_null();
	} else {
		json_t *ie = json_object_get(image_config, "Entrypoint");
		entry = json_is_array(ie) ? json_deep_copy(ie) : json_null();
		json_t *ic = json_object_get(image_config, "Cmd");
		cmd = json_is_array(ic) ? json_deep_copy(ic) : json_null();
	}
	if (o->cmd && o->cmd[0]) {
		json_decref(cmd);
		cmd = strv_json(o->cmd);
	}
	_cleanup_json_ json_t *argv = json_array();
	if (json_is_array(entry))
		json_array_extend(argv, entry);
	if (json_is_array(cmd))
		json_array_extend(argv, cmd);
	json_object_set_new(config, "Entrypoint", entry);
	json_object_set_new(config, "Cmd", cmd);
	if (json_array_size(argv) == 0 || !json_is_string(json_array_get(argv, 0)))
		return hull_error_msg(err, EINVAL, "No command specified: the image `%s` has no Entrypoint or Cmd; "
						   "give one after the image name",
				      o->image);
	json_object_set(record, "Path", json_array_get(argv, 0));
	json_array_remove(argv, 0);
	json_object_set(record, "Args", argv);
	return 0;
}

static json_t *object_union(json_t *base, char **keys)
{
	json_t *o = json_is_object(base) ? json_deep_copy(base) : json_object();
	for (; keys && *keys; keys++)
		json_object_set_new(o, *keys, json_object());
	return o;
}

static int add_ports(json_t *exposed, json_t *bindings, const struct hull_run_options *o, struct hull_error **err)
{
	for (char **e = o->expose; e && *e; e++) {
		struct hull_port_mapping *m = NULL;
		size_t n = 0;
		if (hull_parse_publish(*e, &m, &n, err) < 0)
			return hull_error_wrap(err, -EINVAL, "--expose");
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *key = hull_strdup_printf("%u/%s", m[i].container_port, m[i].proto);
			json_object_set_new(exposed, key, json_object());
		}
		free(m);
	}
	for (char **p = o->publish; p && *p; p++) {
		struct hull_port_mapping *m = NULL;
		size_t n = 0;
		if (hull_parse_publish(*p, &m, &n, err) < 0)
			return -EINVAL;
		if (n && strchr(m[0].host_ip, ':')) {
			free(m);
			return hull_error_msg(err, EAFNOSUPPORT,
					      "invalid publish `%s`: publishing on an IPv6 host address is "
					      "not supported by hull; publish on an IPv4 address",
					      *p);
		}
		for (size_t i = 0; i < n; i++) {
			_cleanup_free_ char *key = hull_strdup_printf("%u/%s", m[i].container_port, m[i].proto);
			json_object_set_new(exposed, key, json_object());
			json_t *list = json_object_get(bindings, key);
			if (!list) {
				list = json_array();
				json_object_set_new(bindings, key, list);
			}
			char hp[16] = "";
			if (m[i].host_port)
				snprintf(hp, sizeof(hp), "%u", m[i].host_port);
			json_array_append_new(list, json_pack("{s:s,s:s}", "HostIp", m[i].host_ip, "HostPort", hp));
		}
		free(m);
	}
	return 0;
}

static int check_security_opts(const struct hull_run_options *o, struct hull_error **err)
{
	for (char **s = o->security_opt; s && *s; s++) {
		const char *v = *s;
		if (!strcmp(v, "no-new-privileges") || !strcmp(v, "no-new-privileges:true") ||
		    !strcmp(v, "no-new-privileges=true") || !strcmp(v, "no-new-privileges:false") ||
		    !strcmp(v, "no-new-privileges=false") || !strncmp(v, "label", 5) || !strncmp(v, "apparmor", 8))
			continue;
		if (!strncmp(v, "seccomp=", 8) || !strncmp(v, "seccomp:", 8)) {
			const char *f = v + 8;
			if (!strcmp(f, "unconfined"))
				continue;
			_cleanup_free_ char *buf = NULL;
			if (hull_read_file_max(f, ENGINE_FLAG_FILE_MAX, &buf, NULL, err) < 0)
				return hull_error_wrap(err, -EINVAL, "--security-opt %s", v);
			_cleanup_json_ json_t *j = hull_json_load_str(buf, strlen(buf), f, err);
			if (!j || !json_is_object(j))
				return j ? hull_error_msg(err, EINVAL, "%s: a seccomp profile must be a JSON object", f)
					 : -EINVAL;
			continue;
		}
		return hull_error_msg(err, EINVAL, "--security-opt `%s`: expected seccomp=FILE|unconfined, "
						   "no-new-privileges[:true|false]",
				      v);
	}
	return 0;
}

static bool is_container_mode(const char *mode)
{
	return mode && !strncmp(mode, "container:", 10);
}

/* docker's namespace modes: --ipc private|shareable|none|host|container:X,
 * --pid host|container:X, --uts host|container:X (podman's), and what a
 * container that joins another's network cannot set for itself, with
 * docker's words (moby runconfig/hostconfig_unix.go). */
static int check_namespace_modes(const struct hull_run_options *o, struct hull_error **err)
{
	static const char *const ipc_modes[] = { "", "private", "shareable", "none", "host", NULL };
	static const char *const other_modes[] = { "", "private", "host", NULL };
	const struct {
		const char *flag, *value;
		const char *const *modes;
	} checks[] = { { "--ipc", o->ipc, ipc_modes }, { "--pid", o->pid, other_modes }, { "--uts", o->uts, other_modes } };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(checks); i++) {
		const char *v = checks[i].value;
		bool ok = !v || (is_container_mode(v) && v[10]);
		for (const char *const *m = checks[i].modes; v && !ok && *m; m++)
			ok = !strcmp(v, *m);
		if (!ok)
			return hull_error_msg(err, EINVAL, "%s `%s`: expected %s or container:NAME", checks[i].flag, v,
					      i == 0 ? "private, shareable, none, host" : "host");
	}
	if (o->ip) {
		struct in_addr a;
		if (inet_pton(AF_INET, o->ip, &a) != 1)
			return hull_error_msg(err, EINVAL, "--ip %s: not an IPv4 address", o->ip);
		const char *n = o->network;
		if (!n || !strcmp(n, "bridge") || !strcmp(n, "default") || !strcmp(n, "host") || !strcmp(n, "none") ||
		    is_container_mode(n) || hull_engine_is_usernet(n))
			return hull_error_msg(err, EINVAL, "--ip %s: user specified IP address is supported on user "
							   "defined networks only (hull network create, then --network NAME)",
					      o->ip);
	}
	if (!is_container_mode(o->network))
		return 0;
	if (!o->network[10])
		return hull_error_msg(err, EINVAL, "--network container:: expected container:NAME or container:ID");
	if (o->hostname)
		return hull_error_msg(err, EINVAL, "Conflicting options: hostname and the network mode");
	if (o->dns || o->dns_search)
		return hull_error_msg(err, EINVAL, "Conflicting options: dns and the network mode");
	if (o->add_host)
		return hull_error_msg(err, EINVAL, "Conflicting options: custom host-to-IP mapping and the network mode");
	if (o->publish || o->publish_all)
		return hull_error_msg(err, EINVAL,
				      "Conflicting options: port publishing and the container type network mode");
	if (o->expose)
		return hull_error_msg(err, EINVAL, "Conflicting options: port exposing and the container type network mode");
	if (o->network_alias)
		return hull_error_msg(err, EINVAL,
				      "Conflicting options: --network-alias is for containers on user-defined networks");
	if (o->uts && !strcmp(o->uts, "host"))
		return hull_error_msg(err, EINVAL, "Conflicting options: --uts host and the container network mode");
	return 0;
}

/* A value written into the container's /etc/hosts or /etc/resolv.conf (or
 * set as its host name) is one word: a newline in it would add lines of the
 * caller's choosing to those files, a space or tab another field. */
static int check_word(const char *flag, const char *v, size_t max, struct hull_error **err)
{
	if (!*v)
		return hull_error_msg(err, EINVAL, "%s: the value is empty", flag);
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c <= ' ' || *c == 0x7f)
			return hull_error_msg(err, EINVAL,
					      "%s: the value holds %s (byte 0x%02x at offset %zu); it must be "
					      "one word",
					      flag, *c == ' ' ? "a space" : "a control character", *c,
					      (size_t)((const char *)c - v));
	if (strlen(v) > max)
		return hull_error_msg(err, EINVAL, "%s `%s`: longer than %zu bytes", flag, v, max);
	return 0;
}

/* --hostname, --domainname, --dns, --dns-search, --add-host: the names go
 * into /etc/hosts and /etc/resolv.conf (docker's CLI checks them too). */
static int check_name_flags(const struct hull_run_options *o, struct hull_error **err)
{
	unsigned char addr[16];
	/* sethostname(2) and setdomainname(2) take at most 64 bytes */
	if ((o->hostname && check_word("--hostname", o->hostname, 64, err) < 0) ||
	    (o->domainname && *o->domainname && check_word("--domainname", o->domainname, 64, err) < 0))
		return -EINVAL;
	for (char **d = o->dns; d && *d; d++)
		if (inet_pton(AF_INET, *d, addr) != 1 && inet_pton(AF_INET6, *d, addr) != 1)
			return check_word("--dns", *d, 255, err) < 0
				   ? -EINVAL
				   : hull_error_msg(err, EINVAL, "--dns `%s`: not an IP address", *d);
	for (char **d = o->dns_search; d && *d; d++)
		if (check_word("--dns-search", *d, 253, err) < 0)
			return -EINVAL;
	for (char **h = o->add_host; h && *h; h++) {
		if (check_word("--add-host", *h, 255 + 1 + 64, err) < 0)
			return -EINVAL;
		const char *sep = strchr(*h, '=') ? strchr(*h, '=') : strchr(*h, ':');
		if (!sep || sep == *h ||
		    (inet_pton(AF_INET, sep + 1, addr) != 1 && inet_pton(AF_INET6, sep + 1, addr) != 1 &&
		     strcmp(sep + 1, "host-gateway")))
			return hull_error_msg(err, EINVAL, "--add-host `%s`: expected NAME:IP", *h);
	}
	return 0;
}

static int check_flags(const struct hull_run_options *o, struct hull_error **err)
{
	struct hull_restart_policy policy;
	if (hull_restart_policy_parse(o->restart, &policy, err) < 0)
		return -EINVAL;
	if (policy.kind != HULL_RESTART_NO && o->auto_remove)
		return hull_error_msg(err, EINVAL, "Conflicting options: --restart and --rm");
	if (o->init) {
		_cleanup_free_ char *init = engine_init_path(err);
		if (!init)
			return -ENOENT;
	}
	if (o->log_driver && strcmp(o->log_driver, "json-file") && strcmp(o->log_driver, "none"))
		return hull_error_msg(err, EINVAL, "--log-driver %s: only json-file and none exist here",
				      o->log_driver);
	for (char **l = o->log_opts; l && *l; l++) {
		unsigned long long v;
		if (!strncmp(*l, "max-size=", 9) && hull_parse_size(*l + 9, &v) == 0)
			continue;
		if (!strncmp(*l, "max-file=", 9) && atoi(*l + 9) >= 1)
			continue;
		if (!strncmp(*l, "compress=", 9) || !strncmp(*l, "labels=", 7) || !strncmp(*l, "env=", 4) ||
		    !strncmp(*l, "tag=", 4))
			continue;
		return hull_error_msg(err, EINVAL, "--log-opt `%s`: expected max-size=SIZE or max-file=N", *l);
	}
	int r = check_namespace_modes(o, err);
	if (r < 0 || (r = check_name_flags(o, err)) < 0)
		return r;
	int sig = 0;
	if (o->stop_signal && (hull_signal_parse(o->stop_signal, &sig, NULL) < 0 || sig == 0))
		return hull_error_msg(err, EINVAL,
				      "--stop-signal: invalid signal `%s` (use a name like TERM or SIGKILL, or "
				      "a number from 1)",
				      o->stop_signal);
	/* docker's floor (moby daemon/daemon_unix.go): below it the container
	 * cannot even start its process */
	if (o->memory > 0 && o->memory < ENGINE_MIN_MEMORY)
		return hull_error_msg(err, EINVAL, "--memory: Minimum memory limit allowed is 6MB");
	for (char **t = o->tmpfs; t && *t; t++) {
		struct hull_mount_spec m;
		if ((r = hull_parse_tmpfs_flag(*t, &m, err)) < 0)
			return hull_error_wrap(err, r, "--tmpfs");
		hull_mount_spec_clear(&m);
	}
	if (o->pull && strcmp(o->pull, "missing") && strcmp(o->pull, "always") && strcmp(o->pull, "never"))
		return hull_error_msg(err, EINVAL, "--pull %s: expected missing, always or never", o->pull);
	r = hull_engine_usernet_check(o->network, err);
	if (r < 0)
		return r;
	return check_security_opts(o, err);
}

static json_t *build_host_config(const struct hull_run_options *o, json_t *bindings)
{
	json_t *hc = json_object();
	json_t *binds = json_array();
	for (char **v = o->volumes; v && *v; v++)
		if (strchr(*v, ':'))
			json_array_append_new(binds, json_string(*v));
	json_object_set_new(hc, "Binds", binds);
	json_object_set_new(hc, "HullMountFlags", strv_json(o->mounts));
	json_t *tmpfs = json_object();
	for (char **t = o->tmpfs; t && *t; t++) {
		struct hull_mount_spec m;
		if (hull_parse_tmpfs_flag(*t, &m, NULL) < 0) /* checked by check_flags */
			continue;
		json_object_set_new(tmpfs, m.destination, json_string(m.options ? m.options : ""));
		hull_mount_spec_clear(&m);
	}
	json_object_set_new(hc, "Tmpfs", tmpfs);
	json_object_set(hc, "PortBindings", bindings);
	json_object_set_new(hc, "PublishAllPorts", json_boolean(o->publish_all));
	json_object_set_new(hc, "NetworkMode", json_string(o->network ? o->network : "bridge"));
	json_object_set_new(hc, "Privileged", json_boolean(o->privileged));
	json_object_set_new(hc, "CapAdd", strv_json(o->cap_add));
	json_object_set_new(hc, "CapDrop", strv_json(o->cap_drop));
	json_object_set_new(hc, "SecurityOpt", strv_json(o->security_opt));
	json_object_set_new(hc, "ReadonlyRootfs", json_boolean(o->read_only));
	json_object_set_new(hc, "Memory", json_integer(o->memory));
	json_object_set_new(hc, "MemorySwap", json_integer(o->memory_swap));
	json_object_set_new(hc, "NanoCpus", json_integer(o->nano_cpus));
	json_object_set_new(hc, "CpuShares", json_integer(o->cpu_shares));
	json_object_set_new(hc, "PidsLimit", o->pids_limit ? json_integer(o->pids_limit) : json_null());
	json_object_set_new(hc, "AutoRemove", json_boolean(o->auto_remove));
	json_t *log_config = json_object();
	for (char **l = o->log_opts; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = strndup(*l, (size_t)(eq - *l));
		json_object_set_new(log_config, k, json_string(eq + 1));
	}
	json_object_set_new(hc, "LogConfig",
			    json_pack("{s:s,s:o}", "Type", o->log_driver ? o->log_driver : "json-file", "Config",
				      log_config));
	json_object_set_new(hc, "Dns", strv_json(o->dns));
	json_object_set_new(hc, "DnsSearch", strv_json(o->dns_search));
	json_object_set_new(hc, "ExtraHosts", strv_json(o->add_host));
	json_object_set_new(hc, "Ulimits", strv_json(o->ulimits));
	json_object_set_new(hc, "Sysctls", strv_json(o->sysctls));
	json_object_set_new(hc, "Devices", strv_json(o->devices));
	json_object_set_new(hc, "GroupAdd", strv_json(o->group_add));
	json_object_set_new(hc, "IpcMode", json_string(o->ipc ? o->ipc : "private"));
	json_object_set_new(hc, "PidMode", json_string(o->pid ? o->pid : ""));
	json_object_set_new(hc, "UTSMode", json_string(o->uts ? o->uts : ""));
	json_object_set_new(hc, "UsernsMode", json_string(o->userns ? o->userns : ""));
	json_object_set_new(hc, "ShmSize", json_integer(o->shm_size ? o->shm_size : 64LL << 20));
	json_object_set_new(hc, "Init", json_boolean(o->init));
	struct hull_restart_policy policy;
	hull_restart_policy_parse(o->restart, &policy, NULL); /* checked by check_flags */
	json_object_set_new(hc, "RestartPolicy", json_pack("{s:s,s:i}", "Name", hull_restart_kind_name(policy.kind),
							   "MaximumRetryCount", policy.max_retries));
	json_object_set_new(hc, "NetworkAliases", strv_json(o->network_alias));
	/* docker keeps --ip in NetworkingConfig.EndpointsConfig.NET.IPAMConfig;
	 * one network at create here, so beside the aliases */
	if (o->ip)
		json_object_set_new(hc, "HullIPv4Address", json_string(o->ip));
	return hc;
}

/* Config.Healthcheck: the image's, with the --health-* flags over it (as
 * docker's CLI merges them); --no-healthcheck is Test NONE. NULL: none. */
static json_t *build_healthcheck(json_t *image_hc, const struct hull_run_options *o)
{
	if (o->no_healthcheck)
		return json_pack("{s:[s]}", "Test", "NONE");
	bool flags = o->health_cmd || o->health_interval || o->health_timeout || o->health_start_period ||
		     o->health_retries;
	if (!json_is_object(image_hc) && !flags)
		return NULL;
	json_t *hc = json_is_object(image_hc) ? json_deep_copy(image_hc) : json_object();
	if (o->health_cmd)
		json_object_set_new(hc, "Test", json_pack("[s,s]", "CMD-SHELL", o->health_cmd));
	if (o->health_interval)
		json_object_set_new(hc, "Interval", json_integer(o->health_interval));
	if (o->health_timeout)
		json_object_set_new(hc, "Timeout", json_integer(o->health_timeout));
	if (o->health_start_period)
		json_object_set_new(hc, "StartPeriod", json_integer(o->health_start_period));
	if (o->health_retries)
		json_object_set_new(hc, "Retries", json_integer(o->health_retries));
	return hc;
}

int hull_engine_build_record(json_t *record, const struct hull_run_options *o, json_t *image_config,
			     struct hull_error **err)
{
	int r = check_flags(o, err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *config = json_object();
	const char *id = json_string_value(json_object_get(record, "Id"));
	char short_id[HULL_SHORT_ID_LEN + 1] = "";
	if (id)
		snprintf(short_id, sizeof(short_id), "%s", id);
	/* --network host: the host's name, as docker does */
	char host_name[256] = "";
	if (o->network && !strcmp(o->network, "host") && !o->hostname && gethostname(host_name, sizeof(host_name) - 1) < 0)
		host_name[0] = '\0';
	json_object_set_new(config, "Hostname",
			    json_string(o->hostname ? o->hostname : host_name[0] ? host_name : short_id));
	json_object_set_new(config, "Domainname", json_string(o->domainname ? o->domainname : ""));
	const char *img_user = json_string_value(json_object_get(image_config, "User"));
	json_object_set_new(config, "User", json_string(o->user ? o->user : img_user ? img_user : ""));
	json_object_set_new(config, "AttachStdin", json_boolean(!o->detach && o->interactive));
	json_object_set_new(config, "AttachStdout", json_boolean(!o->detach));
	json_object_set_new(config, "AttachStderr", json_boolean(!o->detach));
	json_object_set_new(config, "Tty", json_boolean(o->tty));
	json_object_set_new(config, "OpenStdin", json_boolean(o->interactive));
	json_object_set_new(config, "StdinOnce", json_boolean(o->interactive && !o->detach));
	json_t *env = build_env(o, image_config, err);
	if (!env)
		return -EINVAL;
	json_object_set_new(config, "Env", env);
	if ((r = build_command(record, config, o, image_config, err)) < 0)
		return r;
	json_object_set_new(config, "Image", json_string(o->image));
	const char *img_wd = json_string_value(json_object_get(image_config, "WorkingDir"));
	const char *wd = o->workdir ? o->workdir : img_wd ? img_wd : "";
	if (*wd && wd[0] != '/')
		return hull_error_msg(err, EINVAL, "the working directory `%s` is invalid: it needs to be an absolute "
						   "path",
				      wd);
	json_object_set_new(config, "WorkingDir", json_string(wd));
	_cleanup_json_ json_t *exposed = object_union(json_object_get(image_config, "ExposedPorts"), NULL);
	_cleanup_json_ json_t *bindings = json_object();
	if ((r = add_ports(exposed, bindings, o, err)) < 0)
		return r;
	json_object_set(config, "ExposedPorts", exposed);
	/* -v /path (no source) is an anonymous volume, and docker's CLI
	 * records it in Config.Volumes (so commit keeps it), not in Binds */
	json_t *volumes = object_union(json_object_get(image_config, "Volumes"), NULL);
	for (char **v = o->volumes; v && *v; v++)
		if (!strchr(*v, ':')) {
			struct hull_mount_spec m;
			if ((r = hull_parse_volume_flag(*v, &m, err)) < 0) {
				json_decref(volumes);
				return r;
			}
			json_object_set_new(volumes, m.destination, json_object());
			hull_mount_spec_clear(&m);
		}
	json_object_set_new(config, "Volumes", volumes);
	json_t *labels = object_union(json_object_get(image_config, "Labels"), NULL);
	for (char **l = o->labels; l && *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : hull_xstrdup(*l);
		json_object_set_new(labels, k, json_string(eq ? eq + 1 : ""));
	}
	json_object_set_new(config, "Labels", labels);
	const char *img_sig = json_string_value(json_object_get(image_config, "StopSignal"));
	json_object_set_new(config, "StopSignal",
			    json_string(o->stop_signal ? o->stop_signal : img_sig ? img_sig : "SIGTERM"));
	json_object_set_new(config, "StopTimeout", json_integer(o->stop_timeout >= 0 ? o->stop_timeout : 10));
	if (o->no_healthcheck && (o->health_cmd || o->health_interval || o->health_timeout ||
				  o->health_start_period || o->health_retries))
		return hull_error_msg(err, EINVAL, "--no-healthcheck conflicts with --health-* options");
	json_t *health = build_healthcheck(json_object_get(image_config, "Healthcheck"), o);
	if (health)
		json_object_set_new(config, "Healthcheck", health);
	json_object_set(record, "Config", config);
	json_object_set_new(record, "HostConfig", build_host_config(o, bindings));
	char now[40];
	hull_time_now_rfc3339_into(now, sizeof(now));
	json_object_set_new(record, "Created", json_string(now));
	json_object_set_new(record, "Driver", json_string("overlay"));
	json_object_set_new(record, "Platform", json_string("linux"));
	json_object_set_new(record, "RestartCount", json_integer(0));
	/* what came from the image (its Healthcheck is copied as it is) has
	 * the types every reader of the record expects, or the create fails
	 * now rather than each start */
	_cleanup_record_ struct hull_container_record check;
	if ((r = hull_container_record_parse(record, "the new record", &check, err)) < 0)
		return hull_error_wrap(err, r, "image `%s`", o->image);
	return 0;
}
