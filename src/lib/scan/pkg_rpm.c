/* pkg_rpm.c - installed rpm packages from the sqlite rpmdb (rpm >= 4.16:
 * var/lib/rpm/rpmdb.sqlite, table Packages(hnum, blob)).
 *
 * Each blob is an rpm header as headerExport() writes it (rpm lib/header.c,
 * "Header structure" in the rpm file format docs): big-endian il (index
 * entries) and dl (data bytes), il 16-byte entries {tag, type, offset,
 * count}, then the data store. Every offset is checked against dl: a
 * hostile image can put anything in that table. */
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/lazy.h"
#include "scan-internal.h"

enum {
	RPMTAG_NAME = 1000,
	RPMTAG_VERSION = 1001,
	RPMTAG_RELEASE = 1002,
	RPMTAG_EPOCH = 1003,
	RPMTAG_ARCH = 1022,
	RPMTAG_SOURCERPM = 1044,
	RPM_INT32_TYPE = 4,
	RPM_STRING_TYPE = 6,
	RPM_STRING_ARRAY_TYPE = 8,
	RPM_I18NSTRING_TYPE = 9,
};

#define RPM_HEADER_MAX_ENTRIES 0xffff /* rpm's HEADER_TAGS_MAX sanity bound */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct rpm_header {
	const unsigned char *index, *data;
	uint32_t il, dl;
};

/* A string tag's value, bounded by the data store, or NULL. */
static const char *header_string(const struct rpm_header *h, uint32_t tag)
{
	for (uint32_t i = 0; i < h->il; i++) {
		const unsigned char *e = h->index + 16 * i;
		if (be32(e) != tag)
			continue;
		uint32_t type = be32(e + 4), off = be32(e + 8);
		if (type != RPM_STRING_TYPE && type != RPM_STRING_ARRAY_TYPE && type != RPM_I18NSTRING_TYPE)
			return NULL;
		if (off >= h->dl || !memchr(h->data + off, '\0', h->dl - off))
			return NULL;
		return (const char *)h->data + off;
	}
	return NULL;
}

static bool header_int32(const struct rpm_header *h, uint32_t tag, uint32_t *out)
{
	for (uint32_t i = 0; i < h->il; i++) {
		const unsigned char *e = h->index + 16 * i;
		if (be32(e) != tag)
			continue;
		uint32_t off = be32(e + 8);
		if (be32(e + 4) != RPM_INT32_TYPE || be32(e + 12) < 1 || off > h->dl || h->dl - off < 4)
			return false;
		*out = be32(h->data + off);
		return true;
	}
	return false;
}

/* "openssl-3.0.7-27.el9.src.rpm" -> "openssl": drop ".src.rpm" (or
 * ".nosrc.rpm"), then the release and the version. */
static char *source_name(const char *srpm)
{
	if (!srpm)
		return NULL;
	_cleanup_free_ char *s = hull_xstrdup(srpm);
	for (int i = 0; i < 3; i++) {
		char *cut = strrchr(s, i == 0 ? '.' : '-');
		if (!cut)
			return NULL;
		if (i == 0) {
			*cut = '\0'; /* .rpm */
			cut = strrchr(s, '.');
			if (!cut)
				return NULL;
		}
		*cut = '\0';
	}
	return steal_ptr(s);
}

int scan_rpm_header_parse(const unsigned char *blob, size_t len, struct scan_packages *out, struct hull_error **err)
{
	if (len < 8)
		return hull_error_msg(err, EINVAL, "rpm header of %zu bytes is truncated", len);
	struct rpm_header h = { .il = be32(blob), .dl = be32(blob + 4) };
	if (h.il > RPM_HEADER_MAX_ENTRIES || 8 + (uint64_t)h.il * 16 + h.dl > len)
		return hull_error_msg(err, EINVAL, "rpm header claims %u entries and %u data bytes in a %zu-byte blob",
				      h.il, h.dl, len);
	h.index = blob + 8;
	h.data = h.index + 16 * (size_t)h.il;
	const char *name = header_string(&h, RPMTAG_NAME), *version = header_string(&h, RPMTAG_VERSION);
	const char *release = header_string(&h, RPMTAG_RELEASE);
	if (!name || !version)
		return hull_error_msg(err, EINVAL, "rpm header without a name or version");
	/* the imported signing keys are headers too, not packages */
	if (!strcmp(name, "gpg-pubkey"))
		return 0;
	uint32_t epoch;
	bool has_epoch = header_int32(&h, RPMTAG_EPOCH, &epoch);
	_cleanup_free_ char *evr = NULL;
	if (has_epoch)
		evr = hull_strdup_printf("%u:%s%s%s", epoch, version, release ? "-" : "", release ? release : "");
	else
		evr = hull_strdup_printf("%s%s%s", version, release ? "-" : "", release ? release : "");
	_cleanup_free_ char *src = source_name(header_string(&h, RPMTAG_SOURCERPM));
	scan_packages_add(out, name, evr, src, evr, header_string(&h, RPMTAG_ARCH));
	return 0;
}

static void sqlite_closep(sqlite3 **db)
{
	if (*db)
		sqlite3_close(*db);
}

static void stmt_finalizep(sqlite3_stmt **s)
{
	if (*s)
		sqlite3_finalize(*s);
}

int scan_rpm_read(const struct hull_scan_root *root, const char *path, struct scan_packages *out,
		  struct hull_error **err)
{
	_cleanup_close_ int fd = scan_root_open(root, path, NULL, err);
	if (fd < 0)
		return fd;
	/* Open the file we resolved inside the root (never a path that could
	 * lead out), read-only and immutable: no journal, no -shm, nothing
	 * written into the image. */
	_cleanup_free_ char *uri = hull_strdup_printf("file:/proc/self/fd/%d?immutable=1", fd);
	int lr = hull_lazy_require(HULL_LIB_SQLITE, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "rpm database");
	_cleanup_(sqlite_closep) sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	if (rc != SQLITE_OK)
		return hull_error_msg(err, EIO, "open: %s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	_cleanup_(stmt_finalizep) sqlite3_stmt *st = NULL;
	rc = sqlite3_prepare_v2(db, "SELECT blob FROM Packages", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return hull_error_msg(err, EINVAL, "not an rpm sqlite database: %s", sqlite3_errmsg(db));
	size_t row = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row++;
		const unsigned char *blob = sqlite3_column_blob(st, 0);
		int len = sqlite3_column_bytes(st, 0);
		int ret = scan_rpm_header_parse(blob, blob ? (size_t)len : 0, out, err);
		if (ret < 0)
			return hull_error_wrap(err, ret, "package row %zu", row);
	}
	if (rc != SQLITE_DONE)
		return hull_error_msg(err, EIO, "read Packages: %s", sqlite3_errmsg(db));
	return 0;
}
