/* version_dpkg.c - Debian version numbers, compared as dpkg compares them.
 *
 * Format and order: deb-version(7). Parsing follows dpkg's parseversion()
 * (lib/dpkg/parsehelp.c): what dpkg rejects outright (empty, embedded
 * blanks, a bad epoch, nothing after the colon, an empty revision) is an
 * error; what it only warns about (no leading digit, odd characters) still
 * compares. The comparison is dpkg's verrevcmp() on the upstream part and
 * then on the revision, after the epoch. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "hull/scan.h"
#include "scan-internal.h"

struct dpkg_version {
	long epoch;
	const char *upstream; /* [upstream, upstream_end) */
	const char *upstream_end;
	const char *revision; /* [revision, revision_end), empty when absent */
	const char *revision_end;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Returns NULL on success or the reason dpkg would refuse the version. */
static const char *dpkg_parse(const char *s, struct dpkg_version *v)
{
	while (*s && is_blank(*s))
		s++;
	if (!*s)
		return "version string is empty";
	const char *end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		end--;
	for (const char *p = s; p < end; p++)
		if (is_blank(*p))
			return "version string has embedded spaces";

	v->epoch = 0;
	const char *colon = memchr(s, ':', (size_t)(end - s));
	if (colon) {
		char *epoch_end;
		errno = 0;
		/* strtol like dpkg: a leading '+' is accepted, '-' yields a
		 * negative epoch that is then refused. */
		long epoch = strtol(s, &epoch_end, 10);
		if (epoch_end == s)
			return "epoch in version is empty";
		if (epoch_end != colon)
			return "epoch in version is not number";
		if (epoch < 0)
			return "epoch in version is negative";
		if (epoch > INT_MAX || errno == ERANGE)
			return "epoch in version is too big";
		if (colon + 1 == end)
			return "nothing after colon in version number";
		v->epoch = epoch;
		s = colon + 1;
	}
	const char *hyphen = NULL;
	for (const char *p = s; p < end; p++)
		if (*p == '-')
			hyphen = p;
	v->upstream = s;
	v->upstream_end = hyphen ? hyphen : end;
	v->revision = hyphen ? hyphen + 1 : end;
	v->revision_end = end;
	if (hyphen && hyphen + 1 == end)
		return "revision number is empty";
	if (v->upstream == v->upstream_end)
		return "version number is empty";
	return NULL;
}

/* dpkg's order(): digits 0 (they are compared apart), letters by value,
 * '~' before everything (even the end), other characters after letters. */
static int order(int c)
{
	if (isdigit(c))
		return 0;
	if (isalpha(c))
		return c;
	if (c == '~')
		return -1;
	if (c)
		return c + 256;
	return 0;
}

static int verrevcmp(const char *a, const char *a_end, const char *b, const char *b_end)
{
#define A (a < a_end ? (unsigned char)*a : 0)
#define B (b < b_end ? (unsigned char)*b : 0)
	while (A || B) {
		int first_diff = 0;
		while ((A && !isdigit(A)) || (B && !isdigit(B))) {
			int ac = order(A), bc = order(B);
			if (ac != bc)
				return ac - bc;
			a++;
			b++;
		}
		while (A == '0')
			a++;
		while (B == '0')
			b++;
		while (isdigit(A) && isdigit(B)) {
			if (!first_diff)
				first_diff = A - B;
			a++;
			b++;
		}
		if (isdigit(A))
			return 1;
		if (isdigit(B))
			return -1;
		if (first_diff)
			return first_diff;
	}
	return 0;
#undef A
#undef B
}

/* A version dpkg refuses still needs a place in the order (database
 * records are not ours to fix): compare it whole as an upstream version. */
static void dpkg_parse_lenient(const char *s, struct dpkg_version *v)
{
	if (dpkg_parse(s, v) != NULL) {
		v->epoch = 0;
		v->upstream = s;
		v->upstream_end = s + strlen(s);
		v->revision = v->revision_end = v->upstream_end;
	}
}

int hull_version_compare_dpkg(const char *a, const char *b)
{
	struct dpkg_version va, vb;
	dpkg_parse_lenient(a, &va);
	dpkg_parse_lenient(b, &vb);
	if (va.epoch != vb.epoch)
		return va.epoch < vb.epoch ? -1 : 1;
	int r = verrevcmp(va.upstream, va.upstream_end, vb.upstream, vb.upstream_end);
	if (r)
		return r;
	return verrevcmp(va.revision, va.revision_end, vb.revision, vb.revision_end);
}

int scan_version_check_dpkg(const char *s, struct hull_error **err)
{
	struct dpkg_version v;
	const char *why = dpkg_parse(s, &v);
	if (why)
		return hull_error_msg(err, EINVAL, "version `%s` has bad syntax: %s", s, why);
	return 0;
}
