/* hull attach: docker's --detach-keys syntax. */
#include <criterion/criterion.h>
#include <errno.h>

#include "hull/cleanup.h"
#include "hull/engine.h"

Test(attach, detach_keys)
{
	char keys[HULL_DETACH_KEYS_MAX];
	size_t len = 0;
	cr_assert_eq(hull_engine_parse_detach_keys("ctrl-p,ctrl-q", keys, &len, NULL), 0);
	cr_assert_eq(len, 2);
	cr_assert_eq(keys[0], 0x10);
	cr_assert_eq(keys[1], 0x11);
	cr_assert_eq(hull_engine_parse_detach_keys("ctrl-a,d", keys, &len, NULL), 0);
	cr_assert_eq(len, 2);
	cr_assert_eq(keys[0], 0x01);
	cr_assert_eq(keys[1], 'd');
	cr_assert_eq(hull_engine_parse_detach_keys("ctrl-@,ctrl-_", keys, &len, NULL), 0);
	cr_assert_eq(keys[0], 0x00);
	cr_assert_eq(keys[1], 0x1f);
	static const char *const bad[] = { "ctrl-1", "ctrl-", "ctrl-pp", "", ",", "abc" };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(bad); i++) {
		_cleanup_error_ struct hull_error *err = NULL;
		cr_assert_eq(hull_engine_parse_detach_keys(bad[i], keys, &len, &err), -EINVAL, "`%s`", bad[i]);
		cr_assert_not_null(strstr(err->msg, "--detach-keys"));
	}
}
