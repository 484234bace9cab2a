/* version_rpm.c - rpm versions: rpmvercmp() (rpm rpmio/rpmvercmp.c) on each
 * of [epoch:]version[-release], as rpmVersionCompare() does.
 *
 * rpmvercmp splits both strings into runs of digits and runs of letters,
 * skipping other characters; numbers compare numerically, letters by
 * strcmp, and a number beats letters. '~' sorts before anything, even the
 * end of the string (1.0~rc1 < 1.0); '^' sorts after the end but before any
 * further segment (1.0 < 1.0^git1 < 1.0.1). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/fs.h"
#include "hull/scan.h"
#include "scan-internal.h"

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Compare [a, a_end) with [b, b_end) as strcmp would, shorter first. */
static int segment_order(const char *a, size_t an, const char *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	if (r)
		return r < 0 ? -1 : 1;
	return an < bn ? -1 : an > bn ? 1 : 0;
}

int hull_rpmvercmp(const char *one, const char *two)
{
	if (!strcmp(one, two))
		return 0;
	while (*one || *two) {
		while (*one && !is_alnum(*one) && *one != '~' && *one != '^')
			one++;
		while (*two && !is_alnum(*two) && *two != '~' && *two != '^')
			two++;
		if (*one == '~' || *two == '~') {
			if (*one != '~')
				return 1;
			if (*two != '~')
				return -1;
			one++;
			two++;
			continue;
		}
		if (*one == '^' || *two == '^') {
			if (!*one)
				return -1;
			if (!*two)
				return 1;
			if (*one != '^')
				return 1;
			if (*two != '^')
				return -1;
			one++;
			two++;
			continue;
		}
		if (!(*one && *two))
			break;
		const char *end1 = one, *end2 = two;
		bool numeric = is_digit(*one);
		if (numeric) {
			while (is_digit(*end1))
				end1++;
			while (is_digit(*end2))
				end2++;
		} else {
			while (is_alpha(*end1))
				end1++;
			while (is_alpha(*end2))
				end2++;
		}
		/* different kinds of segment: a number is newer than letters */
		if (end2 == two)
			return numeric ? 1 : -1;
		if (numeric) {
			while (*one == '0' && one < end1)
				one++;
			while (*two == '0' && two < end2)
				two++;
			size_t l1 = (size_t)(end1 - one), l2 = (size_t)(end2 - two);
			if (l1 != l2)
				return l1 > l2 ? 1 : -1;
		}
		int r = segment_order(one, (size_t)(end1 - one), two, (size_t)(end2 - two));
		if (r)
			return r;
		one = end1;
		two = end2;
	}
	if (!*one && !*two)
		return 0;
	return !*one ? -1 : 1;
}

struct evr {
	char *buf;
	const char *epoch; /* NULL when absent: compares as 0 */
	const char *version;
	const char *release; /* NULL when absent */
};

/* rpmverParse(): digits then ':' make an epoch; the release follows the
 * last '-'. */
static void evr_parse(const char *s, struct evr *v)
{
	v->buf = hull_xstrdup(s);
	char *p = v->buf;
	while (is_digit(*p))
		p++;
	if (*p == ':') {
		*p = '\0';
		v->epoch = v->buf;
		v->version = p + 1;
	} else {
		v->epoch = NULL;
		v->version = v->buf;
	}
	char *dash = strrchr(v->version, '-');
	if (dash) {
		*dash = '\0';
		v->release = dash + 1;
	} else {
		v->release = NULL;
	}
}


int hull_version_compare_rpm(const char *a, const char *b)
{
	struct evr va, vb;
	evr_parse(a, &va);
	evr_parse(b, &vb);
	/* rpmverCmp(): a missing epoch is "0"; epochs compare as versions */
	int r = hull_rpmvercmp(va.epoch && *va.epoch ? va.epoch : "0", vb.epoch && *vb.epoch ? vb.epoch : "0");
	if (!r)
		r = hull_rpmvercmp(va.version, vb.version);
	/* rpmverCmp() (rpm 4.18 rpmio/rpmver.c, python's rpm.ver): a version
	 * with a release sorts after the same version without one. */
	if (!r && va.release && vb.release)
		r = hull_rpmvercmp(va.release, vb.release);
	else if (!r && (va.release || vb.release))
		r = va.release ? 1 : -1;
	free(va.buf);
	free(vb.buf);
	return r;
}

int scan_version_check_rpm(const char *s, struct hull_error **err)
{
	if (!*s)
		return hull_error_msg(err, EINVAL, "version is empty");
	for (const char *p = s; *p; p++)
		if (isspace((unsigned char)*p))
			return hull_error_msg(err, EINVAL, "version `%s` contains a blank", s);
	return 0;
}
