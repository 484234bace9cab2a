/* timefmt.c - RFC 3339 and docker's filter times (see hull/timefmt.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/timefmt.h"

#define NS_PER_S 1000000000LL

/* Read exactly n digits at *p; -1 when one is not a digit. */
static int digits(const char **p, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
	}
	return v;
}

static bool leap(long long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (the
 * civil-from-days inverse of H. Hinnant's date algorithms); no timegm(),
 * which silently turns Feb 30 into Mar 2. */
static long long days_from_civil(long long y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

struct fields {
	int year, mon, day, hour, min, sec;
	long nsec;
	bool has_time, has_offset;
	int offset; /* seconds east of UTC */
};

/* Parse "YYYY-MM-DD[Thh:mm[:ss[.frac]]][Z|±hh:mm]"; the caller decides
 * which parts are required. */
static bool parse_fields(const char *s, struct fields *f)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	memset(f, 0, sizeof(*f));
	const char *p = s;
	if ((f->year = digits(&p, 4)) < 0 || *p++ != '-' || (f->mon = digits(&p, 2)) < 0 || *p++ != '-' ||
	    (f->day = digits(&p, 2)) < 0)
		return false;
	if (f->mon < 1 || f->mon > 12 || f->day < 1 || f->day > mdays[f->mon - 1] + (f->mon == 2 && leap(f->year)))
		return false;
	if (*p == 'T') {
		p++;
		f->has_time = true;
		if ((f->hour = digits(&p, 2)) < 0 || *p++ != ':' || (f->min = digits(&p, 2)) < 0)
			return false;
		if (*p == ':') {
			p++;
			if ((f->sec = digits(&p, 2)) < 0)
				return false;
			if (*p == '.') {
				p++;
				int n = 0;
				for (; isdigit((unsigned char)*p); p++, n++)
					if (n < 9)
						f->nsec = f->nsec * 10 + (*p - '0');
				if (n == 0)
					return false;
				for (; n < 9; n++)
					f->nsec *= 10;
			}
		}
		if (f->hour > 23 || f->min > 59 || f->sec > 59)
			return false;
	}
	if (*p == 'Z') {
		p++;
		f->has_offset = true;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '+' ? 1 : -1, hh, mm;
		if ((hh = digits(&p, 2)) < 0 || *p++ != ':' || (mm = digits(&p, 2)) < 0 || hh > 23 || mm > 59)
			return false;
		f->has_offset = true;
		f->offset = sign * (hh * 3600 + mm * 60);
	}
	return *p == '\0';
}

static void to_utc(const struct fields *f, struct timespec *out)
{
	long long secs =
	    days_from_civil(f->year, f->mon, f->day) * 86400LL + f->hour * 3600LL + f->min * 60LL + f->sec - f->offset;
	out->tv_sec = (time_t)secs;
	out->tv_nsec = f->nsec;
}

int hull_time_parse_rfc3339(const char *s, struct timespec *out, struct hull_error **err)
{
	struct fields f;
	if (!s || !parse_fields(s, &f) || !f.has_time || !f.has_offset)
		return hull_error_msg(err, EINVAL,
				      "`%s` is not an RFC 3339 time (want YYYY-MM-DDThh:mm:ss[.frac] and Z or ±hh:mm)",
				      s ? s : "");
	to_utc(&f, out);
	return 0;
}

/* A Go duration ("1h30m", "1.5h", "250ms"), as nanoseconds; false when s
 * is not one. */
static bool parse_duration(const char *s, long long *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = {{"ns", 1}, {"us", 1e3}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
	const char *p = s;
	int sign = 1;
	if (*p == '-' || *p == '+')
		sign = *p++ == '-' ? -1 : 1;
	if (!*p)
		return false;
	double total = 0;
	while (*p) {
		const char *num = p;
		double v = 0, scale = 1;
		bool frac = false, any = false;
		for (; isdigit((unsigned char)*p) || (*p == '.' && !frac); p++) {
			if (*p == '.') {
				frac = true;
				continue;
			}
			any = true;
			if (frac)
				v += (*p - '0') * (scale /= 10);
			else
				v = v * 10 + (*p - '0');
		}
		if (!any || p == num)
			return false;
		size_t best = 0;
		double ns = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].unit);
			if (n > best && !strncmp(p, units[i].unit, n)) {
				best = n;
				ns = units[i].ns;
			}
		}
		if (!best)
			return false;
		p += best;
		total += v * ns;
		if (total > (double)LLONG_MAX / 2)
			return false;
	}
	*out = sign * (long long)total;
	return true;
}

/* "1700000000" or "1700000000.123": unix seconds with up to 9 fraction
 * digits. */
static bool parse_unix(const char *s, struct timespec *out)
{
	const char *p = s;
	long long secs = 0;
	long nsec = 0;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		if (secs > (LLONG_MAX - 9) / 10)
			return false;
		secs = secs * 10 + (*p - '0');
	}
	if (*p == '.') {
		int n = 0;
		for (p++; isdigit((unsigned char)*p); p++, n++)
			if (n < 9)
				nsec = nsec * 10 + (*p - '0');
		if (n == 0)
			return false;
		for (; n < 9; n++)
			nsec *= 10;
	}
	if (*p)
		return false;
	out->tv_sec = (time_t)secs;
	out->tv_nsec = nsec;
	return true;
}

int hull_time_parse_filter(const char *s, const struct timespec *now, struct timespec *out, struct hull_error **err)
{
	struct fields f;
	long long ago;
	if (!s)
		s = "";
	/* A date first: "2026-12-07" would also read as digits. */
	if (parse_fields(s, &f)) {
		if (f.has_offset) {
			to_utc(&f, out);
		} else {
			struct tm tm = { .tm_year = f.year - 1900,
					.tm_mon = f.mon - 1,
					.tm_mday = f.day,
					.tm_hour = f.hour,
					.tm_min = f.min,
					.tm_sec = f.sec,
					.tm_isdst = -1};
			out->tv_sec = mktime(&tm);
			out->tv_nsec = f.nsec;
		}
		return 0;
	}
	if (parse_unix(s, out))
		return 0;
	if (parse_duration(s, &ago)) {
		long long t = hull_time_ns(now) - ago;
		out->tv_sec = (time_t)(t / NS_PER_S);
		out->tv_nsec = (long)(t % NS_PER_S);
		if (out->tv_nsec < 0) {
			out->tv_nsec += NS_PER_S;
			out->tv_sec--;
		}
		return 0;
	}
	return hull_error_msg(err, EINVAL,
			      "`%s` is not a time: want a duration (10m, 1h30m), a unix time (1700000000[.123]), "
			      "a date (2026-12-07) or RFC 3339 (2026-12-07T10:00:00+02:00)",
			      s);
}

char *hull_time_format_rfc3339(const struct timespec *t, char buf[HULL_TIME_BUF_LEN])
{
	struct tm tm;
	time_t secs = t->tv_sec;
	if (!gmtime_r(&secs, &tm)) /* a year past INT_MAX: nothing hull writes */
		gmtime_r(&(time_t){ 0 }, &tm);
	int n = snprintf(buf, HULL_TIME_BUF_LEN, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (t->tv_nsec > 0 && n > 0 && n < HULL_TIME_BUF_LEN - 12) {
		n += snprintf(buf + n, (size_t)(HULL_TIME_BUF_LEN - n), ".%09ld", t->tv_nsec);
		while (buf[n - 1] == '0')
			n--;
	}
	if (n > 0 && n < HULL_TIME_BUF_LEN - 1) {
		buf[n] = 'Z';
		buf[n + 1] = '\0';
	}
	return buf;
}

char *hull_time_now_rfc3339(char buf[HULL_TIME_BUF_LEN])
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return hull_time_format_rfc3339(&now, buf);
}

long long hull_time_ns(const struct timespec *t)
{
	if (t->tv_sec > LLONG_MAX / NS_PER_S - 1)
		return LLONG_MAX;
	if (t->tv_sec < LLONG_MIN / NS_PER_S + 1)
		return LLONG_MIN;
	return (long long)t->tv_sec * NS_PER_S + t->tv_nsec;
}

void hull_time_now_rfc3339_into(char *buf, size_t size)
{
	char now[HULL_TIME_BUF_LEN];
	snprintf(buf, size, "%s", hull_time_now_rfc3339(now));
}

int64_t hull_time_parse_ns(const char *s)
{
	struct timespec t;
	if (!s || !*s || hull_time_parse_rfc3339(s, &t, NULL) < 0)
		return 0;
	return hull_time_ns(&t);
}

long long hull_time_parse_seconds(const char *s)
{
	struct timespec t;
	if (!s || hull_time_parse_rfc3339(s, &t, NULL) < 0)
		return 0;
	return (long long)t.tv_sec;
}

int hull_time_parse_duration(const char *s, long long *ns, struct hull_error **err)
{
	static const struct {
		const char *unit;
		long long ns;
	} units[] = {
	    {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", NS_PER_S}, {"m", 60 * NS_PER_S}, {"h", 3600 * NS_PER_S},
	};
	const char *p = s;
	long long total = 0;
	if (!s || !*s)
		return hull_error_msg(err, EINVAL, "an empty duration; give one as 30s, 200ms or 1m30s");
	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	while (*p) {
		char *end;
		double v = strtod(p, &end);
		if (end == p || v < 0)
			return hull_error_msg(err, EINVAL,
					      "the duration `%s` is invalid; give one as 30s, 200ms or 1m30s", s);
		size_t best = 0;
		long long mult = 0;
		for (size_t i = 0; i < HULL_ARRAY_SIZE(units); i++) {
			size_t n = strlen(units[i].unit);
			if (!strncmp(end, units[i].unit, n) && n > best) {
				best = n;
				mult = units[i].ns;
			}
		}
		if (!best)
			return hull_error_msg(err, EINVAL, "the duration `%s` lacks a unit (ns, us, ms, s, m, h)", s);
		total += (long long)(v * (double)mult);
		p = end + best;
	}
	*ns = total;
	return 0;
}
