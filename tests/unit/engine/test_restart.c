/* --restart: docker's policy syntax, the record, and the restart manager's
 * decisions (moby restartmanager: back-off and counts). */
#include <criterion/criterion.h>
#include <errno.h>

#include "hull/cleanup.h"
#include "hull/json.h"
#include "hull/restart.h"
#include "hull/run_options.h"

static struct hull_restart_policy parse_ok(const char *s)
{
	struct hull_restart_policy p;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_restart_policy_parse(s, &p, &err), 0, "%s: %s", s, err ? err->msg : "");
	return p;
}

Test(restart, policy_syntax)
{
	cr_assert_eq(parse_ok(NULL).kind, HULL_RESTART_NO);
	cr_assert_eq(parse_ok("no").kind, HULL_RESTART_NO);
	cr_assert_eq(parse_ok("always").kind, HULL_RESTART_ALWAYS);
	cr_assert_eq(parse_ok("unless-stopped").kind, HULL_RESTART_UNLESS_STOPPED);
	struct hull_restart_policy p = parse_ok("on-failure");
	cr_assert_eq(p.kind, HULL_RESTART_ON_FAILURE);
	cr_assert_eq(p.max_retries, 0);
	p = parse_ok("on-failure:5");
	cr_assert_eq(p.max_retries, 5);
	cr_assert_str_eq(hull_restart_kind_name(p.kind), "on-failure");
	static const char *const bad[] = { "sometimes", "always:3", "on-failure:", "on-failure:x", "on-failure:-1",
					   "no:1", "alwaysx", "on" };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(bad); i++) {
		_cleanup_error_ struct hull_error *err = NULL;
		cr_assert_eq(hull_restart_policy_parse(bad[i], &p, &err), -EINVAL, "%s", bad[i]);
		cr_assert_not_null(strstr(err->msg, "--restart"), "%s: %s", bad[i], err->msg);
	}
}

static json_t *image_config(void)
{
	return json_pack("{s:[s]}", "Cmd", "sh");
}

Test(restart, record_and_rm_conflict)
{
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = "img";
	o.restart = "on-failure:3";
	_cleanup_json_ json_t *img = image_config();
	_cleanup_json_ json_t *rec = json_object();
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_engine_build_record(rec, &o, img, &err), 0);
	json_t *rp = json_object_get(json_object_get(rec, "HostConfig"), "RestartPolicy");
	cr_assert_str_eq(json_string_value(json_object_get(rp, "Name")), "on-failure");
	cr_assert_eq(json_integer_value(json_object_get(rp, "MaximumRetryCount")), 3);
	cr_assert_eq(json_integer_value(json_object_get(rec, "RestartCount")), 0);
	o.auto_remove = true;
	_cleanup_json_ json_t *rec2 = json_object();
	cr_assert_lt(hull_engine_build_record(rec2, &o, img, &err), 0);
	cr_assert_str_eq(err->msg, "Conflicting options: --restart and --rm");
	o.restart = "no";
	_cleanup_json_ json_t *rec3 = json_object();
	hull_error_release(&err);
	cr_assert_eq(hull_engine_build_record(rec3, &o, img, &err), 0);
}

Test(restart, on_failure_counts_and_backs_off)
{
	struct hull_restart_policy p = parse_ok("on-failure:2");
	struct hull_restart_tracker t = { 0 };
	unsigned delay;
	cr_assert(!hull_restart_next(&p, &t, 0, false, 5, &delay), "a clean exit is not a failure");
	t = (struct hull_restart_tracker){ 0 };
	cr_assert(hull_restart_next(&p, &t, 1, false, 5, &delay));
	cr_assert_eq(delay, 100);
	cr_assert(hull_restart_next(&p, &t, 1, false, 5, &delay));
	cr_assert_eq(delay, 200);
	cr_assert_eq(t.count, 2);
	cr_assert(!hull_restart_next(&p, &t, 1, false, 5, &delay), "at most 2 restarts");
	cr_assert_eq(t.count, 2);
}

Test(restart, always_until_stopped_backoff_caps_and_resets)
{
	struct hull_restart_policy p = parse_ok("always");
	struct hull_restart_tracker t = { 0 };
	unsigned delay = 0;
	unsigned expect = 100;
	for (int i = 0; i < 12; i++) {
		cr_assert(hull_restart_next(&p, &t, 0, false, 5, &delay));
		cr_assert_eq(delay, expect, "restart %d: %u ms, not %u", i, delay, expect);
		expect = expect * 2 > 60000 ? 60000 : expect * 2;
	}
	cr_assert_eq(delay, 60000, "capped at a minute");
	cr_assert(hull_restart_next(&p, &t, 0, false, 10000, &delay));
	cr_assert_eq(delay, 100, "a run of 10 s starts the back-off over");
	cr_assert(!hull_restart_next(&p, &t, 0, true, 5, &delay), "never after the user's stop");
	struct hull_restart_policy none = parse_ok("no");
	cr_assert(!hull_restart_next(&none, &t, 1, false, 5, &delay));
	struct hull_restart_policy unless = parse_ok("unless-stopped");
	cr_assert(hull_restart_next(&unless, &t, 1, false, 5, &delay));
	cr_assert(!hull_restart_next(&unless, &t, 1, true, 5, &delay));
}
