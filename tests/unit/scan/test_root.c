/* test_root.c - the merged root: whiteouts, opaque dirs, symlinks that try
 * to leave the root. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../../../src/lib/scan/scan-internal.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

static char top[] = "/tmp/hull-scan-root-XXXXXX";

static void put(const char *rel, const char *content)
{
	char *p = hull_path_join(top, rel);
	char *dir = hull_xstrdup(p);
	*strrchr(dir, '/') = '\0';
	cr_assert_eq(hull_mkdir_p(dir, 0755, NULL), 0);
	cr_assert_eq(hull_write_file(p, content, strlen(content), NULL), 0);
	free(dir);
	free(p);
}

static void link_at(const char *target, const char *rel)
{
	char *p = hull_path_join(top, rel);
	cr_assert_eq(symlink(target, p), 0, "symlink %s", p);
	free(p);
}

static char *read_in(struct hull_scan_root *root, const char *path)
{
	char *buf = NULL;
	if (scan_root_read_file(root, path, 1 << 20, &buf, NULL, NULL) < 0)
		return NULL;
	return buf;
}

static struct hull_scan_root *open_layers(void)
{
	cr_assert_not_null(mkdtemp(top));
	/* bottom */
	put("l1/etc/os-release", "ID=debian\n");
	put("l1/etc/gone", "lower\n");
	put("l1/opq/old", "hidden by opaque\n");
	put("l1/keep/a", "a\n");
	put("l1/var/lib/dpkg/status", "Package: a\nVersion: 1\n");
	/* middle: deletes etc/gone, makes opq opaque, replaces keep/a */
	put("l2/etc/.wh.gone", "");
	put("l2/opq/.wh..wh..opq", "");
	put("l2/opq/new", "new\n");
	put("l2/keep/a", "a2\n");
	/* top: an overlayfs-style whiteout (0:0 char device) for keep/a, and
	 * an overlayfs opaque directory (the xattr the image store writes) */
	put("l3/etc/hostname", "box\n");
	put("l1/xop/old", "hidden by the xattr\n");
	put("l3/xop/new", "new\n");
	char *xop = hull_path_join(top, "l3/xop");
	cr_assert_eq(setxattr(xop, "trusted.overlay.opaque", "y", 1, 0), 0, "setxattr");
	free(xop);
	char *dev = hull_path_join(top, "l3/keep");
	hull_mkdir_p(dev, 0755, NULL);
	free(dev);
	dev = hull_path_join(top, "l3/keep/a");
	cr_assert_eq(mknod(dev, S_IFCHR | 0600, makedev(0, 0)), 0);
	free(dev);
	/* symlinks that try to get out */
	link_at("../../../../../../etc/passwd", "l3/etc/escape");
	link_at("/etc/hostname", "l3/etc/abs");
	char *layers[3];
	for (int i = 0; i < 3; i++)
		layers[i] = hull_strdup_printf("%s/l%d", top, i + 1);
	struct hull_scan_root *root = NULL;
	cr_assert_eq(hull_scan_root_open_layers((const char *const *)layers, 3, &root, NULL), 0);
	for (int i = 0; i < 3; i++)
		free(layers[i]);
	return root;
}

static void cleanup(void)
{
	hull_rm_rf(top, NULL);
}

Test(root, layers_merge_like_overlayfs, .fini = cleanup)
{
	struct hull_scan_root *root = open_layers();
	char *s;
	cr_expect_str_eq(s = read_in(root, "etc/os-release"), "ID=debian\n");
	free(s);
	cr_expect_null(read_in(root, "etc/gone"), ".wh. whiteout deletes the lower file");
	cr_expect_null(read_in(root, "opq/old"), "opaque dir hides the lower layer");
	cr_expect_str_eq(s = read_in(root, "opq/new"), "new\n");
	free(s);
	cr_expect_null(read_in(root, "keep/a"), "0:0 char device whiteout");
	cr_expect_null(read_in(root, "xop/old"), "trusted.overlay.opaque=y hides the lower layer");
	cr_expect_str_eq(s = read_in(root, "xop/new"), "new\n");
	free(s);
	char **names = NULL;
	cr_assert_eq(scan_root_list(root, "etc", &names, NULL), 0);
	size_t n = 0;
	for (char **p = names; *p; p++, n++)
		cr_expect(strcmp(*p, "gone") && strncmp(*p, ".wh.", 4), "listed %s", *p);
	cr_expect_eq(n, 4, "abs, escape, hostname, os-release");
	hull_strv_free(names);
	hull_scan_root_free(root);
}

Test(root, symlinks_stay_inside, .fini = cleanup)
{
	struct hull_scan_root *root = open_layers();
	cr_expect_null(read_in(root, "etc/escape"), "../../etc/passwd resolves to the root's /etc/passwd (absent)");
	char *s = read_in(root, "etc/abs");
	cr_expect(s && !strcmp(s, "box\n"), "absolute link resolves in the root: %s", s);
	free(s);
	cr_expect_null(read_in(root, "../../../../etc/passwd"));
	hull_scan_root_free(root);
}

static int count_entry(void *data, const char *path, int dirfd, const char *name, const struct stat *st,
		       struct hull_error **err)
{
	(void)dirfd, (void)name, (void)st, (void)err;
	cr_expect(strcmp(path, "/etc/gone") && strcmp(path, "/opq/old") && strcmp(path, "/keep/a") &&
			  strcmp(path, "/xop/old"),
		  "walked %s", path);
	(*(int *)data)++;
	return 0;
}

Test(root, walk_sees_the_merged_tree, .fini = cleanup)
{
	struct hull_scan_root *root = open_layers();
	int n = 0;
	cr_assert_eq(scan_root_walk(root, count_entry, &n, NULL), 0);
	/* etc os-release hostname escape abs; opq new; keep; var lib dpkg status; xop new */
	cr_expect_eq(n, 14, "%d entries", n);
	hull_scan_root_free(root);
}
