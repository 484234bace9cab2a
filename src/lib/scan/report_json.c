/* report_json.c - the report for programs: hull's json, and SARIF 2.1.0
 * (OASIS "Static Analysis Results Interchange Format" 2.1.0, the format
 * GitHub code scanning and other dashboards ingest). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "scan-internal.h"

#ifndef HULL_VERSION
#define HULL_VERSION "0.0.0"
#endif

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *aliases_array(const char *aliases)
{
	json_t *a = json_array();
	if (!aliases)
		return a;
	_cleanup_free_ char *copy = hull_xstrdup(aliases);
	char *save = NULL;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save))
		json_array_append_new(a, json_string(w));
	return a;
}

static json_t *finding_json(const struct hull_scan_finding *f)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(f->id));
	json_object_set_new(o, "severity", json_string(hull_scan_severity_name(f->severity)));
	json_object_set_new(o, "title", json_string(f->title));
	if (f->kind == HULL_FINDING_VULNERABILITY) {
		json_object_set_new(o, "package", json_string(f->package));
		json_object_set_new(o, "source", json_string(f->source));
		json_object_set_new(o, "installed", json_string(f->installed));
		json_object_set_new(o, "fixed", str_or_null(f->fixed));
		json_object_set_new(o, "aliases", aliases_array(f->aliases));
		json_object_set_new(o, "url", str_or_null(f->url));
	} else {
		json_object_set_new(o, "path", str_or_null(f->path));
	}
	return o;
}

static json_t *report_json(const struct hull_scan_report *r)
{
	json_t *o = json_object(), *vulns = json_array(), *config = json_array(), *pkgs = json_array();
	json_t *os = json_object(), *summary = json_object();
	json_object_set_new(os, "id", json_string(r->os_id));
	json_object_set_new(os, "version", str_or_null(r->os_version));
	json_object_set_new(os, "name", str_or_null(r->os_name));
	json_object_set_new(os, "ecosystem", str_or_null(r->ecosystem));
	for (int s = HULL_SEVERITY_COUNT - 1; s >= 0; s--)
		json_object_set_new(summary, hull_scan_severity_name((enum hull_scan_severity)s), json_integer(0));
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct hull_scan_finding *f = &r->findings[i];
		json_array_append_new(f->kind == HULL_FINDING_VULNERABILITY ? vulns : config, finding_json(f));
		const char *name = hull_scan_severity_name(f->severity);
		json_object_set_new(summary, name, json_integer(json_integer_value(json_object_get(summary, name)) + 1));
	}
	for (size_t i = 0; i < r->n_packages; i++) {
		const struct hull_scan_package *p = &r->packages[i];
		json_array_append_new(pkgs, json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", p->name, "version", p->version,
						      "source", p->source_name, "source_version", p->source_version,
						      "arch", str_or_null(p->arch)));
	}
	json_object_set_new(o, "target", json_string(r->target));
	json_object_set_new(o, "os", os);
	json_object_set_new(o, "package_db", str_or_null(r->package_db));
	json_object_set_new(o, "database_records", json_integer((json_int_t)r->db_records));
	json_object_set_new(o, "checked", json_pack("{s:b, s:b}", "vulnerabilities", r->vulns_checked,
						     "configuration", r->config_checked));
	json_object_set_new(o, "summary", summary);
	json_object_set_new(o, "filtered", json_integer((json_int_t)r->n_filtered));
	json_object_set_new(o, "vulnerabilities", vulns);
	json_object_set_new(o, "configuration", config);
	json_object_set_new(o, "packages", pkgs);
	return o;
}

/* SARIF result.level: error / warning / note (SARIF 2.1.0 section 3.27.10);
 * security-severity is the number GitHub ranks alerts by. */
static const char *sarif_level(enum hull_scan_severity s)
{
	return s >= HULL_SEVERITY_HIGH ? "error" : s == HULL_SEVERITY_MEDIUM ? "warning" : "note";
}

static const char *security_severity(enum hull_scan_severity s)
{
	static const char *const v[] = { "0.0", "2.0", "5.5", "8.0", "9.5" };
	return v[s];
}

static json_t *sarif_rule(const struct hull_scan_finding *f)
{
	json_t *rule = json_pack("{s:s, s:{s:s}, s:{s:s}, s:{s:s, s:[s]}}", "id", f->id, "shortDescription", "text",
				 f->title, "defaultConfiguration", "level", sarif_level(f->severity), "properties",
				 "security-severity", security_severity(f->severity), "tags", "security");
	if (f->url)
		json_object_set_new(rule, "helpUri", json_string(f->url));
	return rule;
}

static json_t *sarif_result(const struct hull_scan_report *r, const struct hull_scan_finding *f, size_t rule)
{
	_cleanup_free_ char *msg = NULL;
	const char *where;
	if (f->kind == HULL_FINDING_VULNERABILITY) {
		msg = hull_strdup_printf("%s %s: %s (%s), fixed in %s", f->package, f->installed, f->id,
					 hull_scan_severity_name(f->severity), f->fixed ? f->fixed : "no release yet");
		where = r->package_db ? r->package_db : r->target;
	} else {
		msg = hull_strdup_printf("%s: %s", f->path ? f->path : r->target, f->title);
		where = f->path ? f->path : r->target;
	}
	/* artifact URIs are relative to the scanned root */
	while (*where == '/')
		where++;
	return json_pack("{s:s, s:i, s:s, s:{s:s}, s:[{s:{s:{s:s}}}]}", "ruleId", f->id, "ruleIndex", (int)rule,
			 "level", sarif_level(f->severity), "message", "text", msg, "locations", "physicalLocation",
			 "artifactLocation", "uri", *where ? where : ".");
}

static json_t *report_sarif(const struct hull_scan_report *r)
{
	json_t *rules = json_array(), *results = json_array();
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct hull_scan_finding *f = &r->findings[i];
		size_t idx = 0;
		for (; idx < json_array_size(rules); idx++)
			if (!strcmp(json_string_value(json_object_get(json_array_get(rules, idx), "id")), f->id))
				break;
		if (idx == json_array_size(rules))
			json_array_append_new(rules, sarif_rule(f));
		json_array_append_new(results, sarif_result(r, f, idx));
	}
	json_t *driver = json_pack("{s:s, s:s, s:s, s:o}", "name", "hull", "version", HULL_VERSION, "informationUri",
				   "https://github.com/hull-project/hull", "rules", rules);
	return json_pack("{s:s, s:s, s:[{s:{s:o}, s:o}]}", "$schema", "https://json.schemastore.org/sarif-2.1.0.json",
			 "version", "2.1.0", "runs", "tool", "driver", driver, "results", results);
}

int hull_scan_format_parse(const char *s)
{
	static const char *const names[] = { "table", "json", "sarif" };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(names); i++)
		if (s && !strcasecmp(s, names[i]))
			return (int)i;
	return -1;
}

int hull_scan_report_write(const struct hull_scan_report *report, enum hull_scan_format format, FILE *out,
			   struct hull_error **err)
{
	if (format == HULL_SCAN_FORMAT_TABLE) {
		if (scan_report_table(report, out) < 0)
			return hull_error_set(err, EIO, "write the report");
		return 0;
	}
	_cleanup_json_ json_t *j = format == HULL_SCAN_FORMAT_SARIF ? report_sarif(report) : report_json(report);
	if (json_dumpf(j, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', out) == EOF || fflush(out))
		return hull_error_set(err, errno ? errno : EIO, "write the report");
	return 0;
}
