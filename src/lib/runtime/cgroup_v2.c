/* cgroup_v2.c - the cgroup v2 manager (kernel Documentation/admin-guide/
 * cgroup-v2.rst). Devices are an eBPF program (cgroup_devices_bpf.c). */
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

/* "+cpu +memory ..." for every controller the cgroup offers. */
static int enable_controllers(const char *parent, struct hull_error **err)
{
	_cleanup_free_ char *avail = NULL, *want = NULL;
	if (hull_cgroup_read_in(parent, "cgroup.controllers", &avail, err) < 0)
		return hull_error_wrap(err, -ENOENT, "`%s` is not a cgroup2 directory", parent);
	if (!*avail)
		return 0;
	want = hull_xcalloc(1, 2 * strlen(avail) + 2);
	char *save = NULL;
	for (char *t = strtok_r(avail, " \n", &save); t; t = strtok_r(NULL, " \n", &save)) {
		strcat(want, *want ? " +" : "+");
		strcat(want, t);
	}
	if (hull_cgroup_write_in(parent, "cgroup.subtree_control", want, NULL) == 0)
		return 0;
	/* one controller can refuse (e.g. cpu with a realtime task inside):
	 * enable the others one by one */
	save = NULL;
	for (char *t = strtok_r(want, " ", &save); t; t = strtok_r(NULL, " ", &save))
		hull_cgroup_write_in(parent, "cgroup.subtree_control", t, NULL);
	return 0;
}

int cg_v2_make(const char *dir, struct hull_error **err)
{
	_cleanup_free_ char *copy = hull_xstrdup(dir);
	const char *parent = dirname(copy);
	struct stat st;
	int r;
	if (!strcmp(parent, dir) || !strcmp(parent, "/"))
		return hull_error_msg(err, EINVAL, "`%s` is not inside a cgroup2 mount", dir);
	/* Another runtime may rmdir an empty shared parent (its container's
	 * delete) between our stat and our mkdir: make the parent again and
	 * retry, as `mkdir -p` racing `rmdir` must. */
	for (int attempt = 0;; attempt++) {
		if (stat(parent, &st) < 0 && (r = cg_v2_make(parent, err)) < 0)
			return r;
		if ((r = enable_controllers(parent, err)) < 0)
			return r;
		if (mkdir(dir, 0755) == 0 || errno == EEXIST)
			return 0;
		if (errno != ENOENT || attempt == 3)
			return hull_error_set(err, errno, "mkdir `%s`", dir);
	}
}

/* Is word one of the space-separated controllers in dir/cgroup.controllers? */
static bool offers(const char *dir, const char *word)
{
	_cleanup_free_ char *list = NULL;
	if (hull_cgroup_read_in(dir, "cgroup.controllers", &list, NULL) < 0)
		return false;
	char *save = NULL;
	for (char *t = strtok_r(list, " \n", &save); t; t = strtok_r(NULL, " \n", &save))
		if (!strcmp(t, word))
			return true;
	return false;
}

char *cg_v2_missing_reason(const char *dir, const char *controller)
{
	_cleanup_free_ char *copy = hull_xstrdup(dir), *procs = NULL, *own = NULL;
	const char *parent = dirname(copy);
	if (!*controller || hull_cgroup_read_in(dir, "cgroup.controllers", &own, NULL) < 0 || offers(dir, controller))
		return NULL;
	if (!offers(parent, controller))
		return hull_strdup_printf("the %s controller is not enabled above `%s`: enable it in the "
					  "cgroup.subtree_control of `%s`'s parents",
					  controller, parent, parent);
	if (hull_cgroup_read_in(parent, "cgroup.procs", &procs, NULL) == 0 && *procs)
		return hull_strdup_printf("`%s` holds processes, and cgroup v2 gives controllers to the children "
					  "of a cgroup only when it has none of its own (the no-internal-processes "
					  "rule): use a cgroupsPath under a cgroup without processes, or move those "
					  "into a child cgroup",
					  parent);
	return hull_strdup_printf("`%s` did not enable the %s controller for its children (its "
				  "cgroup.subtree_control refused it)",
				  parent, controller);
}

static const char *v2_dir(struct hull_cgroup *cg)
{
	return cg->n_dirs ? cg->dirs[cg->n_dirs - 1].path : NULL;
}

static int v2_create(struct hull_cgroup *cg, json_t *resources, struct hull_error **err)
{
	return cg_v2_make(v2_dir(cg), err);
}

static int v2_apply(struct hull_cgroup *cg, json_t *resources, struct hull_error **err)
{
	struct hull_cgroup_writes ws = { 0 };
	json_t *devices = NULL;
	int r = hull_cgroup_map_v2(resources, &ws, err);
	if (r < 0)
		return r;
	r = cg_apply_writes(cg, &ws, err);
	hull_cgroup_writes_clear(&ws);
	if (r < 0)
		return r;
	if ((r = hull_json_get_array(resources, "devices", &devices, false, CG_WHERE, "linux.resources.devices",
				     err)) < 0)
		return r;
	if (devices)
		return hull_cgroup_devices_v2(v2_dir(cg), devices, err);
	return 0;
}

static int v2_enter(struct hull_cgroup *cg, pid_t pid, struct hull_error **err)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return hull_cgroup_write_in(v2_dir(cg), "cgroup.procs", buf, err);
}

static int v2_frozen(struct hull_cgroup *cg, bool *out, struct hull_error **err)
{
	_cleanup_free_ char *s = NULL;
	int r = hull_cgroup_read_in(v2_dir(cg), "cgroup.freeze", &s, err);
	if (r < 0)
		return r;
	*out = !strcmp(s, "1");
	return 0;
}

static int v2_freeze(struct hull_cgroup *cg, bool frozen, struct hull_error **err)
{
	const char *dir = v2_dir(cg);
	int r = hull_cgroup_write_in(dir, "cgroup.freeze", frozen ? "1" : "0", err);
	if (r < 0)
		return r;
	/* cgroup.events says "frozen 1" once every task has stopped */
	for (int i = 0; i < 1000; i++) {
		_cleanup_json_ json_t *ev = cg_read_keyed(dir, "cgroup.events");
		json_t *f = json_object_get(ev, "frozen");
		if (!f || json_integer_value(f) == (frozen ? 1 : 0))
			return 0;
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	return hull_error_msg(err, ETIMEDOUT, "`%s/cgroup.events` did not report frozen %d", dir, frozen);
}

static int v2_stats(struct hull_cgroup *cg, json_t **out, struct hull_error **err)
{
	const char *dir = v2_dir(cg);
	_cleanup_json_ json_t *cs = cg_read_keyed(dir, "cpu.stat");
#define CS(k) json_integer_value(json_object_get(cs, k))
	json_t *cpu = json_pack("{s:{s:I,s:[],s:I,s:I},s:{s:I,s:I,s:I}}", "usage", "total", CS("usage_usec") * 1000,
				"percpu", "kernel", CS("system_usec") * 1000, "user", CS("user_usec") * 1000,
				"throttling", "periods", CS("nr_periods"), "throttledPeriods", CS("nr_throttled"),
				"throttledTime", CS("throttled_usec") * 1000);
#undef CS
	long long mlimit = cg_read_ll(dir, "memory.max"), plimit = cg_read_ll(dir, "pids.max");
	json_t *memory = json_pack("{s:{s:I,s:I,s:I,s:I},s:{s:I,s:I},s:o}", "usage", "usage",
				   cg_read_ll(dir, "memory.current"), "max", cg_read_ll(dir, "memory.peak"), "limit",
				   mlimit, "failcnt", 0LL, "swap", "usage", cg_read_ll(dir, "memory.swap.current"),
				   "limit", cg_read_ll(dir, "memory.swap.max"), "raw", cg_read_keyed(dir, "memory.stat"));
	*out = json_pack("{s:o,s:o,s:{s:I,s:I},s:{},s:{}}", "cpu", cpu, "memory", memory, "pids", "current",
			 cg_read_ll(dir, "pids.current"), "limit", plimit < 0 ? 0 : plimit, "blkio", "hugetlb");
	return 0;
}

static const char *v2_procs_dir(struct hull_cgroup *cg)
{
	return v2_dir(cg);
}

const struct hull_cgroup_ops hull_cgroup_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.apply = v2_apply,
	.enter = v2_enter,
	.freeze = v2_freeze,
	.frozen = v2_frozen,
	.stats = v2_stats,
	.procs_dir = v2_procs_dir,
};
