/* The store's API as the engine uses it: build, resolve, layer dirs,
 * commit an overlay upper dir, in-use protection, gc. Needs root (mknod
 * for whiteouts) and /bin/busybox (busybox-static). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/image.h"

static struct hull_ctx ctx;
static char root[] = "/tmp/hull-store-test-XXXXXX";

static struct hull_image_store *open_store(void)
{
	cr_assert_not_null(mkdtemp(root));
	hull_ctx_init(&ctx);
	ctx.log.fd = -1;
	ctx.data_root = root;
	struct hull_image_store *s = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_image_store_open(&ctx, &s, &err), 0, "%s", err ? err->msg : "");
	return s;
}

static bool always(void *opaque, const char *id)
{
	(void)opaque, (void)id;
	return true;
}

Test(store, default_image_resolves_by_every_name)
{
	struct hull_image_store *s = open_store();
	struct hull_image *img = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_image_build_default(s, NULL, NULL, &img, &err), 0, "%s", err ? err->msg : "");
	cr_expect_eq(img->n_layers, 1);
	cr_expect_str_eq(img->names[0], "docker.io/library/busybox:latest");
	cr_expect_str_eq(img->config->cmd[0], "sh");
	_cleanup_free_ char *sh = hull_path_join(img->layer_dirs[0], "bin/sh");
	cr_expect_eq(access(sh, F_OK), 0);
	const char *names[] = { "busybox", "busybox:latest", "docker.io/library/busybox", img->id, img->id + 7 };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(names); i++) {
		struct hull_image *again = NULL;
		cr_expect_eq(hull_image_get(s, names[i], &again, NULL), 0, "%s", names[i]);
		if (again)
			cr_expect_str_eq(again->id, img->id);
		hull_image_free(again);
	}
	struct hull_image *none = NULL;
	cr_expect_eq(hull_image_get(s, "alpine", &none, &err), -ENOENT);
	cr_expect(strstr(err->msg, "hull pull alpine") != NULL, "%s", err->msg);
	hull_image_free(img);
	hull_image_store_free(s);
	hull_rm_rf(root, NULL);
}

Test(store, commit_adds_a_layer_with_whiteouts_on_top)
{
	struct hull_image_store *s = open_store();
	cr_assert_eq(hull_image_build_default(s, NULL, NULL, NULL, NULL), 0);
	_cleanup_free_ char *upper = hull_path_join(root, "upper");
	_cleanup_free_ char *etc = hull_path_join(upper, "etc");
	_cleanup_free_ char *gone = hull_path_join(upper, "etc/group");
	_cleanup_free_ char *added = hull_path_join(upper, "etc/motd");
	cr_assert_eq(hull_mkdir_p(etc, 0755, NULL), 0);
	cr_assert_eq(mknod(gone, S_IFCHR | 0600, makedev(0, 0)), 0);
	cr_assert_eq(hull_write_file(added, "hi\n", 3, NULL), 0);
	cr_assert_eq(setxattr(etc, "trusted.overlay.opaque", "y", 1, 0), 0);
	struct hull_image_config run = { 0 };
	run.raw = json_pack("{s:{s:[s], s:s}}", "config", "Cmd", "cat", "WorkingDir", "/etc");
	struct hull_commit_options o = { .parent = "busybox", .diff_dir = upper, .name = "mine:1", .config = &run };
	struct hull_image *img = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_image_commit(s, &o, &img, &err), 0, "%s", err ? err->msg : "");
	json_decref(run.raw);
	cr_expect_eq(img->n_layers, 2);
	cr_expect_str_eq(img->config->cmd[0], "cat");
	cr_expect_str_eq(img->config->working_dir, "/etc");
	struct stat st;
	_cleanup_free_ char *wh = hull_path_join(img->layer_dirs[1], "etc/group");
	cr_assert_eq(lstat(wh, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	_cleanup_free_ char *top_etc = hull_path_join(img->layer_dirs[1], "etc");
	char v[4] = "";
	cr_expect_eq(getxattr(top_etc, "trusted.overlay.opaque", v, sizeof(v)), 1);
	cr_expect_eq(v[0], 'y');
	_cleanup_free_ char *motd = hull_path_join(img->layer_dirs[1], "etc/motd"), *c = NULL;
	cr_assert_eq(hull_read_file(motd, &c, NULL, NULL), 0);
	cr_expect_str_eq(c, "hi\n");
	hull_image_free(img);
	hull_image_store_free(s);
	hull_rm_rf(root, NULL);
}

Test(store, images_in_use_are_kept)
{
	struct hull_image_store *s = open_store();
	struct hull_image *img = NULL;
	cr_assert_eq(hull_image_build_default(s, NULL, NULL, &img, NULL), 0);
	hull_image_store_set_in_use(s, always, NULL);
	_cleanup_error_ struct hull_error *err = NULL;
	char **lines = NULL;
	cr_expect_eq(hull_image_remove(s, "busybox", false, &lines, &err), -EBUSY);
	cr_expect(strstr(err->msg, "used by a container") != NULL, "%s", err->msg);
	cr_assert_eq(hull_image_remove(s, "busybox", true, &lines, NULL), 0);
	cr_expect_str_eq(lines[0], "Untagged: busybox:latest");
	cr_expect_null(lines[1]);
	hull_strv_free(lines);
	cr_assert_eq(hull_image_prune(s, true, NULL, &lines, NULL, NULL), 0);
	hull_strv_free(lines);
	cr_expect_eq(access(img->layer_dirs[0], F_OK), 0, "an image in use keeps its layer");
	struct hull_image *byid = NULL;
	cr_expect_eq(hull_image_get(s, img->id, &byid, NULL), 0);
	hull_image_free(byid);
	hull_image_store_set_in_use(s, NULL, NULL);
	cr_assert_eq(hull_image_prune(s, true, NULL, &lines, NULL, NULL), 0);
	hull_strv_free(lines);
	cr_expect_neq(access(img->layer_dirs[0], F_OK), 0, "collected once unused");
	hull_image_free(img);
	hull_image_store_free(s);
	hull_rm_rf(root, NULL);
}
