/* scan-internal.h - what the scan room's files share; not a public API. */
#ifndef HULL_SCAN_INTERNAL_H
#define HULL_SCAN_INTERNAL_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "hull/error.h"
#include "hull/scan.h"

/* version_*.c */
int scan_version_check_dpkg(const char *s, struct hull_error **err);
int scan_version_check_apk(const char *s, struct hull_error **err);
int scan_version_check_rpm(const char *s, struct hull_error **err);

/* root.c: the merged root filesystem. Paths are relative to the root
 * ("etc/os-release"; a leading '/' is ignored). */
int scan_root_open(const struct hull_scan_root *root, const char *path, struct stat *st, struct hull_error **err);
int scan_root_read_file(const struct hull_scan_root *root, const char *path, size_t max, char **out, size_t *len,
			struct hull_error **err);
bool scan_root_exists(const struct hull_scan_root *root, const char *path);
/* scan_root_list: the visible names in a directory (NULL-ended, sorted). */
int scan_root_list(const struct hull_scan_root *root, const char *path, char ***names, struct hull_error **err);
const char *scan_root_user(const struct hull_scan_root *root);
/* scan_walk_fn: called for every visible entry, parents first. path is
 * "/usr/bin/su"; dirfd+name open it in the layer that provides it. Return
 * <0 to stop with an error, 1 to skip a directory's contents, 0 to go on. */
typedef int (*scan_walk_fn)(void *data, const char *path, int dirfd, const char *name, const struct stat *st,
			    struct hull_error **err);
int scan_root_walk(const struct hull_scan_root *root, scan_walk_fn fn, void *data, struct hull_error **err);

/* os.c */
struct scan_os {
	char *id;         /* "debian", "alpine", "unknown" */
	char *version_id; /* "12", "3.19.1" */
	char *name;       /* PRETTY_NAME */
	char *ecosystem;  /* "Debian:12"; NULL when OSV has none for this OS */
	enum hull_version_scheme scheme;
};
int scan_os_detect(const struct hull_scan_root *root, struct scan_os *os, struct hull_error **err);
void scan_os_clear(struct scan_os *os);
/* scan_os_ecosystem: the OSV ecosystem for an os-release ID/VERSION_ID/
 * VERSION triple, or NULL (malloc'd). */
char *scan_os_ecosystem(const char *id, const char *id_like, const char *version_id, const char *version);

/* packages.c + pkg_*.c: installed package databases. */
struct scan_packages {
	struct hull_scan_package *v;
	size_t n, cap;
};
void scan_packages_add(struct scan_packages *p, const char *name, const char *version, const char *source_name,
		       const char *source_version, const char *arch);
void scan_package_clear(struct hull_scan_package *p);
struct scan_package_db {
	const char *name;  /* "dpkg" */
	const char *path;  /* where its database lives in a root */
	enum hull_version_scheme scheme;
	int (*read)(const struct hull_scan_root *root, const char *path, struct scan_packages *out,
		    struct hull_error **err);
};
extern const struct scan_package_db scan_package_dbs[];
int scan_dpkg_read(const struct hull_scan_root *root, const char *path, struct scan_packages *out,
		   struct hull_error **err);
int scan_dpkg_parse(const char *buf, const char *where, struct scan_packages *out, struct hull_error **err);
int scan_apk_read(const struct hull_scan_root *root, const char *path, struct scan_packages *out,
		  struct hull_error **err);
int scan_apk_parse(const char *buf, const char *where, struct scan_packages *out, struct hull_error **err);
int scan_rpm_read(const struct hull_scan_root *root, const char *path, struct scan_packages *out,
		  struct hull_error **err);
int scan_rpm_header_parse(const unsigned char *blob, size_t len, struct scan_packages *out, struct hull_error **err);
/* scan_packages_list: every database present in root; *found says whether
 * any was (a root with none is scanned for configuration only). */
int scan_packages_list(const struct hull_scan_root *root, struct scan_packages *out, bool *found,
		       enum hull_version_scheme *scheme, const char **db_path, struct hull_error **err);

/* cvss.c */
/* scan_cvss_score: base score of a CVSS v2 or v3.x vector, or -1. */
double scan_cvss_score(const char *vector);
enum hull_scan_severity scan_cvss_severity(double score);

/* osv.c: evaluating one OSV record (ossf.github.io/osv-schema). */
struct scan_osv_verdict {
	bool affected;
	char *fixed; /* the fix that applies to the version, NULL = none known */
};
/* scan_osv_match: does record affect (ecosystem, package, version)? */
int scan_osv_match(json_t *record, const char *ecosystem, const char *package, enum hull_version_scheme scheme,
		   const char *version, struct scan_osv_verdict *v, struct hull_error **err);
enum hull_scan_severity scan_osv_severity(json_t *record, const char *ecosystem, const char *package);
bool scan_osv_withdrawn(json_t *record);
/* scan_osv_validate: the fields hull relies on are present and well typed. */
int scan_osv_validate(json_t *record, const char *where, struct hull_error **err);

/* db.c: the index file. */
struct scan_db;
int scan_db_open(const char *db_dir, struct scan_db **out, struct hull_error **err);
void scan_db_close(struct scan_db *db);
void scan_db_closep(struct scan_db **db);
uint64_t scan_db_records(const struct scan_db *db);
/* scan_db_lookup: calls fn with the JSON text of every record that names
 * (ecosystem, package); stops early when fn returns non-zero. */
typedef int (*scan_db_fn)(void *data, const char *json, size_t len, struct hull_error **err);
int scan_db_lookup(const struct scan_db *db, const char *ecosystem, const char *package, scan_db_fn fn, void *data,
		   struct hull_error **err);
/* Records are also keyed by id, aliases and upstream ids under the empty
 * ecosystem: scan_db_lookup(db, "", "CVE-2024-1", ...). */
/* scan_db_each: every record, in storage order. */
int scan_db_each(const struct scan_db *db, scan_db_fn fn, void *data, struct hull_error **err);
#define SCAN_DB_FILE "osv.idx"

/* audit.c */
struct scan_findings {
	struct hull_scan_finding *v;
	size_t n, cap;
};
struct hull_scan_finding *scan_findings_add(struct scan_findings *f, enum hull_scan_finding_kind kind,
					    enum hull_scan_severity sev, const char *id, const char *title);
void scan_finding_clear(struct hull_scan_finding *f);
int scan_audit(const struct hull_scan_root *root, char **skip_dirs, struct scan_findings *out, struct hull_error **err);

/* report_table.c */
int scan_report_table(const struct hull_scan_report *r, FILE *out);

#endif
