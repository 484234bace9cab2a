/* hull/scan.h - the offline scanner: known vulnerabilities of the OS packages
 * of an image or a root filesystem (from a local OSV database), and risky
 * configuration (root user, setuid files, world-writable paths, secrets).
 *
 * Flow: open a root (a directory, or an image's ordered layers), detect the
 * OS, list its packages, look each one up in the database, audit the files,
 * and get one report that the CLI prints as a table, json or SARIF and that
 * the engine can check against a severity threshold before running an image.
 */
#ifndef HULL_SCAN_H
#define HULL_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hull/ctx.h"
#include "hull/error.h"

/* ---- severities ---------------------------------------------------------- */

enum hull_scan_severity {
	HULL_SEVERITY_UNKNOWN = 0,
	HULL_SEVERITY_LOW,
	HULL_SEVERITY_MEDIUM,
	HULL_SEVERITY_HIGH,
	HULL_SEVERITY_CRITICAL,
};
#define HULL_SEVERITY_COUNT 5

/* hull_scan_severity_name: "UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL". */
const char *hull_scan_severity_name(enum hull_scan_severity s);

/* hull_scan_severity_parse: a name as above, case-insensitive, also the
 * words advisories use ("moderate" = MEDIUM, "important" = HIGH,
 * "negligible"/"unimportant" = LOW). Returns the severity or -1. */
int hull_scan_severity_parse(const char *s);

/* hull_scan_severity_list_parse: "HIGH,CRITICAL" -> bit mask (1 << sev).
 * Fails naming the unknown word. */
int hull_scan_severity_list_parse(const char *list, unsigned *mask, struct hull_error **err);

/* ---- version comparison ------------------------------------------------- */

enum hull_version_scheme {
	HULL_VERSION_DPKG, /* deb-version(7), dpkg lib/dpkg/version.c */
	HULL_VERSION_APK,  /* apk-tools src/version.c */
	HULL_VERSION_RPM,  /* rpm rpmio/rpmvercmp.c + [epoch:]version[-release] */
};

/* hull_version_compare: <0, 0, >0 as a sorts before, equal to, after b under
 * the scheme. Total on every input: invalid versions compare as their
 * package manager compares them (dpkg leniently, apk invalid-sorts-first). */
int hull_version_compare(enum hull_version_scheme scheme, const char *a, const char *b);

/* hull_version_check: 0 when the package manager accepts s as a version,
 * else -EINVAL with the reason (dpkg's wording for dpkg). */
int hull_version_check(enum hull_version_scheme scheme, const char *s, struct hull_error **err);

/* Per-scheme comparators (what hull_version_compare dispatches to). */
int hull_version_compare_dpkg(const char *a, const char *b);
int hull_version_compare_apk(const char *a, const char *b);
int hull_version_compare_rpm(const char *a, const char *b); /* full [E:]V[-R] */
int hull_rpmvercmp(const char *a, const char *b);             /* one V or R field */

/* ---- the root being scanned ---------------------------------------------- */

/* A root filesystem: one directory, or an image's layer directories merged
 * as overlayfs would (upper wins, whiteouts and opaque dirs respected). Every
 * path is resolved inside it; symlinks never lead out. */
struct hull_scan_root;

/* hull_scan_root_open_dir: a root filesystem directory. */
int hull_scan_root_open_dir(const char *dir, struct hull_scan_root **out, struct hull_error **err);

/* hull_scan_root_open_layers: layer directories ordered bottom (base) first,
 * as an image manifest lists them. Whiteouts may be OCI `.wh.` files or
 * overlayfs 0:0 character devices. */
int hull_scan_root_open_layers(const char *const *layers, size_t n, struct hull_scan_root **out,
			       struct hull_error **err);

/* hull_scan_root_set_user: the image config's User ("" = root); without it
 * the root-user check is not made (a bare directory has no USER). */
void hull_scan_root_set_user(struct hull_scan_root *root, const char *user);

void hull_scan_root_free(struct hull_scan_root *root);
void hull_scan_root_freep(struct hull_scan_root **root);

/* ---- the vulnerability database ----------------------------------------- */

struct hull_scan_db_info {
	uint64_t records;   /* OSV records stored (withdrawn included) */
	uint64_t keys;      /* distinct (ecosystem, package) keys */
	int64_t built;      /* unix time of the import */
	char *ecosystems;   /* "Alpine:v3.19 (1200), Debian:12 (30000)" */
	char *path;         /* the database file */
};
void hull_scan_db_info_clear(struct hull_scan_db_info *info);

/* hull_scan_db_default_dir: <data_root>/scan/db (malloc'd). */
char *hull_scan_db_default_dir(const struct hull_ctx *ctx);

/* hull_scan_db_import: read OSV records from each source (a .zip as OSV
 * publishes per ecosystem, a tar, a directory tree of .json files, or one
 * .json file) and write the index in db_dir. With `add`, records already in
 * the database are kept unless a new record has the same id. The new
 * database is built under a temporary name and renamed into place: any
 * error (a corrupt zip, a record that is not valid OSV) leaves the previous
 * database untouched. info (may be NULL) receives the result's summary. */
int hull_scan_db_import(const char *db_dir, const char *const *sources, size_t n, bool add,
			struct hull_scan_db_info *info, struct hull_error **err);

/* hull_scan_db_stat: summary of the database in db_dir. */
int hull_scan_db_stat(const char *db_dir, struct hull_scan_db_info *info, struct hull_error **err);

/* ---- scanning ------------------------------------------------------------ */

enum hull_scan_finding_kind { HULL_FINDING_VULNERABILITY, HULL_FINDING_CONFIGURATION };

struct hull_scan_package {
	char *name;           /* binary package name */
	char *version;        /* installed version (with epoch) */
	char *source_name;    /* source package (= name when the db has none) */
	char *source_version; /* source version (= version when the db has none) */
	char *arch;
};

struct hull_scan_finding {
	enum hull_scan_finding_kind kind;
	enum hull_scan_severity severity;
	char *id;        /* OSV id (DSA-5000-1, CVE-..) or a check id (HULL-CFG-ROOT-USER) */
	char *title;     /* record summary or check description */
	char *package;   /* vulnerability: binary package name */
	char *source;    /* vulnerability: the source package the advisory names */
	char *installed; /* vulnerability: installed version */
	char *fixed;     /* vulnerability: first fixed version; NULL = unfixed */
	char *aliases;   /* vulnerability: "CVE-2024-1, GHSA-..." or NULL */
	char *path;      /* configuration: the file concerned, "/usr/bin/su" */
	char *url;       /* a reference to read more, or NULL */
};

struct hull_scan_report {
	char *target;      /* what was scanned, as given */
	char *os_id;       /* os-release ID ("debian", "alpine"), "unknown" */
	char *os_version;  /* VERSION_ID or debian_version / alpine-release */
	char *os_name;     /* PRETTY_NAME */
	char *ecosystem;   /* OSV ecosystem used ("Debian:12"), NULL if none */
	char *package_db;  /* "/var/lib/dpkg/status", NULL when there is none */
	struct hull_scan_package *packages;
	size_t n_packages;
	struct hull_scan_finding *findings; /* sorted: severity desc, then package, id */
	size_t n_findings;
	size_t n_filtered;                  /* findings dropped by --severity/--ignore-unfixed */
	uint64_t db_records;                /* records in the database used */
	bool vulns_checked;                 /* false under skip_vulns */
	bool config_checked;                /* false under skip_config */
};

struct hull_scan_options {
	const char *db_dir;   /* NULL: hull_scan_db_default_dir() */
	unsigned severities;  /* mask of (1 << severity) to keep; 0 = all */
	bool ignore_unfixed;  /* drop vulnerabilities without a fixed version */
	bool skip_vulns;      /* configuration audit only (no database needed) */
	bool skip_config;     /* vulnerabilities only */
	char **ignore;        /* ids to leave out (an OSV id, one of its aliases, or a check id); NULL-ended or NULL */
	char **skip_dirs;     /* trees the audit does not enter ("/opt/app/tests"); NULL-ended or NULL */
};

/* hull_scan_ignore_file_read: ids from an ignore file, one per line, `#`
 * starts a comment (the .trivyignore format). Appends to *ids. */
int hull_scan_ignore_file_read(const char *path, char ***ids, struct hull_error **err);

/* hull_scan_root_scan: scan an opened root. Needs the database unless
 * skip_vulns (a missing database is an error telling how to import one).
 * The report is the caller's (hull_scan_report_free). */
int hull_scan_root_scan(struct hull_ctx *ctx, struct hull_scan_root *root, const char *target,
			const struct hull_scan_options *opts, struct hull_scan_report **out, struct hull_error **err);

/* hull_scan_dir: hull_scan_root_scan of a root filesystem directory. */
int hull_scan_dir(struct hull_ctx *ctx, const char *dir, const struct hull_scan_options *opts,
		  struct hull_scan_report **out, struct hull_error **err);

/* hull_scan_layers: scan an image given as its unpacked layer directories
 * (bottom first, as struct hull_image's layer_dirs) and its config's User
 * (NULL or "" = root). This is the call behind `hull scan IMAGE` and the
 * one the engine makes for `run --scan-policy SEVERITY`:
 *
 *     hull_scan_layers(ctx, (const char *const *)img->layer_dirs, img->n_layers,
 *                      img->config->user, ref, &opts, &report, &err);
 *     if (hull_scan_report_fails(report, threshold)) refuse to run;
 *
 * (scan does not depend on the image room; the caller resolves the ref.) */
int hull_scan_layers(struct hull_ctx *ctx, const char *const *layer_dirs, size_t n, const char *user,
		     const char *target, const struct hull_scan_options *opts, struct hull_scan_report **out,
		     struct hull_error **err);

/* hull_scan_report_max_severity: the highest severity among the findings,
 * or -1 when there are none. */
int hull_scan_report_max_severity(const struct hull_scan_report *report);

/* hull_scan_report_fails: does any finding reach the threshold? This is the
 * check behind `--fail-on` and the engine's `run --scan-policy`. */
bool hull_scan_report_fails(const struct hull_scan_report *report, enum hull_scan_severity threshold);

enum hull_scan_format { HULL_SCAN_FORMAT_TABLE, HULL_SCAN_FORMAT_JSON, HULL_SCAN_FORMAT_SARIF };

/* hull_scan_format_parse: "table", "json", "sarif" -> format, -1 if other. */
int hull_scan_format_parse(const char *s);

/* hull_scan_report_write: print the report. table: one row per finding for
 * people; json: hull's own schema (documented in README "Scanning"); sarif:
 * SARIF 2.1.0 for code-scanning dashboards. */
int hull_scan_report_write(const struct hull_scan_report *report, enum hull_scan_format format, FILE *out,
			   struct hull_error **err);

void hull_scan_report_free(struct hull_scan_report *report);
void hull_scan_report_freep(struct hull_scan_report **report);

#endif
