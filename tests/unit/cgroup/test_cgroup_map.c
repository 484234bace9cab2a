/* Unit tests: cgroup layout detection, path resolution, and the mapping of
 * linux.resources to v1 and v2 files (pure: no cgroup is touched). */
#include <criterion/criterion.h>
#include <string.h>

#include "hull/cgroup.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

static const char *hybrid_mountinfo =
	"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
	"34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
	"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
	"38 31 0:35 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup rw,net_cls,net_prio\n"
	"40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char *hybrid_own = "9:name=systemd:/\n4:memory:/process_api/abc\n3:cpuset:/\n"
				"5:net_prio,net_cls:/n\n1:cpu:/\n0::/u\n";

Test(cgroup_detect, hybrid_host)
{
	struct hull_cgroup_layout *l = NULL;
	cr_assert_eq(hull_cgroup_layout_parse(hybrid_mountinfo, hybrid_own, &l, NULL), 0);
	cr_assert_eq(l->mode, HULL_CGROUP_HYBRID);
	cr_assert_str_eq(l->unified, "/sys/fs/cgroup/unified");
	cr_assert_str_eq(l->unified_own, "/u");
	cr_assert_eq(l->n_v1, 5);
	cr_assert_str_eq(l->v1[2].controllers, "memory");
	cr_assert_str_eq(l->v1[2].own, "/process_api/abc");
	/* comma-joined hierarchies match whatever order /proc/self/cgroup uses */
	cr_assert_str_eq(l->v1[3].controllers, "net_cls,net_prio");
	cr_assert_str_eq(l->v1[3].own, "/n");
	cr_assert_str_eq(l->v1[4].controllers, "name=systemd");
	hull_cgroup_layout_free(l);
}

Test(cgroup_detect, pure_v2_and_pure_v1_and_none)
{
	struct hull_cgroup_layout *l = NULL;
	cr_assert_eq(hull_cgroup_layout_parse("25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n", NULL,
					      &l, NULL),
		     0);
	cr_assert_eq(l->mode, HULL_CGROUP_V2);
	cr_assert_eq(l->n_v1, 0);
	hull_cgroup_layout_free(l);
	cr_assert_eq(hull_cgroup_layout_parse("35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n",
					      NULL, &l, NULL),
		     0);
	cr_assert_eq(l->mode, HULL_CGROUP_V1);
	cr_assert_null(l->unified);
	hull_cgroup_layout_free(l);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_cgroup_layout_parse("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n", NULL, &l, &err), 0);
	cr_assert(strstr(err->msg, "no cgroup mounted"), "%s", err->msg);
}

Test(cgroup_detect, this_host)
{
	struct hull_cgroup_layout *l = NULL;
	cr_assert_eq(hull_cgroup_layout_detect(&l, NULL), 0);
	cr_assert(l->mode == HULL_CGROUP_V1 || l->mode == HULL_CGROUP_V2 || l->mode == HULL_CGROUP_HYBRID);
	hull_cgroup_layout_free(l);
}

static struct hull_cgroup *open_hybrid(const char *path, const char *id, struct hull_error **err)
{
	struct hull_cgroup_layout *l = NULL;
	cr_assert_eq(hull_cgroup_layout_parse(hybrid_mountinfo, hybrid_own, &l, NULL), 0);
	struct hull_cgroup *cg = hull_cgroup_open(l, path, id, err);
	hull_cgroup_layout_free(l);
	return cg;
}

Test(cgroup_path, absolute_relative_default_and_dotdot)
{
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *a = open_hybrid("/outer/ctr", "x", NULL);
	cr_assert_eq(a->n_dirs, 6);
	cr_assert_str_eq(a->dirs[2].path, "/sys/fs/cgroup/memory/outer/ctr");
	cr_assert_str_eq(a->dirs[5].path, "/sys/fs/cgroup/unified/outer/ctr");
	cr_assert_str_eq(a->dirs[5].controllers, "");
	/* relative: below this process's own cgroup in each hierarchy */
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *r = open_hybrid("rel/ctr", "x", NULL);
	cr_assert_str_eq(r->dirs[2].path, "/sys/fs/cgroup/memory/process_api/abc/rel/ctr");
	cr_assert_str_eq(r->dirs[0].path, "/sys/fs/cgroup/cpu/rel/ctr");
	cr_assert_str_eq(r->dirs[5].path, "/sys/fs/cgroup/unified/u/rel/ctr");
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *d = open_hybrid(NULL, "cg-1", NULL);
	cr_assert_str_eq(d->path, "/hull/cg-1");
	cr_assert_str_eq(d->dirs[1].path, "/sys/fs/cgroup/cpuset/hull/cg-1");
	/* systemd's slice:prefix:name form becomes a plain path */
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *s = open_hybrid("machine.slice:libpod:abc", "x", NULL);
	cr_assert_str_eq(s->path, "/machine.slice/libpod-abc.scope");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_null(open_hybrid("/a/../../etc", "x", &err));
	cr_assert(strstr(err->msg, "linux.cgroupsPath"), "%s", err->msg);
}

Test(cgroup_path, save_and_load_round_trip)
{
	char dir[] = "/tmp/hull-cg-test-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	_cleanup_free_ char *file = hull_strdup_printf("%s/cgroup.json", dir);
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *a = open_hybrid("/x/y", "x", NULL);
	cr_assert_eq(hull_cgroup_save(a, file, NULL), 0);
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *b = hull_cgroup_load(file, NULL);
	cr_assert_not_null(b);
	cr_assert_eq(b->mode, HULL_CGROUP_HYBRID);
	cr_assert_eq(b->n_dirs, a->n_dirs);
	cr_assert_str_eq(b->dirs[3].path, a->dirs[3].path);
	cr_assert_eq(b->ops, a->ops);
	unlink(file);
	rmdir(dir);
}

/* value written to file in ws, or NULL; the last write wins */
static const char *value_of(struct hull_cgroup_writes *ws, const char *file)
{
	const char *v = NULL;
	for (size_t i = 0; i < ws->n; i++)
		if (!strcmp(ws->w[i].file, file))
			v = ws->w[i].value;
	return v;
}

static json_t *res(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	cr_assert_not_null(j, "bad test JSON %s", text);
	return j;
}

static const char *all_resources =
	"{\"memory\":{\"limit\":104857600,\"reservation\":52428800,\"swap\":209715200,\"kernel\":-1,"
	"\"kernelTCP\":1048576,\"swappiness\":10,\"disableOOMKiller\":true},"
	"\"cpu\":{\"shares\":1024,\"quota\":50000,\"period\":100000,\"realtimeRuntime\":0,"
	"\"realtimePeriod\":1000000,\"cpus\":\"0-1\",\"mems\":\"0\",\"idle\":0,\"burst\":1000},"
	"\"pids\":{\"limit\":32},"
	"\"blockIO\":{\"weight\":500,\"leafWeight\":300,\"weightDevice\":[{\"major\":8,\"minor\":0,"
	"\"weight\":600,\"leafWeight\":200}],\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
	"\"rate\":1048576}],\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":2097152}],"
	"\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":100}],"
	"\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,\"rate\":200}]},"
	"\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
	"\"network\":{\"classID\":1048577,\"priorities\":[{\"name\":\"eth0\",\"priority\":5}]},"
	"\"rdma\":{\"mlx5_1\":{\"hcaHandles\":3,\"hcaObjects\":10000}},"
	"\"devices\":[{\"allow\":false,\"access\":\"rwm\"},{\"allow\":true,\"type\":\"c\",\"major\":1,"
	"\"minor\":3,\"access\":\"rw\"},{\"allow\":true,\"type\":\"b\",\"major\":8,\"access\":\"mwr\"}]}";

Test(cgroup_map, every_resource_to_v1_files)
{
	_cleanup_json_ json_t *r = res(all_resources);
	struct hull_cgroup_writes ws = { 0 };
	cr_assert_eq(hull_cgroup_map_v1(r, &ws, NULL), 0);
	cr_assert_str_eq(value_of(&ws, "memory.limit_in_bytes"), "104857600");
	cr_assert_str_eq(value_of(&ws, "memory.soft_limit_in_bytes"), "52428800");
	cr_assert_str_eq(value_of(&ws, "memory.memsw.limit_in_bytes"), "209715200");
	cr_assert_str_eq(value_of(&ws, "memory.kmem.limit_in_bytes"), "-1");
	cr_assert_str_eq(value_of(&ws, "memory.kmem.tcp.limit_in_bytes"), "1048576");
	cr_assert_str_eq(value_of(&ws, "memory.swappiness"), "10");
	cr_assert_str_eq(value_of(&ws, "memory.oom_control"), "1");
	cr_assert_str_eq(value_of(&ws, "cpu.shares"), "1024");
	cr_assert_str_eq(value_of(&ws, "cpu.cfs_quota_us"), "50000");
	cr_assert_str_eq(value_of(&ws, "cpu.cfs_period_us"), "100000");
	cr_assert_str_eq(value_of(&ws, "cpu.cfs_burst_us"), "1000");
	cr_assert_str_eq(value_of(&ws, "cpu.rt_period_us"), "1000000");
	cr_assert_str_eq(value_of(&ws, "cpu.rt_runtime_us"), "0");
	cr_assert_str_eq(value_of(&ws, "cpuset.cpus"), "0-1");
	cr_assert_str_eq(value_of(&ws, "cpuset.mems"), "0");
	cr_assert_str_eq(value_of(&ws, "pids.max"), "32");
	cr_assert_str_eq(value_of(&ws, "blkio.weight"), "500");
	cr_assert_str_eq(value_of(&ws, "blkio.leaf_weight"), "300");
	cr_assert_str_eq(value_of(&ws, "blkio.weight_device"), "8:0 600");
	cr_assert_str_eq(value_of(&ws, "blkio.leaf_weight_device"), "8:0 200");
	cr_assert_str_eq(value_of(&ws, "blkio.throttle.read_bps_device"), "8:0 1048576");
	cr_assert_str_eq(value_of(&ws, "blkio.throttle.write_bps_device"), "8:0 2097152");
	cr_assert_str_eq(value_of(&ws, "blkio.throttle.read_iops_device"), "8:0 100");
	cr_assert_str_eq(value_of(&ws, "blkio.throttle.write_iops_device"), "8:0 200");
	cr_assert_str_eq(value_of(&ws, "hugetlb.2MB.limit_in_bytes"), "4194304");
	cr_assert_str_eq(value_of(&ws, "net_cls.classid"), "1048577");
	cr_assert_str_eq(value_of(&ws, "net_prio.ifpriomap"), "eth0 5");
	cr_assert_str_eq(value_of(&ws, "rdma.max"), "mlx5_1 hca_handle=3 hca_object=10000");
	cr_assert_str_eq(value_of(&ws, "devices.deny"), "a *:* rwm");
	cr_assert_str_eq(ws.w[0].file, "devices.deny");
	cr_assert_str_eq(ws.w[1].value, "c 1:3 rw");
	cr_assert_str_eq(ws.w[2].value, "b 8:* rwm");
	/* memsw never drops below the limit: lifted to -1 before the limit */
	size_t first_memsw = 0, limit = 0;
	for (size_t i = ws.n; i-- > 0;) {
		if (!strcmp(ws.w[i].file, "memory.memsw.limit_in_bytes"))
			first_memsw = i;
		if (!strcmp(ws.w[i].file, "memory.limit_in_bytes"))
			limit = i;
	}
	cr_assert_lt(first_memsw, limit);
	cr_assert_str_eq(ws.w[first_memsw].value, "-1");
	hull_cgroup_writes_clear(&ws);
}

Test(cgroup_map, every_resource_to_v2_files)
{
	_cleanup_json_ json_t *r = res(all_resources);
	json_object_del(json_object_get(r, "cpu"), "realtimePeriod");
	json_object_set_new(r, "unified", json_pack("{s:s}", "memory.high", "90000000"));
	struct hull_cgroup_writes ws = { 0 };
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_cgroup_map_v2(r, &ws, &err), 0, "%s", err ? err->msg : "");
	cr_assert_str_eq(value_of(&ws, "memory.max"), "104857600");
	cr_assert_str_eq(value_of(&ws, "memory.low"), "52428800");
	/* runtime-spec swap is memory+swap; v2's swap.max is swap alone */
	cr_assert_str_eq(value_of(&ws, "memory.swap.max"), "104857600");
	cr_assert_str_eq(value_of(&ws, "cpu.weight"), "39");
	cr_assert_str_eq(value_of(&ws, "cpu.max"), "50000 100000");
	cr_assert_str_eq(value_of(&ws, "cpu.max.burst"), "1000");
	cr_assert_str_eq(value_of(&ws, "cpuset.cpus"), "0-1");
	cr_assert_str_eq(value_of(&ws, "pids.max"), "32");
	cr_assert_str_eq(value_of(&ws, "io.bfq.weight"), "8:0 600");
	cr_assert_str_eq(value_of(&ws, "hugetlb.2MB.max"), "4194304");
	cr_assert_str_eq(value_of(&ws, "rdma.max"), "mlx5_1 hca_handle=3 hca_object=10000");
	cr_assert_str_eq(value_of(&ws, "memory.high"), "90000000");
	int io_max = 0;
	for (size_t i = 0; i < ws.n; i++) {
		if (!strcmp(ws.w[i].file, "io.bfq.weight") && !strchr(ws.w[i].value, ':')) {
			cr_assert_str_eq(ws.w[i].value, "500");
			/* without BFQ: io.weight on its 1..10000 scale */
			cr_assert_str_eq(ws.w[i].alt_file, "io.weight");
			cr_assert_str_eq(ws.w[i].alt_value, "default 4950");
		}
		io_max += !strcmp(ws.w[i].file, "io.max");
		cr_assert(strncmp(ws.w[i].file, "devices.", 8), "v2 has no devices files");
		cr_assert(strncmp(ws.w[i].file, "memory.kmem", 11), "v2 has no kmem files");
	}
	cr_assert_eq(io_max, 4);
	hull_cgroup_writes_clear(&ws);
}

/* dockerd sends blkio weights of 0 for "not set": runc writes nothing for
 * them, and a kernel without CFQ has no file to take the 0 anyway; a
 * throttle rate of 0 still lifts that device's limit */
Test(cgroup_map, zero_blkio_weights_are_unset)
{
	_cleanup_json_ json_t *r = res("{\"blockIO\":{\"weight\":0,\"leafWeight\":0,\"weightDevice\":[{\"major\":8,"
				       "\"minor\":0,\"weight\":0,\"leafWeight\":0}],\"throttleReadBpsDevice\":"
				       "[{\"major\":8,\"minor\":0,\"rate\":0}]}}");
	struct hull_cgroup_writes ws = {0};
	cr_assert_eq(hull_cgroup_map_v1(r, &ws, NULL), 0);
	cr_assert_eq(ws.n, 1);
	cr_assert_str_eq(value_of(&ws, "blkio.throttle.read_bps_device"), "8:0 0");
	hull_cgroup_writes_clear(&ws);
	cr_assert_eq(hull_cgroup_map_v2(r, &ws, NULL), 0);
	for (size_t i = 0; i < ws.n; i++)
		cr_assert(strcmp(ws.w[i].file, "io.bfq.weight"), "a zero weight was written: %s", ws.w[i].value);
	hull_cgroup_writes_clear(&ws);
}

Test(cgroup_map, v2_conversions_and_limits)
{
	struct hull_cgroup_writes ws = { 0 };
	_cleanup_json_ json_t *a = res("{\"memory\":{\"limit\":-1,\"swap\":-1},\"cpu\":{\"period\":50000},"
				       "\"pids\":{\"limit\":0}}");
	cr_assert_eq(hull_cgroup_map_v2(a, &ws, NULL), 0);
	cr_assert_str_eq(value_of(&ws, "memory.max"), "max");
	cr_assert_str_eq(value_of(&ws, "memory.swap.max"), "max");
	cr_assert_str_eq(value_of(&ws, "cpu.max"), "max 50000");
	cr_assert_str_eq(value_of(&ws, "pids.max"), "max");
	hull_cgroup_writes_clear(&ws);
	_cleanup_json_ json_t *b = res("{\"cpu\":{\"shares\":2,\"quota\":20000}}");
	cr_assert_eq(hull_cgroup_map_v2(b, &ws, NULL), 0);
	cr_assert_str_eq(value_of(&ws, "cpu.weight"), "1");
	cr_assert_str_eq(value_of(&ws, "cpu.max"), "20000 100000");
	hull_cgroup_writes_clear(&ws);
	_cleanup_json_ json_t *c = res("{\"cpu\":{\"shares\":262144}}");
	cr_assert_eq(hull_cgroup_map_v2(c, &ws, NULL), 0);
	cr_assert_str_eq(value_of(&ws, "cpu.weight"), "10000");
	hull_cgroup_writes_clear(&ws);
}

Test(cgroup_map, bad_input_names_the_field)
{
	struct hull_cgroup_writes ws = { 0 };
	struct {
		const char *json, *want;
		bool v2;
	} cases[] = {
		{ "{\"memory\":{\"limit\":\"100M\"}}", "linux.resources.memory.limit: must be an integer", false },
		{ "{\"memory\":{\"limit\":200,\"swap\":100}}", "linux.resources.memory.swap", false },
		{ "{\"memory\":{\"swap\":100}}", "needs memory.limit", true },
		{ "{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}", "linux.resources.devices[0].type", false },
		{ "{\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]}", "devices[0].access", false },
		{ "{\"hugepageLimits\":[{\"pageSize\":\"2XB\",\"limit\":1}]}", "hugepageLimits[0]", false },
		{ "{\"unified\":{\"memory.high\":\"1\"}}", "needs cgroup v2", false },
		{ "{\"unified\":{\"../etc/passwd\":\"1\"}}", "linux.resources.unified", true },
		{ "{\"cpu\":{\"realtimeRuntime\":1000}}", "realtime", true },
		{ "{\"blockIO\":{\"throttleReadBpsDevice\":[{\"rate\":1}]}}", "major and minor are required", false },
	};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(cases); i++) {
		_cleanup_json_ json_t *j = res(cases[i].json);
		_cleanup_error_ struct hull_error *err = NULL;
		int r = cases[i].v2 ? hull_cgroup_map_v2(j, &ws, &err) : hull_cgroup_map_v1(j, &ws, &err);
		cr_assert_lt(r, 0, "case %zu accepted", i);
		cr_assert_not_null(err);
		cr_assert(strstr(err->msg, cases[i].want), "case %zu: %s", i, err->msg);
		cr_assert_eq(ws.n, 0, "case %zu left writes behind", i);
	}
}
