/* spec.c - a container's OCI runtime-spec config.json from its record,
 * with docker's secure defaults (moby's oci/defaults.go is the model):
 *  - the 14-capability default set, our default seccomp profile;
 *  - /proc and /sys paths masked or read-only (config-linux.md#masked-paths,
 *    #readonly-paths) so a container cannot read kcore or write sysrq;
 *  - the device cgroup allowing only the standard devices;
 *  - --privileged lifts all of that, and says so (record.c, inspect).
 * Reference: OCI runtime-spec 1.1 config.md, config-linux.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/engine_spec.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "engine_internal.h"
#include "spec_internal.h"

static const char *const masked_paths[] = {
	"/proc/asound",        "/proc/acpi",       "/proc/interrupts", "/proc/kcore",
	"/proc/keys",          "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
	"/proc/sched_debug",   "/proc/scsi",       "/sys/firmware",    "/sys/devices/virtual/powercap",
	NULL,
};

static const char *const readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

static json_t *strv_array(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *mount(const char *dst, const char *type, const char *src, const char *opts)
{
	json_t *options = json_array();
	_cleanup_free_ char *copy = hull_xstrdup(opts);
	for (char *save = NULL, *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
		json_array_append_new(options, json_string(o));
	return json_pack("{s:s,s:s,s:s,s:o}", "destination", dst, "type", type, "source", src, "options", options);
}

static void add_default_mounts(json_t *mounts, const struct hull_container_record *r, const struct hull_spec_inputs *in,
			       bool privileged)
{
	const struct hull_record_host_config *hc = &r->host_config;
	long long shm = hc->shm_size;
	_cleanup_free_ char *shm_opts = hull_strdup_printf("nosuid,noexec,nodev,mode=1777,size=%lld", shm ? shm : 64LL << 20);
	/* rootless, the host's pid and ipc namespaces belong to the initial
	 * user namespace: no proc or mqueue of them can be mounted from ours,
	 * the host's are bound instead (podman does the same) */
	const char *pid = hc->pid_mode;
	const char *ipc = hc->ipc_mode;
	bool bind_proc = in->rootless && pid && !strcmp(pid, "host");
	bool bind_mqueue = in->rootless && ipc && !strcmp(ipc, "host");
	json_array_append_new(mounts, bind_proc ? mount("/proc", "bind", "/proc", "rbind,nosuid,noexec,nodev")
						: mount("/proc", "proc", "proc", "nosuid,noexec,nodev"));
	json_array_append_new(mounts, mount("/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k"));
	/* gid 5 (tty) is unmapped in a rootless namespace of one id: devpts
	 * refuses the option then (runc's rootless spec drops it too) */
	bool tty_gid = !in->rootless || hull_spec_gid_map_top() >= 5;
	json_array_append_new(mounts, mount("/dev/pts", "devpts", "devpts",
					    tty_gid ? "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5"
						    : "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620"));
	json_array_append_new(mounts, mount("/sys", "sysfs", "sysfs", privileged ? "nosuid,noexec,nodev,rw"
										      : "nosuid,noexec,nodev,ro"));
	json_array_append_new(mounts, mount("/sys/fs/cgroup", "cgroup", "cgroup",
					    privileged ? "nosuid,noexec,nodev,relatime,rw"
						       : "nosuid,noexec,nodev,relatime,ro"));
	if (!bind_mqueue)
		json_array_append_new(mounts, mount("/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev"));
	else if (access("/dev/mqueue", F_OK) == 0) /* a host may have none to share */
		json_array_append_new(mounts, mount("/dev/mqueue", "bind", "/dev/mqueue", "rbind,nosuid,noexec,nodev"));
	/* docker's --ipc none: an IPC namespace of its own and no /dev/shm */
	if (in->shm_source)
		json_array_append_new(mounts, mount("/dev/shm", "bind", in->shm_source, "rbind,nosuid,noexec,nodev"));
	else if (!ipc || strcmp(ipc, "none"))
		json_array_append_new(mounts, mount("/dev/shm", "tmpfs", "shm", shm_opts));
	static const char *const etc_files[][2] = { { "resolv.conf", "/etc/resolv.conf" },
						    { "hostname", "/etc/hostname" },
						    { "hosts", "/etc/hosts" } };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(etc_files); i++) {
		_cleanup_free_ char *src = hull_path_join(in->etc_dir ? in->etc_dir : in->dir, etc_files[i][0]);
		if (i == 2 && in->hosts_source && !in->etc_dir) {
			free(src);
			src = hull_xstrdup(in->hosts_source);
		}
		json_array_append_new(mounts, mount(etc_files[i][1], "bind", src, "rbind,rprivate"));
	}
}

static size_t depth(const char *p)
{
	size_t d = 0;
	for (; *p; p++)
		d += *p == '/';
	return d;
}

static int by_depth(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "destination"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "destination"));
	size_t dx = depth(x), dy = depth(y);
	return dx < dy ? -1 : dx > dy;
}

/* The record's Mounts (volumes, binds) and HostConfig.Tmpfs, parents
 * before children as docker sorts them, after the defaults. A user mount
 * on /dev/shm or /etc/hosts replaces the default one. */
static void add_user_mounts(json_t *mounts, const struct hull_container_record *r)
{
	json_t *list = json_array();
	size_t i;
	json_t *m;
	json_array_foreach(r->mounts, i, m)
	{
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *src = json_string_value(json_object_get(m, "Source"));
		const char *dst = json_string_value(json_object_get(m, "Destination"));
		const char *prop = json_string_value(json_object_get(m, "Propagation"));
		bool rw = json_is_true(json_object_get(m, "RW"));
		if (!type || !dst)
			continue;
		if (!strcmp(type, "tmpfs")) {
			const char *o = json_string_value(json_object_get(m, "HullOptions"));
			_cleanup_free_ char *opts = hull_strdup_printf("nosuid,nodev%s%s%s", rw ? "" : ",ro",
								       o && *o ? "," : "", o ? o : "");
			json_array_append_new(list, mount(dst, "tmpfs", "tmpfs", opts));
			continue;
		}
		_cleanup_free_ char *opts = hull_strdup_printf("rbind,%s,%s", prop && *prop ? prop : "rprivate",
							       rw ? "rw" : "ro");
		json_array_append_new(list, mount(dst, "bind", src ? src : "", opts));
	}
	const struct hull_record_strmap *tmpfs = &r->host_config.tmpfs;
	for (i = 0; i < tmpfs->n; i++) {
		const char *o = tmpfs->values[i];
		_cleanup_free_ char *opts = hull_strdup_printf("nosuid,nodev,noexec%s%s", *o ? "," : "", o);
		json_array_append_new(list, mount(tmpfs->keys[i], "tmpfs", "tmpfs", opts));
	}
	size_t n = json_array_size(list);
	json_t **sorted = hull_xcalloc(n, sizeof(json_t *));
	for (i = 0; i < n; i++)
		sorted[i] = json_array_get(list, i);
	qsort(sorted, n, sizeof(json_t *), by_depth);
	for (i = 0; i < n; i++) {
		const char *dst = json_string_value(json_object_get(sorted[i], "destination"));
		for (size_t k = json_array_size(mounts); k-- > 0;)
			if (!strcmp(json_string_value(json_object_get(json_array_get(mounts, k), "destination")), dst))
				json_array_remove(mounts, k);
		json_array_append(mounts, sorted[i]);
	}
	free(sorted);
	json_decref(list);
}

static json_t *build_env(const struct hull_record_config *config, bool tty)
{
	json_t *env = json_array();
	bool has_path = false, has_term = false;
	for (char **e = config->env; e && *e; e++) {
		has_path |= !strncmp(*e, "PATH=", 5);
		has_term |= !strncmp(*e, "TERM=", 5);
	}
	/* docker's order: PATH (when the image has none), HOSTNAME, TERM, then
	 * the image's and the user's variables. */
	if (!has_path)
		json_array_append_new(env, json_string("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
	const char *hostname = config->hostname;
	_cleanup_free_ char *h = hull_strdup_printf("HOSTNAME=%s", hostname ? hostname : "");
	json_array_append_new(env, json_string(h));
	if (tty && !has_term)
		json_array_append_new(env, json_string("TERM=xterm"));
	for (char **e = config->env; e && *e; e++)
		json_array_append_new(env, json_string(*e));
	return env;
}

static json_t *build_process(const struct hull_container_record *r, const struct hull_spec_inputs *in, json_t *caps,
			     struct hull_error **err)
{
	const struct hull_record_config *config = &r->config;
	const struct hull_record_host_config *hc = &r->host_config;
	bool tty = config->tty;
	json_t *args = json_array();
	if (r->path)
		json_array_append_new(args, json_string(r->path));
	for (char **a = r->args; a && *a; a++)
		json_array_append_new(args, json_string(*a));
	const char *wd = config->working_dir;
	json_t *user = json_pack("{s:i,s:i}", "uid", (json_int_t)in->uid, "gid", (json_int_t)in->gid);
	if (in->n_gids) {
		json_t *g = json_array();
		for (size_t i = 0; i < in->n_gids; i++)
			json_array_append_new(g, json_integer(in->gids[i]));
		json_object_set_new(user, "additionalGids", g);
	}
	json_t *p = json_pack("{s:b,s:o,s:o,s:s,s:o,s:b}", "terminal", tty, "user", user, "args", args, "cwd",
			      wd && *wd ? wd : "/", "env", build_env(config, tty), "noNewPrivileges",
			      hull_spec_no_new_privileges(hc));
	json_object_set_new(p, "capabilities",
			    json_pack("{s:O,s:O,s:O}", "bounding", caps, "effective", caps, "permitted", caps));
	json_object_set_new(p, "oomScoreAdj", json_integer(0));
	json_t *rlimits = hull_spec_rlimits(hc->ulimits, err);
	if (!rlimits) {
		json_decref(p);
		return NULL;
	}
	if (json_array_size(rlimits))
		json_object_set_new(p, "rlimits", rlimits);
	else
		json_decref(rlimits);
	return p;
}

static json_t *build_namespaces(const struct hull_record_host_config *hc, const struct hull_spec_inputs *in)
{
	json_t *ns = json_array();
	const char *pid = hc->pid_mode;
	const char *ipc = hc->ipc_mode;
	const char *uts = hc->uts_mode;
	const char *net = hc->network_mode;
	const struct {
		const char *type, *mode, *path;
	} own[] = { { "pid", pid, in->pid_path }, { "ipc", ipc, in->ipc_path }, { "uts", uts, in->uts_path } };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(own); i++)
		if (own[i].path)
			json_array_append_new(ns, json_pack("{s:s,s:s}", "type", own[i].type, "path", own[i].path));
		else if (!own[i].mode || strcmp(own[i].mode, "host"))
			json_array_append_new(ns, json_pack("{s:s}", "type", own[i].type));
	json_array_append_new(ns, json_pack("{s:s}", "type", "mount"));
	if (in->netns_path)
		json_array_append_new(ns, json_pack("{s:s,s:s}", "type", "network", "path", in->netns_path));
	else if (!net || strcmp(net, "host"))
		json_array_append_new(ns, json_pack("{s:s}", "type", "network"));
	if (in->userns)
		json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
	return ns;
}

static json_t *build_linux(const struct hull_container_record *r, const struct hull_spec_inputs *in, json_t *caps,
			   struct hull_error **err)
{
	const struct hull_record_host_config *hc = &r->host_config;
	bool privileged = hc->privileged;
	json_t *lx = json_object();
	json_object_set_new(lx, "namespaces", build_namespaces(hc, in));
	if (in->userns) {
		json_object_set_new(lx, "uidMappings", json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
								 (json_int_t)in->host_uid, "size", 1));
		json_object_set_new(lx, "gidMappings", json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
								 (json_int_t)in->host_gid, "size", 1));
	}
	const char *id = r->id;
	_cleanup_free_ char *cgpath = hull_strdup_printf("%s/%s", in->cgroup_parent ? in->cgroup_parent : "/hull", id);
	json_object_set_new(lx, "cgroupsPath", json_string(cgpath));
	json_t *resources = hull_spec_resources(hc, privileged);
	json_t *devices = hull_spec_devices(hc, privileged, resources, err);
	/* rootless: no cgroup of its own (cgroups v1, or v2 without a
	 * delegated subtree), so no limits (refused at create) and no device
	 * rules to enforce */
	if (in->rootless && !in->rootless_cgroup)
		json_decref(resources);
	else
		json_object_set_new(lx, "resources", resources);
	if (!devices) {
		json_decref(lx);
		return NULL;
	}
	json_object_set_new(lx, "devices", devices);
	json_t *sysctl = hull_spec_sysctls(hc, in, err);
	if (!sysctl) {
		json_decref(lx);
		return NULL;
	}
	json_object_set_new(lx, "sysctl", sysctl);
	if (!privileged) {
		json_object_set_new(lx, "maskedPaths", strv_array(masked_paths));
		json_object_set_new(lx, "readonlyPaths", strv_array(readonly_paths));
	}
	json_t *seccomp = hull_spec_seccomp(hc, caps, privileged, err);
	if (!seccomp && err && *err) {
		json_decref(lx);
		return NULL;
	}
	if (seccomp)
		json_object_set_new(lx, "seccomp", seccomp);
	return lx;
}

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

json_t *hull_engine_spec(json_t *record, const struct hull_spec_inputs *in, struct hull_error **err)
{
	_cleanup_record_ struct hull_container_record r;
	if (hull_container_record_parse(record, "container record", &r, err) < 0)
		return NULL;
	const struct hull_record_config *config = &r.config;
	const struct hull_record_host_config *hc = &r.host_config;
	if (!config->obj.here || !hc->obj.here) {
		hull_error_msg(err, EINVAL, "container record: Config and HostConfig must be objects");
		return NULL;
	}
	bool privileged = hc->privileged;
	_cleanup_json_ json_t *cap_add = strv_json(hc->cap_add);
	_cleanup_json_ json_t *cap_drop = strv_json(hc->cap_drop);
	_cleanup_json_ json_t *caps = hull_engine_capabilities(cap_add, cap_drop, privileged, err);
	if (!caps)
		return NULL;
	_cleanup_json_ json_t *spec = json_object();
	json_object_set_new(spec, "ociVersion", json_string("1.1.0"));
	json_t *process = build_process(&r, in, caps, err);
	if (!process)
		return NULL;
	json_object_set_new(spec, "process", process);
	json_object_set_new(spec, "root", json_pack("{s:s,s:b}", "path", in->rootfs, "readonly",
						    hc->readonly_rootfs));
	const char *hostname = config->hostname;
	const char *domain = config->domainname;
	const char *uts = hc->uts_mode;
	/* a joined UTS namespace keeps its owner's names */
	if ((!uts || strcmp(uts, "host")) && !in->uts_path) {
		json_object_set_new(spec, "hostname", json_string(hostname ? hostname : ""));
		if (domain && *domain)
			json_object_set_new(spec, "domainname", json_string(domain));
	}
	json_t *mounts = json_array();
	add_default_mounts(mounts, &r, in, privileged);
	add_user_mounts(mounts, &r);
	json_object_set_new(spec, "mounts", mounts);
	json_t *lx = build_linux(&r, in, caps, err);
	if (!lx)
		return NULL;
	json_object_set_new(spec, "linux", lx);
	json_object_set_new(spec, "annotations",
			    json_pack("{s:s}", "org.opencontainers.image.ref.name",
				      config->image ? config->image : ""));
	if (hc->init && engine_spec_add_init(spec, err) < 0)
		return NULL;
	return steal_ptr(spec);
}
