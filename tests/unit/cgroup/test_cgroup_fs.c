/* Unit tests that write cgroups: the v2 manager against a v2-shaped tree in
 * a tmpdir (this host's cgroup2 mount carries only hugetlb), the v1 manager
 * for real under /sys/fs/cgroup/<controller>/hull-cg-test-*, and the eBPF
 * device filter for real on the host's cgroup2 mount. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

static void put(const char *dir, const char *file, const char *text)
{
	_cleanup_free_ char *p = hull_path_join(dir, file);
	cr_assert_eq(hull_write_file(p, text, strlen(text), NULL), 0, "write %s", p);
}

static char *get(const char *dir, const char *file)
{
	char *s = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_cgroup_read_in(dir, file, &s, &err), 0, "%s", err ? err->msg : "");
	return s;
}

static const char *const v2_files[] = { "cgroup.procs", "cgroup.freeze", "cgroup.events", "memory.max",
					"memory.low", "memory.swap.max", "cpu.weight", "cpu.max", "cpuset.cpus",
					"cpuset.mems", "pids.max", "io.weight", "io.max", "hugetlb.2MB.max",
					"memory.high", "cpu.max.burst" };

Test(cgroup_v2_tree, create_apply_freeze_against_v2_shaped_tree)
{
	char root[] = "/tmp/hull-cg-test-v2-XXXXXX";
	cr_assert_not_null(mkdtemp(root));
	put(root, "cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
	put(root, "cgroup.subtree_control", "");
	struct hull_cgroup_layout layout = { .mode = HULL_CGROUP_V2, .unified = root, .unified_own = (char *)"/" };
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = hull_cgroup_open(&layout, "/hull-cg-test-ctr", "x", NULL);
	cr_assert_not_null(cg);
	cr_assert_str_eq(cg->ops->name, "v2");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_cgroup_create(cg, NULL, &err), 0, "%s", err ? err->msg : "");
	const char *dir = cg->dirs[0].path;
	_cleanup_free_ char *sc = get(root, "cgroup.subtree_control");
	cr_assert_str_eq(sc, "+cpuset +cpu +io +memory +hugetlb +pids");
	/* the kernel would now show these files in the new cgroup */
	for (size_t i = 0; i < HULL_ARRAY_SIZE(v2_files); i++)
		put(dir, v2_files[i], "");
	put(dir, "cgroup.events", "populated 1\nfrozen 0\n");
	json_t *res = json_loads("{\"memory\":{\"limit\":67108864,\"reservation\":1048576,\"swap\":134217728},"
				 "\"cpu\":{\"shares\":512,\"quota\":25000,\"period\":50000,\"cpus\":\"0\",\"mems\":\"0\"},"
				 "\"pids\":{\"limit\":64},\"blockIO\":{\"weight\":1000,"
				 "\"throttleWriteIOPSDevice\":[{\"major\":7,\"minor\":1,\"rate\":30}]},"
				 "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":2097152}],"
				 "\"unified\":{\"memory.high\":\"50000000\"}}",
				 0, NULL);
	cr_assert_eq(hull_cgroup_apply(cg, res, &err), 0, "%s", err ? err->msg : "");
	json_decref(res);
	struct {
		const char *file, *want;
	} expect[] = {
		{ "memory.max", "67108864" }, { "memory.low", "1048576" },  { "memory.swap.max", "67108864" },
		{ "cpu.weight", "20" },       { "cpu.max", "25000 50000" }, { "cpuset.cpus", "0" },
		{ "pids.max", "64" },         { "io.weight", "default 10000" }, { "io.max", "7:1 wiops=30" },
		{ "hugetlb.2MB.max", "2097152" }, { "memory.high", "50000000" },
	};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(expect); i++) {
		_cleanup_free_ char *v = get(dir, expect[i].file);
		cr_assert_str_eq(v, expect[i].want, "%s", expect[i].file);
	}
	cr_assert_eq(hull_cgroup_enter(cg, 4242, NULL), 0);
	_cleanup_free_ char *procs = get(dir, "cgroup.procs");
	cr_assert_str_eq(procs, "4242");
	/* freeze writes cgroup.freeze and waits for cgroup.events to agree */
	put(dir, "cgroup.events", "populated 1\nfrozen 1\n");
	cr_assert_eq(hull_cgroup_freeze(cg, true, &err), 0, "%s", err ? err->msg : "");
	_cleanup_free_ char *fz = get(dir, "cgroup.freeze");
	cr_assert_str_eq(fz, "1");
	bool frozen = false;
	cr_assert_eq(hull_cgroup_frozen(cg, &frozen, NULL), 0);
	cr_assert(frozen);
	/* a file the kernel lacks is a clear error, not a silent skip */
	_cleanup_free_ char *mm = hull_path_join(dir, "memory.max");
	unlink(mm);
	json_t *again = json_loads("{\"memory\":{\"limit\":1}}", 0, NULL);
	cr_assert_lt(hull_cgroup_apply(cg, again, &err), 0);
	cr_assert(strstr(err->msg, "memory.max") && strstr(err->msg, "does not exist"), "%s", err->msg);
	json_decref(again);
	hull_rm_rf(root, NULL);
}

/* A v2 cgroup without a controller's files says why: its parent holds
 * processes (the no-internal-processes rule) or never enabled it. */
Test(cgroup_v2_tree, a_missing_controller_names_the_no_internal_processes_rule)
{
	char root[] = "/tmp/hull-cg-test-v2-XXXXXX";
	cr_assert_not_null(mkdtemp(root));
	put(root, "cgroup.controllers", "memory pids\n");
	put(root, "cgroup.subtree_control", "");
	struct hull_cgroup_layout layout = {.mode = HULL_CGROUP_V2, .unified = root, .unified_own = (char *)"/"};
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = hull_cgroup_open(&layout, "/busy/ctr", "x", NULL);
	_cleanup_error_ struct hull_error *err = NULL;
	/* the parent holds a process: the kernel would refuse its subtree_control */
	_cleanup_free_ char *busy = hull_path_join(root, "busy");
	cr_assert_eq(mkdir(busy, 0755), 0);
	put(busy, "cgroup.controllers", "memory pids\n");
	put(busy, "cgroup.subtree_control", "");
	put(busy, "cgroup.procs", "4242\n");
	cr_assert_eq(hull_cgroup_create(cg, NULL, &err), 0, "%s", err ? err->msg : "");
	put(cg->dirs[0].path, "cgroup.controllers", "");
	json_t *res = json_loads("{\"memory\":{\"limit\":1048576}}", 0, NULL);
	cr_assert_lt(hull_cgroup_apply(cg, res, &err), 0);
	cr_assert(strstr(err->msg, "memory.max") && strstr(err->msg, "holds processes") &&
		      strstr(err->msg, "no-internal-processes"),
		  "%s", err->msg);
	hull_error_release(&err);
	/* not offered above: the parent's parents must enable it */
	put(busy, "cgroup.controllers", "pids\n");
	cr_assert_lt(hull_cgroup_apply(cg, res, &err), 0);
	cr_assert(strstr(err->msg, "memory controller is not enabled above"), "%s", err->msg);
	json_decref(res);
	hull_rm_rf(root, NULL);
}

/* Run fn in a child placed in cg; return its wait status. */
static int run_in(struct hull_cgroup *cg, void (*fn)(void))
{
	int ready[2];
	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char c;
		close(ready[1]);
		if (read(ready[0], &c, 1) != 1)
			_exit(100);
		fn();
		_exit(0);
	}
	close(ready[0]);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_cgroup_enter(cg, pid, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(write(ready[1], "x", 1), 1);
	close(ready[1]);
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static struct hull_cgroup *real_cgroup(const char *name, const char *resources)
{
	struct hull_cgroup_layout *l = NULL;
	cr_assert_eq(hull_cgroup_layout_detect(&l, NULL), 0);
	_cleanup_free_ char *path = hull_strdup_printf("/hull-cg-test-%s-%d", name, (int)getpid());
	struct hull_cgroup *cg = hull_cgroup_open(l, path, "x", NULL);
	hull_cgroup_layout_free(l);
	_cleanup_json_ json_t *res = resources ? json_loads(resources, 0, NULL) : NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_cgroup_create(cg, res, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(hull_cgroup_apply(cg, res, &err), 0, "%s", err ? err->msg : "");
	return cg;
}

static void allocate_256m(void)
{
	size_t len = 256 << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(101);
	for (size_t i = 0; i < len; i += 4096)
		p[i] = 1;
	_exit(0);
}

Test(cgroup_real, memory_limit_oom_kills_the_process)
{
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg =
		real_cgroup("oom", "{\"memory\":{\"limit\":33554432,\"swap\":33554432}}");
	int status = run_in(cg, allocate_256m);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_cgroup_destroy(cg, &err), 0, "%s", err ? err->msg : "");
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x: not OOM-killed", status);
}

static void fork_bomb(void)
{
	int made = 0;
	for (int i = 0; i < 200; i++) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0) {
			pause();
			_exit(0);
		}
		made++;
	}
	/* how many forks succeeded: 15 = pids.max 16 minus this process */
	_exit(made);
}

Test(cgroup_real, pids_max_stops_a_fork_bomb)
{
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = real_cgroup("pids", "{\"pids\":{\"limit\":16}}");
	int status = run_in(cg, fork_bomb);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_cgroup_destroy(cg, &err), 0, "%s", err ? err->msg : "");
	cr_assert(WIFEXITED(status), "status %#x", status);
	cr_assert_eq(WEXITSTATUS(status), 15);
}

Test(cgroup_real, v1_files_freezer_pids_and_removal)
{
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg =
		real_cgroup("v1", "{\"memory\":{\"limit\":67108864},\"cpu\":{\"shares\":512,\"quota\":20000,"
				  "\"period\":100000,\"cpus\":\"0\"},\"pids\":{\"limit\":10},"
				  "\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
				  "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}");
	if (cg->mode == HULL_CGROUP_V2) {
		_cleanup_error_ struct hull_error *derr = NULL;
		hull_cgroup_destroy(cg, &derr);
		cr_skip_test("pure cgroup v2 host: no v1 files to check (the v2 tree test covers v2)");
	}
	const char *mem = NULL, *cpu = NULL, *dev = NULL, *pids = NULL;
	for (size_t i = 0; i < cg->n_dirs; i++) {
		const char *c = cg->dirs[i].controllers;
		if (strstr(c, "memory"))
			mem = cg->dirs[i].path;
		if (!strcmp(c, "cpu") || !strncmp(c, "cpu,", 4))
			cpu = cg->dirs[i].path;
		if (strstr(c, "devices"))
			dev = cg->dirs[i].path;
		if (strstr(c, "pids"))
			pids = cg->dirs[i].path;
	}
	_cleanup_free_ char *lim = get(mem, "memory.limit_in_bytes"), *sh = get(cpu, "cpu.shares"),
			    *q = get(cpu, "cpu.cfs_quota_us"), *pm = get(pids, "pids.max"),
			    *dl = get(dev, "devices.list");
	cr_assert_str_eq(lim, "67108864");
	cr_assert_str_eq(sh, "512");
	cr_assert_str_eq(q, "20000");
	cr_assert_str_eq(pm, "10");
	cr_assert_str_eq(dl, "c 1:3 rwm");
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	cr_assert_eq(hull_cgroup_enter(cg, child, NULL), 0);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_cgroup_freeze(cg, true, &err), 0, "%s", err ? err->msg : "");
	pid_t *list = NULL;
	size_t n = 0;
	cr_assert_eq(hull_cgroup_pids(cg, &list, &n, NULL), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(list[0], child);
	free(list);
	json_t *stats = NULL;
	cr_assert_eq(hull_cgroup_stats(cg, &stats, NULL), 0);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(stats, "pids"), "current")), 1);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(json_object_get(stats, "memory"), "usage"),
							"limit")),
		     67108864);
	json_decref(stats);
	/* destroy kills the frozen process (thawing first) and removes every dir */
	cr_assert_eq(hull_cgroup_destroy(cg, &err), 0, "%s", err ? err->msg : "");
	int status;
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	for (size_t i = 0; i < cg->n_dirs; i++)
		cr_assert_neq(access(cg->dirs[i].path, F_OK), 0, "%s left behind", cg->dirs[i].path);
}

static void try_devices(void)
{
	/* exit code bit i set = check i failed */
	int bad = 0, fd;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	bad |= fd < 0 ? 1 : 0;
	close(fd);
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	bad |= fd < 0 ? 2 : 0;
	close(fd);
	fd = open("/dev/zero", O_WRONLY | O_CLOEXEC);
	bad |= !(fd < 0 && errno == EPERM) ? 4 : 0;
	close(fd);
	fd = open("/dev/full", O_RDONLY | O_CLOEXEC);
	bad |= !(fd < 0 && errno == EPERM) ? 8 : 0;
	_exit(bad);
}

Test(cgroup_real, ebpf_device_filter_on_the_cgroup2_mount)
{
	struct hull_cgroup_layout *l = NULL;
	cr_assert_eq(hull_cgroup_layout_detect(&l, NULL), 0);
	cr_assert_not_null(l->unified, "this host has a cgroup2 mount (/sys/fs/cgroup/unified)");
	_cleanup_free_ char *dir = hull_strdup_printf("%s/hull-cg-test-bpf-%d", l->unified, (int)getpid());
	hull_cgroup_layout_free(l);
	cr_assert_eq(mkdir(dir, 0755), 0);
	_cleanup_json_ json_t *rules = json_loads(
		"[{\"allow\":true,\"access\":\"rwm\"},{\"allow\":false,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"r\"},"
		"{\"allow\":true,\"type\":\"b\",\"access\":\"m\"}]",
		0, NULL);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_cgroup_devices_v2(dir, rules, &err), 0, "%s", err ? err->msg : "");
	/* a v2-only manager over this directory, to place the child */
	struct hull_cgroup cg = { 0 };
	struct hull_cgroup_dir d = { .controllers = (char *)"", .path = dir };
	extern const struct hull_cgroup_ops hull_cgroup_v2_ops;
	cg.ops = &hull_cgroup_v2_ops;
	cg.mode = HULL_CGROUP_V2;
	cg.path = (char *)"bpf";
	cg.dirs = &d;
	cg.n_dirs = 1;
	int status = run_in(&cg, try_devices);
	for (int i = 0; i < 200 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(5000); /* the exited child leaves the cgroup a moment later */
	cr_assert(WIFEXITED(status), "status %#x", status);
	cr_assert_eq(WEXITSTATUS(status), 0, "failed checks (bitmask): %d", WEXITSTATUS(status));
}
