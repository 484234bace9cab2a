/* The rootless parts of a container's spec: no cgroup resources, and what a
 * user namespace of one id cannot take (devpts gid=5, a wide ping range). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "hull/cleanup.h"
#include "hull/engine_spec.h"
#include "hull/json.h"
#include "hull/run_options.h"

static json_t *rootless_spec(void)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "busybox";
	o.network = "none";
	char *cmd[] = { "true", NULL };
	o.cmd = cmd;
	json_t *rec = json_pack("{s:s}", "Id", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	_cleanup_json_ json_t *img = json_object();
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_engine_build_record(rec, &o, img, &err), 0, "record: %s", err ? err->msg : "");
	struct hull_spec_inputs in = { .rootfs = "/rootfs", .dir = "/ctr", .rootless = true };
	json_t *spec = hull_engine_spec(rec, &in, &err);
	json_decref(rec);
	cr_assert_not_null(spec, "spec: %s", err ? err->msg : "");
	return spec;
}

static const char *devpts_options(json_t *spec)
{
	static char buf[256];
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
	{
		if (strcmp(json_string_value(json_object_get(m, "destination")), "/dev/pts"))
			continue;
		buf[0] = '\0';
		size_t k;
		json_t *opt;
		json_array_foreach(json_object_get(m, "options"), k, opt)
		{
			strncat(buf, json_string_value(opt), sizeof(buf) - strlen(buf) - 2);
			strcat(buf, ",");
		}
		return buf;
	}
	return NULL;
}

static const char *sysctl(json_t *spec, const char *key)
{
	return json_string_value(json_object_get(json_object_get(json_object_get(spec, "linux"), "sysctl"), key));
}

Test(rootless, no_cgroup_resources_but_the_devices_stay)
{
	_cleanup_json_ json_t *spec = rootless_spec();
	json_t *lx = json_object_get(spec, "linux");
	cr_assert_null(json_object_get(lx, "resources"), "a rootless container has no cgroup to limit");
	cr_assert(json_is_array(json_object_get(lx, "devices")));
	/* the engine runs in the user's namespace already: no second one */
	size_t i;
	json_t *ns;
	json_array_foreach(json_object_get(lx, "namespaces"), i, ns)
		cr_assert_str_neq(json_string_value(json_object_get(ns, "type")), "user");
}

/* In the initial namespace every gid is mapped: the wide range and gid=5. */
Test(rootless, full_map_keeps_tty_gid_and_the_wide_ping_range)
{
	_cleanup_json_ json_t *spec = rootless_spec();
	cr_assert(strstr(devpts_options(spec), "gid=5,"));
	cr_assert_str_eq(sysctl(spec, "net.ipv4.ping_group_range"), "0 4294967294");
}

static int write_proc(const char *file, const char *text)
{
	int fd = open(file, O_WRONLY | O_CLOEXEC);
	int ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* In a forked child (unshare(CLONE_NEWUSER) needs a single thread; the
 * test runner has more): 0 when all held, else the number of the failed
 * step. */
static int single_id_child(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (unshare(CLONE_NEWUSER) < 0)
		return 1;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if (write_proc("/proc/self/uid_map", map) < 0 || write_proc("/proc/self/setgroups", "deny") < 0)
		return 2;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if (write_proc("/proc/self/gid_map", map) < 0)
		return 3;
	json_t *spec = rootless_spec();
	int r = strstr(devpts_options(spec), "gid=5") ? 4
		: strcmp(sysctl(spec, "net.ipv4.ping_group_range"), "0 0") ? 5
									      : 0;
	json_decref(spec);
	return r;
}

/* One id mapped (no /etc/subuid range): gid 5 and any gid above 0 are
 * unmapped, devpts and the sysctl would refuse them. */
Test(rootless, single_id_map_drops_tty_gid_and_narrows_ping_range)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(single_id_child());
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "the child died");
	cr_assert_eq(WEXITSTATUS(status), 0, "step %d failed (1 unshare, 2-3 maps, 4 devpts gid=5, 5 ping range)",
		     WEXITSTATUS(status));
}
