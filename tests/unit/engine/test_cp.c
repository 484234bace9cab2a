/* docker cp's path rules (hull_cp_plan). */
#include <criterion/criterion.h>
#include <errno.h>

#include "hull/cleanup.h"
#include "hull/cp.h"

static int plan(const char *src, bool is_dir, const char *dst, enum hull_cp_dest kind, char **dir, char **name)
{
	_cleanup_error_ struct hull_error *err = NULL;
	return hull_cp_plan(src, is_dir, dst, kind, dir, name, &err);
}

Test(cp_plan, file_into_existing_directory_keeps_its_name)
{
	_cleanup_free_ char *dir = NULL, *name = NULL;
	cr_assert_eq(plan("/etc/hosts", false, "/tmp", HULL_CP_DEST_DIR, &dir, &name), 0);
	cr_assert_str_eq(dir, "/tmp");
	cr_assert_str_eq(name, "hosts");
}

Test(cp_plan, file_onto_missing_or_file_takes_the_destination_name)
{
	_cleanup_free_ char *dir = NULL, *name = NULL, *dir2 = NULL, *name2 = NULL;
	cr_assert_eq(plan("/etc/hosts", false, "out/h2", HULL_CP_DEST_MISSING, &dir, &name), 0);
	cr_assert_str_eq(dir, "out");
	cr_assert_str_eq(name, "h2");
	cr_assert_eq(plan("/etc/hosts", false, "/tmp/old", HULL_CP_DEST_FILE, &dir2, &name2), 0);
	cr_assert_str_eq(dir2, "/tmp");
	cr_assert_str_eq(name2, "old");
}

Test(cp_plan, file_onto_missing_directory_with_slash_fails)
{
	char *dir, *name;
	cr_assert_eq(plan("/etc/hosts", false, "/nope/", HULL_CP_DEST_MISSING, &dir, &name), -ENOENT);
	cr_assert_null(dir);
	cr_assert_eq(plan("/etc/hosts", false, "/a/file/", HULL_CP_DEST_FILE, &dir, &name), -ENOTDIR);
}

Test(cp_plan, directory_rules)
{
	_cleanup_free_ char *d1 = NULL, *n1 = NULL, *d2 = NULL, *n2 = NULL, *d3 = NULL, *n3 = NULL;
	cr_assert_eq(plan("/var/log", true, "/tmp", HULL_CP_DEST_DIR, &d1, &n1), 0);
	cr_assert_str_eq(d1, "/tmp");
	cr_assert_str_eq(n1, "log");
	/* SRC/. : only the contents */
	cr_assert_eq(plan("/var/log/.", true, "/tmp", HULL_CP_DEST_DIR, &d2, &n2), 0);
	cr_assert_str_eq(d2, "/tmp");
	cr_assert_null(n2);
	/* a missing destination becomes the directory */
	cr_assert_eq(plan("/var/log", true, "/tmp/new", HULL_CP_DEST_MISSING, &d3, &n3), 0);
	cr_assert_str_eq(d3, "/tmp");
	cr_assert_str_eq(n3, "new");
	char *d, *n;
	cr_assert_eq(plan("/var/log", true, "/tmp/f", HULL_CP_DEST_FILE, &d, &n), -ENOTDIR);
	cr_assert_eq(plan("/etc/hosts/.", false, "/tmp", HULL_CP_DEST_DIR, &d, &n), -ENOTDIR);
}
