/* test_osv.c - OSV range evaluation, withdrawn records, severities. */
#include <criterion/criterion.h>
#include <string.h>

#include "../../../src/lib/scan/scan-internal.h"

static json_t *record(const char *events)
{
	char buf[1024];
	snprintf(buf, sizeof(buf),
		 "{\"id\":\"T-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},"
		 "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":%s}]}]}",
		 events);
	json_t *j = json_loads(buf, 0, NULL);
	cr_assert_not_null(j, "%s", buf);
	return j;
}

/* affected? and the fix reported */
static void expect(const char *events, const char *version, bool affected, const char *fixed)
{
	json_t *r = record(events);
	struct scan_osv_verdict v = { 0 };
	cr_assert_eq(scan_osv_match(r, "Debian:12", "p", HULL_VERSION_DPKG, version, &v, NULL), 0);
	cr_expect_eq(v.affected, affected, "%s at %s", events, version);
	if (fixed)
		cr_expect(v.fixed && !strcmp(v.fixed, fixed), "%s at %s: fixed %s", events, version, v.fixed);
	else
		cr_expect_null(v.fixed, "%s at %s: fixed %s", events, version, v.fixed);
	free(v.fixed);
	json_decref(r);
}

Test(osv, introduced_fixed)
{
	const char *ev = "[{\"introduced\":\"0\"},{\"fixed\":\"1.2-1\"}]";
	expect(ev, "1.1-1", true, "1.2-1");
	expect(ev, "1.2-1", false, NULL);
	expect(ev, "1.2-1~bpo1", true, "1.2-1");
	expect(ev, "2:0.1", false, NULL);
}

Test(osv, several_intervals_pick_the_right_fix)
{
	const char *ev = "[{\"introduced\":\"0\"},{\"fixed\":\"1.0\"},{\"introduced\":\"2.0\"},{\"fixed\":\"2.5\"}]";
	expect(ev, "0.5", true, "1.0");
	expect(ev, "1.5", false, NULL);
	expect(ev, "2.1", true, "2.5");
	expect(ev, "3.0", false, NULL);
	/* events in any order: the schema says to sort them */
	expect("[{\"fixed\":\"2.5\"},{\"introduced\":\"2.0\"},{\"fixed\":\"1.0\"},{\"introduced\":\"0\"}]", "2.1", true,
	       "2.5");
}

Test(osv, last_affected_and_limit)
{
	const char *ev = "[{\"introduced\":\"1.0\"},{\"last_affected\":\"1.5\"}]";
	expect(ev, "0.9", false, NULL);
	expect(ev, "1.5", true, NULL);
	expect(ev, "1.5.1", false, NULL);
	const char *lim = "[{\"introduced\":\"0\"},{\"limit\":\"2.0\"}]";
	expect(lim, "1.9", true, NULL);
	expect(lim, "2.0", false, NULL);
	expect("[{\"introduced\":\"0\"}]", "99", true, NULL);
}

Test(osv, versions_list_ecosystem_and_withdrawn)
{
	json_t *r = json_loads("{\"id\":\"T-2\",\"affected\":[{\"package\":{\"ecosystem\":\"Alpine:v3.19\",\"name\":"
			       "\"openssl\"},\"versions\":[\"3.1.4-r1\"]}]}",
			       0, NULL);
	struct scan_osv_verdict v = { 0 };
	scan_osv_match(r, "Alpine:v3.19", "openssl", HULL_VERSION_APK, "3.1.4-r1", &v, NULL);
	cr_expect(v.affected);
	scan_osv_match(r, "Alpine:v3.19", "openssl", HULL_VERSION_APK, "3.1.4-r2", &v, NULL);
	cr_expect(!v.affected);
	scan_osv_match(r, "Alpine:v3.18", "openssl", HULL_VERSION_APK, "3.1.4-r1", &v, NULL);
	cr_expect(!v.affected, "another ecosystem");
	json_object_set_new(r, "withdrawn", json_string("2024-01-01T00:00:00Z"));
	scan_osv_match(r, "Alpine:v3.19", "openssl", HULL_VERSION_APK, "3.1.4-r1", &v, NULL);
	cr_expect(!v.affected, "withdrawn");
	json_decref(r);
}

Test(osv, cvss_scores)
{
	cr_expect_float_eq(scan_cvss_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8, 1e-9);
	cr_expect_float_eq(scan_cvss_score("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H"), 8.8, 1e-9);
	cr_expect_float_eq(scan_cvss_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1, 1e-9);
	cr_expect_float_eq(scan_cvss_score("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"), 5.9, 1e-9);
	cr_expect_float_eq(scan_cvss_score("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:L"), 1.6, 1e-9);
	cr_expect_float_eq(scan_cvss_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0, 1e-9);
	cr_expect_float_eq(scan_cvss_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), 7.5, 1e-9);
	cr_expect_float_eq(scan_cvss_score("AV:N/AC:M/Au:N/C:N/I:P/A:N"), 4.3, 1e-9);
	cr_expect_float_eq(scan_cvss_score("AV:N/AC:L/Au:N/C:C/I:C/A:C"), 10.0, 1e-9);
	cr_expect_lt(scan_cvss_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"), 0);
	cr_expect_lt(scan_cvss_score("CVSS:3.1/AV:X/AC:L"), 0);
	cr_expect_eq(scan_cvss_severity(9.8), HULL_SEVERITY_CRITICAL);
	cr_expect_eq(scan_cvss_severity(7.0), HULL_SEVERITY_HIGH);
	cr_expect_eq(scan_cvss_severity(6.9), HULL_SEVERITY_MEDIUM);
	cr_expect_eq(scan_cvss_severity(0.1), HULL_SEVERITY_LOW);
}

Test(osv, severity_precedence)
{
	json_t *r = json_loads(
		"{\"id\":\"T-3\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],"
		"\"database_specific\":{\"severity\":\"MODERATE\"},"
		"\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},"
		"\"ecosystem_specific\":{\"urgency\":\"low**\"}}]}",
		0, NULL);
	cr_expect_eq(scan_osv_severity(r, "Debian:12", "p"), HULL_SEVERITY_LOW, "the distribution's word first");
	cr_expect_eq(scan_osv_severity(r, "Debian:12", "q"), HULL_SEVERITY_MEDIUM, "then the database's");
	json_object_del(r, "database_specific");
	cr_expect_eq(scan_osv_severity(r, "Debian:12", "q"), HULL_SEVERITY_CRITICAL, "then CVSS");
	json_object_del(r, "severity");
	cr_expect_eq(scan_osv_severity(r, "Debian:12", "q"), HULL_SEVERITY_UNKNOWN);
	json_decref(r);
}

Test(osv, validation_names_the_field)
{
	struct hull_error *err = NULL;
	json_t *r = json_loads("{\"id\":\"T-4\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"p\"},"
			       "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\",\"fixed\":\"1\"}]}]}]}",
			       0, NULL);
	cr_assert_lt(scan_osv_validate(r, "T-4.json", &err), 0);
	cr_expect(strstr(err->msg, "T-4.json: affected[0].ranges[0].events[0]"), "%s", err->msg);
	hull_error_free(err);
	json_decref(r);
}
