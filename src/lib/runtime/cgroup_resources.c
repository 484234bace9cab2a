/* cgroup_resources.c - linux.resources mapped to cgroup v1 files
 * (OCI runtime-spec config-linux.md#control-groups; the kernel's
 * Documentation/admin-guide/cgroup-v1/). The v2 mapping is in
 * cgroup_resources_v2.c; both share the helpers at the top. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

void hull_cgroup_writes_clear(struct hull_cgroup_writes *ws)
{
	for (size_t i = 0; i < ws->n; i++) {
		free(ws->w[i].controller);
		free(ws->w[i].file);
		free(ws->w[i].value);
		free(ws->w[i].alt_file);
		free(ws->w[i].alt_value);
	}
	free(ws->w);
	ws->w = NULL;
	ws->n = 0;
}

void cg_add(struct hull_cgroup_writes *ws, const char *controller, const char *file, bool optional, const char *fmt,
	    ...)
{
	va_list ap;
	char *value = NULL;
	va_start(ap, fmt);
	if (vasprintf(&value, fmt, ap) < 0)
		abort();
	va_end(ap);
	ws->w = hull_xrealloc(ws->w, (ws->n + 1) * sizeof(*ws->w));
	ws->w[ws->n] = (struct hull_cgroup_write){
		.controller = hull_xstrdup(controller),
		.file = hull_xstrdup(file),
		.value = value,
		.optional = optional,
	};
	ws->n++;
}

int cg_int(json_t *obj, const char *key, const char *field, long long *out, bool *present, struct hull_error **err)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	*present = v && !json_is_null(v);
	if (!*present)
		return 0;
	return hull_json_get_int(obj, key, out, true, CG_WHERE, field, err);
}

int cg_section(json_t *resources, const char *key, json_t **out, struct hull_error **err)
{
	_cleanup_free_ char *field = hull_strdup_printf("linux.resources.%s", key);
	*out = NULL;
	return hull_json_get_object(resources, key, out, false, CG_WHERE, field, err);
}

/* Read field `key` of `obj` as an integer; when present, add the write. */
static int map_int(json_t *obj, const char *section, const char *key, struct hull_cgroup_writes *ws,
		   const char *controller, const char *file, struct hull_error **err)
{
	_cleanup_free_ char *field = hull_strdup_printf("linux.resources.%s.%s", section, key);
	long long v;
	bool present;
	int r = cg_int(obj, key, field, &v, &present, err);
	if (r < 0 || !present)
		return r;
	cg_add(ws, controller, file, false, "%lld", v);
	return 0;
}

char *cg_hugetlb_size(const char *page_size, const char *field, struct hull_error **err)
{
	/* the kernel names the files hugetlb.2MB.*, hugetlb.1GB.*, hugetlb.64KB.* */
	char *end = NULL;
	unsigned long n = strtoul(page_size, &end, 10);
	if (end == page_size || n == 0 || (strcmp(end, "KB") && strcmp(end, "MB") && strcmp(end, "GB"))) {
		hull_error_msg(err, EINVAL, "%s: %s: `%s` is not a page size like 2MB or 1GB", CG_WHERE, field,
			       page_size);
		return NULL;
	}
	return hull_strdup_printf("%lu%s", n, end);
}

int cg_device_rule_parse(json_t *rule, size_t i, struct cg_device_rule *out, struct hull_error **err)
{
	_cleanup_free_ char *field = hull_strdup_printf("linux.resources.devices[%zu]", i);
	const char *type = "a", *access = "rwm";
	bool has;
	*out = (struct cg_device_rule){ .type = 'a', .major = -1, .minor = -1 };
	if (!json_is_object(rule))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an object", CG_WHERE, field);
	int r = hull_json_get_bool(rule, "allow", &out->allow, true, CG_WHERE, field, err);
	if (r == 0)
		r = hull_json_get_string(rule, "type", &type, false, CG_WHERE, field, err);
	if (r == 0)
		r = hull_json_get_string(rule, "access", &access, false, CG_WHERE, field, err);
	if (r == 0)
		r = cg_int(rule, "major", field, &out->major, &has, err);
	if (r == 0)
		r = cg_int(rule, "minor", field, &out->minor, &has, err);
	if (r < 0)
		return r;
	if (strcmp(type, "a") && strcmp(type, "c") && strcmp(type, "b"))
		return hull_error_msg(err, EINVAL, "%s: %s.type: `%s` is not one of a, c, b", CG_WHERE, field, type);
	if (!*access || strspn(access, "rwm") != strlen(access)) {
		/* runc takes a deny rule whatever its letters (its own tests
		 * deny "rwa"); a deny can only narrow what is allowed, so one
		 * with other letters denies all of rwm. An allow must be exact. */
		if (out->allow || !*access)
			return hull_error_msg(err, EINVAL, "%s: %s.access: `%s` must be letters of rwm", CG_WHERE,
					      field, access);
		access = "rwm";
	}
	out->type = type[0];
	snprintf(out->access, sizeof(out->access), "%s%s%s", strchr(access, 'r') ? "r" : "",
		 strchr(access, 'w') ? "w" : "", strchr(access, 'm') ? "m" : "");
	return 0;
}

int cg_device_rules_v1(json_t *devices, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	size_t i;
	json_t *rule;
	if (!devices)
		return 0;
	if (!json_is_array(devices))
		return hull_error_msg(err, EINVAL, "%s: linux.resources.devices: must be an array", CG_WHERE);
	json_array_foreach(devices, i, rule)
	{
		struct cg_device_rule d;
		char maj[24] = "*", min[24] = "*";
		int r = cg_device_rule_parse(rule, i, &d, err);
		if (r < 0)
			return r;
		if (d.major >= 0)
			snprintf(maj, sizeof(maj), "%lld", d.major);
		if (d.minor >= 0)
			snprintf(min, sizeof(min), "%lld", d.minor);
		cg_add(ws, "devices", d.allow ? "devices.allow" : "devices.deny", false, "%c %s:%s %s", d.type, maj,
		       min, d.access);
	}
	return 0;
}

/* memory.memsw must stay >= memory.limit at every step: lift memsw to
 * unlimited, set the limit, then the real memsw (runc orders by the current
 * values; this order needs none). */
static int map_memory_v1(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *mem;
	long long limit = 0, swap = 0, v;
	bool has_limit, has_swap, has, b = false;
	int r = cg_section(res, "memory", &mem, err);
	if (r < 0 || !mem)
		return r;
	if ((r = cg_int(mem, "limit", "linux.resources.memory.limit", &limit, &has_limit, err)) < 0 ||
	    (r = cg_int(mem, "swap", "linux.resources.memory.swap", &swap, &has_swap, err)) < 0)
		return r;
	if (has_swap && has_limit && swap != -1 && swap < limit && limit != -1)
		return hull_error_msg(err, EINVAL,
				      "%s: linux.resources.memory.swap: %lld is below memory.limit %lld (swap is "
				      "memory+swap and must be at least the limit)",
				      CG_WHERE, swap, limit);
	/* lifting the limit lifts memory+swap as well (runc update --memory -1) */
	if (has_swap || (has_limit && limit == -1))
		cg_add(ws, "memory", "memory.memsw.limit_in_bytes", !has_swap || swap == -1, "-1");
	if (has_limit)
		cg_add(ws, "memory", "memory.limit_in_bytes", false, "%lld", limit);
	if (has_swap && swap != -1)
		cg_add(ws, "memory", "memory.memsw.limit_in_bytes", false, "%lld", swap);
	if ((r = map_int(mem, "memory", "reservation", ws, "memory", "memory.soft_limit_in_bytes", err)) < 0)
		return r;
	/* kernel memory limits: only where the kernel still honours them */
	if ((r = cg_int(mem, "kernel", "linux.resources.memory.kernel", &v, &has, err)) < 0)
		return r;
	if (has)
		cg_add(ws, "memory", "memory.kmem.limit_in_bytes", true, "%lld", v);
	if ((r = cg_int(mem, "kernelTCP", "linux.resources.memory.kernelTCP", &v, &has, err)) < 0)
		return r;
	if (has)
		cg_add(ws, "memory", "memory.kmem.tcp.limit_in_bytes", true, "%lld", v);
	if ((r = cg_int(mem, "swappiness", "linux.resources.memory.swappiness", &v, &has, err)) < 0)
		return r;
	if (has && (v < 0 || v > 100))
		return hull_error_msg(err, EINVAL, "%s: linux.resources.memory.swappiness: %lld is not in 0..100",
				      CG_WHERE, v);
	if (has)
		cg_add(ws, "memory", "memory.swappiness", false, "%lld", v);
	if ((r = hull_json_get_bool(mem, "disableOOMKiller", &b, false, CG_WHERE,
				    "linux.resources.memory.disableOOMKiller", err)) < 0)
		return r;
	if (b)
		cg_add(ws, "memory", "memory.oom_control", false, "1");
	return 0;
}

static int map_cpu_v1(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *cpu;
	int r = cg_section(res, "cpu", &cpu, err);
	if (r < 0 || !cpu)
		return r;
	/* period before quota, rt period before rt runtime: the kernel checks
	 * each new value against the other one */
	if ((r = map_int(cpu, "cpu", "shares", ws, "cpu", "cpu.shares", err)) < 0 ||
	    (r = map_int(cpu, "cpu", "period", ws, "cpu", "cpu.cfs_period_us", err)) < 0 ||
	    (r = map_int(cpu, "cpu", "quota", ws, "cpu", "cpu.cfs_quota_us", err)) < 0 ||
	    (r = map_int(cpu, "cpu", "burst", ws, "cpu", "cpu.cfs_burst_us", err)) < 0 ||
	    (r = map_int(cpu, "cpu", "realtimePeriod", ws, "cpu", "cpu.rt_period_us", err)) < 0 ||
	    (r = map_int(cpu, "cpu", "realtimeRuntime", ws, "cpu", "cpu.rt_runtime_us", err)) < 0 ||
	    (r = map_int(cpu, "cpu", "idle", ws, "cpu", "cpu.idle", err)) < 0)
		return r;
	return cg_map_cpuset(cpu, ws, err);
}

int cg_map_cpuset(json_t *cpu, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	const char *s = NULL;
	int r;
	if ((r = hull_json_get_string(cpu, "cpus", &s, false, CG_WHERE, "linux.resources.cpu.cpus", err)) < 0)
		return r;
	if (s && *s)
		cg_add(ws, "cpuset", "cpuset.cpus", false, "%s", s);
	s = NULL;
	if ((r = hull_json_get_string(cpu, "mems", &s, false, CG_WHERE, "linux.resources.cpu.mems", err)) < 0)
		return r;
	if (s && *s)
		cg_add(ws, "cpuset", "cpuset.mems", false, "%s", s);
	return 0;
}

int cg_map_pids(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *pids;
	long long limit;
	bool has;
	int r = cg_section(res, "pids", &pids, err);
	if (r < 0 || !pids)
		return r;
	if ((r = cg_int(pids, "limit", "linux.resources.pids.limit", &limit, &has, err)) < 0)
		return r;
	if (!has)
		return 0;
	/* runtime-spec: 0 and -1 both mean no limit */
	if (limit > 0)
		cg_add(ws, "pids", "pids.max", false, "%lld", limit);
	else
		cg_add(ws, "pids", "pids.max", false, "max");
	return 0;
}

int cg_block_devices(json_t *bio, const char *key, const char *value_key, struct hull_cgroup_writes *ws,
		     const char *controller, const char *file, const char *alt_file, const char *io_key,
		     struct hull_error **err)
{
	json_t *list, *d;
	size_t i;
	_cleanup_free_ char *field = hull_strdup_printf("linux.resources.blockIO.%s", key);
	int r = hull_json_get_array(bio, key, &list, false, CG_WHERE, field, err);
	if (r < 0 || !list)
		return r;
	json_array_foreach(list, i, d)
	{
		_cleanup_free_ char *f = hull_strdup_printf("%s[%zu]", field, i);
		long long maj, min, v;
		bool has, has_maj, has_min;
		if ((r = cg_int(d, "major", f, &maj, &has_maj, err)) < 0 ||
		    (r = cg_int(d, "minor", f, &min, &has_min, err)) < 0)
			return r;
		if (!has_maj || !has_min)
			return hull_error_msg(err, EINVAL, "%s: %s: major and minor are required", CG_WHERE, f);
		if ((r = cg_int(d, value_key, f, &v, &has, err)) < 0)
			return r;
		/* a weight of 0 means unset (dockerd sends it so; runc skips
		 * it), a rate of 0 lifts the device's limit */
		if (!has || (v == 0 && strcmp(value_key, "rate")))
			continue;
		if (io_key)
			cg_add(ws, controller, file, false, "%lld:%lld %s=%lld", maj, min, io_key, v);
		else
			cg_add(ws, controller, file, false, "%lld:%lld %lld", maj, min, v);
		if (alt_file) {
			ws->w[ws->n - 1].alt_file = hull_xstrdup(alt_file);
			ws->w[ws->n - 1].alt_value = hull_xstrdup(ws->w[ws->n - 1].value);
		}
	}
	return 0;
}

static int map_blkio_v1(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *bio;
	long long v;
	bool has;
	int r = cg_section(res, "blockIO", &bio, err);
	if (r < 0 || !bio)
		return r;
	if ((r = cg_int(bio, "weight", "linux.resources.blockIO.weight", &v, &has, err)) < 0)
		return r;
	/* weights of 0 mean unset: dockerd sends blkio weight 0 when none
	 * was asked for, and runc writes nothing then */
	if (has && v != 0) {
		/* CFQ's blkio.weight is gone on kernels with BFQ: blkio.bfq.weight */
		cg_add(ws, "blkio", "blkio.weight", false, "%lld", v);
		ws->w[ws->n - 1].alt_file = hull_xstrdup("blkio.bfq.weight");
		ws->w[ws->n - 1].alt_value = hull_strdup_printf("%lld", v);
	}
	if ((r = cg_int(bio, "leafWeight", "linux.resources.blockIO.leafWeight", &v, &has, err)) < 0)
		return r;
	if (has && v != 0)
		cg_add(ws, "blkio", "blkio.leaf_weight", false, "%lld", v);
	if ((r = cg_block_devices(bio, "weightDevice", "weight", ws, "blkio", "blkio.weight_device",
				  "blkio.bfq.weight_device", NULL, err)) < 0 ||
	    (r = cg_block_devices(bio, "weightDevice", "leafWeight", ws, "blkio", "blkio.leaf_weight_device",
				  NULL, NULL, err)) < 0 ||
	    (r = cg_block_devices(bio, "throttleReadBpsDevice", "rate", ws, "blkio",
				  "blkio.throttle.read_bps_device", NULL, NULL, err)) < 0 ||
	    (r = cg_block_devices(bio, "throttleWriteBpsDevice", "rate", ws, "blkio",
				  "blkio.throttle.write_bps_device", NULL, NULL, err)) < 0 ||
	    (r = cg_block_devices(bio, "throttleReadIOPSDevice", "rate", ws, "blkio",
				  "blkio.throttle.read_iops_device", NULL, NULL, err)) < 0 ||
	    (r = cg_block_devices(bio, "throttleWriteIOPSDevice", "rate", ws, "blkio",
				  "blkio.throttle.write_iops_device", NULL, NULL, err)) < 0)
		return r;
	return 0;
}

/* hugepageLimits: [{pageSize, limit}] -> hugetlb.<size>.<suffix>. */
int cg_map_hugetlb(json_t *res, const char *suffix, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *list, *h;
	size_t i;
	int r = hull_json_get_array(res, "hugepageLimits", &list, false, CG_WHERE, "linux.resources.hugepageLimits",
				    err);
	if (r < 0 || !list)
		return r;
	json_array_foreach(list, i, h)
	{
		_cleanup_free_ char *f = hull_strdup_printf("linux.resources.hugepageLimits[%zu]", i);
		const char *page = NULL;
		long long limit;
		bool has;
		if ((r = hull_json_get_string(h, "pageSize", &page, true, CG_WHERE, f, err)) < 0 ||
		    (r = cg_int(h, "limit", f, &limit, &has, err)) < 0)
			return r;
		_cleanup_free_ char *size = cg_hugetlb_size(page, f, err);
		if (!size)
			return -EINVAL;
		_cleanup_free_ char *file = hull_strdup_printf("hugetlb.%s.%s", size, suffix);
		if (has)
			cg_add(ws, "hugetlb", file, false, "%lld", limit);
	}
	return 0;
}

/* rdma: {"mlx5_1": {"hcaHandles": 3, "hcaObjects": 10000}} -> rdma.max. */
int cg_map_rdma(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *rdma, *dev;
	const char *name;
	int r = cg_section(res, "rdma", &rdma, err);
	if (r < 0 || !rdma)
		return r;
	json_object_foreach(rdma, name, dev)
	{
		_cleanup_free_ char *f = hull_strdup_printf("linux.resources.rdma.%s", name);
		long long handles, objects;
		bool has_h, has_o;
		if ((r = cg_int(dev, "hcaHandles", f, &handles, &has_h, err)) < 0 ||
		    (r = cg_int(dev, "hcaObjects", f, &objects, &has_o, err)) < 0)
			return r;
		char h[40] = "", o[40] = "";
		if (has_h)
			snprintf(h, sizeof(h), " hca_handle=%lld", handles);
		if (has_o)
			snprintf(o, sizeof(o), " hca_object=%lld", objects);
		if (has_h || has_o)
			cg_add(ws, "rdma", "rdma.max", false, "%s%s%s", name, h, o);
	}
	return 0;
}

static int map_network_v1(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *net, *prios, *p;
	size_t i;
	int r = cg_section(res, "network", &net, err);
	if (r < 0 || !net)
		return r;
	if ((r = map_int(net, "network", "classID", ws, "net_cls", "net_cls.classid", err)) < 0)
		return r;
	if ((r = hull_json_get_array(net, "priorities", &prios, false, CG_WHERE,
				     "linux.resources.network.priorities", err)) < 0 ||
	    !prios)
		return r;
	json_array_foreach(prios, i, p)
	{
		_cleanup_free_ char *f = hull_strdup_printf("linux.resources.network.priorities[%zu]", i);
		const char *name = NULL;
		long long prio = 0;
		bool has;
		if ((r = hull_json_get_string(p, "name", &name, true, CG_WHERE, f, err)) < 0 ||
		    (r = cg_int(p, "priority", f, &prio, &has, err)) < 0)
			return r;
		cg_add(ws, "net_prio", "net_prio.ifpriomap", false, "%s %lld", name, prio);
	}
	return 0;
}

int hull_cgroup_map_v1(json_t *res, struct hull_cgroup_writes *out, struct hull_error **err)
{
	json_t *devices = NULL, *unified = NULL;
	int r;
	if (!res)
		return 0;
	if (!json_is_object(res))
		return hull_error_msg(err, EINVAL, "%s: linux.resources: must be an object", CG_WHERE);
	if ((r = hull_json_get_array(res, "devices", &devices, false, CG_WHERE, "linux.resources.devices", err)) <
		    0 ||
	    (r = cg_device_rules_v1(devices, out, err)) < 0 || (r = map_memory_v1(res, out, err)) < 0 ||
	    (r = map_cpu_v1(res, out, err)) < 0 || (r = cg_map_pids(res, out, err)) < 0 ||
	    (r = map_blkio_v1(res, out, err)) < 0 || (r = cg_map_hugetlb(res, "limit_in_bytes", out, err)) < 0 ||
	    (r = map_network_v1(res, out, err)) < 0 || (r = cg_map_rdma(res, out, err)) < 0)
		goto fail;
	if ((r = hull_json_get_object(res, "unified", &unified, false, CG_WHERE, "linux.resources.unified", err)) <
	    0)
		goto fail;
	if (unified && json_object_size(unified) > 0) {
		r = hull_error_msg(err, EINVAL,
				   "%s: linux.resources.unified: invalid configuration: it needs cgroup v2, and this "
				   "host's controllers are v1",
				   CG_WHERE);
		goto fail;
	}
	return 0;
fail:
	hull_cgroup_writes_clear(out);
	return r;
}
