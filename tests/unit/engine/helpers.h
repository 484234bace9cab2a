/* helpers.h - a private data root per test (Criterion runs each test in
 * its own process, so a static context is per test). */
#ifndef ENGINE_TEST_HELPERS_H
#define ENGINE_TEST_HELPERS_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "hull/ctx.h"
#include "hull/error.h"
#include "hull/fs.h"

static inline void test_root_setup(struct hull_ctx *ctx, char *dir)
{
	strcpy(dir, "/tmp/hull-test-engine.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	hull_ctx_init(ctx);
	ctx->data_root = dir;
	ctx->log.fd = -1;
}

static inline void test_root_teardown(const char *dir)
{
	struct hull_error *err = NULL;
	hull_rm_rf(dir, &err);
	hull_error_free(err);
}

#define cr_assert_ok(expr, err)                                                                         \
	do {                                                                                            \
		int _r_ = (expr);                                                                       \
		cr_assert_geq(_r_, 0, "%s failed: %s", #expr, (err) && (err)->msg ? (err)->msg : "?"); \
	} while (0)

#endif
