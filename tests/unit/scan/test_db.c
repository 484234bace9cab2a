/* test_db.c - import and lookup; a failed import keeps the old database. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../src/lib/scan/scan-internal.h"
#include "hull/fs.h"

static char dir[] = "/tmp/hull-scan-db-XXXXXX";

static void write_record(const char *sub, const char *id, const char *eco, const char *pkg)
{
	char *d = hull_path_join(dir, sub);
	hull_mkdir_p(d, 0755, NULL);
	char *p = hull_strdup_printf("%s/%s.json", d, id);
	char *j = hull_strdup_printf("{\"id\":\"%s\",\"affected\":[{\"package\":{\"ecosystem\":\"%s\",\"name\":\"%s\"},"
				     "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}",
				     id, eco, pkg);
	cr_assert_eq(hull_write_file(p, j, strlen(j), NULL), 0);
	free(j);
	free(p);
	free(d);
}

static int collect(void *data, const char *json, size_t len, struct hull_error **err)
{
	(void)err;
	json_t *r = json_loadb(json, len, 0, NULL);
	cr_assert_not_null(r);
	char **ids = data;
	char *n = hull_strdup_printf("%s%s ", *ids, json_string_value(json_object_get(r, "id")));
	free(*ids);
	*ids = n;
	json_decref(r);
	return 0;
}

static char *lookup(const char *db_dir, const char *eco, const char *pkg)
{
	struct scan_db *db = NULL;
	cr_assert_eq(scan_db_open(db_dir, &db, NULL), 0);
	char *ids = hull_xstrdup("");
	cr_assert_eq(scan_db_lookup(db, eco, pkg, collect, &ids, NULL), 0);
	scan_db_close(db);
	return ids;
}

static void cleanup(void)
{
	hull_rm_rf(dir, NULL);
}

Test(db, import_then_lookup, .fini = cleanup)
{
	cr_assert_not_null(mkdtemp(dir));
	write_record("src", "A-1", "Debian:12", "openssl");
	write_record("src", "A-2", "Debian:12", "openssl");
	write_record("src", "A-3", "Debian:12", "openssl-libs");
	write_record("src", "A-4", "Debian:11", "openssl");
	write_record("src/sub", "A-5", "Alpine:v3.19", "openssl");
	char *src = hull_path_join(dir, "src"), *db = hull_path_join(dir, "db");
	const char *sources[] = { src };
	struct hull_scan_db_info info = { 0 };
	cr_assert_eq(hull_scan_db_import(db, sources, 1, false, &info, NULL), 0);
	cr_expect_eq(info.records, 5);
	cr_expect_eq(info.keys, 4);
	hull_scan_db_info_clear(&info);
	char *ids;
	cr_expect_str_eq(ids = lookup(db, "Debian:12", "openssl"), "A-1 A-2 ");
	free(ids);
	cr_expect_str_eq(ids = lookup(db, "Alpine:v3.19", "openssl"), "A-5 ");
	free(ids);
	cr_expect_str_eq(ids = lookup(db, "Debian:12", "openss"), "");
	free(ids);
	cr_expect_str_eq(ids = lookup(db, "Debian:1", "openssl"), "");
	free(ids);

	/* --add keeps A-*, a new record with an id already there replaces it */
	write_record("more", "A-1", "Debian:12", "zlib");
	char *more = hull_path_join(dir, "more");
	const char *more_sources[] = { more };
	cr_assert_eq(hull_scan_db_import(db, more_sources, 1, true, &info, NULL), 0);
	cr_expect_eq(info.records, 5);
	hull_scan_db_info_clear(&info);
	cr_expect_str_eq(ids = lookup(db, "Debian:12", "openssl"), "A-2 ");
	free(ids);
	cr_expect_str_eq(ids = lookup(db, "Debian:12", "zlib"), "A-1 ");
	free(ids);
	free(src);
	free(db);
	free(more);
}

Test(db, failed_import_keeps_the_old_database, .fini = cleanup)
{
	cr_assert_not_null(mkdtemp(dir));
	write_record("good", "G-1", "Debian:12", "bash");
	char *good = hull_path_join(dir, "good"), *db = hull_path_join(dir, "db");
	const char *s1[] = { good };
	cr_assert_eq(hull_scan_db_import(db, s1, 1, false, NULL, NULL), 0);
	char *idx = hull_path_join(db, SCAN_DB_FILE);
	struct stat before, after;
	stat(idx, &before);

	write_record("bad", "B-1", "Debian:12", "bash");
	char *broken = hull_path_join(dir, "bad/B-2.json");
	hull_write_file(broken, "{\"id\": \"B-2\", \"affected\": [", 28, NULL);
	char *bad = hull_path_join(dir, "bad");
	const char *s2[] = { bad };
	struct hull_error *err = NULL;
	cr_assert_lt(hull_scan_db_import(db, s2, 1, false, NULL, &err), 0);
	cr_expect(strstr(err->msg, "B-2.json") && strstr(err->msg, "previous database is unchanged"), "%s", err->msg);
	hull_error_free(err);
	stat(idx, &after);
	cr_expect_eq(before.st_ino, after.st_ino, "the index was not replaced");
	char *ids = lookup(db, "Debian:12", "bash");
	cr_expect_str_eq(ids, "G-1 ");
	free(ids);
	/* nothing left behind: only the index in the directory */
	char **names = NULL;
	size_t n = 0;
	DIR *d = opendir(db);
	struct dirent *de;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.' || strlen(de->d_name) > 2;
	closedir(d);
	cr_expect_eq(n, 1, "osv.idx only, no temporary file (%zu entries)", n);
	(void)names;

	/* a truncated index is refused with advice, never read past its end */
	truncate(idx, before.st_size - 10);
	struct scan_db *sdb = NULL;
	err = NULL;
	cr_expect_lt(scan_db_open(db, &sdb, &err), 0);
	cr_expect(strstr(err->msg, "import"), "%s", err->msg);
	hull_error_free(err);
	free(good);
	free(db);
	free(idx);
	free(broken);
	free(bad);
}
