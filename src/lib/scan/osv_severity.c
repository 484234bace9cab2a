/* osv_severity.c - how bad is an OSV record, and is it well formed?
 *
 * Severity, most specific first (what the distribution says about its own
 * package beats a generic score): the matching affected[] entry's
 * ecosystem_specific / database_specific `severity` (or Debian's
 * `urgency`); the record's `severity[]` of type "Ubuntu" (a word); the
 * record's database_specific.severity (GitHub's "MODERATE"...); then the
 * highest base score of its CVSS_V3 vectors, else of its CVSS_V2 vectors
 * (in the affected entry or the record). Nothing usable: UNKNOWN. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "scan-internal.h"

/* "low**" (Debian marks unconfirmed urgencies) -> LOW */
static int word_severity(const char *w)
{
	if (!w)
		return -1;
	char buf[32];
	size_t n = strcspn(w, "*");
	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, w, n);
	buf[n] = '\0';
	int s = hull_scan_severity_parse(buf);
	/* "not yet assigned" / "none" say nothing: keep looking */
	return s == HULL_SEVERITY_UNKNOWN ? -1 : s;
}

static int specific_severity(json_t *affected)
{
	static const char *const objects[] = { "ecosystem_specific", "database_specific" };
	static const char *const keys[] = { "severity", "urgency" };
	for (size_t o = 0; o < HULL_ARRAY_SIZE(objects); o++)
		for (size_t k = 0; k < HULL_ARRAY_SIZE(keys); k++) {
			int s = word_severity(json_string_value(json_object_get(json_object_get(affected, objects[o]), keys[k])));
			if (s >= 0)
				return s;
		}
	return -1;
}

/* Highest severity in a severity[] array: words of `type`, or CVSS
 * vectors whose type starts with `type`. */
static int array_severity(json_t *arr, const char *type)
{
	int best = -1;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *s = json_array_get(arr, i);
		const char *t = json_string_value(json_object_get(s, "type"));
		const char *score = json_string_value(json_object_get(s, "score"));
		if (!t || !score || strcmp(t, type))
			continue;
		int sev = !strncmp(type, "CVSS", 4) ? (int)scan_cvss_severity(scan_cvss_score(score))
						    : word_severity(score);
		if (sev > best)
			best = sev;
	}
	return best;
}

enum hull_scan_severity scan_osv_severity(json_t *record, const char *ecosystem, const char *package)
{
	json_t *affected = json_object_get(record, "affected"), *match = NULL;
	for (size_t i = 0; i < json_array_size(affected) && !match; i++) {
		json_t *a = json_array_get(affected, i);
		json_t *pkg = json_object_get(a, "package");
		const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
		const char *name = json_string_value(json_object_get(pkg, "name"));
		if (eco && name && !strcmp(eco, ecosystem) && !strcmp(name, package))
			match = a;
	}
	int s = match ? specific_severity(match) : -1;
	if (s < 0)
		s = array_severity(json_object_get(record, "severity"), "Ubuntu");
	if (s < 0)
		s = word_severity(json_string_value(json_object_get(json_object_get(record, "database_specific"), "severity")));
	static const char *const cvss[] = { "CVSS_V3", "CVSS_V2" };
	for (size_t c = 0; c < HULL_ARRAY_SIZE(cvss) && s < 0; c++) {
		s = match ? array_severity(json_object_get(match, "severity"), cvss[c]) : -1;
		int r = array_severity(json_object_get(record, "severity"), cvss[c]);
		if (r > s)
			s = r;
		if (s == HULL_SEVERITY_UNKNOWN)
			s = -1;
	}
	return s < 0 ? HULL_SEVERITY_UNKNOWN : (enum hull_scan_severity)s;
}

static int check_events(json_t *events, const char *where, const char *field, struct hull_error **err)
{
	if (!json_is_array(events))
		return hull_error_msg(err, EINVAL, "%s: %s.events: must be an array", where, field);
	for (size_t e = 0; e < json_array_size(events); e++) {
		json_t *ev = json_array_get(events, e);
		int kinds = 0;
		const char *keys[] = { "introduced", "fixed", "last_affected", "limit" };
		for (size_t k = 0; k < HULL_ARRAY_SIZE(keys); k++) {
			json_t *v = json_object_get(ev, keys[k]);
			if (!v)
				continue;
			if (!json_is_string(v))
				return hull_error_msg(err, EINVAL, "%s: %s.events[%zu].%s: must be a string", where,
						      field, e, keys[k]);
			kinds++;
		}
		if (kinds != 1)
			return hull_error_msg(err, EINVAL,
					      "%s: %s.events[%zu]: must have exactly one of introduced, fixed, "
					      "last_affected, limit",
					      where, field, e);
	}
	return 0;
}

static int check_affected(json_t *a, const char *where, size_t i, struct hull_error **err)
{
	_cleanup_free_ char *field = hull_strdup_printf("affected[%zu]", i);
	json_t *pkg = json_object_get(a, "package");
	if (!json_is_object(a))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an object", where, field);
	if (pkg && (!json_is_string(json_object_get(pkg, "ecosystem")) || !json_is_string(json_object_get(pkg, "name"))))
		return hull_error_msg(err, EINVAL, "%s: %s.package: needs string `ecosystem` and `name`", where, field);
	json_t *ranges = json_object_get(a, "ranges"), *versions = json_object_get(a, "versions");
	if (ranges && !json_is_array(ranges))
		return hull_error_msg(err, EINVAL, "%s: %s.ranges: must be an array", where, field);
	if (versions && !json_is_array(versions))
		return hull_error_msg(err, EINVAL, "%s: %s.versions: must be an array", where, field);
	for (size_t r = 0; r < json_array_size(ranges); r++) {
		json_t *range = json_array_get(ranges, r);
		_cleanup_free_ char *rf = hull_strdup_printf("%s.ranges[%zu]", field, r);
		if (!json_is_string(json_object_get(range, "type")))
			return hull_error_msg(err, EINVAL, "%s: %s.type: must be a string", where, rf);
		int ret = check_events(json_object_get(range, "events"), where, rf, err);
		if (ret < 0)
			return ret;
	}
	for (size_t k = 0; k < json_array_size(versions); k++)
		if (!json_is_string(json_array_get(versions, k)))
			return hull_error_msg(err, EINVAL, "%s: %s.versions[%zu]: must be a string", where, field, k);
	return 0;
}

int scan_osv_validate(json_t *record, const char *where, struct hull_error **err)
{
	if (!json_is_object(record))
		return hull_error_msg(err, EINVAL, "%s: an OSV record must be a JSON object", where);
	const char *id = json_string_value(json_object_get(record, "id"));
	if (!id || !*id)
		return hull_error_msg(err, EINVAL, "%s: id: required string missing", where);
	json_t *affected = json_object_get(record, "affected");
	if (affected && !json_is_array(affected))
		return hull_error_msg(err, EINVAL, "%s: affected: must be an array", where);
	for (size_t i = 0; i < json_array_size(affected); i++) {
		int ret = check_affected(json_array_get(affected, i), where, i, err);
		if (ret < 0)
			return ret;
	}
	json_t *w = json_object_get(record, "withdrawn");
	if (w && !json_is_string(w))
		return hull_error_msg(err, EINVAL, "%s: withdrawn: must be a string (RFC 3339 time)", where);
	return 0;
}
