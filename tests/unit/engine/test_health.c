/* Health checks: the --health-* durations (Go's time.ParseDuration syntax,
 * as docker's CLI takes them). */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/timefmt.h"

static long long dur(const char *s)
{
	long long ns = -1;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_time_parse_duration(s, &ns, &err), 0, "%s: %s", s, err ? err->msg : "");
	return ns;
}

Test(health, durations)
{
	cr_assert_eq(dur("0"), 0);
	cr_assert_eq(dur("200ms"), 200000000LL);
	cr_assert_eq(dur("30s"), 30000000000LL);
	cr_assert_eq(dur("1m30s"), 90000000000LL);
	cr_assert_eq(dur("1.5s"), 1500000000LL);
	cr_assert_eq(dur("2h"), 7200000000000LL);
	cr_assert_eq(dur("10us"), 10000LL);
	cr_assert_eq(dur("7ns"), 7LL);
}

Test(health, bad_durations)
{
	static const char *const bad[] = {"", "5", "s", "-1s", "3x", "1m30"};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(bad); i++) {
		long long ns = 0;
		_cleanup_error_ struct hull_error *err = NULL;
		cr_assert_eq(hull_time_parse_duration(bad[i], &ns, &err), -EINVAL, "`%s` accepted", bad[i]);
		cr_assert(err && strstr(err->msg, "duration"), "`%s`: %s", bad[i], err ? err->msg : "no error");
	}
}
