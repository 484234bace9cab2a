/* report_table.c - the report for people: a header line, then one table of
 * vulnerabilities and one of configuration findings, worst first. */
#include <errno.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "scan-internal.h"

#define TITLE_MAX 70

static size_t width(size_t w, const char *s)
{
	size_t l = s ? strlen(s) : 0;
	return l > w ? l : w;
}

static void summary(FILE *out, const struct hull_scan_report *r, enum hull_scan_finding_kind kind, const char *what)
{
	size_t count[HULL_SEVERITY_COUNT] = { 0 }, total = 0;
	for (size_t i = 0; i < r->n_findings; i++)
		if (r->findings[i].kind == kind) {
			count[r->findings[i].severity]++;
			total++;
		}
	fprintf(out, "\n%s: %zu (CRITICAL: %zu, HIGH: %zu, MEDIUM: %zu, LOW: %zu, UNKNOWN: %zu)\n", what, total,
		count[HULL_SEVERITY_CRITICAL], count[HULL_SEVERITY_HIGH], count[HULL_SEVERITY_MEDIUM],
		count[HULL_SEVERITY_LOW], count[HULL_SEVERITY_UNKNOWN]);
}

static void vulnerabilities(FILE *out, const struct hull_scan_report *r)
{
	size_t wp = 7, wi = 9, wf = 5, ws = 8, wid = 2;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct hull_scan_finding *f = &r->findings[i];
		if (f->kind != HULL_FINDING_VULNERABILITY)
			continue;
		wp = width(wp, f->package);
		wi = width(wi, f->installed);
		wf = width(wf, f->fixed ? f->fixed : "(unfixed)");
		wid = width(wid, f->id);
	}
	summary(out, r, HULL_FINDING_VULNERABILITY, "Vulnerabilities");
	bool header = false;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct hull_scan_finding *f = &r->findings[i];
		if (f->kind != HULL_FINDING_VULNERABILITY)
			continue;
		if (!header) {
			fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)wp, "PACKAGE", (int)wi, "INSTALLED",
				(int)wf, "FIXED", (int)ws, "SEVERITY", (int)wid, "ID", "TITLE");
			header = true;
		}
		fprintf(out, "%-*s  %-*s  %-*s  %-*s  %-*s  %.*s%s\n", (int)wp, f->package, (int)wi, f->installed,
			(int)wf, f->fixed ? f->fixed : "(unfixed)", (int)ws, hull_scan_severity_name(f->severity),
			(int)wid, f->id, TITLE_MAX, f->title, strlen(f->title) > TITLE_MAX ? "..." : "");
	}
}

static void configuration(FILE *out, const struct hull_scan_report *r)
{
	size_t ws = 8, wid = 2, wp = 4;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct hull_scan_finding *f = &r->findings[i];
		if (f->kind != HULL_FINDING_CONFIGURATION)
			continue;
		wid = width(wid, f->id);
		wp = width(wp, f->path ? f->path : "-");
	}
	summary(out, r, HULL_FINDING_CONFIGURATION, "Configuration");
	bool header = false;
	for (size_t i = 0; i < r->n_findings; i++) {
		const struct hull_scan_finding *f = &r->findings[i];
		if (f->kind != HULL_FINDING_CONFIGURATION)
			continue;
		if (!header) {
			fprintf(out, "%-*s  %-*s  %-*s  %s\n", (int)ws, "SEVERITY", (int)wid, "ID", (int)wp, "PATH",
				"TITLE");
			header = true;
		}
		fprintf(out, "%-*s  %-*s  %-*s  %s\n", (int)ws, hull_scan_severity_name(f->severity), (int)wid, f->id,
			(int)wp, f->path ? f->path : "-", f->title);
	}
}

int scan_report_table(const struct hull_scan_report *r, FILE *out)
{
	fprintf(out, "%s (%s)\n", r->target, r->os_name ? r->os_name : r->os_id);
	fprintf(out, "OS: %s %s, ecosystem %s; %zu packages%s%s", r->os_id, r->os_version ? r->os_version : "",
		r->ecosystem ? r->ecosystem : "(none known to OSV)", r->n_packages, r->package_db ? " from " : "",
		r->package_db ? r->package_db : "");
	if (r->vulns_checked)
		fprintf(out, "; %llu database records\n", (unsigned long long)r->db_records);
	else
		fprintf(out, "\n\nVulnerabilities: not checked (--skip-vulns)\n");
	if (r->vulns_checked)
		vulnerabilities(out, r);
	if (r->config_checked)
		configuration(out, r);
	else
		fprintf(out, "\nConfiguration: not checked (--skip-config)\n");
	if (r->n_filtered)
		fprintf(out, "\n%zu more findings hidden by --severity / --ignore-unfixed\n", r->n_filtered);
	return ferror(out) ? -EIO : 0;
}
