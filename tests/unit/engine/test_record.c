#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/run_options.h"
#include "unit/engine/record_fixtures.h"

/* The records under tests/fixtures/engine/records were written by hull
 * create and hull run (with -p, -v, --mount, --tmpfs, -e, --restart,
 * --health-*, --network, --ip, --user, -l, --memory, --cpus, --vm, network
 * connect, a shared network namespace...). */
static const char *const fixtures[] = {"web", "user", "done", "share", "conn", "vm"};

static json_t *load_fixture(const char *name)
{
	_cleanup_free_ char *path = hull_strdup_printf("%s/%s.json", RECORD_FIXTURES, name);
	_cleanup_error_ struct hull_error *err = NULL;
	json_t *j = hull_json_load_file(path, path, &err);
	cr_assert_not_null(j, "%s: %s", path, err ? err->msg : "");
	return j;
}

static void parse_ok(json_t *j, struct hull_container_record *r)
{
	_cleanup_error_ struct hull_error *err = NULL;
	int rc = hull_container_record_parse(j, "container.json", r, &err);
	cr_assert_eq(rc, 0, "parse: %s", err ? err->msg : "");
}

Test(record, fixtures_round_trip_unchanged)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(fixtures); i++) {
		_cleanup_json_ json_t *orig = load_fixture(fixtures[i]);
		_cleanup_record_ struct hull_container_record r;
		parse_ok(orig, &r);
		_cleanup_json_ json_t *back = hull_container_record_json(&r);
		_cleanup_free_ char *a = json_dumps(orig, JSON_SORT_KEYS);
		_cleanup_free_ char *b = json_dumps(back, JSON_SORT_KEYS);
		cr_assert(json_equal(orig, back), "%s changed:\n%s\n%s", fixtures[i], a, b);
		/* hull knows every member it writes: nothing went to extra */
		cr_assert_null(r.obj.extra, "%s: unknown top-level members", fixtures[i]);
		cr_assert_null(r.config.obj.extra, "%s: unknown Config members", fixtures[i]);
		cr_assert_null(r.host_config.obj.extra, "%s: unknown HostConfig members", fixtures[i]);
		cr_assert_null(r.network_settings.obj.extra, "%s: unknown NetworkSettings members", fixtures[i]);
	}
}

Test(record, typed_members_hold_the_flags)
{
	_cleanup_json_ json_t *web = load_fixture("web");
	_cleanup_record_ struct hull_container_record r;
	parse_ok(web, &r);
	const struct hull_record_host_config *hc = &r.host_config;
	cr_assert_str_eq(r.name, "/rec-web");
	cr_assert_eq(hc->memory, 64LL << 20);
	cr_assert_eq(hc->nano_cpus, 1500000000LL);
	cr_assert_eq(hc->pids_limit, 100);
	cr_assert_eq(hc->shm_size, 32LL << 20);
	cr_assert_str_eq(hc->restart_policy.name, "on-failure");
	cr_assert_eq(hc->restart_policy.maximum_retry_count, 3);
	cr_assert_str_eq(hull_record_strmap_get(&hc->tmpfs, "/run"), "size=2m");
	cr_assert_str_eq(hull_record_strmap_get(&hc->log_config.config, "max-size"), "1m");
	cr_assert_str_eq(hc->binds[1], "/tmp/rec-bind:/bind:ro");
	cr_assert_null(hc->binds[2]);
	cr_assert_str_eq(hc->cap_add[0], "NET_ADMIN");
	cr_assert_str_eq(hc->network_mode, "bridge");
	cr_assert_not(hull_record_host_config_is_vm(hc));
	cr_assert_str_eq(hull_record_strmap_get(&r.config.labels, "tier"), "front");
	cr_assert_str_eq(r.config.user, "1000:1000");
	cr_assert_str_eq(r.config.healthcheck.test[1], "true");
	cr_assert_eq(r.config.healthcheck.interval, 2000000000LL);
	cr_assert_str_eq(r.config.volumes[0], "/anon");
	cr_assert_null(r.config.entrypoint);
	cr_assert(r.config.obj.null != 0, "Entrypoint null is kept as null");
	cr_assert_str_eq(r.network_settings.ip_address, "10.197.173.2");
	cr_assert_eq(r.network_settings.ip_prefix_len, 24);

	_cleanup_json_ json_t *vm = load_fixture("vm");
	_cleanup_record_ struct hull_container_record v;
	parse_ok(vm, &v);
	cr_assert(hull_record_host_config_is_vm(&v.host_config));
	cr_assert_str_eq(v.host_config.hull_vm.rootfs, "host");
}

static void expect_error(json_t *j, const char *field, const char *want)
{
	_cleanup_record_ struct hull_container_record r;
	_cleanup_error_ struct hull_error *err = NULL;
	int rc = hull_container_record_parse(j, "/x/container.json", &r, &err);
	cr_assert_eq(rc, -EINVAL, "%s of the wrong type parsed", field);
	cr_assert_not_null(err);
	_cleanup_free_ char *msg = hull_strdup_printf("/x/container.json: %s: expected %s", field, want);
	cr_assert(strstr(err->msg, msg), "`%s` does not say `%s`", err->msg, msg);
}

Test(record, a_wrong_typed_member_is_named)
{
	_cleanup_json_ json_t *j = load_fixture("web");
	json_t *hc = json_object_get(j, "HostConfig");
	json_object_set_new(hc, "Memory", json_string("64m"));
	expect_error(j, "HostConfig.Memory", "an integer, found a string");
	json_object_set_new(hc, "Memory", json_integer(1));

	json_array_set_new(json_object_get(json_object_get(j, "Config"), "Env"), 1, json_integer(7));
	expect_error(j, "Config.Env[1]", "a string, found an integer");
	json_array_set_new(json_object_get(json_object_get(j, "Config"), "Env"), 1, json_string("A=1"));

	json_object_set_new(json_object_get(hc, "RestartPolicy"), "Name", json_true());
	expect_error(j, "HostConfig.RestartPolicy.Name", "a string, found a boolean");
	json_object_set_new(json_object_get(hc, "RestartPolicy"), "Name", json_string("no"));

	json_object_set_new(hc, "Privileged", json_null()); /* null only where hull writes it */
	expect_error(j, "HostConfig.Privileged", "a boolean, found null");
	json_object_set_new(hc, "Privileged", json_false());

	json_object_set_new(json_object_get(json_object_get(j, "Config"), "Labels"), "app", json_integer(1));
	expect_error(j, "Config.Labels.app", "a string, found an integer");
}

Test(record, load_names_the_file)
{
	char path[] = "/tmp/hull-test-record.XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	const char *text = "{\"Id\":\"abc\",\"HostConfig\":{\"NetworkMode\":[\"bridge\"]}}";
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	_cleanup_record_ struct hull_container_record r;
	_cleanup_error_ struct hull_error *err = NULL;
	int rc = hull_container_record_load(path, &r, &err);
	unlink(path);
	cr_assert_eq(rc, -EINVAL);
	_cleanup_free_ char *want =
	    hull_strdup_printf("%s: HostConfig.NetworkMode: expected a string, found an array", path);
	cr_assert_str_eq(err->msg, want);
}

Test(record, unknown_members_survive)
{
	_cleanup_json_ json_t *j = load_fixture("conn");
	json_object_set_new(j, "AppArmorProfile", json_string("docker-default"));
	json_object_set_new(j, "HullFuture", json_pack("{s:[i,i],s:n}", "a", 1, 2, "b"));
	json_t *hc = json_object_get(j, "HostConfig");
	json_object_set_new(hc, "CgroupnsMode", json_string("private"));
	json_object_set_new(json_object_get(hc, "RestartPolicy"), "Future", json_true());
	json_object_set_new(json_object_get(j, "Config"), "OnBuild", json_null());
	json_object_set_new(json_object_get(json_object_get(j, "GraphDriver"), "Data"), "LowerDir",
			    json_string("/a:/b"));
	_cleanup_record_ struct hull_container_record r;
	parse_ok(j, &r);
	cr_assert_str_eq(json_string_value(json_object_get(r.obj.extra, "AppArmorProfile")), "docker-default");
	cr_assert_not_null(json_object_get(r.host_config.obj.extra, "CgroupnsMode"));
	cr_assert_not_null(json_object_get(r.host_config.restart_policy.obj.extra, "Future"));
	_cleanup_json_ json_t *back = hull_container_record_json(&r);
	cr_assert(json_equal(j, back));
}

Test(record, members_set_by_code_are_written)
{
	_cleanup_record_ struct hull_container_record r = {0};
	r.id = hull_xstrdup("abc");
	r.host_config.obj.here = true;
	r.host_config.memory = 5;
	r.host_config.restart_policy.obj.here = true;
	r.host_config.restart_policy.name = hull_xstrdup("always");
	_cleanup_json_ json_t *j = hull_container_record_json(&r);
	_cleanup_json_ json_t *want = json_pack("{s:s,s:{s:I,s:{s:s}}}", "Id", "abc", "HostConfig", "Memory",
						(json_int_t)5, "RestartPolicy", "Name", "always");
	cr_assert(json_equal(j, want));
}

Test(record, absent_members_stay_absent_and_null_stays_null)
{
	_cleanup_json_ json_t *j =
	    json_pack("{s:{s:n,s:b},s:{s:n}}", "Config", "Cmd", "Tty", 0, "HostConfig", "PidsLimit");
	_cleanup_record_ struct hull_container_record r;
	parse_ok(j, &r);
	cr_assert_null(r.config.cmd);
	cr_assert_eq(r.host_config.pids_limit, 0);
	_cleanup_json_ json_t *back = hull_container_record_json(&r);
	cr_assert(json_equal(j, back));
}

Test(record, a_failed_parse_reads_the_rest_and_keeps_the_bad_member)
{
	_cleanup_json_ json_t *j = load_fixture("web");
	json_t *hc = json_object_get(j, "HostConfig");
	json_object_set_new(hc, "Binds", json_pack("[s,i]", "/a:/b", 3));
	_cleanup_record_ struct hull_container_record r;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_container_record_parse(j, "container.json", &r, &err), -EINVAL);
	cr_assert_str_eq(err->msg, "container.json: HostConfig.Binds[1]: expected a string, found an integer");
	cr_assert_null(r.host_config.binds);
	cr_assert_eq(r.host_config.memory, 64LL << 20, "the members after the bad one are read");
	cr_assert_str_eq(r.host_config.restart_policy.name, "on-failure");
	_cleanup_json_ json_t *back = hull_container_record_json(&r);
	cr_assert(json_equal(j, back), "the bad member is written back as it was");
}

Test(record, an_object_of_the_wrong_type_is_kept_as_it_was)
{
	_cleanup_json_ json_t *j = load_fixture("user");
	json_object_set_new(json_object_get(j, "HostConfig"), "RestartPolicy", json_string("always"));
	_cleanup_record_ struct hull_container_record r;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_container_record_parse(j, "container.json", &r, &err), -EINVAL);
	cr_assert_str_eq(err->msg, "container.json: HostConfig.RestartPolicy: expected an object, found a string");
	cr_assert_null(r.host_config.restart_policy.name);
	_cleanup_json_ json_t *back = hull_container_record_json(&r);
	cr_assert(json_equal(j, back));
}

static int build_with_image(json_t *image_config, json_t **record, struct hull_error **err)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	char *cmd[] = { "true", NULL };
	o.cmd = cmd;
	*record = json_pack("{s:s}", "Id", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	return hull_engine_build_record(*record, &o, image_config, err);
}

Test(record, an_image_healthcheck_of_the_wrong_type_fails_the_create)
{
	_cleanup_json_ json_t *img = json_pack("{s:{s:[s,s],s:s}}", "Healthcheck", "Test", "CMD-SHELL", "true",
					       "Interval", "30s");
	_cleanup_json_ json_t *rec = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(build_with_image(img, &rec, &err), 0);
	cr_assert_str_eq(err->msg, "image `img`: the new record: Config.Healthcheck.Interval: expected an integer, "
				   "found a string");
}

Test(record, an_image_port_with_a_value_is_read_as_docker_does)
{
	_cleanup_json_ json_t *img = json_pack("{s:{s:{s:i}}}", "ExposedPorts", "80/tcp", "x", 1);
	_cleanup_json_ json_t *rec = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(build_with_image(img, &rec, &err), 0, "%s", err ? err->msg : "");
	_cleanup_record_ struct hull_container_record r;
	parse_ok(rec, &r);
	cr_assert_str_eq(r.config.exposed_ports[0], "80/tcp");
}
