/* update.c - `hull update [flags] ID`: change a container's cgroup limits
 * with runc's flags, or with --resources FILE (a linux.resources object;
 * "-" reads stdin). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "runtime_cli.h"

int cli_runtime_update(struct hull_cli *cli, int argc, char **argv);

static const char help[] =
	"Change the resource limits of a running container.\n\n"
	"Options:\n"
	"  -r, --resources FILE         a linux.resources JSON object (\"-\" = stdin)\n"
	"      --blkio-weight N         block IO weight (10-1000)\n"
	"      --cpu-period N           CPU CFS period (us)\n"
	"      --cpu-quota N            CPU CFS quota (us), -1 for none\n"
	"      --cpu-share N            CPU shares\n"
	"      --cpu-rt-period N        realtime period (us)\n"
	"      --cpu-rt-runtime N       realtime runtime (us)\n"
	"      --cpuset-cpus LIST       CPUs allowed (0-3, 0,1)\n"
	"      --cpuset-mems LIST       memory nodes allowed\n"
	"      --memory SIZE            memory limit (e.g. 512m), -1 for none\n"
	"      --memory-reservation SIZE  soft limit\n"
	"      --memory-swap SIZE       memory+swap limit, -1 for none\n"
	"      --kernel-memory SIZE     kernel memory limit (where the kernel honours it)\n"
	"      --kernel-memory-tcp SIZE kernel TCP buffer limit\n"
	"      --pids-limit N           maximum number of processes\n"
	"  -h, --help                   this help\n";

/* runc's sizes: a number with an optional k/m/g/t/p (and optional b). */
static int parse_size(const char *s, long long *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s)
		return -EINVAL;
	long long mult = 1;
	switch (tolower((unsigned char)*end)) {
	case 'k': mult = 1LL << 10; end++; break;
	case 'm': mult = 1LL << 20; end++; break;
	case 'g': mult = 1LL << 30; end++; break;
	case 't': mult = 1LL << 40; end++; break;
	case 'p': mult = 1LL << 50; end++; break;
	default: break;
	}
	if (tolower((unsigned char)*end) == 'b')
		end++;
	if (*end)
		return -EINVAL;
	*out = v < 0 ? -1 : (long long)(v * (double)mult);
	return 0;
}

enum { O_BLKIO = 256, O_CPU_PERIOD, O_CPU_QUOTA, O_CPU_SHARE, O_RT_PERIOD, O_RT_RUNTIME, O_CPUS, O_MEMS,
       O_MEMORY, O_MEM_RES, O_SWAP, O_KMEM, O_KMEM_TCP, O_PIDS, O_L3, O_MEMBW };

static const struct {
	int opt;
	const char *section, *key;
	bool size, string;
} flag_map[] = {
	{ O_BLKIO, "blockIO", "weight", false, false },
	{ O_CPU_PERIOD, "cpu", "period", false, false },
	{ O_CPU_QUOTA, "cpu", "quota", false, false },
	{ O_CPU_SHARE, "cpu", "shares", false, false },
	{ O_RT_PERIOD, "cpu", "realtimePeriod", false, false },
	{ O_RT_RUNTIME, "cpu", "realtimeRuntime", false, false },
	{ O_CPUS, "cpu", "cpus", false, true },
	{ O_MEMS, "cpu", "mems", false, true },
	{ O_MEMORY, "memory", "limit", true, false },
	{ O_MEM_RES, "memory", "reservation", true, false },
	{ O_SWAP, "memory", "swap", true, false },
	{ O_KMEM, "memory", "kernel", true, false },
	{ O_KMEM_TCP, "memory", "kernelTCP", true, false },
	{ O_PIDS, "pids", "limit", false, false },
};

static int set_flag(json_t *res, int opt, const char *value, const char *name)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(flag_map); i++) {
		if (flag_map[i].opt != opt)
			continue;
		json_t *sec = json_object_get(res, flag_map[i].section);
		if (!sec) {
			sec = json_object();
			json_object_set_new(res, flag_map[i].section, sec);
		}
		if (flag_map[i].string) {
			json_object_set_new(sec, flag_map[i].key, json_string(value));
			return 0;
		}
		long long v;
		char *end = NULL;
		if (flag_map[i].size ? parse_size(value, &v) < 0 : (v = strtoll(value, &end, 10), !*value || *end))
			return cli_usage_error("update", "--%s: `%s` is not a %s", name, value,
					       flag_map[i].size ? "size like 512m" : "number");
		json_object_set_new(sec, flag_map[i].key, json_integer(v));
		return 0;
	}
	return 0;
}

static json_t *load_resources(const char *file, struct hull_error **err)
{
	if (strcmp(file, "-"))
		return hull_json_load_file(file, file, err);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = hull_read_all(STDIN_FILENO, &text, &len);
	if (r < 0) {
		hull_error_set(err, -r, "read the resources from stdin");
		return NULL;
	}
	return hull_json_load_str(text, len, "stdin", err);
}

int cli_runtime_update(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "blkio-weight", required_argument, NULL, O_BLKIO },
		{ "cpu-period", required_argument, NULL, O_CPU_PERIOD },
		{ "cpu-quota", required_argument, NULL, O_CPU_QUOTA },
		{ "cpu-share", required_argument, NULL, O_CPU_SHARE },
		{ "cpu-rt-period", required_argument, NULL, O_RT_PERIOD },
		{ "cpu-rt-runtime", required_argument, NULL, O_RT_RUNTIME },
		{ "cpuset-cpus", required_argument, NULL, O_CPUS },
		{ "cpuset-mems", required_argument, NULL, O_MEMS },
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "memory-reservation", required_argument, NULL, O_MEM_RES },
		{ "memory-swap", required_argument, NULL, O_SWAP },
		{ "kernel-memory", required_argument, NULL, O_KMEM },
		{ "kernel-memory-tcp", required_argument, NULL, O_KMEM_TCP },
		{ "pids-limit", required_argument, NULL, O_PIDS },
		{ "l3-cache-schema", required_argument, NULL, O_L3 },
		{ "mem-bw-schema", required_argument, NULL, O_MEMBW },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_json_ json_t *flags = json_object(), *from_file = NULL;
	const char *file = NULL;
	int c, idx = 0;
	while ((c = getopt_long(argc, argv, "r:h", opts, &idx)) != -1) {
		switch (c) {
		case 'r': file = optarg; break;
		case 'h': return rt_usage(stdout, "update", "[OPTIONS] ID", help);
		case O_L3:
		case O_MEMBW:
			return cli_usage_error("update", "--%s: Intel RDT is not available on this host",
					       opts[idx].name);
		case '?': return cli_usage_error("update", "unknown option");
		default:
			if (set_flag(flags, c, optarg, opts[idx].name))
				return 1;
		}
	}
	if (rt_operands("update", argc - optind, 1, 1))
		return 1;
	struct hull_error *err = NULL;
	json_t *res = flags;
	if (file) {
		from_file = load_resources(file, &err);
		if (!from_file)
			return cli_fail(cli, err);
		if (!json_is_object(from_file)) {
			hull_error_msg(&err, EINVAL, "%s: must be a linux.resources object", file);
			return cli_fail(cli, err);
		}
		/* flags given as well override the file, field by field */
		const char *sec;
		json_t *v;
		json_object_foreach(flags, sec, v)
		{
			json_t *dst = json_object_get(from_file, sec);
			if (json_is_object(dst))
				json_object_update(dst, v);
			else
				json_object_set(from_file, sec, v);
		}
		res = from_file;
	}
	if (hull_container_update(&cli->ctx, argv[optind], res, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
