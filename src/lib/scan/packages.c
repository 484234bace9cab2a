/* packages.c - the table of package databases and the inventory list. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "scan-internal.h"

const struct scan_package_db scan_package_dbs[] = {
	{ "dpkg", "var/lib/dpkg/status", HULL_VERSION_DPKG, scan_dpkg_read },
	/* distroless images: one stanza file per package, no status file */
	{ "dpkg", "var/lib/dpkg/status.d", HULL_VERSION_DPKG, scan_dpkg_read },
	{ "apk", "lib/apk/db/installed", HULL_VERSION_APK, scan_apk_read },
	{ "apk", "usr/lib/apk/db/installed", HULL_VERSION_APK, scan_apk_read },
	/* rpm >= 4.16 (Fedora 33+, RHEL/Rocky/Alma 9) */
	{ "rpm", "var/lib/rpm/rpmdb.sqlite", HULL_VERSION_RPM, scan_rpm_read },
	{ "rpm", "usr/lib/sysimage/rpm/rpmdb.sqlite", HULL_VERSION_RPM, scan_rpm_read },
	{ 0 },
};

void scan_package_clear(struct hull_scan_package *p)
{
	free(p->name);
	free(p->version);
	free(p->source_name);
	free(p->source_version);
	free(p->arch);
	memset(p, 0, sizeof(*p));
}

void scan_packages_add(struct scan_packages *p, const char *name, const char *version, const char *source_name,
		       const char *source_version, const char *arch)
{
	p->v = hull_array_grow(p->v, p->n, &p->cap, sizeof(*p->v), 128);
	struct hull_scan_package *x = &p->v[p->n++];
	x->name = hull_xstrdup(name);
	x->version = hull_xstrdup(version);
	x->source_name = hull_xstrdup(source_name && *source_name ? source_name : name);
	x->source_version = hull_xstrdup(source_version && *source_version ? source_version : version);
	x->arch = arch ? hull_xstrdup(arch) : NULL;
}

static int package_order(const void *a, const void *b)
{
	const struct hull_scan_package *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	if (r)
		return r;
	return strcmp(x->arch ? x->arch : "", y->arch ? y->arch : "");
}

int scan_packages_list(const struct hull_scan_root *root, struct scan_packages *out, bool *found,
		       enum hull_version_scheme *scheme, const char **db_path, struct hull_error **err)
{
	*found = false;
	for (const struct scan_package_db *db = scan_package_dbs; db->name; db++) {
		if (!scan_root_exists(root, db->path))
			continue;
		int ret = db->read(root, db->path, out, err);
		if (ret < 0)
			return hull_error_wrap(err, ret, "%s database `/%s`", db->name, db->path);
		if (!*found) {
			*scheme = db->scheme;
			*db_path = db->path;
		}
		*found = true;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), package_order);
	return 0;
}
