/* version.c - one entry point over the three package managers' orders. */
#include "hull/scan.h"
#include "scan-internal.h"

int hull_version_compare(enum hull_version_scheme scheme, const char *a, const char *b)
{
	switch (scheme) {
	case HULL_VERSION_APK:
		return hull_version_compare_apk(a, b);
	case HULL_VERSION_RPM:
		return hull_version_compare_rpm(a, b);
	case HULL_VERSION_DPKG:
	default:
		return hull_version_compare_dpkg(a, b);
	}
}

int hull_version_check(enum hull_version_scheme scheme, const char *s, struct hull_error **err)
{
	switch (scheme) {
	case HULL_VERSION_APK:
		return scan_version_check_apk(s, err);
	case HULL_VERSION_RPM:
		return scan_version_check_rpm(s, err);
	case HULL_VERSION_DPKG:
	default:
		return scan_version_check_dpkg(s, err);
	}
}
