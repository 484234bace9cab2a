/* scan.c - one scan: OS, packages, database matches, configuration audit,
 * filtered and sorted into a report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "scan-internal.h"

void scan_finding_clear(struct hull_scan_finding *f)
{
	free(f->id);
	free(f->title);
	free(f->package);
	free(f->source);
	free(f->installed);
	free(f->fixed);
	free(f->aliases);
	free(f->path);
	free(f->url);
	memset(f, 0, sizeof(*f));
}

struct hull_scan_finding *scan_findings_add(struct scan_findings *f, enum hull_scan_finding_kind kind,
					    enum hull_scan_severity sev, const char *id, const char *title)
{
	f->v = hull_array_grow(f->v, f->n, &f->cap, sizeof(*f->v), 64);
	struct hull_scan_finding *x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->severity = sev;
	x->id = hull_xstrdup(id);
	x->title = hull_xstrdup(title ? title : "");
	return x;
}

void hull_scan_report_free(struct hull_scan_report *r)
{
	if (!r)
		return;
	free(r->target);
	free(r->os_id);
	free(r->os_version);
	free(r->os_name);
	free(r->ecosystem);
	free(r->package_db);
	for (size_t i = 0; i < r->n_packages; i++)
		scan_package_clear(&r->packages[i]);
	free(r->packages);
	for (size_t i = 0; i < r->n_findings; i++)
		scan_finding_clear(&r->findings[i]);
	free(r->findings);
	free(r);
}

void hull_scan_report_freep(struct hull_scan_report **r)
{
	hull_scan_report_free(*r);
	*r = NULL;
}

/* ---- matching ------------------------------------------------------------ */

struct match {
	const struct scan_db *db;
	const char *ecosystem;
	const char *lookup_name;    /* the name the advisory is keyed by */
	const char *lookup_version; /* and the version to compare */
	enum hull_version_scheme scheme;
	const struct hull_scan_package *pkgs; /* the binaries built from it */
	size_t n_pkgs;
	struct scan_findings *out;
	size_t first; /* findings from here on belong to these binaries */
};

/* A record can name both a binary and its source package: report it once. */
static bool already_found(const struct match *m, const char *id, const char *package)
{
	for (size_t i = m->first; i < m->out->n; i++)
		if (!strcmp(m->out->v[i].id, id) && !strcmp(m->out->v[i].package, package))
			return true;
	return false;
}

static char *first_line_of(const char *s)
{
	if (!s)
		return NULL;
	return hull_strdup_printf("%.*s", (int)strcspn(s, "\n"), s);
}

static char *aliases_of(json_t *record)
{
	json_t *a = json_object_get(record, "aliases");
	if (!json_array_size(a))
		return NULL;
	char *s = hull_xstrdup("");
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *v = json_string_value(json_array_get(a, i));
		if (!v)
			continue;
		char *n = hull_strdup_printf("%s%s%s", s, *s ? ", " : "", v);
		free(s);
		s = n;
	}
	return s;
}

struct related {
	const char *id; /* the record asking */
	int best;
};

static int on_related(void *data, const char *json, size_t len, struct hull_error **err)
{
	struct related *r = data;
	_cleanup_json_ json_t *rec = json_loadb(json, len, 0, NULL);
	const char *id = json_string_value(json_object_get(rec, "id"));
	if (!id || !strcmp(id, r->id) || scan_osv_withdrawn(rec))
		return 0;
	int s = (int)scan_osv_severity(rec, "", "");
	if (s > r->best)
		r->best = s;
	(void)err;
	return 0;
}

/* Debian's and Alpine's records often carry no severity; another record
 * about the same vulnerability (its CVE's GHSA or Ubuntu record, found by
 * id, alias or upstream id) often does: take the highest of theirs. */
static enum hull_scan_severity related_severity(const struct scan_db *db, json_t *rec)
{
	struct related r = { .id = json_string_value(json_object_get(rec, "id")), .best = HULL_SEVERITY_UNKNOWN };
	static const char *const lists[] = { "aliases", "upstream" };
	for (size_t l = 0; l < HULL_ARRAY_SIZE(lists); l++) {
		json_t *a = json_object_get(rec, lists[l]);
		for (size_t i = 0; i < json_array_size(a); i++) {
			const char *other = json_string_value(json_array_get(a, i));
			if (other)
				scan_db_lookup(db, "", other, on_related, &r, NULL);
		}
	}
	return (enum hull_scan_severity)r.best;
}

static int on_record(void *data, const char *json, size_t len, struct hull_error **err)
{
	struct match *m = data;
	_cleanup_json_ json_t *rec = json_loadb(json, len, 0, NULL);
	if (!rec)
		return hull_error_msg(err, EINVAL, "vulnerability database holds an unreadable record; import again");
	struct scan_osv_verdict v = { 0 };
	int ret = scan_osv_match(rec, m->ecosystem, m->lookup_name, m->scheme, m->lookup_version, &v, err);
	if (ret < 0 || !v.affected) {
		free(v.fixed);
		return ret;
	}
	const char *id = json_string_value(json_object_get(rec, "id"));
	enum hull_scan_severity sev = scan_osv_severity(rec, m->ecosystem, m->lookup_name);
	if (sev == HULL_SEVERITY_UNKNOWN)
		sev = related_severity(m->db, rec);
	_cleanup_free_ char *title = first_line_of(json_string_value(json_object_get(rec, "summary")));
	if (!title || !*title) {
		free(title);
		title = first_line_of(json_string_value(json_object_get(rec, "details")));
	}
	json_t *refs = json_object_get(rec, "references");
	const char *url = json_string_value(json_object_get(json_array_get(refs, 0), "url"));
	for (size_t i = 0; i < m->n_pkgs; i++) {
		if (already_found(m, id, m->pkgs[i].name))
			continue;
		struct hull_scan_finding *f = scan_findings_add(m->out, HULL_FINDING_VULNERABILITY, sev, id, title);
		f->package = hull_xstrdup(m->pkgs[i].name);
		f->source = hull_xstrdup(m->lookup_name);
		f->installed = hull_xstrdup(m->pkgs[i].version);
		f->fixed = v.fixed ? hull_xstrdup(v.fixed) : NULL;
		f->aliases = aliases_of(rec);
		f->url = url ? hull_xstrdup(url) : hull_strdup_printf("https://osv.dev/vulnerability/%s", id);
	}
	free(v.fixed);
	return 0;
}

static int source_order(const void *a, const void *b)
{
	const struct hull_scan_package *x = a, *y = b;
	int r = strcmp(x->source_name, y->source_name);
	return r ? r : strcmp(x->source_version, y->source_version);
}

/* Debian and Alpine advisories name source packages: look each source up
 * once, with the source version, and report every binary built from it.
 * rpm distributions differ (Red Hat names binaries, others the source), so
 * each rpm is looked up by its own name and by its source rpm's name. */
static int match_packages(struct scan_db *db, const char *ecosystem, enum hull_version_scheme scheme,
			  const struct scan_packages *pkgs, struct scan_findings *out, struct hull_error **err)
{
	_cleanup_free_ struct hull_scan_package *by_src = hull_xcalloc(pkgs->n ? pkgs->n : 1, sizeof(*by_src));
	memcpy(by_src, pkgs->v, pkgs->n * sizeof(*by_src));
	if (pkgs->n > 1)
		qsort(by_src, pkgs->n, sizeof(*by_src), source_order);
	for (size_t i = 0; i < pkgs->n;) {
		size_t j = i + 1;
		while (j < pkgs->n && !source_order(&by_src[i], &by_src[j]))
			j++;
		struct match m = { .db = db, .ecosystem = ecosystem, .scheme = scheme, .out = out, .first = out->n };
		int ret = 0;
		if (scheme == HULL_VERSION_RPM) {
			for (size_t k = i; k < j && ret >= 0; k++) {
				m.lookup_version = by_src[k].version;
				m.pkgs = &by_src[k];
				m.n_pkgs = 1;
				m.first = out->n;
				m.lookup_name = by_src[k].name;
				ret = scan_db_lookup(db, ecosystem, m.lookup_name, on_record, &m, err);
				if (ret >= 0 && strcmp(by_src[k].source_name, by_src[k].name)) {
					m.lookup_name = by_src[k].source_name;
					ret = scan_db_lookup(db, ecosystem, m.lookup_name, on_record, &m, err);
				}
			}
		} else {
			m.lookup_name = by_src[i].source_name;
			m.lookup_version = by_src[i].source_version;
			m.pkgs = &by_src[i];
			m.n_pkgs = j - i;
			ret = scan_db_lookup(db, ecosystem, m.lookup_name, on_record, &m, err);
		}
		if (ret < 0)
			return ret;
		i = j;
	}
	return 0;
}

/* ---- the report ---------------------------------------------------------- */

static int finding_order(const void *a, const void *b)
{
	const struct hull_scan_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int r = strcmp(x->package ? x->package : "", y->package ? y->package : "");
	if (r)
		return r;
	r = strcmp(x->path ? x->path : "", y->path ? y->path : "");
	return r ? r : strcmp(x->id, y->id);
}

static bool ignored(const struct hull_scan_finding *f, char **ignore)
{
	for (char **id = ignore; id && *id; id++) {
		if (!strcmp(f->id, *id))
			return true;
		/* "CVE-2024-1, GHSA-x": match whole aliases only */
		size_t l = strlen(*id);
		for (const char *a = f->aliases; a && (a = strstr(a, *id)); a += l)
			if ((a == f->aliases || a[-1] == ' ') && (a[l] == '\0' || a[l] == ','))
				return true;
	}
	return false;
}

static bool keep(const struct hull_scan_finding *f, const struct hull_scan_options *opts)
{
	if (ignored(f, opts->ignore))
		return false;
	if (opts->severities && !(opts->severities & (1u << f->severity)))
		return false;
	if (opts->ignore_unfixed && f->kind == HULL_FINDING_VULNERABILITY && !f->fixed)
		return false;
	return true;
}

static void finish_report(struct hull_scan_report *r, struct scan_findings *all, const struct hull_scan_options *opts)
{
	size_t w = 0;
	for (size_t i = 0; i < all->n; i++) {
		if (keep(&all->v[i], opts)) {
			all->v[w++] = all->v[i];
		} else {
			scan_finding_clear(&all->v[i]);
			r->n_filtered++;
		}
	}
	if (w > 1)
		qsort(all->v, w, sizeof(*all->v), finding_order);
	r->findings = steal_ptr(all->v);
	r->n_findings = w;
	all->n = all->cap = 0;
}

static int scan_vulnerabilities(struct hull_ctx *ctx, const struct hull_scan_options *opts, struct scan_os *os,
				const struct scan_packages *pkgs, enum hull_version_scheme scheme,
				struct hull_scan_report *r, struct scan_findings *all, struct hull_error **err)
{
	_cleanup_free_ char *dir = opts->db_dir ? hull_xstrdup(opts->db_dir) : hull_scan_db_default_dir(ctx);
	_cleanup_(scan_db_closep) struct scan_db *db = NULL;
	int ret = scan_db_open(dir, &db, err);
	if (ret < 0)
		return ret;
	r->db_records = scan_db_records(db);
	if (!os->ecosystem) {
		if (pkgs->n)
			hull_warn(ctx, "%s %s has no OSV ecosystem hull knows: %zu packages listed, not matched",
				  os->id, os->version_id ? os->version_id : "", pkgs->n);
		return 0;
	}
	return match_packages(db, os->ecosystem, scheme, pkgs, all, err);
}

int hull_scan_root_scan(struct hull_ctx *ctx, struct hull_scan_root *root, const char *target,
			const struct hull_scan_options *opts, struct hull_scan_report **out, struct hull_error **err)
{
	_cleanup_(hull_scan_report_freep) struct hull_scan_report *r = hull_xcalloc(1, sizeof(*r));
	struct scan_os os = { 0 };
	struct scan_packages pkgs = { 0 };
	struct scan_findings all = { 0 };
	r->target = hull_xstrdup(target);
	int ret = scan_os_detect(root, &os, err);
	bool found = false;
	enum hull_version_scheme scheme = os.scheme;
	const char *db_path = NULL;
	if (ret >= 0)
		ret = scan_packages_list(root, &pkgs, &found, &scheme, &db_path, err);
	if (db_path)
		r->package_db = hull_strdup_printf("/%s", db_path);
	r->vulns_checked = !opts->skip_vulns;
	r->config_checked = !opts->skip_config;
	if (ret >= 0 && r->vulns_checked)
		ret = scan_vulnerabilities(ctx, opts, &os, &pkgs, scheme, r, &all, err);
	if (ret >= 0 && r->config_checked)
		ret = scan_audit(root, opts->skip_dirs, &all, err);
	r->os_id = steal_ptr(os.id);
	r->os_version = steal_ptr(os.version_id);
	r->os_name = steal_ptr(os.name);
	r->ecosystem = steal_ptr(os.ecosystem);
	r->packages = steal_ptr(pkgs.v);
	r->n_packages = pkgs.n;
	scan_os_clear(&os);
	finish_report(r, &all, opts);
	for (size_t i = 0; i < all.n; i++)
		scan_finding_clear(&all.v[i]);
	free(all.v);
	if (ret < 0)
		return hull_error_wrap(err, ret, "scan `%s`", target);
	*out = steal_ptr(r);
	return 0;
}

int hull_scan_dir(struct hull_ctx *ctx, const char *dir, const struct hull_scan_options *opts,
		  struct hull_scan_report **out, struct hull_error **err)
{
	_cleanup_(hull_scan_root_freep) struct hull_scan_root *root = NULL;
	int ret = hull_scan_root_open_dir(dir, &root, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "scan `%s`", dir);
	return hull_scan_root_scan(ctx, root, dir, opts, out, err);
}

int hull_scan_layers(struct hull_ctx *ctx, const char *const *layer_dirs, size_t n, const char *user,
		     const char *target, const struct hull_scan_options *opts, struct hull_scan_report **out,
		     struct hull_error **err)
{
	_cleanup_(hull_scan_root_freep) struct hull_scan_root *root = NULL;
	int ret = hull_scan_root_open_layers(layer_dirs, n, &root, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "scan `%s`", target);
	hull_scan_root_set_user(root, user ? user : "");
	return hull_scan_root_scan(ctx, root, target, opts, out, err);
}

int hull_scan_ignore_file_read(const char *path, char ***ids, struct hull_error **err)
{
	_cleanup_free_ char *buf = NULL;
	int ret = hull_read_file(path, &buf, NULL, err);
	if (ret < 0)
		return ret;
	size_t n = 0;
	while (*ids && (*ids)[n])
		n++;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "#")] = '\0';
		line += strspn(line, " \t");
		size_t l = strcspn(line, " \t\r");
		if (l == 0)
			continue;
		*ids = hull_xrealloc(*ids, (n + 2) * sizeof(char *));
		(*ids)[n++] = hull_strdup_printf("%.*s", (int)l, line);
		(*ids)[n] = NULL;
	}
	return 0;
}

int hull_scan_report_max_severity(const struct hull_scan_report *report)
{
	int max = -1;
	for (size_t i = 0; i < report->n_findings; i++)
		if ((int)report->findings[i].severity > max)
			max = (int)report->findings[i].severity;
	return max;
}

bool hull_scan_report_fails(const struct hull_scan_report *report, enum hull_scan_severity threshold)
{
	return hull_scan_report_max_severity(report) >= (int)threshold;
}
