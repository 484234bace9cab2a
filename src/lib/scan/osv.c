/* osv.c - one OSV record against one installed package.
 *
 * OSV schema 1.6 (ossf.github.io/osv-schema): `affected[]` names a
 * package by (ecosystem, name) and lists `versions` and `ranges`; an
 * ECOSYSTEM range is a list of events (introduced, fixed, last_affected,
 * limit) evaluated in version order as the schema's "Evaluation" section
 * says: introduced opens an affected interval, fixed closes it at that
 * version, last_affected closes it after that version, and limits (if any)
 * bound the whole range from above. A `withdrawn` record affects nothing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "scan-internal.h"

enum event_kind { EV_INTRODUCED, EV_FIXED, EV_LAST_AFFECTED, EV_LIMIT };

struct event {
	enum event_kind kind;
	const char *version;
};

static const char *const event_keys[] = { "introduced", "fixed", "last_affected", "limit" };

static bool event_of(json_t *obj, struct event *e)
{
	for (size_t k = 0; k < HULL_ARRAY_SIZE(event_keys); k++) {
		const char *v = json_string_value(json_object_get(obj, event_keys[k]));
		if (v) {
			e->kind = (enum event_kind)k;
			e->version = v;
			return true;
		}
	}
	return false;
}

/* introduced "0" is before every version, whatever the scheme says */
static int event_version_order(enum hull_version_scheme scheme, const struct event *a, const struct event *b)
{
	bool az = a->kind == EV_INTRODUCED && !strcmp(a->version, "0");
	bool bz = b->kind == EV_INTRODUCED && !strcmp(b->version, "0");
	if (az || bz)
		return (int)bz - (int)az;
	int r = hull_version_compare(scheme, a->version, b->version);
	return r ? r : (int)a->kind - (int)b->kind;
}

static int version_vs(enum hull_version_scheme scheme, const char *v, const struct event *e)
{
	if (e->kind == EV_INTRODUCED && !strcmp(e->version, "0"))
		return 1;
	return hull_version_compare(scheme, v, e->version);
}

/* Evaluate one range; *fixed gets the fix closing the interval v is in. */
static bool range_affects(json_t *events, enum hull_version_scheme scheme, const char *v, const char **fixed)
{
	size_t n = json_array_size(events);
	if (n == 0)
		return false;
	_cleanup_free_ struct event *ev = hull_xcalloc(n, sizeof(*ev));
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (event_of(json_array_get(events, i), &ev[m]))
			m++;
	/* insertion sort: ranges hold a handful of events */
	for (size_t i = 1; i < m; i++)
		for (size_t j = i; j > 0 && event_version_order(scheme, &ev[j - 1], &ev[j]) > 0; j--) {
			struct event t = ev[j];
			ev[j] = ev[j - 1];
			ev[j - 1] = t;
		}
	bool affected = false, has_limit = false, under_limit = false;
	size_t next = m; /* first event above v */
	for (size_t i = 0; i < m; i++) {
		int c = version_vs(scheme, v, &ev[i]);
		switch (ev[i].kind) {
		case EV_INTRODUCED:
			if (c >= 0)
				affected = true;
			break;
		case EV_FIXED:
			if (c >= 0)
				affected = false;
			break;
		case EV_LAST_AFFECTED:
			if (c > 0)
				affected = false;
			break;
		case EV_LIMIT:
			has_limit = true;
			if (c < 0)
				under_limit = true;
			break;
		}
		if (next == m && c < 0 && ev[i].kind != EV_LIMIT)
			next = i;
	}
	if (has_limit && !under_limit)
		affected = false;
	*fixed = NULL;
	for (size_t i = next; affected && i < m; i++) {
		if (ev[i].kind == EV_FIXED) {
			*fixed = ev[i].version;
			break;
		}
		if (ev[i].kind == EV_LAST_AFFECTED)
			break;
	}
	return affected;
}

static bool names_package(json_t *affected, const char *ecosystem, const char *package)
{
	json_t *pkg = json_object_get(affected, "package");
	const char *eco = json_string_value(json_object_get(pkg, "ecosystem"));
	const char *name = json_string_value(json_object_get(pkg, "name"));
	return eco && name && !strcmp(eco, ecosystem) && !strcmp(name, package);
}

bool scan_osv_withdrawn(json_t *record)
{
	const char *w = json_string_value(json_object_get(record, "withdrawn"));
	return w && *w;
}

int scan_osv_match(json_t *record, const char *ecosystem, const char *package, enum hull_version_scheme scheme,
		   const char *version, struct scan_osv_verdict *v, struct hull_error **err)
{
	v->affected = false;
	v->fixed = NULL;
	if (scan_osv_withdrawn(record))
		return 0;
	json_t *affected = json_object_get(record, "affected");
	for (size_t i = 0; i < json_array_size(affected); i++) {
		json_t *a = json_array_get(affected, i);
		if (!names_package(a, ecosystem, package))
			continue;
		const char *fixed = NULL;
		bool hit = false;
		json_t *ranges = json_object_get(a, "ranges");
		for (size_t r = 0; r < json_array_size(ranges) && !hit; r++) {
			json_t *range = json_array_get(ranges, r);
			const char *type = json_string_value(json_object_get(range, "type"));
			/* GIT ranges name commits, not package versions */
			if (!type || !strcmp(type, "GIT"))
				continue;
			hit = range_affects(json_object_get(range, "events"), scheme, version, &fixed);
		}
		json_t *versions = json_object_get(a, "versions");
		for (size_t k = 0; k < json_array_size(versions) && !hit; k++) {
			const char *listed = json_string_value(json_array_get(versions, k));
			hit = listed && hull_version_compare(scheme, listed, version) == 0;
		}
		if (hit) {
			v->affected = true;
			free(v->fixed);
			v->fixed = fixed ? hull_xstrdup(fixed) : NULL;
			return 0;
		}
	}
	(void)err;
	return 0;
}
