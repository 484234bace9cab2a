/* spec_linux.c - config-linux.md parts of a container's spec: resources,
 * devices, sysctls, rlimits and the seccomp profile choice. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>

#include "hull/cleanup.h"
#include "hull/engine_spec.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "engine_internal.h"
#include "spec_internal.h"

bool hull_spec_no_new_privileges(const struct hull_record_host_config *hc)
{
	bool nnp = false;
	for (char **o = hc->security_opt; o && *o; o++) {
		const char *s = *o;
		if (strncmp(s, "no-new-privileges", 17))
			continue;
		nnp = !s[17] || !strcmp(s + 18, "true");
	}
	return nnp;
}

json_t *hull_spec_rlimits(char **ulimits, struct hull_error **err)
{
	static const char *const names[] = { "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice",
					     "nofile", "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
					     "as" };
	json_t *out = json_array();
	for (char **u = ulimits; u && *u; u++) {
		const char *s = *u;
		const char *eq = strchr(s, '=');
		bool known = false;
		for (size_t k = 0; eq && k < HULL_ARRAY_SIZE(names); k++)
			known |= strlen(names[k]) == (size_t)(eq - s) && !strncmp(names[k], s, (size_t)(eq - s));
		char *end;
		long long soft = eq ? strtoll(eq + 1, &end, 10) : 0, hard = soft;
		if (known && *end == ':')
			hard = strtoll(end + 1, &end, 10);
		if (!known || *end || soft < -1 || hard < -1 || (hard != -1 && (soft == -1 || soft > hard))) {
			json_decref(out);
			hull_error_msg(err, EINVAL, "--ulimit `%s`: expected NAME=SOFT[:HARD] with SOFT <= HARD and a "
						    "NAME such as nofile, nproc, core, memlock, stack",
				       s ? s : "");
			return NULL;
		}
		_cleanup_free_ char *type = hull_strdup_printf("RLIMIT_%.*s", (int)(eq - s), s);
		for (char *p = type; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		/* -1 is unlimited: the largest uint64 (RLIM_INFINITY) */
		json_array_append_new(out, json_pack("{s:s,s:I,s:I}", "type", type, "soft",
						     (json_int_t)(soft == -1 ? -1 : soft), "hard",
						     (json_int_t)(hard == -1 ? -1 : hard)));
	}
	return out;
}

static json_t *dev_rule(bool allow, const char *type, long long major, long long minor, const char *access)
{
	json_t *r = json_pack("{s:b,s:s}", "allow", allow, "access", access);
	if (type)
		json_object_set_new(r, "type", json_string(type));
	if (major >= 0)
		json_object_set_new(r, "major", json_integer(major));
	if (minor >= 0)
		json_object_set_new(r, "minor", json_integer(minor));
	return r;
}

json_t *hull_spec_resources(const struct hull_record_host_config *hc, bool privileged)
{
	json_t *res = json_object();
	long long mem = hc->memory;
	long long swap = hc->memory_swap;
	if (mem > 0) {
		/* docker: --memory without --memory-swap allows as much swap again */
		long long total = swap == 0 ? 2 * mem : swap;
		json_object_set_new(res, "memory", json_pack("{s:I,s:I}", "limit", (json_int_t)mem, "swap",
							     (json_int_t)total));
	}
	long long nano = hc->nano_cpus;
	long long shares = hc->cpu_shares;
	if (nano > 0 || shares > 0) {
		json_t *cpu = json_object();
		if (nano > 0) {
			json_object_set_new(cpu, "period", json_integer(100000));
			json_object_set_new(cpu, "quota", json_integer(nano * 100000 / 1000000000LL));
		}
		if (shares > 0)
			json_object_set_new(cpu, "shares", json_integer(shares));
		json_object_set_new(res, "cpu", cpu);
	}
	if (hc->pids_limit != 0)
		json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)hc->pids_limit));
	json_t *devs = json_array();
	if (privileged) {
		json_array_append_new(devs, dev_rule(true, NULL, -1, -1, "rwm"));
	} else {
		/* deny all, then runc's default allow list, as docker does */
		json_array_append_new(devs, dev_rule(false, NULL, -1, -1, "rwm"));
		json_array_append_new(devs, dev_rule(true, "c", -1, -1, "m"));
		json_array_append_new(devs, dev_rule(true, "b", -1, -1, "m"));
		static const int std[][2] = { { 1, 3 }, { 1, 8 }, { 1, 7 }, { 5, 0 }, { 1, 5 },
					      { 1, 9 }, { 5, 1 }, { 5, 2 }, { 10, 200 } };
		for (size_t i = 0; i < HULL_ARRAY_SIZE(std); i++)
			json_array_append_new(devs, dev_rule(true, "c", std[i][0], std[i][1], "rwm"));
		json_array_append_new(devs, dev_rule(true, "c", 136, -1, "rwm"));
	}
	json_object_set_new(res, "devices", devs);
	return res;
}

static json_t *device_entry(const char *path, const struct stat *st, const char *in_container)
{
	return json_pack("{s:s,s:s,s:I,s:I,s:i,s:i,s:i}", "path", in_container ? in_container : path, "type",
			 S_ISBLK(st->st_mode) ? "b" : "c", "major", (json_int_t)major(st->st_rdev), "minor",
			 (json_int_t)minor(st->st_rdev), "fileMode", (int)(st->st_mode & 0777), "uid", (int)st->st_uid,
			 "gid", (int)st->st_gid);
}

/* --privileged gets the host's devices, as docker gives them: /dev and
 * one level below (/dev/net/tun, /dev/dri/...), not the pty slaves. */
static void add_host_devices(json_t *out, const char *dir, int level)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "pts") || !strcmp(de->d_name, "shm") ||
		    !strcmp(de->d_name, "mqueue") || !strcmp(de->d_name, "console"))
			continue;
		_cleanup_free_ char *p = hull_path_join(dir, de->d_name);
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && level == 0)
			add_host_devices(out, p, 1);
		else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
			json_array_append_new(out, device_entry(p, &st, NULL));
	}
}

json_t *hull_spec_devices(const struct hull_record_host_config *hc, bool privileged, json_t *resources, struct hull_error **err)
{
	json_t *out = json_array();
	json_t *rules = json_object_get(resources, "devices");
	if (privileged)
		add_host_devices(out, "/dev", 0);
	for (char **d = hc->devices; d && *d; d++) {
		_cleanup_free_ char *spec = hull_xstrdup(*d);
		char *host = spec, *ctr = NULL, *perms = "rwm";
		char *c = strchr(spec, ':');
		if (c) {
			*c = '\0';
			ctr = c + 1;
			if ((c = strchr(ctr, ':'))) {
				*c = '\0';
				perms = c + 1;
			} else if (strspn(ctr, "rwm") == strlen(ctr) && ctr[0] != '/') {
				perms = ctr;
				ctr = NULL;
			}
		}
		struct stat st;
		if (stat(host, &st) < 0) {
			json_decref(out);
			hull_error_set(err, errno, "--device %s: `%s`", spec, host);
			return NULL;
		}
		if (!(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
			json_decref(out);
			hull_error_msg(err, EINVAL, "--device %s: `%s` is not a device on this host", spec, host);
			return NULL;
		}
		if (!*perms || strspn(perms, "rwm") != strlen(perms)) {
			json_decref(out);
			hull_error_msg(err, EINVAL, "--device %s: permissions must be letters of rwm", spec);
			return NULL;
		}
		json_array_append_new(out, device_entry(host, &st, ctr && *ctr ? ctr : NULL));
		json_array_append_new(rules, dev_rule(true, S_ISBLK(st.st_mode) ? "b" : "c", major(st.st_rdev),
						      minor(st.st_rdev), perms));
	}
	return out;
}

unsigned long long hull_spec_gid_map_top(void)
{
	_cleanup_free_ char *map = NULL;
	unsigned long long top = 0;
	if (hull_read_file("/proc/self/gid_map", &map, NULL, NULL) < 0)
		return 0;
	unsigned long inside, outside, count;
	for (char *line = map; line && sscanf(line, "%lu %lu %lu", &inside, &outside, &count) == 3;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (count && inside + count - 1 > top)
			top = inside + count - 1;
	return top;
}

/* Both ends of ping_group_range must be mapped in the writer's user
 * namespace: rootless, the gids the user's namespace maps (0..N-1). */
static json_t *ping_group_range(bool rootless)
{
	if (!rootless)
		return json_string("0 2147483647");
	_cleanup_free_ char *range = hull_strdup_printf("0 %llu", hull_spec_gid_map_top());
	return json_string(range);
}

/* Namespaced sysctls only (docker's rule): the rest would change the host. */
static bool sysctl_allowed(const char *k, bool host_net)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
					   "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(ipc); i++)
		if (!strcmp(k, ipc[i]))
			return true;
	if (!strncmp(k, "fs.mqueue.", 10))
		return true;
	return !host_net && !strncmp(k, "net.", 4);
}

json_t *hull_spec_sysctls(const struct hull_record_host_config *hc, const struct hull_spec_inputs *in,
			  struct hull_error **err)
{
	const char *net = hc->network_mode;
	bool host_net = net && !strcmp(net, "host") && !in->netns_path;
	json_t *out = json_object();
	if (!host_net) {
		/* docker >= 20.10: any user may bind low ports and ping in its
		 * own network namespace; nothing on the host is widened. */
		json_object_set_new(out, "net.ipv4.ip_unprivileged_port_start", json_string("0"));
		json_object_set_new(out, "net.ipv4.ping_group_range", ping_group_range(in->rootless));
	}
	for (char **sc = hc->sysctls; sc && *sc; sc++) {
		const char *s = *sc;
		const char *eq = strchr(s, '=');
		_cleanup_free_ char *k = eq ? strndup(s, (size_t)(eq - s)) : NULL;
		if (!k || !*k || !sysctl_allowed(k, host_net)) {
			json_decref(out);
			hull_error_msg(err, EINVAL, "--sysctl `%s`: not allowed: only namespaced sysctls (kernel.msg*, "
						    "kernel.sem, kernel.shm*, fs.mqueue.*, and net.* without "
						    "--network host) can be set for a container",
				       s ? s : "");
			return NULL;
		}
		json_object_set_new(out, k, json_string(eq + 1));
	}
	return out;
}

static bool host_kernel_at_least(const char *min)
{
	struct utsname u;
	int a = 0, b = 0, x = 0, y = 0;
	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &a, &b) < 1 || sscanf(min, "%d.%d", &x, &y) < 1)
		return true;
	return a > x || (a == x && b >= y);
}

static bool caps_contain_all(json_t *caps, json_t *want)
{
	size_t i, k;
	json_t *w, *c;
	json_array_foreach(want, i, w)
	{
		bool found = false;
		json_array_foreach(caps, k, c)
			found |= json_equal(c, w);
		if (!found)
			return false;
	}
	return true;
}

static bool caps_contain_any(json_t *caps, json_t *want)
{
	size_t i;
	json_t *w;
	json_array_foreach(want, i, w)
	{
		json_t *one = json_pack("[O]", w);
		bool hit = caps_contain_all(caps, one);
		json_decref(one);
		if (hit)
			return true;
	}
	return false;
}

static bool arch_listed(json_t *arches)
{
#if defined(__aarch64__)
	const char *me = "arm64";
#else
	const char *me = "amd64";
#endif
	size_t i;
	json_t *a;
	json_array_foreach(arches, i, a)
		if (json_is_string(a) && !strcmp(json_string_value(a), me))
			return true;
	return false;
}

/* docker's profile format -> runtime-spec's: archMap picks this machine's
 * architectures; includes/excludes (caps, arches, minKernel) are decided
 * here, as dockerd does before it hands the profile to runc. */
static json_t *from_docker_profile(json_t *p, json_t *caps)
{
	json_t *out = json_object();
	json_object_set(out, "defaultAction", json_object_get(p, "defaultAction"));
	if (json_object_get(p, "defaultErrnoRet"))
		json_object_set(out, "defaultErrnoRet", json_object_get(p, "defaultErrnoRet"));
	json_t *arches = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(p, "archMap"), i, m)
	{
		const char *a = json_string_value(json_object_get(m, "architecture"));
#if defined(__aarch64__)
		bool mine = a && !strcmp(a, "SCMP_ARCH_AARCH64");
#else
		bool mine = a && !strcmp(a, "SCMP_ARCH_X86_64");
#endif
		if (!mine)
			continue;
		json_array_append_new(arches, json_string(a));
		json_array_extend(arches, json_object_get(m, "subArchitectures"));
	}
	json_object_set_new(out, "architectures", arches);
	json_t *syscalls = json_array();
	json_array_foreach(json_object_get(p, "syscalls"), i, m)
	{
		json_t *inc = json_object_get(m, "includes"), *exc = json_object_get(m, "excludes");
		if (inc && json_object_get(inc, "caps") && !caps_contain_all(caps, json_object_get(inc, "caps")))
			continue;
		if (inc && json_object_get(inc, "arches") && !arch_listed(json_object_get(inc, "arches")))
			continue;
		const char *mk = json_string_value(json_object_get(inc, "minKernel"));
		if (mk && !host_kernel_at_least(mk))
			continue;
		if (exc && json_object_get(exc, "caps") && caps_contain_any(caps, json_object_get(exc, "caps")))
			continue;
		if (exc && json_object_get(exc, "arches") && arch_listed(json_object_get(exc, "arches")))
			continue;
		json_t *r = json_deep_copy(m);
		json_object_del(r, "includes");
		json_object_del(r, "excludes");
		json_object_del(r, "comment");
		if (json_object_get(r, "name") && !json_object_get(r, "names")) {
			json_object_set_new(r, "names", json_pack("[O]", json_object_get(r, "name")));
			json_object_del(r, "name");
		}
		json_array_append_new(syscalls, r);
	}
	json_object_set_new(out, "syscalls", syscalls);
	return out;
}

json_t *hull_spec_seccomp(const struct hull_record_host_config *hc, json_t *caps, bool privileged,
			  struct hull_error **err)
{
	const char *file = NULL;
	for (char **o = hc->security_opt; o && *o; o++)
		if (!strncmp(*o, "seccomp=", 8) || !strncmp(*o, "seccomp:", 8))
			file = *o + 8;
	if (file && !strcmp(file, "unconfined"))
		return NULL;
	if (!file)
		return privileged ? NULL : hull_engine_default_seccomp(caps);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (hull_read_file_max(file, ENGINE_FLAG_FILE_MAX, &text, &len, err) < 0)
		return NULL;
	_cleanup_json_ json_t *p = hull_json_load_str(text, len, file, err);
	if (!p)
		return NULL;
	if (!json_is_object(p) || !json_is_string(json_object_get(p, "defaultAction"))) {
		hull_error_msg(err, EINVAL, "%s: defaultAction: a seccomp profile needs a defaultAction string", file);
		return NULL;
	}
	if (json_object_get(p, "archMap") || json_object_get(p, "defaultErrnoRet") == NULL) {
		bool docker_form = json_object_get(p, "archMap") != NULL;
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(p, "syscalls"), i, v)
			docker_form |= json_object_get(v, "includes") || json_object_get(v, "excludes");
		if (docker_form)
			return from_docker_profile(p, caps);
	}
	return json_incref(p);
}
