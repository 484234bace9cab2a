#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/error.h"
#include "hull/fs.h"
#include "hull/output.h"

static char dir[64];

static void setup(void)
{
	strcpy(dir, "/tmp/hull-test-output.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	struct hull_error *err = NULL;
	hull_rm_rf(dir, &err);
	hull_error_free(err);
}

TestSuite(output, .init = setup, .fini = teardown);

static int entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void write_file(const char *p, const char *s)
{
	struct hull_error *err = NULL;
	cr_assert_eq(hull_write_file(p, s, strlen(s), &err), 0);
}

static char *read_back(const char *p)
{
	char *buf = NULL;
	struct hull_error *err = NULL;
	cr_assert_eq(hull_read_file(p, &buf, NULL, &err), 0);
	return buf;
}

Test(output, regular_file_is_replaced_at_commit_only)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *p = hull_path_join(dir, "out");
	write_file(p, "old");
	struct stat before, after;
	cr_assert_eq(stat(p, &before), 0);
	struct hull_output o;
	cr_assert_eq(hull_output_open(&o, p, 0644, &err), 0);
	cr_assert_not_null(o.tmp);
	cr_assert_eq(write(o.fd, "new", 3), 3);
	_cleanup_free_ char *mid = read_back(p);
	cr_assert_str_eq(mid, "old"); /* untouched until commit */
	cr_assert_eq(hull_output_commit(&o, &err), 0);
	_cleanup_free_ char *now = read_back(p);
	cr_assert_str_eq(now, "new");
	cr_assert_eq(stat(p, &after), 0);
	cr_assert_neq(before.st_ino, after.st_ino);
	cr_assert_eq(entries(), 1);
}

Test(output, discard_keeps_the_old_file_and_removes_the_temp)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *p = hull_path_join(dir, "out");
	write_file(p, "old");
	{
		_cleanup_(hull_output_discard) struct hull_output o = HULL_OUTPUT_INIT;
		cr_assert_eq(hull_output_open(&o, p, 0644, &err), 0);
		cr_assert_eq(write(o.fd, "half", 4), 4);
	}
	_cleanup_free_ char *now = read_back(p);
	cr_assert_str_eq(now, "old");
	cr_assert_eq(entries(), 1);
}

Test(output, a_fifo_is_written_into_and_stays_a_fifo)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *p = hull_path_join(dir, "fifo");
	cr_assert_eq(mkfifo(p, 0600), 0);
	int rd = open(p, O_RDONLY | O_NONBLOCK | O_CLOEXEC); /* a reader, so the open for writing does not block */
	cr_assert_geq(rd, 0);
	struct hull_output o;
	cr_assert_eq(hull_output_open(&o, p, 0644, &err), 0);
	cr_assert_null(o.tmp);
	cr_assert_eq(write(o.fd, "bytes", 5), 5);
	cr_assert_eq(hull_output_commit(&o, &err), 0);
	char buf[8] = "";
	cr_assert_eq(read(rd, buf, sizeof(buf)), 5);
	cr_assert_str_eq(buf, "bytes");
	close(rd);
	struct stat st;
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode));
	cr_assert_eq(entries(), 1);
}

Test(output, a_character_device_stays_one)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *p = hull_path_join(dir, "null");
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) < 0)
		cr_skip_test("mknod: %s (needs CAP_MKNOD)", strerror(errno));
	struct hull_output o;
	cr_assert_eq(hull_output_open(&o, p, 0644, &err), 0);
	cr_assert_eq(write(o.fd, "gone", 4), 4);
	cr_assert_eq(hull_output_commit(&o, &err), 0);
	struct stat st;
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert(S_ISCHR(st.st_mode));
	cr_assert_eq(st.st_rdev, makedev(1, 3));
}

Test(output, a_symlink_to_a_file_keeps_the_link_and_replaces_the_file)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *target = hull_path_join(dir, "target");
	_cleanup_free_ char *link = hull_path_join(dir, "link");
	write_file(target, "old");
	cr_assert_eq(symlink(target, link), 0);
	struct hull_output o;
	cr_assert_eq(hull_output_open(&o, link, 0644, &err), 0);
	cr_assert_eq(write(o.fd, "new", 3), 3);
	cr_assert_eq(hull_output_commit(&o, &err), 0);
	struct stat st;
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	_cleanup_free_ char *now = read_back(target);
	cr_assert_str_eq(now, "new");
}

Test(output, a_directory_is_refused)
{
	_cleanup_error_ struct hull_error *err = NULL;
	struct hull_output o;
	cr_assert_eq(hull_output_open(&o, dir, 0644, &err), -EISDIR);
	cr_assert_eq(o.fd, -1);
	cr_assert_not_null(strstr(err->msg, "is a directory"));
}

Test(output, dash_is_stdout_and_not_closed)
{
	_cleanup_error_ struct hull_error *err = NULL;
	struct hull_output o;
	cr_assert_eq(hull_output_open(&o, "-", 0644, &err), 0);
	cr_assert_eq(o.fd, STDOUT_FILENO);
	cr_assert_eq(hull_output_commit(&o, &err), 0);
	cr_assert_neq(fcntl(STDOUT_FILENO, F_GETFD), -1);
}

Test(output, new_file_gets_mode_less_umask)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *p = hull_path_join(dir, "new");
	mode_t old = umask(027);
	struct hull_output o;
	cr_assert_eq(hull_output_open(&o, p, 0666, &err), 0);
	cr_assert_eq(hull_output_commit(&o, &err), 0);
	umask(old);
	struct stat st;
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0640);
}
