/* fuzz_scan.c - libFuzzer target for the scan room's parsers: package
 * versions (dpkg, apk, rpm), dpkg status and apk installed databases, rpm
 * header blobs, OSV records (validate, match, severity) and CVSS vectors.
 * The first input byte picks the parser. Build and run: tests/fuzz/scan/run. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hull/scan.h"
#include "scan-internal.h"

static void packages_free(struct scan_packages *p)
{
	for (size_t i = 0; i < p->n; i++)
		scan_package_clear(&p->v[i]);
	free(p->v);
}

static void fuzz_versions(const char *s)
{
	const char *tab = strchr(s, '\t');
	char *a = strndup(s, tab ? (size_t)(tab - s) : strlen(s));
	const char *b = tab ? tab + 1 : "1.0";
	for (int scheme = HULL_VERSION_DPKG; scheme <= HULL_VERSION_RPM; scheme++) {
		int r1 = hull_version_compare(scheme, a, b), r2 = hull_version_compare(scheme, b, a);
		/* antisymmetry: a < b exactly when b > a */
		if ((r1 < 0) != (r2 > 0) || (r1 == 0) != (r2 == 0))
			abort();
		if (hull_version_compare(scheme, a, a) != 0)
			abort();
		hull_version_check(scheme, a, NULL);
	}
	free(a);
}

static void fuzz_osv(const char *s, size_t len)
{
	json_t *j = json_loadb(s, len, 0, NULL);
	if (!j)
		return;
	if (scan_osv_validate(j, "fuzz", NULL) == 0) {
		struct scan_osv_verdict v = { 0 };
		scan_osv_match(j, "Debian:12", "p", HULL_VERSION_DPKG, "1.0-1", &v, NULL);
		free(v.fixed);
		scan_osv_severity(j, "Debian:12", "p");
	}
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *s = strndup((const char *)data + 1, size - 1);
	struct scan_packages p = { 0 };
	switch (data[0] % 6) {
	case 0: fuzz_versions(s); break;
	case 1: scan_dpkg_parse(s, "fuzz", &p, NULL); break;
	case 2: scan_apk_parse(s, "fuzz", &p, NULL); break;
	case 3: scan_rpm_header_parse(data + 1, size - 1, &p, NULL); break;
	case 4: fuzz_osv(s, strlen(s)); break;
	case 5: scan_cvss_score(s); break;
	}
	packages_free(&p);
	free(s);
	return 0;
}
