/* hull attach: docker's --detach-keys syntax. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "hull/attach.h"
#include "hull/cleanup.h"
#include "../../../src/lib/engine/attach_proto.h"

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

/* The sequence is taken out wherever it falls, held across reads, and a
 * false start gives its bytes back as input. */
Test(attach, detach_scan_across_reads)
{
	const char keys[] = { 0x10, 0x11 };
	char out[64];
	size_t matched = 0, len = 0;
	cr_assert(!engine_detach_scan(keys, 2, &matched, "ab\x10", 3, out, &len));
	cr_assert_eq(len, 2);
	cr_assert_eq(memcmp(out, "ab", 2), 0);
	cr_assert_eq(matched, 1, "ctrl-p held back");
	cr_assert(!engine_detach_scan(keys, 2, &matched, "x", 1, out, &len));
	cr_assert_eq(len, 2);
	cr_assert_eq(memcmp(out, "\x10x", 2), 0, "a lone ctrl-p is input after all");
	cr_assert(!engine_detach_scan(keys, 2, &matched, "\x10\x10", 2, out, &len));
	cr_assert_eq(len, 1);
	cr_assert_eq(matched, 1);
	cr_assert(engine_detach_scan(keys, 2, &matched, "\x11rest", 5, out, &len));
	cr_assert_eq(len, 0, "nothing before the sequence in this read");
	matched = 0;
	cr_assert(engine_detach_scan(keys, 2, &matched, "ls\x10\x11", 4, out, &len));
	cr_assert_eq(len, 2);
	cr_assert(!engine_detach_scan(keys, 0, &matched, "\x10\x11", 2, out, &len), "no keys: all input");
	cr_assert_eq(len, 2);
}
