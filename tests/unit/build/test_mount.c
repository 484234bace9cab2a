/* RUN --mount options (hull_build_mount_parse), as BuildKit reads them. */
#include <criterion/criterion.h>
#include <string.h>

#include "hull/build.h"
#include "hull/cleanup.h"

static void parse_ok(const char *spec, struct hull_build_mount *m)
{
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_build_mount_parse(spec, m, &err), 0, "%s: %s", spec, err ? err->msg : "?");
}

static void parse_fails(const char *spec, const char *words)
{
	struct hull_build_mount m;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_build_mount_parse(spec, &m, &err), 0, "%s parsed", spec);
	cr_assert(err && strstr(err->msg, words), "%s: %s", spec, err ? err->msg : "(no error)");
	hull_build_mount_clear(&m);
}

Test(mount, cache_with_every_option)
{
	struct hull_build_mount m;
	parse_ok("type=cache,target=/root/.cache,id=pip,sharing=locked,mode=0700,uid=1000,gid=100", &m);
	cr_assert_str_eq(m.type, "cache");
	cr_assert_str_eq(m.target, "/root/.cache");
	cr_assert_str_eq(m.id, "pip");
	cr_assert_str_eq(m.sharing, "locked");
	cr_assert_eq(m.mode, 0700);
	cr_assert_eq(m.uid, 1000);
	cr_assert_eq(m.gid, 100);
	hull_build_mount_clear(&m);
}

Test(mount, bind_is_the_default_type_and_read_only)
{
	struct hull_build_mount m;
	parse_ok("dst=/src,src=app,from=builder", &m);
	cr_assert_str_eq(m.type, "bind");
	cr_assert_str_eq(m.target, "/src");
	cr_assert_str_eq(m.source, "app");
	cr_assert_str_eq(m.from, "builder");
	cr_assert_not(m.rw);
	cr_assert_eq(m.mode, -1);
	hull_build_mount_clear(&m);
	parse_ok("type=bind,destination=/w,rw", &m);
	cr_assert(m.rw);
	hull_build_mount_clear(&m);
	parse_ok("type=bind,target=/w,readwrite=true,ro", &m);
	cr_assert_not(m.rw);
	hull_build_mount_clear(&m);
}

Test(mount, secret_target_defaults_to_run_secrets)
{
	struct hull_build_mount m;
	parse_ok("type=secret,id=npmrc,required", &m);
	cr_assert_str_eq(m.target, "/run/secrets/npmrc");
	cr_assert(m.required);
	hull_build_mount_clear(&m);
	parse_ok("type=secret,id=k,target=/etc/k,required=false", &m);
	cr_assert_str_eq(m.target, "/etc/k");
	cr_assert_not(m.required);
	hull_build_mount_clear(&m);
}

Test(mount, bad_options_say_what_is_wrong)
{
	parse_fails("type=tmpfs,target=/t", "type `tmpfs` is not supported");
	parse_fails("type=cache", "type=cache needs a target");
	parse_fails("type=secret", "a secret needs an id or a target");
	parse_fails("type=cache,target=/c,sharing=sometimes", "sharing `sometimes`");
	parse_fails("target=/c,colour=blue", "unknown option `colour`");
	parse_fails("type=cache,target=/c,mode=9", "bad mode `9`");
	parse_fails("type=cache,target=/c,uid=-1", "bad uid `-1`");
	parse_fails("type=cache,target=", "target needs a value");
}
