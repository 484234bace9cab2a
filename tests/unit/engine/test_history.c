/* docker history's rows from an image config (hull_engine_image_history). */
#include <criterion/criterion.h>
#include <jansson.h>

#include "hull/cleanup.h"
#include "hull/history.h"
#include "hull/image.h"
#include "hull/oci_image.h"
#include "hull/timefmt.h"

Test(history, newest_first_and_layers_to_non_empty_steps)
{
	struct hull_image_config cfg = { 0 };
	cfg.raw = json_pack("{s:[{s:s,s:s},{s:s,s:s,s:b},{s:s,s:s,s:s}]}", "history", "created",
			    "2024-01-01T00:00:00Z", "created_by", "ADD rootfs", "created", "2024-01-02T00:00:00Z",
			    "created_by", "CMD [\"sh\"]", "empty_layer", 1, "created", "2024-01-03T00:00:00Z",
			    "created_by", "RUN x", "comment", "c");
	char *layers[] = { "/nonexistent/a", "/nonexistent/b", NULL };
	struct hull_image img = { .id = "sha256:abc", .config = &cfg, .layer_dirs = layers, .n_layers = 2 };
	struct hull_history_entry *h;
	size_t n;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_engine_image_history(&img, &h, &n, &err), 0);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(h[0].created_by, "RUN x");
	cr_assert_str_eq(h[0].comment, "c");
	cr_assert_not(h[0].empty_layer);
	cr_assert(h[1].empty_layer);
	cr_assert_eq(h[1].size, 0);
	cr_assert_str_eq(h[2].created_by, "ADD rootfs");
	cr_assert_eq(h[2].created, hull_time_parse_seconds("2024-01-01T00:00:00Z"));
	hull_history_free(h, n);
	json_decref(cfg.raw);
}

Test(history, a_history_that_is_not_an_array_is_an_error)
{
	struct hull_image_config cfg = { 0 };
	cfg.raw = json_pack("{s:s}", "history", "nope");
	struct hull_image img = { .id = "sha256:abc", .config = &cfg };
	struct hull_history_entry *h;
	size_t n;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_engine_image_history(&img, &h, &n, &err), 0);
	cr_assert_not_null(strstr(err->msg, "history: must be an array"));
	json_decref(cfg.raw);
}
