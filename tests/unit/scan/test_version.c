/* test_version.c - version orders: dpkg, apk, rpm tables. The dpkg and rpm
 * comparators are also checked against the real tools on thousands of
 * generated pairs (tests/integration/scan_vercmp.bats); apk has no binary
 * here, so its table below is derived from apk-tools' src/version.c rules. */
#include <criterion/criterion.h>

#include "hull/scan.h"

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

struct pair {
	const char *a, *b;
	int want;
};

static void check(enum hull_version_scheme s, const struct pair *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(sign(hull_version_compare(s, p[i].a, p[i].b)), p[i].want, "%s vs %s: want %d", p[i].a,
			     p[i].b, p[i].want);
		cr_expect_eq(sign(hull_version_compare(s, p[i].b, p[i].a)), -p[i].want, "%s vs %s (swapped)", p[i].b,
			     p[i].a);
	}
}

Test(version, dpkg_table)
{
	static const struct pair p[] = {
		{ "1.0", "1.0", 0 },	       { "1.0", "1.0-0", 0 },	     { "1.0~rc1", "1.0", -1 },
		{ "1.0~~", "1.0~", -1 },       { "1.0~", "1.0", -1 },	     { "1.0", "1.0+b1", -1 },
		{ "1.0a", "1.0+", -1 },	       { "1.0", "1.0a", -1 },	     { "1:0.1", "2.0", 1 },
		{ "0:1.0", "1.0", 0 },	       { "1.01", "1.1", 0 },	     { "1.2-3", "1.2-10", -1 },
		{ "2.36-9+deb12u14", "2.36-9+deb12u15", -1 }, { "37~deb12u1", "37", -1 },
		{ "1.0-1~bpo1", "1.0-1", -1 }, { "1.0.dfsg", "1.0+dfsg", 1 }, { "9.1-1", "9.10-1", -1 },
	};
	check(HULL_VERSION_DPKG, p, sizeof(p) / sizeof(p[0]));
}

Test(version, dpkg_validity_follows_dpkg)
{
	cr_expect_eq(hull_version_check(HULL_VERSION_DPKG, "1:2.3-4", NULL), 0);
	cr_expect_eq(hull_version_check(HULL_VERSION_DPKG, "a1", NULL), 0, "dpkg only warns");
	cr_expect_lt(hull_version_check(HULL_VERSION_DPKG, "", NULL), 0);
	cr_expect_lt(hull_version_check(HULL_VERSION_DPKG, "1 2", NULL), 0);
	cr_expect_lt(hull_version_check(HULL_VERSION_DPKG, "a:1", NULL), 0);
	cr_expect_lt(hull_version_check(HULL_VERSION_DPKG, "1:", NULL), 0);
	cr_expect_lt(hull_version_check(HULL_VERSION_DPKG, "1-", NULL), 0);
	cr_expect_lt(hull_version_check(HULL_VERSION_DPKG, "-1", NULL), 0);
	cr_expect_lt(hull_version_check(HULL_VERSION_DPKG, "-1:2", NULL), 0);
}

/* apk-tools src/version.c: tokens compare by type then value; suffix order
 * _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p;
 * then -rN; a leading zero makes a number compare as a string. */
Test(version, apk_table)
{
	static const struct pair p[] = {
		{ "1.0_alpha", "1.0_beta", -1 }, { "1.0_beta", "1.0_pre", -1 },	  { "1.0_pre", "1.0_rc", -1 },
		{ "1.0_rc", "1.0", -1 },	 { "1.0", "1.0_cvs", -1 },	  { "1.0_cvs", "1.0_svn", -1 },
		{ "1.0_svn", "1.0_git", -1 },	 { "1.0_git", "1.0_hg", -1 },	  { "1.0_hg", "1.0_p", -1 },
		{ "1.0_p", "1.0-r1", 1 },	 { "1.0", "1.0-r1", -1 },	  { "1.0-r1", "1.0-r2", -1 },
		{ "1.0-r9", "1.0-r10", -1 },	 { "1.0_rc1", "1.0_rc2", -1 },	  { "1.0_rc9", "1.0_rc10", -1 },
		{ "1.0_p1", "1.0_p2", -1 },	 { "1.0_alpha1", "1.0", -1 },	  { "1.0_p1", "1.0.1", -1 },
		{ "1.0a", "1.0b", -1 },		 { "1.0", "1.0a", -1 },		  { "1.0a", "1.0.1", -1 },
		{ "1.2", "1.10", -1 },		 { "1.02", "1.1", -1 },		  { "1.010", "1.01", 1 },
		{ "3.1.4-r0", "3.1.4", 1 },	 { "1.0", "1.0", 0 },		  { "1.0-r0", "1.0-r0", 0 },
		{ "2.0", "10.0", -1 },		 { "1.0_rc1-r1", "1.0-r0", -1 },  { "1.0~abc", "1.0", 1 },
		{ "1.0~abc-r1", "1.0-r1", 1 },	 { "1.0_p1_rc1", "1.0_p1", -1 },  { "1.0_bogus", "1.0", -1 },
		{ "1.0-x", "1.0", -1 },		 { "1.0.", "1.0", -1 },		  { "3.0.12-r0", "3.0.13-r0", -1 },
		{ "1.36.1-r15", "1.36.1-r2", 1 },
		/* orders apk-tools' own test data (test/version.data) also states */
		{ "1.0", "1.0bc", -1 },		 { "23_foo", "4_beta", 1 },	  { "0.1.0_alpha_pre2", "0.1.0_alpha", -1 },
		{ "1.06-r6", "006", -1 },	 { "3.0.20060720", "20060720", -1 }, { "0.7.18-r2", "0.17-r6", -1 },
		{ "1.2.07.8", "1.2.12.04", -1 }, { "2.5.1-r8", "2.5.1a-r1", -1 },	  { "1.3_pre1-r1", "1.3.2", -1 },
		{ "1.0_p10-r0", "1.0_p9-r0", 1 }, { "087-r1", "103", -1 },	  { "0.59s-r11", "0.65", -1 },
		{ "1.0.0_pre20191002222144-r0", "1.0.0_pre20210530193627-r0", -1 },
		{ "0.20070118", "0.20070207_rc1", -1 }, { "2.12r-r4", "2.12r-r5", -1 },
	};
	check(HULL_VERSION_APK, p, sizeof(p) / sizeof(p[0]));
	cr_expect_eq(hull_version_check(HULL_VERSION_APK, "1.2.3_rc1-r4", NULL), 0);
	cr_expect_lt(hull_version_check(HULL_VERSION_APK, "1.2.3_bogus", NULL), 0);
	cr_expect_lt(hull_version_check(HULL_VERSION_APK, "1.2-3", NULL), 0);
}

Test(version, rpm_table)
{
	static const struct pair p[] = {
		{ "1.0", "1.0", 0 },	       { "1.0", "2.0", -1 },	     { "2.0.1", "2.0", 1 },
		{ "1.0~rc1", "1.0", -1 },      { "1.0~rc1", "1.0~rc2", -1 }, { "1.0^", "1.0", 1 },
		{ "1.0^git1", "1.0.1", -1 },   { "1.0^git1", "1.0~rc1", 1 }, { "1.0a", "1.0", 1 },
		{ "1.a", "1.1", -1 },	       { "1.010", "1.9", 1 },	     { "1:1.0", "2.0", 1 },
		{ "0:1.0-1", "1.0-1", 0 },     { "1.0-1.el9", "1.0-2.el9", -1 }, { "1.0", "1.0-5", -1 },
		{ "3.0.7-27.el9", "3.0.7-25.el9_3", 1 }, { "1.0_1", "1.0.1", 0 },
	};
	check(HULL_VERSION_RPM, p, sizeof(p) / sizeof(p[0]));
}
