#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/error.h"
#include "hull/fs.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/hull-test-fs.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	struct hull_error *err = NULL;
	hull_rm_rf(dir, &err);
	hull_error_free(err);
}

TestSuite(fs, .init = setup, .fini = teardown);

Test(fs, atomic_write_then_read_back)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *p = hull_path_join(dir, "state.json");
	cr_assert_eq(hull_write_file_atomic(p, "hello", 5, 0600, true, &err), 0);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	cr_assert_eq(hull_read_file(p, &buf, &len, &err), 0);
	cr_assert_eq(len, 5);
	cr_assert_str_eq(buf, "hello");
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	/* no temp file left behind */
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	cr_assert_eq(n, 1);
}

Test(fs, atomic_write_into_missing_dir_fails_and_names_path)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *p = hull_path_join(dir, "no/such/file");
	cr_assert_lt(hull_write_file_atomic(p, "x", 1, 0644, false, &err), 0);
	cr_assert_not_null(strstr(err->msg, "no/such/file"));
}

Test(fs, mkdir_p_and_rm_rf)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *p = hull_path_join(dir, "a/b/c");
	cr_assert_eq(hull_mkdir_p(p, 0755, &err), 0);
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	_cleanup_free_ char *a = hull_path_join(dir, "a");
	cr_assert_eq(hull_rm_rf(a, &err), 0);
	cr_assert_eq(stat(a, &st), -1);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(hull_rm_rf(a, &err), 0, "rm -rf of a missing path succeeds");
}

Test(fs, path_join_normalises_slashes)
{
	_cleanup_free_ char *a = hull_path_join("/run/hull/", "/id");
	_cleanup_free_ char *b = hull_path_join("/", "etc");
	cr_assert_str_eq(a, "/run/hull/id");
	cr_assert_str_eq(b, "/etc");
}

Test(fs, array_grow_doubles_and_keeps_items)
{
	int *v = NULL;
	size_t n = 0, cap = 0;
	for (int i = 0; i < 1000; i++) {
		v = hull_array_grow(v, n, &cap, sizeof(*v), 4);
		cr_assert(cap > n);
		v[n++] = i;
	}
	/* 4, 8, ... 1024: doubling from the first size */
	cr_assert_eq(cap, 1024);
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(v[i], i);
	/* room left: the array is returned as it is */
	int *same = hull_array_grow(v, 10, &cap, sizeof(*v), 4);
	cr_assert_eq(same, v);
	cr_assert_eq(cap, 1024);
	free(v);
}

Test(fs, path_clean_gives_the_shortest_lexical_form)
{
	static const char *const cases[][2] = {
	    {"/dev", "/dev"},
	    {"/dev/", "/dev"},
	    {"//dev", "/dev"},
	    {"/dev/.", "/dev"},
	    {"/./dev//", "/dev"},
	    {"/x/../dev", "/dev"},
	    {"/../dev", "/dev"},
	    {"/", "/"},
	    {"//", "/"},
	    {"/a/..", "/"},
	    {"", "."},
	    {".", "."},
	    {"a/./b/", "a/b"},
	    {"a/../..", ".."},
	    {"../a/../../b", "../../b"},
	    {"rootfs", "rootfs"},
	    {"../../../../", "../../../.."},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *c = hull_path_clean(cases[i][0]);
		cr_assert_str_eq(c, cases[i][1], "clean(`%s`)", cases[i][0]);
	}
	cr_assert(hull_path_is_or_under("/proc/self", "/proc"));
	cr_assert(hull_path_is_or_under("//proc/.", "/proc"));
	cr_assert(!hull_path_is_or_under("/procfs", "/proc"));
	cr_assert(!hull_path_is_or_under("/", "/proc"));
}

Test(fs, read_file_max_stops_at_the_cap)
{
	char *buf = NULL;
	struct hull_error *err = NULL;
	cr_assert_eq(hull_read_file_max("/dev/zero", 1000, &buf, NULL, &err), -EFBIG);
	cr_assert_not_null(strstr(err->msg, "/dev/zero"), "%s", err->msg);
	cr_assert_not_null(strstr(err->msg, "1000"), "%s", err->msg);
	hull_error_free(err);
	err = NULL;
	size_t len = 0;
	cr_assert_eq(hull_read_file_max("/proc/self/stat", 1 << 20, &buf, &len, &err), 0);
	cr_assert(len > 0);
	free(buf);
}

Test(fs, atomic_write_never_writes_through_a_planted_temp_symlink)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *p = hull_path_join(dir, "pid");
	_cleanup_free_ char *victim = hull_path_join(dir, "victim");
	_cleanup_free_ char *tmp = hull_strdup_printf("%s.tmp.%d", p, (int)getpid());
	cr_assert_eq(hull_write_file(victim, "keep", 4, &err), 0);
	cr_assert_eq(symlink(victim, tmp), 0);
	cr_assert_eq(hull_write_file_atomic(p, "123", 3, 0644, false, &err), 0);
	_cleanup_free_ char *v = NULL, *w = NULL;
	cr_assert_eq(hull_read_file(victim, &v, NULL, &err), 0);
	cr_assert_str_eq(v, "keep");
	cr_assert_eq(hull_read_file(p, &w, NULL, &err), 0);
	cr_assert_str_eq(w, "123");
}

Test(fs, copy_tree_keeps_modes_owners_links)
{
	_cleanup_free_ char *src = hull_path_join(dir, "src");
	_cleanup_free_ char *dst = hull_path_join(dir, "dst");
	_cleanup_free_ char *sub = hull_path_join(src, "sub");
	_cleanup_free_ char *f = hull_path_join(sub, "f");
	_cleanup_free_ char *l = hull_path_join(src, "link");
	cr_assert_eq(hull_mkdir_p(sub, 0750, NULL), 0);
	cr_assert_eq(mkdir(dst, 0755), 0);
	cr_assert_eq(hull_write_file(f, "hello", 5, NULL), 0);
	cr_assert_eq(chmod(f, 0640), 0);
	cr_assert_eq(chown(f, 1234, 5678), 0);
	cr_assert_eq(symlink("/etc/shadow", l), 0);
	cr_assert_eq(hull_copy_tree(src, dst, NULL), 0);
	_cleanup_free_ char *df = hull_path_join(dst, "sub/f");
	_cleanup_free_ char *dl = hull_path_join(dst, "link");
	struct stat st;
	cr_assert_eq(stat(df, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640);
	cr_assert_eq(st.st_uid, 1234);
	cr_assert_eq(st.st_gid, 5678);
	cr_assert_eq(lstat(dl, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	_cleanup_free_ char *buf = NULL;
	cr_assert_eq(hull_read_file(df, &buf, NULL, NULL), 0);
	cr_assert_str_eq(buf, "hello");
	cr_assert_not(hull_dir_is_empty(dst));
	cr_assert_gt(hull_du(dst), 0);
}
