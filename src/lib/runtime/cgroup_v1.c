/* cgroup_v1.c - the cgroup v1 manager (also used on hybrid hosts, where it
 * joins the cgroup2 mount too). Kernel: Documentation/admin-guide/cgroup-v1/. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

/* A new v1 cpuset starts with empty cpus and mems, and the kernel refuses
 * tasks until both are set: copy them down from the nearest ancestor. */
static int fill_cpuset(const char *dir, int depth, struct hull_error **err)
{
	_cleanup_free_ char *cpus = NULL, *mems = NULL, *copy = hull_xstrdup(dir);
	if (hull_cgroup_read_in(dir, "cpuset.cpus", &cpus, NULL) < 0)
		return 0; /* not a cpuset cgroup (or the mount root) */
	if (*cpus || depth > 64)
		return 0;
	const char *parent = dirname(copy);
	int r = fill_cpuset(parent, depth + 1, err);
	if (r < 0)
		return r;
	free(cpus);
	cpus = NULL;
	if ((r = hull_cgroup_read_in(parent, "cpuset.cpus", &cpus, err)) < 0 ||
	    (r = hull_cgroup_read_in(parent, "cpuset.mems", &mems, err)) < 0 ||
	    (r = hull_cgroup_write_in(dir, "cpuset.cpus", cpus, err)) < 0 ||
	    (r = hull_cgroup_write_in(dir, "cpuset.mems", mems, err)) < 0)
		return r;
	return 0;
}

static int v1_create(struct hull_cgroup *cg, json_t *resources, struct hull_error **err)
{
	for (size_t i = 0; i < cg->n_dirs; i++) {
		const char *dir = cg->dirs[i].path;
		int r;
		/* cgroup2 on a hybrid host: enable what it offers (hugetlb here) */
		if (!*cg->dirs[i].controllers)
			r = cg_v2_make(dir, err);
		else
			r = hull_mkdir_p(dir, 0755, err);
		if (r < 0)
			return r;
		if (strstr(cg->dirs[i].controllers, "cpuset") && (r = fill_cpuset(dir, 0, err)) < 0)
			return r;
	}
	return 0;
}

static int v1_apply(struct hull_cgroup *cg, json_t *resources, struct hull_error **err)
{
	struct hull_cgroup_writes ws = { 0 };
	int r = hull_cgroup_map_v1(resources, &ws, err);
	if (r < 0)
		return r;
	r = cg_apply_writes(cg, &ws, err);
	hull_cgroup_writes_clear(&ws);
	return r;
}

static int v1_enter(struct hull_cgroup *cg, pid_t pid, struct hull_error **err)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_dirs; i++) {
		int r = hull_cgroup_write_in(cg->dirs[i].path, "cgroup.procs", buf, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v1_frozen(struct hull_cgroup *cg, bool *out, struct hull_error **err)
{
	const char *dir = cg_dir_for(cg, "freezer");
	_cleanup_free_ char *state = NULL;
	if (!dir)
		return hull_error_msg(err, ENOENT, "the freezer controller is not mounted on this host");
	int r = hull_cgroup_read_in(dir, "freezer.state", &state, err);
	if (r < 0)
		return r;
	*out = strcmp(state, "THAWED") != 0;
	return 0;
}

static int v1_freeze(struct hull_cgroup *cg, bool frozen, struct hull_error **err)
{
	const char *dir = cg_dir_for(cg, "freezer");
	const char *want = frozen ? "FROZEN" : "THAWED";
	if (!dir)
		return hull_error_msg(err, ENOENT, "the freezer controller is not mounted on this host");
	/* FREEZING can linger while a task is in an uninterruptible sleep:
	 * write again and poll, like runc (about 2 s in all) */
	for (int i = 0; i < 1000; i++) {
		_cleanup_free_ char *state = NULL;
		int r;
		if (i % 50 == 0 && (r = hull_cgroup_write_in(dir, "freezer.state", want, err)) < 0)
			return r;
		if ((r = hull_cgroup_read_in(dir, "freezer.state", &state, err)) < 0)
			return r;
		if (!strcmp(state, want))
			return 0;
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	if (frozen)
		hull_cgroup_write_in(dir, "freezer.state", "THAWED", NULL);
	return hull_error_msg(err, ETIMEDOUT, "`%s/freezer.state` did not become %s", dir, want);
}

static json_t *usage_entry(const char *dir, const char *prefix)
{
	char f[96];
	json_t *o = json_object();
	snprintf(f, sizeof(f), "%s.usage_in_bytes", prefix);
	json_object_set_new(o, "usage", json_integer(cg_read_ll(dir, f)));
	snprintf(f, sizeof(f), "%s.max_usage_in_bytes", prefix);
	json_object_set_new(o, "max", json_integer(cg_read_ll(dir, f)));
	snprintf(f, sizeof(f), "%s.limit_in_bytes", prefix);
	json_object_set_new(o, "limit", json_integer(cg_read_ll(dir, f)));
	snprintf(f, sizeof(f), "%s.failcnt", prefix);
	json_object_set_new(o, "failcnt", json_integer(cg_read_ll(dir, f)));
	return o;
}

static json_t *cpu_stats_v1(struct hull_cgroup *cg)
{
	const char *acct = cg_dir_for(cg, "cpuacct"), *cpu = cg_dir_for(cg, "cpu");
	json_t *usage = json_object(), *percpu = json_array();
	_cleanup_free_ char *list = NULL;
	json_object_set_new(usage, "total", json_integer(cg_read_ll(acct, "cpuacct.usage")));
	if (acct && hull_cgroup_read_in(acct, "cpuacct.usage_percpu", &list, NULL) == 0) {
		char *save = NULL;
		for (char *t = strtok_r(list, " ", &save); t; t = strtok_r(NULL, " ", &save))
			json_array_append_new(percpu, json_integer(strtoll(t, NULL, 10)));
	}
	json_object_set_new(usage, "percpu", percpu);
	/* cpuacct.stat counts USER_HZ ticks (100 per second); runc reports ns */
	_cleanup_json_ json_t *st = cg_read_keyed(acct, "cpuacct.stat");
	json_object_set_new(usage, "kernel", json_integer(json_integer_value(json_object_get(st, "system")) * 10000000));
	json_object_set_new(usage, "user", json_integer(json_integer_value(json_object_get(st, "user")) * 10000000));
	_cleanup_json_ json_t *cs = cg_read_keyed(cpu, "cpu.stat");
	json_t *thr = json_pack("{s:I,s:I,s:I}", "periods", json_integer_value(json_object_get(cs, "nr_periods")),
				"throttledPeriods", json_integer_value(json_object_get(cs, "nr_throttled")),
				"throttledTime", json_integer_value(json_object_get(cs, "throttled_time")));
	return json_pack("{s:o,s:o}", "usage", usage, "throttling", thr);
}

static int v1_stats(struct hull_cgroup *cg, json_t **out, struct hull_error **err)
{
	const char *mem = cg_dir_for(cg, "memory"), *pids = cg_dir_for(cg, "pids");
	json_t *memory = json_object();
	if (mem) {
		json_object_set_new(memory, "usage", usage_entry(mem, "memory"));
		json_object_set_new(memory, "swap", usage_entry(mem, "memory.memsw"));
		json_object_set_new(memory, "kernel", usage_entry(mem, "memory.kmem"));
		json_object_set_new(memory, "kernelTCP", usage_entry(mem, "memory.kmem.tcp"));
		json_object_set_new(memory, "raw", cg_read_keyed(mem, "memory.stat"));
	}
	long long limit = cg_read_ll(pids, "pids.max");
	*out = json_pack("{s:o,s:o,s:{s:I,s:I},s:{},s:{}}", "cpu", cpu_stats_v1(cg), "memory", memory, "pids",
			 "current", cg_read_ll(pids, "pids.current"), "limit", limit < 0 ? 0 : limit, "blkio",
			 "hugetlb");
	return 0;
}

static const char *v1_procs_dir(struct hull_cgroup *cg)
{
	static const char *const prefer[] = { "pids", "freezer", "memory", "devices", "cpu" };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(prefer); i++) {
		const char *d = cg_dir_for(cg, prefer[i]);
		if (d)
			return d;
	}
	return cg->n_dirs ? cg->dirs[0].path : NULL;
}

const struct hull_cgroup_ops hull_cgroup_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.apply = v1_apply,
	.enter = v1_enter,
	.freeze = v1_freeze,
	.frozen = v1_frozen,
	.stats = v1_stats,
	.procs_dir = v1_procs_dir,
};
