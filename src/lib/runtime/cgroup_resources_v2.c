/* cgroup_resources_v2.c - linux.resources mapped to cgroup v2 files
 * (OCI runtime-spec config-linux.md#control-groups and
 * config-linux.md#unified; the kernel's Documentation/admin-guide/cgroup-v2.rst).
 * v1 values are converted the way runc and crun convert them, so one
 * config.json behaves alike on both. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

/* cpu.shares (2..262144) -> cpu.weight (1..10000). */
static long long shares_to_weight(long long shares)
{
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* blkio.weight (10..1000) -> io.weight (1..10000). */
static long long blkio_to_io_weight(long long weight)
{
	if (weight < 10)
		weight = 10;
	return 1 + ((weight - 10) * 9999) / 990;
}

static int map_memory_v2(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *mem;
	long long limit = 0, swap = 0, reservation;
	bool has_limit, has_swap, has;
	int r = cg_section(res, "memory", &mem, err);
	if (r < 0 || !mem)
		return r;
	if ((r = cg_int(mem, "limit", "linux.resources.memory.limit", &limit, &has_limit, err)) < 0 ||
	    (r = cg_int(mem, "swap", "linux.resources.memory.swap", &swap, &has_swap, err)) < 0 ||
	    (r = cg_int(mem, "reservation", "linux.resources.memory.reservation", &reservation, &has, err)) < 0)
		return r;
	if (has_limit && limit == -1)
		cg_add(ws, "memory", "memory.max", false, "max");
	else if (has_limit)
		cg_add(ws, "memory", "memory.max", false, "%lld", limit);
	if (has && reservation == -1)
		cg_add(ws, "memory", "memory.low", false, "max");
	else if (has)
		cg_add(ws, "memory", "memory.low", false, "%lld", reservation);
	/* runtime-spec swap is memory+swap; memory.swap.max is swap alone */
	if (has_swap && swap != 0) {
		if (swap == -1 || (has_limit && limit == -1))
			cg_add(ws, "memory", "memory.swap.max", false, "max");
		else if (!has_limit || limit == 0)
			return hull_error_msg(err, EINVAL,
					      "%s: linux.resources.memory.swap: needs memory.limit on cgroup v2 "
					      "(swap is memory+swap)",
					      CG_WHERE);
		else if (swap < limit)
			return hull_error_msg(err, EINVAL,
					      "%s: linux.resources.memory.swap: %lld is below memory.limit %lld", CG_WHERE,
					      swap, limit);
		else
			cg_add(ws, "memory", "memory.swap.max", false, "%lld", swap - limit);
	}
	/* kernel, kernelTCP, swappiness, disableOOMKiller: v2 has no such knobs
	 * (runc ignores them as well) */
	return 0;
}

static int map_cpu_v2(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *cpu;
	long long shares, quota = -1, period = 100000, v;
	bool has_shares, has_quota, has_period, has;
	int r = cg_section(res, "cpu", &cpu, err);
	if (r < 0 || !cpu)
		return r;
	if ((r = cg_int(cpu, "shares", "linux.resources.cpu.shares", &shares, &has_shares, err)) < 0 ||
	    (r = cg_int(cpu, "quota", "linux.resources.cpu.quota", &quota, &has_quota, err)) < 0 ||
	    (r = cg_int(cpu, "period", "linux.resources.cpu.period", &period, &has_period, err)) < 0)
		return r;
	if (has_shares && shares != 0)
		cg_add(ws, "cpu", "cpu.weight", false, "%lld", shares_to_weight(shares));
	if (has_quota || has_period) {
		if (!has_period || period == 0)
			period = 100000;
		if (has_quota && quota > 0)
			cg_add(ws, "cpu", "cpu.max", false, "%lld %lld", quota, period);
		else
			cg_add(ws, "cpu", "cpu.max", false, "max %lld", period);
	}
	if ((r = cg_int(cpu, "burst", "linux.resources.cpu.burst", &v, &has, err)) < 0)
		return r;
	if (has)
		cg_add(ws, "cpu", "cpu.max.burst", false, "%lld", v);
	if ((r = cg_int(cpu, "idle", "linux.resources.cpu.idle", &v, &has, err)) < 0)
		return r;
	if (has)
		cg_add(ws, "cpu", "cpu.idle", false, "%lld", v);
	if ((r = cg_int(cpu, "realtimeRuntime", "linux.resources.cpu.realtimeRuntime", &v, &has, err)) < 0)
		return r;
	if (has && v != 0)
		return hull_error_msg(err, EINVAL,
				      "%s: linux.resources.cpu.realtimeRuntime: cgroup v2 has no realtime "
				      "scheduling limits; remove it",
				      CG_WHERE);
	return cg_map_cpuset(cpu, ws, err);
}

/* io weights: BFQ's io.bfq.weight takes blkio's 1..1000 scale directly;
 * without BFQ, io.weight takes the converted value. */
static int map_io_weights(json_t *bio, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *list, *d;
	long long v;
	bool has;
	size_t i;
	int r = cg_int(bio, "weight", "linux.resources.blockIO.weight", &v, &has, err);
	if (r < 0)
		return r;
	if (has && v != 0) {
		cg_add(ws, "io", "io.bfq.weight", false, "%lld", v);
		ws->w[ws->n - 1].alt_file = hull_xstrdup("io.weight");
		ws->w[ws->n - 1].alt_value = hull_strdup_printf("default %lld", blkio_to_io_weight(v));
	}
	if ((r = hull_json_get_array(bio, "weightDevice", &list, false, CG_WHERE,
				     "linux.resources.blockIO.weightDevice", err)) < 0 ||
	    !list)
		return r;
	json_array_foreach(list, i, d)
	{
		_cleanup_free_ char *f = hull_strdup_printf("linux.resources.blockIO.weightDevice[%zu]", i);
		long long maj, min;
		bool has_maj, has_min;
		if ((r = cg_int(d, "major", f, &maj, &has_maj, err)) < 0 ||
		    (r = cg_int(d, "minor", f, &min, &has_min, err)) < 0 || (r = cg_int(d, "weight", f, &v, &has, err)) < 0)
			return r;
		if (!has_maj || !has_min)
			return hull_error_msg(err, EINVAL, "%s: %s: major and minor are required", CG_WHERE, f);
		if (!has || v == 0) /* 0: unset, as for blockIO.weight */
			continue;
		cg_add(ws, "io", "io.bfq.weight", false, "%lld:%lld %lld", maj, min, v);
		ws->w[ws->n - 1].alt_file = hull_xstrdup("io.weight");
		ws->w[ws->n - 1].alt_value = hull_strdup_printf("%lld:%lld %lld", maj, min, blkio_to_io_weight(v));
	}
	return 0;
}

static int map_io_v2(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *bio;
	int r = cg_section(res, "blockIO", &bio, err);
	if (r < 0 || !bio)
		return r;
	if ((r = map_io_weights(bio, ws, err)) < 0 ||
	    (r = cg_block_devices(bio, "throttleReadBpsDevice", "rate", ws, "io", "io.max", NULL, "rbps", err)) < 0 ||
	    (r = cg_block_devices(bio, "throttleWriteBpsDevice", "rate", ws, "io", "io.max", NULL, "wbps", err)) < 0 ||
	    (r = cg_block_devices(bio, "throttleReadIOPSDevice", "rate", ws, "io", "io.max", NULL, "riops", err)) <
		    0 ||
	    (r = cg_block_devices(bio, "throttleWriteIOPSDevice", "rate", ws, "io", "io.max", NULL, "wiops", err)) < 0)
		return r;
	return 0;
}

/* linux.resources.unified: file name -> value, written as given
 * (config-linux.md#unified). The controller is the part before the dot. */
static int map_unified(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err)
{
	json_t *unified, *v;
	const char *key;
	int r = hull_json_get_object(res, "unified", &unified, false, CG_WHERE, "linux.resources.unified", err);
	if (r < 0 || !unified)
		return r;
	json_object_foreach(unified, key, v)
	{
		const char *dot = strchr(key, '.');
		if (!dot || dot == key || strchr(key, '/') || !strcmp(key, "..") || !json_is_string(v))
			return hull_error_msg(err, EINVAL,
					      "%s: linux.resources.unified.%s: must map a cgroup file name like "
					      "memory.high to a string",
					      CG_WHERE, key);
		_cleanup_free_ char *controller = strndup(key, (size_t)(dot - key));
		cg_add(ws, strcmp(controller, "cgroup") ? controller : "", key, false, "%s", json_string_value(v));
	}
	return 0;
}

int hull_cgroup_map_v2(json_t *res, struct hull_cgroup_writes *out, struct hull_error **err)
{
	int r;
	if (!res)
		return 0;
	if (!json_is_object(res))
		return hull_error_msg(err, EINVAL, "%s: linux.resources: must be an object", CG_WHERE);
	if ((r = map_memory_v2(res, out, err)) < 0 || (r = map_cpu_v2(res, out, err)) < 0 ||
	    (r = cg_map_pids(res, out, err)) < 0 || (r = map_io_v2(res, out, err)) < 0 ||
	    (r = cg_map_hugetlb(res, "max", out, err)) < 0 || (r = cg_map_rdma(res, out, err)) < 0 ||
	    (r = map_unified(res, out, err)) < 0) {
		hull_cgroup_writes_clear(out);
		return r;
	}
	return 0;
}
