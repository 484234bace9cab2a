/* The unpacker: name cleaning, and tars built here in memory. */
#include <archive.h>
#include <archive_entry.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../../../src/lib/image/unpack.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

Test(unpack, clean_path)
{
	static const char *ok[][2] = { { "./a//b/", "a/b" }, { "a/./b", "a/b" }, { "./", "" }, { "a", "a" },
				       { "a..b/c", "a..b/c" } };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(ok); i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", ok[i][0]);
		cr_assert_eq(unpack_clean_path(buf, NULL), 0, "%s", ok[i][0]);
		cr_expect_str_eq(buf, ok[i][1]);
	}
	static const char *bad[] = { "/etc/passwd", "../x", "a/../../x", "a/..", ".." };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(bad); i++) {
		char buf[64];
		snprintf(buf, sizeof(buf), "%s", bad[i]);
		cr_expect_lt(unpack_clean_path(buf, NULL), 0, "%s accepted", bad[i]);
	}
}

struct member {
	const char *name;
	mode_t type;
	const char *data; /* content, or the link target */
	bool hardlink;
};

static int unpack_members(const struct member *m, size_t n, const char *dir, struct hull_error **err)
{
	size_t cap = 1 << 20, used = 0;
	char *buf = malloc(cap);
	struct archive *w = archive_write_new();
	archive_write_set_format_pax_restricted(w);
	archive_write_open_memory(w, buf, cap, &used);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_filetype(e, m[i].type);
		archive_entry_set_perm(e, 0644);
		if (m[i].hardlink)
			archive_entry_set_hardlink(e, m[i].data);
		else if (m[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, m[i].data);
		size_t len = m[i].type == AE_IFREG && !m[i].hardlink && m[i].data ? strlen(m[i].data) : 0;
		archive_entry_set_size(e, (la_int64_t)len);
		archive_write_header(w, e);
		if (len)
			archive_write_data(w, m[i].data, len);
		archive_entry_free(e);
	}
	archive_write_close(w);
	archive_write_free(w);
	struct archive *r = archive_read_new();
	archive_read_support_format_tar(r);
	archive_read_open_memory(r, buf, used);
	int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	ctx.log.fd = -1;
	int ret = unpack_archive(&ctx, r, root, NULL, err);
	close(root);
	archive_read_free(r);
	free(buf);
	return ret;
}

static char *tmpdir(void)
{
	char *d = strdup("/tmp/hull-unpack-XXXXXX");
	cr_assert_not_null(mkdtemp(d));
	return d;
}

Test(unpack, whiteouts_become_overlay_devices)
{
	_cleanup_free_ char *d = tmpdir();
	struct member m[] = { { "etc", AE_IFDIR, NULL, false }, { "etc/.wh.passwd", AE_IFREG, "", false },
			      { "etc/.wh..wh..opq", AE_IFREG, "", false }, { "etc/new", AE_IFREG, "x", false } };
	cr_assert_eq(unpack_members(m, HULL_ARRAY_SIZE(m), d, NULL), 0);
	struct stat st;
	_cleanup_free_ char *wh = hull_path_join(d, "etc/passwd");
	cr_assert_eq(lstat(wh, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	_cleanup_free_ char *marker = hull_path_join(d, "etc/.wh..wh..opq");
	cr_expect_neq(access(marker, F_OK), 0, "the marker itself is not kept");
	hull_rm_rf(d, NULL);
}

Test(unpack, later_members_replace_earlier_ones)
{
	_cleanup_free_ char *d = tmpdir();
	struct member m[] = { { "f", AE_IFREG, "one", false }, { "f", AE_IFREG, "two", false },
			      { "g", AE_IFDIR, NULL, false }, { "g", AE_IFLNK, "f", false },
			      { "h", AE_IFREG, "x", true } };
	m[4].data = "f";
	cr_assert_eq(unpack_members(m, HULL_ARRAY_SIZE(m), d, NULL), 0);
	_cleanup_free_ char *f = hull_path_join(d, "f"), *content = NULL;
	cr_assert_eq(hull_read_file(f, &content, NULL, NULL), 0);
	cr_expect_str_eq(content, "two");
	_cleanup_free_ char *h = hull_path_join(d, "h"), *hc = NULL;
	cr_assert_eq(hull_read_file(h, &hc, NULL, NULL), 0);
	cr_expect_str_eq(hc, "two");
	hull_rm_rf(d, NULL);
}

Test(unpack, no_write_through_symlinks)
{
	_cleanup_free_ char *d = tmpdir();
	_cleanup_free_ char *outside = tmpdir();
	struct member m[] = { { "link", AE_IFLNK, outside, false }, { "link/pwned", AE_IFREG, "x", false } };
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(unpack_members(m, HULL_ARRAY_SIZE(m), d, &err), 0);
	cr_expect(strstr(err->msg, "goes through a symlink") != NULL, "%s", err->msg);
	_cleanup_free_ char *p = hull_path_join(outside, "pwned");
	cr_expect_neq(access(p, F_OK), 0);
	hull_rm_rf(d, NULL);
	hull_rm_rf(outside, NULL);
}

Test(unpack, many_small_files_through_the_pool)
{
	_cleanup_free_ char *d = tmpdir();
	enum { N = 600 };
	struct member m[N + 2];
	char names[N][32];
	m[0] = (struct member){ "dir", AE_IFDIR, NULL, false };
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "dir/f%03d", i % (N / 2)); /* each name twice */
		m[i + 1] = (struct member){ names[i], AE_IFREG, i < N / 2 ? "first" : "second", false };
	}
	m[N + 1] = (struct member){ "dir/.wh.f000", AE_IFREG, "", false };
	cr_assert_eq(unpack_members(m, N + 2, d, NULL), 0);
	for (int i = 1; i < N / 2; i++) {
		_cleanup_free_ char *p = hull_strdup_printf("%s/dir/f%03d", d, i), *c = NULL;
		cr_assert_eq(hull_read_file(p, &c, NULL, NULL), 0);
		cr_expect_str_eq(c, "second", "%s", p);
	}
	struct stat st;
	_cleanup_free_ char *w = hull_path_join(d, "dir/f000");
	cr_assert_eq(lstat(w, &st), 0);
	cr_expect(S_ISCHR(st.st_mode), "the whiteout came after both writes");
	hull_rm_rf(d, NULL);
}
