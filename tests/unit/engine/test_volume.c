#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/volume.h"

static struct hull_ctx ctx;
static char dir[64];

static void setup(void)
{
	test_root_setup(&ctx, dir);
}

static void teardown(void)
{
	test_root_teardown(dir);
}

TestSuite(volume, .init = setup, .fini = teardown);

Test(volume, create_is_idempotent_and_laid_out_as_docker)
{
	_cleanup_error_ struct hull_error *err = NULL;
	bool created = false;
	_cleanup_volume_ struct hull_volume *v = hull_volume_create(&ctx, "data", NULL, &created, &err);
	cr_assert_not_null(v);
	cr_assert(created);
	_cleanup_free_ char *expect = hull_strdup_printf("%s/volumes/data/_data", dir);
	cr_assert_str_eq(v->mountpoint, expect);
	struct stat st;
	cr_assert_eq(stat(expect, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	_cleanup_volume_ struct hull_volume *again = hull_volume_create(&ctx, "data", NULL, &created, &err);
	cr_assert_not_null(again);
	cr_assert_not(created);
}

Test(volume, bad_names_are_refused)
{
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_null(hull_volume_create(&ctx, "../x", NULL, NULL, &err));
	cr_assert_not_null(strstr(err->msg, "invalid characters"));
	hull_error_release(&err);
	cr_assert_null(hull_volume_get(&ctx, "../../etc", &err));
	cr_assert_eq(err->code, ENOENT);
}

Test(volume, anonymous_volume_has_hex_name)
{
	_cleanup_volume_ struct hull_volume *v = hull_volume_create(&ctx, NULL, NULL, NULL, NULL);
	cr_assert_not_null(v);
	cr_assert_eq(strlen(v->name), 64);
	cr_assert(v->anonymous);
}

Test(volume, labels_and_inspect)
{
	_cleanup_json_ json_t *labels = json_pack("{s:s}", "team", "eng");
	_cleanup_volume_ struct hull_volume *v = hull_volume_create(&ctx, "lab", labels, NULL, NULL);
	_cleanup_json_ json_t *j = hull_volume_inspect_json(v);
	cr_assert_str_eq(json_string_value(json_object_get(j, "Driver")), "local");
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "Labels"), "team")), "eng");
	cr_assert_str_eq(json_string_value(json_object_get(j, "Name")), "lab");
}

static void use_volume(const char *vol)
{
	struct hull_container *c = hull_container_reserve(&ctx, NULL, NULL);
	cr_assert_not_null(c);
	json_object_set_new(c->record, "Created", json_string("2026-01-01T00:00:00Z"));
	json_object_set_new(c->record, "Mounts",
			    json_pack("[{s:s,s:s,s:s}]", "Type", "volume", "Name", vol, "Destination", "/data"));
	cr_assert_eq(hull_container_save(c, NULL), 0);
	hull_container_free(c);
}

Test(volume, in_use_volume_cannot_be_removed)
{
	_cleanup_volume_ struct hull_volume *v = hull_volume_create(&ctx, "busy", NULL, NULL, NULL);
	use_volume("busy");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_volume_remove(&ctx, "busy", &err), -EBUSY);
	cr_assert_not_null(strstr(err->msg, "volume is in use"), "%s", err->msg);
	cr_assert_eq(access(v->mountpoint, F_OK), 0);
}

Test(volume, remove_and_list)
{
	hull_volume_free(hull_volume_create(&ctx, "aa", NULL, NULL, NULL));
	hull_volume_free(hull_volume_create(&ctx, "bb", NULL, NULL, NULL));
	struct hull_volume **vs;
	size_t n;
	cr_assert_eq(hull_volume_list(&ctx, &vs, &n, NULL), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(vs[0]->name, "aa");
	for (size_t i = 0; i < n; i++)
		hull_volume_free(vs[i]);
	free(vs);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_volume_remove(&ctx, "aa", &err), 0);
	cr_assert_eq(hull_volume_remove(&ctx, "aa", &err), -ENOENT);
	cr_assert_str_eq(err->msg, "no such volume: aa");
}

Test(volume, prune_takes_anonymous_unused_only_unless_all)
{
	_cleanup_volume_ struct hull_volume *anon = hull_volume_create(&ctx, NULL, NULL, NULL, NULL);
	hull_volume_free(hull_volume_create(&ctx, "named", NULL, NULL, NULL));
	hull_volume_free(hull_volume_create(&ctx, "used", NULL, NULL, NULL));
	use_volume("used");
	_cleanup_strv_ char **removed = NULL;
	unsigned long long bytes = 0;
	cr_assert_eq(hull_volume_prune(&ctx, false, &removed, &bytes, NULL), 0);
	cr_assert_str_eq(removed[0], anon->name);
	cr_assert_null(removed[1]);
	hull_strv_free(steal_ptr(removed));
	cr_assert_eq(hull_volume_prune(&ctx, true, &removed, &bytes, NULL), 0);
	cr_assert_str_eq(removed[0], "named");
	cr_assert_null(removed[1]);
	_cleanup_volume_ struct hull_volume *still = hull_volume_get(&ctx, "used", NULL);
	cr_assert_not_null(still);
}

