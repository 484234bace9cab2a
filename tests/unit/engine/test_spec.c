#include <criterion/criterion.h>
#include <errno.h>
#include <seccomp.h>
#include <unistd.h>

#include "helpers.h"
#include "hull/cleanup.h"
#include "hull/engine_spec.h"
#include "hull/json.h"
#include "hull/run_options.h"

static struct hull_ctx ctx;
static char dir[64];

static void setup(void)
{
	test_root_setup(&ctx, dir);
}

static void teardown(void)
{
	test_root_teardown(dir);
}

TestSuite(spec, .init = setup, .fini = teardown);

static json_t *image_config(void)
{
	return json_pack("{s:[s],s:[s,s],s:[s,s],s:s,s:s,s:{s:{}},s:{s:{}},s:{s:s}}", "Entrypoint", "/bin/entry",
			 "Cmd", "serve", "--port=80", "Env", "PATH=/opt/bin:/bin", "MODE=image", "WorkingDir",
			 "/srv", "User", "app", "ExposedPorts", "80/tcp", "Volumes", "/data", "Labels", "from",
			 "image");
}

static json_t *record_for(struct hull_run_options *o)
{
	json_t *rec = json_pack("{s:s}", "Id", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	_cleanup_json_ json_t *img = image_config();
	_cleanup_error_ struct hull_error *err = NULL;
	int r = hull_engine_build_record(rec, o, img, &err);
	cr_assert_eq(r, 0, "build_record: %s", err ? err->msg : "");
	return rec;
}

static json_t *spec_for(json_t *rec)
{
	struct hull_spec_inputs in = { .rootfs = "/rootfs", .dir = "/ctr", .uid = 1000, .gid = 1000 };
	_cleanup_error_ struct hull_error *err = NULL;
	json_t *s = hull_engine_spec(rec, &in, &err);
	cr_assert_not_null(s, "spec: %s", err ? err->msg : "");
	return s;
}

static const char *str_at(json_t *arr, size_t i)
{
	return json_string_value(json_array_get(arr, i));
}

static bool has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), s))
			return true;
	return false;
}

Test(spec, image_defaults_are_honoured)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	_cleanup_json_ json_t *rec = record_for(&o);
	json_t *cfg = json_object_get(rec, "Config");
	cr_assert_str_eq(json_string_value(json_object_get(rec, "Path")), "/bin/entry");
	cr_assert_str_eq(str_at(json_object_get(rec, "Args"), 0), "serve");
	cr_assert_str_eq(json_string_value(json_object_get(cfg, "WorkingDir")), "/srv");
	cr_assert_str_eq(json_string_value(json_object_get(cfg, "User")), "app");
	cr_assert_not_null(json_object_get(json_object_get(cfg, "ExposedPorts"), "80/tcp"));
	cr_assert_not_null(json_object_get(json_object_get(cfg, "Volumes"), "/data"));
	cr_assert_str_eq(json_string_value(json_object_get(cfg, "Hostname")), "0123456789ab");
	_cleanup_json_ json_t *s = spec_for(rec);
	json_t *p = json_object_get(s, "process");
	json_t *args = json_object_get(p, "args");
	cr_assert_eq(json_array_size(args), 3);
	cr_assert_str_eq(str_at(args, 0), "/bin/entry");
	cr_assert_str_eq(str_at(args, 2), "--port=80");
	cr_assert_str_eq(json_string_value(json_object_get(p, "cwd")), "/srv");
	json_t *env = json_object_get(p, "env");
	cr_assert(has_string(env, "PATH=/opt/bin:/bin"));
	cr_assert(has_string(env, "MODE=image"));
	cr_assert(has_string(env, "HOSTNAME=0123456789ab"));
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(p, "user"), "uid")), 1000);
}

Test(spec, flags_override_the_image)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	char *cmd[] = { "echo", "hi", NULL };
	char *env[] = { "MODE=flag", "EXTRA=1", NULL };
	o.cmd = cmd;
	o.env = env;
	o.workdir = "/tmp";
	o.user = "0:0";
	o.hostname = "box";
	_cleanup_json_ json_t *rec = record_for(&o);
	json_t *cfg = json_object_get(rec, "Config");
	cr_assert_str_eq(json_string_value(json_object_get(rec, "Path")), "/bin/entry");
	cr_assert_str_eq(str_at(json_object_get(rec, "Args"), 0), "echo");
	json_t *e = json_object_get(cfg, "Env");
	cr_assert(has_string(e, "MODE=flag"));
	cr_assert_not(has_string(e, "MODE=image"));
	cr_assert(has_string(e, "EXTRA=1"));
	cr_assert_str_eq(json_string_value(json_object_get(cfg, "User")), "0:0");
	_cleanup_json_ json_t *s = spec_for(rec);
	cr_assert_str_eq(json_string_value(json_object_get(s, "hostname")), "box");
}

Test(spec, entrypoint_flag_resets_image_cmd)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	o.entrypoint = "/bin/sh";
	_cleanup_json_ json_t *rec = record_for(&o);
	cr_assert_str_eq(json_string_value(json_object_get(rec, "Path")), "/bin/sh");
	cr_assert_eq(json_array_size(json_object_get(rec, "Args")), 0);
}

Test(spec, no_command_is_a_clear_error)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "scratchy";
	o.entrypoint = "";
	_cleanup_json_ json_t *rec = json_pack("{s:s}", "Id", "ab");
	_cleanup_json_ json_t *img = json_object();
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_engine_build_record(rec, &o, img, &err), 0);
	cr_assert_not_null(strstr(err->msg, "No command specified"));
}

Test(spec, secure_defaults_like_docker)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	_cleanup_json_ json_t *rec = record_for(&o);
	_cleanup_json_ json_t *s = spec_for(rec);
	json_t *caps = json_object_get(json_object_get(json_object_get(s, "process"), "capabilities"), "bounding");
	cr_assert_eq(json_array_size(caps), 14);
	cr_assert(has_string(caps, "CAP_NET_BIND_SERVICE"));
	cr_assert_not(has_string(caps, "CAP_SYS_ADMIN"));
	json_t *lx = json_object_get(s, "linux");
	cr_assert(has_string(json_object_get(lx, "maskedPaths"), "/proc/kcore"));
	cr_assert(has_string(json_object_get(lx, "readonlyPaths"), "/proc/sysrq-trigger"));
	json_t *sc = json_object_get(lx, "seccomp");
	cr_assert_str_eq(json_string_value(json_object_get(sc, "defaultAction")), "SCMP_ACT_ERRNO");
	/* /sys read-only, /proc present, etc files bound from the container dir */
	bool sys_ro = false, hosts = false;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(s, "mounts"), i, m)
	{
		const char *d = json_string_value(json_object_get(m, "destination"));
		if (!strcmp(d, "/sys"))
			sys_ro = has_string(json_object_get(m, "options"), "ro");
		if (!strcmp(d, "/etc/hosts"))
			hosts = !strcmp(json_string_value(json_object_get(m, "source")), "/ctr/hosts");
	}
	cr_assert(sys_ro);
	cr_assert(hosts);
	json_t *ns = json_object_get(lx, "namespaces");
	cr_assert_eq(json_array_size(ns), 5); /* pid ipc uts mount network */
	json_t *devs = json_object_get(json_object_get(lx, "resources"), "devices");
	cr_assert_not(json_is_true(json_object_get(json_array_get(devs, 0), "allow")));
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(lx, "sysctl"),
							    "net.ipv4.ip_unprivileged_port_start")),
			 "0");
}

Test(spec, privileged_lifts_everything)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	o.privileged = true;
	_cleanup_json_ json_t *rec = record_for(&o);
	_cleanup_json_ json_t *s = spec_for(rec);
	json_t *lx = json_object_get(s, "linux");
	cr_assert_null(json_object_get(lx, "seccomp"));
	cr_assert_null(json_object_get(lx, "maskedPaths"));
	json_t *caps = json_object_get(json_object_get(json_object_get(s, "process"), "capabilities"), "bounding");
	cr_assert(has_string(caps, "CAP_SYS_ADMIN"));
	cr_assert_gt(json_array_size(json_object_get(lx, "devices")), 3);
}

Test(spec, cap_add_drop_and_unknown_names)
{
	_cleanup_json_ json_t *add = json_pack("[s,s]", "net_admin", "CAP_SYS_PTRACE");
	_cleanup_json_ json_t *drop = json_pack("[s]", "chown");
	_cleanup_json_ json_t *caps = hull_engine_capabilities(add, drop, false, NULL);
	cr_assert(has_string(caps, "CAP_NET_ADMIN"));
	cr_assert(has_string(caps, "CAP_SYS_PTRACE"));
	cr_assert_not(has_string(caps, "CAP_CHOWN"));
	_cleanup_json_ json_t *all = json_pack("[s]", "ALL");
	_cleanup_json_ json_t *one = json_pack("[s]", "KILL");
	_cleanup_json_ json_t *only = hull_engine_capabilities(one, all, false, NULL);
	cr_assert_eq(json_array_size(only), 1);
	_cleanup_json_ json_t *bad = json_pack("[s]", "CAP_FLY");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_null(hull_engine_capabilities(bad, NULL, false, &err));
	cr_assert_not_null(strstr(err->msg, "CAP_FLY"));
}

Test(spec, seccomp_profile_names_all_resolve_and_gate_on_caps)
{
	const char *const *names;
	size_t n = hull_engine_default_seccomp_names(&names);
	cr_assert_gt(n, 250);
	for (size_t i = 0; i < n; i++)
		cr_assert_neq(seccomp_syscall_resolve_name(names[i]), __NR_SCMP_ERROR, "%s", names[i]);
	_cleanup_json_ json_t *no_caps = json_array();
	_cleanup_json_ json_t *plain = hull_engine_default_seccomp(no_caps);
	cr_assert_not(has_string(json_object_get(json_array_get(json_object_get(plain, "syscalls"), 0), "names"), "mount"));
	_cleanup_json_ json_t *admin = json_pack("[s]", "CAP_SYS_ADMIN");
	_cleanup_json_ json_t *p = hull_engine_default_seccomp(admin);
	bool mount_allowed = false, clone3_enosys = false;
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(p, "syscalls"), i, r)
	{
		mount_allowed |= has_string(json_object_get(r, "names"), "mount");
		clone3_enosys |= has_string(json_object_get(r, "names"), "clone3") &&
				 json_integer_value(json_object_get(r, "errnoRet")) == ENOSYS;
	}
	cr_assert(mount_allowed);
	cr_assert_not(clone3_enosys);
}

Test(spec, resources_from_flags)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	o.memory = 64LL << 20;
	o.nano_cpus = 500000000;
	o.pids_limit = 50;
	o.read_only = true;
	char *tmpfs[] = { "/run:size=1m", NULL };
	o.tmpfs = tmpfs;
	_cleanup_json_ json_t *rec = record_for(&o);
	_cleanup_json_ json_t *s = spec_for(rec);
	json_t *res = json_object_get(json_object_get(s, "linux"), "resources");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(res, "memory"), "limit")), 64LL << 20);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(res, "cpu"), "quota")), 50000);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(res, "pids"), "limit")), 50);
	cr_assert(json_is_true(json_object_get(json_object_get(s, "root"), "readonly")));
	bool run = false;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(s, "mounts"), i, m)
		run |= !strcmp(json_string_value(json_object_get(m, "destination")), "/run") &&
		       has_string(json_object_get(m, "options"), "size=1m");
	cr_assert(run);
}

Test(spec, bad_flags_fail_before_anything)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	char *sysctl[] = { "kernel.panic=1", NULL };
	o.sysctls = sysctl;
	_cleanup_json_ json_t *rec = record_for(&o);
	struct hull_spec_inputs in = { .rootfs = "/r", .dir = "/c" };
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_null(hull_engine_spec(rec, &in, &err));
	cr_assert_not_null(strstr(err->msg, "kernel.panic"));
	hull_run_options_init(&o);
	o.image = "img";
	o.restart = "sometimes";
	_cleanup_json_ json_t *rec2 = json_object();
	hull_error_release(&err);
	_cleanup_json_ json_t *img = image_config();
	cr_assert_lt(hull_engine_build_record(rec2, &o, img, &err), 0);
	cr_assert_not_null(strstr(err->msg, "--restart"));
}

Test(spec, publish_syntax)
{
	struct hull_port_mapping *m;
	size_t n;
	cr_assert_eq(hull_parse_publish("8080:80", &m, &n, NULL), 0);
	cr_assert_eq(n, 1);
	cr_assert_eq(m[0].host_port, 8080);
	cr_assert_eq(m[0].container_port, 80);
	cr_assert_str_eq(m[0].proto, "tcp");
	free(m);
	cr_assert_eq(hull_parse_publish("127.0.0.1:8081:53/udp", &m, &n, NULL), 0);
	cr_assert_str_eq(m[0].host_ip, "127.0.0.1");
	cr_assert_str_eq(m[0].proto, "udp");
	free(m);
	cr_assert_eq(hull_parse_publish("8090-8091:90-91", &m, &n, NULL), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(m[1].host_port, 8091);
	cr_assert_eq(m[1].container_port, 91);
	free(m);
	cr_assert_eq(hull_parse_publish("80", &m, &n, NULL), 0);
	cr_assert_eq(m[0].host_port, 0);
	free(m);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_parse_publish("8080:99999", &m, &n, &err), 0);
	cr_assert_not_null(strstr(err->msg, "8080:99999"));
	hull_error_release(&err);
	cr_assert_lt(hull_parse_publish("80/icmp", &m, &n, &err), 0);
	hull_error_release(&err);
	/* an unbracketed IPv6 address is ambiguous: refused, never cut short */
	cr_assert_lt(hull_parse_publish("::1:19084:80", &m, &n, &err), 0);
	cr_assert_not_null(strstr(err->msg, "[::1]:8080:80"), "%s", err->msg);
	hull_error_release(&err);
	cr_assert_lt(hull_parse_publish("[::1]:1:19084:80", &m, &n, &err), 0);
	hull_error_release(&err);
	cr_assert_eq(hull_parse_publish("[::1]:19084:80", &m, &n, NULL), 0);
	cr_assert_str_eq(m[0].host_ip, "::1");
	cr_assert_eq(m[0].host_port, 19084);
	cr_assert_eq(m[0].container_port, 80);
	free(m);
}

Test(spec, volume_and_mount_syntax)
{
	struct hull_mount_spec m;
	cr_assert_eq(hull_parse_volume_flag("data:/data", &m, NULL), 0);
	cr_assert_str_eq(m.type, "volume");
	cr_assert_str_eq(m.source, "data");
	hull_mount_spec_clear(&m);
	cr_assert_eq(hull_parse_volume_flag("/srv/x:/x:ro", &m, NULL), 0);
	cr_assert_str_eq(m.type, "bind");
	cr_assert(m.readonly);
	hull_mount_spec_clear(&m);
	cr_assert_eq(hull_parse_volume_flag("/anon", &m, NULL), 0);
	cr_assert_null(m.source);
	hull_mount_spec_clear(&m);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_parse_volume_flag("data:relative", &m, &err), 0);
	hull_error_release(&err);
	cr_assert_lt(hull_parse_volume_flag("data:/x/../..", &m, &err), 0);
	hull_error_release(&err);
	cr_assert_lt(hull_parse_volume_flag("data:/x:bogus", &m, &err), 0);
	hull_error_release(&err);
	/* destinations are kept cleaned; /proc is refused as runc refuses it */
	cr_assert_eq(hull_parse_volume_flag("/srv/x://dev/./", &m, NULL), 0);
	cr_assert_str_eq(m.destination, "/dev");
	hull_mount_spec_clear(&m);
	cr_assert_eq(hull_parse_mount_flag("type=tmpfs,dst=/run/", &m, NULL), 0);
	cr_assert_str_eq(m.destination, "/run");
	hull_mount_spec_clear(&m);
	cr_assert_lt(hull_parse_volume_flag("/srv/x:/proc/self", &m, &err), 0);
	cr_assert_not_null(strstr(err->msg, "inside /proc"), "%s", err->msg);
	hull_error_release(&err);
	cr_assert_eq(hull_parse_mount_flag("type=bind,source=/tmp,target=/t,readonly", &m, NULL), 0);
	cr_assert(m.readonly);
	cr_assert_str_eq(m.destination, "/t");
	hull_mount_spec_clear(&m);
	cr_assert_eq(hull_parse_mount_flag("type=tmpfs,target=/t,tmpfs-size=1m", &m, NULL), 0);
	cr_assert_str_eq(m.options, "size=1m");
	hull_mount_spec_clear(&m);
	cr_assert_lt(hull_parse_mount_flag("type=bind,target=/t", &m, &err), 0);
	hull_error_release(&err);
	cr_assert_lt(hull_parse_mount_flag("type=nfs,target=/t", &m, &err), 0);
}

static void write_at(const char *root, const char *rel, const char *content)
{
	_cleanup_free_ char *p = hull_path_join(root, rel);
	cr_assert_eq(hull_write_file(p, content, strlen(content), NULL), 0);
}

Test(spec, user_resolution_against_the_rootfs)
{
	_cleanup_free_ char *etc = hull_path_join(dir, "etc");
	cr_assert_eq(hull_mkdir_p(etc, 0755, NULL), 0);
	write_at(dir, "etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n");
	write_at(dir, "etc/group", "root:x:0:\napp:x:1001:\nwheel:x:10:app,other\naudio:x:29:\n");
	uid_t uid;
	gid_t gid;
	gid_t *gids;
	size_t n;
	cr_assert_eq(hull_engine_resolve_user(dir, "app", NULL, &uid, &gid, &gids, &n, NULL), 0);
	cr_assert_eq(uid, 1000);
	cr_assert_eq(gid, 1001);
	cr_assert_eq(n, 1);
	cr_assert_eq(gids[0], 10);
	free(gids);
	_cleanup_json_ json_t *add = json_pack("[s]", "audio");
	cr_assert_eq(hull_engine_resolve_user(dir, "app:wheel", add, &uid, &gid, &gids, &n, NULL), 0);
	cr_assert_eq(gid, 10);
	cr_assert_eq(n, 1);
	cr_assert_eq(gids[0], 29);
	free(gids);
	cr_assert_eq(hull_engine_resolve_user(dir, "4242", NULL, &uid, &gid, &gids, &n, NULL), 0);
	cr_assert_eq(uid, 4242);
	cr_assert_eq(gid, 0);
	free(gids);
	cr_assert_eq(hull_engine_resolve_user(dir, "", NULL, &uid, &gid, &gids, &n, NULL), 0);
	cr_assert_eq(uid, 0);
	free(gids);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_engine_resolve_user(dir, "ghost", NULL, &uid, &gid, &gids, &n, &err), 0);
	cr_assert_not_null(strstr(err->msg, "unable to find user ghost"));
}

Test(spec, passwd_symlink_cannot_escape_the_rootfs)
{
	_cleanup_free_ char *etc = hull_path_join(dir, "etc");
	cr_assert_eq(hull_mkdir_p(etc, 0755, NULL), 0);
	_cleanup_free_ char *p = hull_path_join(dir, "etc/passwd");
	/* points at the host's passwd, where "root" exists: must not be read */
	cr_assert_eq(symlink("/etc/../../../../etc/passwd", p), 0);
	uid_t uid;
	gid_t gid;
	gid_t *gids;
	size_t n;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_engine_resolve_user(dir, "root", NULL, &uid, &gid, &gids, &n, &err), 0);
}

Test(spec, docker_profile_form_is_converted)
{
	_cleanup_free_ char *f = hull_path_join(dir, "profile.json");
	const char *doc = "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\","
			  "\"subArchitectures\":[\"SCMP_ARCH_X86\"]}],\"syscalls\":[{\"names\":[\"read\"],\"action\":"
			  "\"SCMP_ACT_ALLOW\"},{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
			  "[\"CAP_SYS_ADMIN\"]}}]}";
	cr_assert_eq(hull_write_file(f, doc, strlen(doc), NULL), 0);
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	_cleanup_free_ char *opt = hull_strdup_printf("seccomp=%s", f);
	char *sec[] = { opt, NULL };
	o.security_opt = sec;
	_cleanup_json_ json_t *rec = record_for(&o);
	_cleanup_json_ json_t *s = spec_for(rec);
	json_t *sc = json_object_get(json_object_get(s, "linux"), "seccomp");
	cr_assert_eq(json_array_size(json_object_get(sc, "syscalls")), 1);
	cr_assert(has_string(json_object_get(sc, "architectures"), "SCMP_ARCH_X86"));
	cr_assert_null(json_object_get(json_array_get(json_object_get(sc, "syscalls"), 0), "includes"));
}

Test(spec, init_prepends_hull_init_and_binds_it_read_only)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	o.init = true;
	/* any executable file stands for hull-init here */
	setenv("HULL_INIT_PATH", "/bin/sh", 1);
	_cleanup_json_ json_t *rec = record_for(&o);
	cr_assert(json_is_true(json_object_get(json_object_get(rec, "HostConfig"), "Init")));
	_cleanup_json_ json_t *spec = spec_for(rec);
	json_t *args = json_object_get(json_object_get(spec, "process"), "args");
	cr_assert_str_eq(json_string_value(json_array_get(args, 0)), "/run/hull-init");
	cr_assert_str_eq(json_string_value(json_array_get(args, 1)), "--");
	cr_assert_str_eq(json_string_value(json_array_get(args, 2)), "/bin/entry");
	json_t *mounts = json_object_get(spec, "mounts");
	json_t *last = json_array_get(mounts, json_array_size(mounts) - 1);
	cr_assert_str_eq(json_string_value(json_object_get(last, "destination")), "/run/hull-init");
	cr_assert_str_eq(json_string_value(json_object_get(last, "source")), "/bin/sh");
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(last, "options"), 1)), "ro");
	/* missing: refused before anything is made, naming the variable */
	setenv("HULL_INIT_PATH", "/nonexistent/hull-init", 1);
	_cleanup_json_ json_t *rec2 = json_object();
	_cleanup_json_ json_t *img = image_config();
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_engine_build_record(rec2, &o, img, &err), 0);
	cr_assert_not_null(strstr(err->msg, "HULL_INIT_PATH"));
	unsetenv("HULL_INIT_PATH");
}

static json_t *namespace_of(json_t *spec, const char *type)
{
	size_t i;
	json_t *ns;
	json_array_foreach(json_object_get(json_object_get(spec, "linux"), "namespaces"), i, ns)
		if (!strcmp(json_string_value(json_object_get(ns, "type")), type))
			return ns;
	return NULL;
}

static const char *mount_source(json_t *spec, const char *destination)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m)
		if (!strcmp(json_string_value(json_object_get(m, "destination")), destination))
			return json_string_value(json_object_get(m, "source"));
	return NULL;
}

/* config-linux.md#namespaces: a joined namespace is a path, not a new one */
Test(spec, shared_namespaces_are_joined_by_path)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	o.network = "container:web";
	o.ipc = "container:web";
	o.pid = "container:web";
	o.uts = "container:web";
	_cleanup_json_ json_t *rec = record_for(&o);
	struct hull_spec_inputs in = { .rootfs = "/rootfs", .dir = "/ctr", .netns_path = "/proc/42/ns/net",
				       .ipc_path = "/proc/42/ns/ipc", .pid_path = "/proc/42/ns/pid",
				       .uts_path = "/proc/42/ns/uts", .etc_dir = "/web" };
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_json_ json_t *s = hull_engine_spec(rec, &in, &err);
	cr_assert_not_null(s, "%s", err ? err->msg : "");
	static const char *const types[][2] = { { "network", "net" }, { "ipc", "ipc" }, { "pid", "pid" },
						{ "uts", "uts" } };
	for (size_t i = 0; i < 4; i++) {
		json_t *ns = namespace_of(s, types[i][0]);
		cr_assert_not_null(ns, "%s", types[i][0]);
		char want[32];
		snprintf(want, sizeof(want), "/proc/42/ns/%s", types[i][1]);
		cr_assert_str_eq(json_string_value(json_object_get(ns, "path")), want);
	}
	cr_assert_null(json_object_get(namespace_of(s, "mount"), "path"));
	/* the joined UTS namespace keeps its owner's hostname */
	cr_assert_null(json_object_get(s, "hostname"));
	cr_assert_str_eq(mount_source(s, "/etc/hosts"), "/web/hosts");
	cr_assert_str_eq(mount_source(s, "/etc/resolv.conf"), "/web/resolv.conf");
	cr_assert_str_eq(mount_source(s, "/etc/hostname"), "/web/hostname");
	cr_assert_not_null(mount_source(s, "/dev/shm"));
}

Test(spec, ipc_none_has_no_dev_shm_and_modes_are_checked)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	o.ipc = "none";
	_cleanup_json_ json_t *rec = record_for(&o);
	_cleanup_json_ json_t *s = spec_for(rec);
	cr_assert_null(mount_source(s, "/dev/shm"));
	cr_assert_not_null(namespace_of(s, "ipc"));
	cr_assert_null(json_object_get(namespace_of(s, "ipc"), "path"));
	_cleanup_json_ json_t *img = image_config();
	const struct {
		const char *ipc, *pid, *network, *hostname, *ip;
		const char *want;
	} bad[] = {
		{ "weird", NULL, NULL, NULL, NULL, "--ipc `weird`" },
		{ NULL, "shareable", NULL, NULL, NULL, "--pid `shareable`" },
		{ NULL, NULL, "container:web", "h", NULL, "Conflicting options: hostname and the network mode" },
		{ NULL, NULL, "container:", NULL, NULL, "expected container:NAME" },
		{ NULL, NULL, "bridge", NULL, "10.1.2.3", "user defined networks only" },
		{ NULL, NULL, "mynet", NULL, "10.1.2", "not an IPv4 address" },
	};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(bad); i++) {
		hull_run_options_init(&o);
		o.image = "img";
		o.ipc = bad[i].ipc;
		o.pid = bad[i].pid;
		o.network = bad[i].network;
		o.hostname = bad[i].hostname;
		o.ip = bad[i].ip;
		_cleanup_json_ json_t *r = json_object();
		_cleanup_error_ struct hull_error *err = NULL;
		cr_assert_lt(hull_engine_build_record(r, &o, img, &err), 0, "case %zu", i);
		cr_assert_not_null(strstr(err->msg, bad[i].want), "case %zu: %s", i, err->msg);
	}
}
