/* vercmp_tool.c - pairs of versions and hull's verdict on each, for the
 * oracle tests (tests/integration/scan_vercmp.bats): dpkg --compare-versions
 * and rpm's own rpmvercmp (python3-rpm) judge every line.
 *
 *   scan-vercmp gen dpkg|apk|rpm COUNT SEED [REAL-VERSIONS-FILE]
 *       prints "a<TAB>b<TAB>verdict", verdict one of < = > invalid
 *   scan-vercmp cmp dpkg|apk|rpm A B
 *       prints the verdict for one pair */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/error.h"
#include "hull/fs.h"
#include "hull/scan.h"

static unsigned long long rng_state;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* A random version from the alphabet; shaped (epoch, upstream, revision)
 * half of the time so that most pairs are valid and share prefixes. */
static void random_version(enum hull_version_scheme scheme, char *out, size_t cap)
{
	static const char dpkg_alpha[] = "0123456789abzAZ~+.-:";
	static const char rpm_alpha[] = "0123456789abzAZ~^+._-";
	const char *alpha = scheme == HULL_VERSION_RPM ? rpm_alpha : dpkg_alpha;
	size_t n = 0, len = 1 + rnd(10);
	if (rnd(2)) {
		if (rnd(3) == 0)
			n += (size_t)snprintf(out + n, cap - n, "%u:", rnd(3));
		n += (size_t)snprintf(out + n, cap - n, "%u", rnd(12));
		for (size_t i = 0; i < len && n + 2 < cap; i++)
			out[n++] = rnd(3) ? (char)('0' + rnd(10)) : alpha[rnd((unsigned)strlen(alpha))];
		if (rnd(2))
			n += (size_t)snprintf(out + n, cap - n, "-%u%s", rnd(4), rnd(3) ? "" : "~b1");
	} else {
		for (size_t i = 0; i < len && n + 2 < cap; i++)
			out[n++] = alpha[rnd((unsigned)strlen(alpha))];
	}
	out[n] = '\0';
}

/* Mutate a real version a little: bump or drop a character. */
static void mutate(enum hull_version_scheme scheme, const char *in, char *out, size_t cap)
{
	snprintf(out, cap, "%s", in);
	size_t l = strlen(out);
	static const char pool[] = "0123456789~+.a";
	switch (rnd(4)) {
	case 0:
		if (l)
			out[rnd((unsigned)l)] = pool[rnd(sizeof(pool) - 1)];
		break;
	case 1:
		if (l + 2 < cap) {
			out[l] = pool[rnd(sizeof(pool) - 1)];
			out[l + 1] = '\0';
		}
		break;
	case 2:
		if (l > 1)
			out[l - 1] = '\0';
		break;
	default:
		(void)scheme;
		break;
	}
}

static const char *verdict(enum hull_version_scheme scheme, const char *a, const char *b)
{
	if (scheme == HULL_VERSION_DPKG && (hull_version_check(scheme, a, NULL) < 0 || hull_version_check(scheme, b, NULL) < 0))
		return "invalid";
	int r = hull_version_compare(scheme, a, b);
	return r < 0 ? "<" : r > 0 ? ">" : "=";
}

static int parse_scheme(const char *s, enum hull_version_scheme *out)
{
	if (!strcmp(s, "dpkg"))
		*out = HULL_VERSION_DPKG;
	else if (!strcmp(s, "apk"))
		*out = HULL_VERSION_APK;
	else if (!strcmp(s, "rpm"))
		*out = HULL_VERSION_RPM;
	else
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	enum hull_version_scheme scheme;
	if (argc >= 5 && !strcmp(argv[1], "gen") && parse_scheme(argv[2], &scheme) == 0) {
		unsigned long count = strtoul(argv[3], NULL, 10);
		rng_state = strtoull(argv[4], NULL, 10) | 1;
		char **real = NULL;
		size_t n_real = 0;
		_cleanup_free_ char *buf = NULL;
		if (argc >= 6 && hull_read_file(argv[5], &buf, NULL, NULL) == 0) {
			for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
				real = hull_xrealloc(real, (n_real + 1) * sizeof(*real));
				real[n_real++] = l;
			}
		}
		char a[64], b[64];
		for (unsigned long i = 0; i < count; i++) {
			if (n_real && i % 2) {
				snprintf(a, sizeof(a), "%s", real[rnd((unsigned)n_real)]);
				if (rnd(2))
					mutate(scheme, a, b, sizeof(b));
				else
					snprintf(b, sizeof(b), "%s", real[rnd((unsigned)n_real)]);
			} else {
				random_version(scheme, a, sizeof(a));
				if (rnd(3) == 0)
					mutate(scheme, a, b, sizeof(b));
				else
					random_version(scheme, b, sizeof(b));
			}
			printf("%s\t%s\t%s\n", a, b, verdict(scheme, a, b));
		}
		free(real);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "cmp") && parse_scheme(argv[2], &scheme) == 0) {
		printf("%s\n", verdict(scheme, argv[3], argv[4]));
		return 0;
	}
	fprintf(stderr, "usage: scan-vercmp gen dpkg|apk|rpm COUNT SEED [REAL-VERSIONS] | cmp SCHEME A B\n");
	return 2;
}
