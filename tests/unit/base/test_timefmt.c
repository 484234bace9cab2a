#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/error.h"
#include "hull/timefmt.h"

static struct timespec parse_ok(const char *s)
{
	_cleanup_error_ struct hull_error *err = NULL;
	struct timespec t = {-1, -1};
	int r = hull_time_parse_rfc3339(s, &t, &err);
	cr_assert_eq(r, 0, "%s: %s", s, err ? err->msg : "");
	return t;
}

Test(timefmt, utc_and_offsets_name_the_same_instant)
{
	/* 2026-12-07T08:00:00Z is 1796630400 */
	cr_assert_eq(parse_ok("2026-12-07T08:00:00Z").tv_sec, 1796630400);
	cr_assert_eq(parse_ok("2026-12-07T10:00:00+02:00").tv_sec, 1796630400);
	cr_assert_eq(parse_ok("2026-12-07T00:30:00-07:30").tv_sec, 1796630400);
	cr_assert_eq(parse_ok("2026-12-08T01:59:00+17:59").tv_sec, 1796630400);
}

Test(timefmt, fractions_up_to_nanoseconds)
{
	struct timespec t = parse_ok("2026-12-07T10:00:00.5+02:00");
	cr_assert_eq(t.tv_sec, 1796630400);
	cr_assert_eq(t.tv_nsec, 500000000);
	cr_assert_eq(parse_ok("1970-01-01T00:00:00.000000001Z").tv_nsec, 1);
	cr_assert_eq(parse_ok("1970-01-01T00:00:00.123456789Z").tv_nsec, 123456789);
	/* more than nine digits: the rest is below a nanosecond */
	cr_assert_eq(parse_ok("1970-01-01T00:00:00.1234567899Z").tv_nsec, 123456789);
}

Test(timefmt, leap_years)
{
	cr_assert_eq(parse_ok("2024-02-29T00:00:00Z").tv_sec, 1709164800);
	cr_assert_eq(parse_ok("2000-02-29T12:00:00Z").tv_sec, 951825600);
	cr_assert_eq(parse_ok("2024-03-01T00:00:00Z").tv_sec - parse_ok("2024-02-28T00:00:00Z").tv_sec, 2 * 86400);
	struct timespec t;
	cr_assert_eq(hull_time_parse_rfc3339("2026-02-29T00:00:00Z", &t, NULL), -EINVAL);
	cr_assert_eq(hull_time_parse_rfc3339("1900-02-29T00:00:00Z", &t, NULL), -EINVAL);
	cr_assert_eq(hull_time_parse_rfc3339("2026-04-31T00:00:00Z", &t, NULL), -EINVAL);
}

Test(timefmt, garbage_is_refused_with_the_text)
{
	static const char *bad[] = {
	    "",
	    "2026-12-07",		 /* no time */
	    "2026-12-07T10:00:00",	 /* no offset */
	    "2026-12-07T10:00:00Zjunk",	 /* trailing bytes */
	    "2026-12-07T10:00:00+02",	 /* short offset */
	    "2026-12-07T10:00:00+0200",	 /* offset without colon */
	    "2026-12-07T10:00:00+24:00", /* offset hour */
	    "2026-12-07T10:00:00.Z",	 /* empty fraction */
	    "2026-12-07T24:00:00Z",	 /* hour */
	    "2026-12-07T10:60:00Z",	 /* minute */
	    "2026-12-07T10:00:60Z",	 /* leap second: Go refuses it too */
	    "2026-13-07T10:00:00Z",	 /* month */
	    "2026-12-00T10:00:00Z",	 /* day */
	    "26-12-07T10:00:00Z",	 /* short year */
	    "2026-12-07 10:00:00Z",	 /* space for T */
	    " 2026-12-07T10:00:00Z",	 /* leading space */
	    "2026-1-07T10:00:00Z",	 /* one-digit month */
	    "yesterday",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_error_ struct hull_error *err = NULL;
		struct timespec t;
		cr_assert_eq(hull_time_parse_rfc3339(bad[i], &t, &err), -EINVAL, "accepted `%s`", bad[i]);
		cr_assert(strstr(err->msg, bad[i]) && strstr(err->msg, "RFC 3339"), "%s", err->msg);
	}
	_cleanup_error_ struct hull_error *err = NULL;
	struct timespec t;
	cr_assert_eq(hull_time_parse_rfc3339(NULL, &t, &err), -EINVAL);
}

Test(timefmt, format_is_go_rfc3339nano)
{
	char buf[HULL_TIME_BUF_LEN];
	struct timespec t = { 1796630400, 0 };
	cr_assert_str_eq(hull_time_format_rfc3339(&t, buf), "2026-12-07T08:00:00Z");
	t.tv_nsec = 120000000;
	cr_assert_str_eq(hull_time_format_rfc3339(&t, buf), "2026-12-07T08:00:00.12Z");
	t.tv_nsec = 1;
	cr_assert_str_eq(hull_time_format_rfc3339(&t, buf), "2026-12-07T08:00:00.000000001Z");
	t.tv_nsec = 999999999;
	cr_assert_str_eq(hull_time_format_rfc3339(&t, buf), "2026-12-07T08:00:00.999999999Z");
	t = (struct timespec){ 1709164800, 0 };
	cr_assert_str_eq(hull_time_format_rfc3339(&t, buf), "2024-02-29T00:00:00Z");
}

Test(timefmt, round_trip)
{
	static const struct timespec times[] = {
	    { 0, 0 }, { 1709164800, 1 }, { 1796630400, 500000000 }, { 951825600, 123456789 }, { 4102444799, 999999999 },
	};
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		char buf[HULL_TIME_BUF_LEN];
		struct timespec back = parse_ok(hull_time_format_rfc3339(&times[i], buf));
		cr_assert(back.tv_sec == times[i].tv_sec && back.tv_nsec == times[i].tv_nsec, "%s", buf);
	}
	char buf[HULL_TIME_BUF_LEN];
	struct timespec now, back;
	hull_time_now_rfc3339(buf);
	clock_gettime(CLOCK_REALTIME, &now);
	cr_assert_eq(hull_time_parse_rfc3339(buf, &back, NULL), 0, "%s", buf);
	cr_assert(now.tv_sec - back.tv_sec <= 1);
}

static struct timespec filter_ok(const char *s, const struct timespec *now)
{
	_cleanup_error_ struct hull_error *err = NULL;
	struct timespec t = {-1, -1};
	cr_assert_eq(hull_time_parse_filter(s, now, &t, &err), 0, "%s: %s", s, err ? err->msg : "");
	return t;
}

Test(timefmt, filter_forms_of_docker)
{
	setenv("TZ", "UTC", 1);
	tzset();
	struct timespec now = { 1796630400, 0 };
	/* durations before now */
	cr_assert_eq(filter_ok("10m", &now).tv_sec, 1796630400 - 600);
	cr_assert_eq(filter_ok("1h30m", &now).tv_sec, 1796630400 - 5400);
	cr_assert_eq(filter_ok("1.5h", &now).tv_sec, 1796630400 - 5400);
	struct timespec t = filter_ok("250ms", &now);
	cr_assert(t.tv_sec == 1796630399 && t.tv_nsec == 750000000);
	/* unix times */
	cr_assert_eq(filter_ok("1700000000", &now).tv_sec, 1700000000);
	t = filter_ok("1700000000.123", &now);
	cr_assert(t.tv_sec == 1700000000 && t.tv_nsec == 123000000);
	/* dates and times; without an offset in the local zone (UTC here) */
	cr_assert_eq(filter_ok("2026-12-07", &now).tv_sec, 1796601600);
	cr_assert_eq(filter_ok("2026-12-07T08:00", &now).tv_sec, 1796630400);
	cr_assert_eq(filter_ok("2026-12-07T08:00:00", &now).tv_sec, 1796630400);
	cr_assert_eq(filter_ok("2026-12-07T10:00:00+02:00", &now).tv_sec, 1796630400);
	/* the local zone is honoured */
	setenv("TZ", "EET-2", 1); /* UTC+2, no daylight saving */
	tzset();
	cr_assert_eq(filter_ok("2026-12-07T10:00:00", &now).tv_sec, 1796630400);
	setenv("TZ", "UTC", 1);
	tzset();
	static const char *bad[] = {
	    "", "10", "10x", "h", "1h30", "-", "2026-02-30", "1700000000.", "1.2.3s", "2026-12-07T10", "now"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		_cleanup_error_ struct hull_error *err = NULL;
		int r = hull_time_parse_filter(bad[i], &now, &t, &err);
		if (!strcmp(bad[i], "10")) /* a bare number is a unix time */
			cr_assert_eq(r, 0);
		else
			cr_assert_eq(r, -EINVAL, "accepted `%s`", bad[i]);
	}
}

Test(timefmt, now_into_and_parse_ns)
{
	char now[40];
	hull_time_now_rfc3339_into(now, sizeof(now));
	int64_t ns = hull_time_parse_ns(now);
	cr_assert_gt(ns, 1700000000LL * 1000000000LL);
	cr_assert_eq(hull_time_parse_ns("1970-01-01T00:00:01.5Z"), 1500000000LL);
	cr_assert_eq(hull_time_parse_ns("garbage"), 0);
}

Test(timefmt, parse_seconds_with_fraction_and_offset)
{
	cr_assert_eq(hull_time_parse_seconds("1970-01-01T00:01:40Z"), 100);
	cr_assert_eq(hull_time_parse_seconds("1970-01-01T00:01:40.123456789Z"), 100);
	cr_assert_eq(hull_time_parse_seconds("1970-01-01T02:01:40+02:00"), 100);
	cr_assert_eq(hull_time_parse_seconds("1970-01-01T00:00:40-00:01"), 100);
	cr_assert_eq(hull_time_parse_seconds("yesterday"), 0);
	cr_assert_eq(hull_time_parse_seconds(NULL), 0);
}

/* The --health-* and build HEALTHCHECK durations (Go's time.ParseDuration
 * syntax, as docker's CLI takes them). */
static long long dur(const char *s)
{
	long long ns = -1;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_time_parse_duration(s, &ns, &err), 0, "%s: %s", s, err ? err->msg : "");
	return ns;
}

Test(timefmt, go_durations)
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

Test(timefmt, bad_go_durations)
{
	static const char *const bad[] = {"", "5", "s", "-1s", "3x", "1m30"};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(bad); i++) {
		long long ns = 0;
		_cleanup_error_ struct hull_error *err = NULL;
		cr_assert_eq(hull_time_parse_duration(bad[i], &ns, &err), -EINVAL, "`%s` accepted", bad[i]);
		cr_assert(err && strstr(err->msg, "duration"), "`%s`: %s", bad[i], err ? err->msg : "no error");
	}
}
