#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/error.h"

Test(error, set_appends_strerror_and_returns_negative_errno)
{
	_cleanup_error_ struct hull_error *err = NULL;
	int r = hull_error_set(&err, ENOENT, "open `%s`", "/nope");
	cr_assert_eq(r, -ENOENT);
	cr_assert_eq(err->code, ENOENT);
	cr_assert_str_eq(err->msg, "open `/nope`: No such file or directory");
}

Test(error, msg_has_no_strerror)
{
	_cleanup_error_ struct hull_error *err = NULL;
	int r = hull_error_msg(&err, EINVAL, "config.json: %s: must be a non-empty array", "process.args");
	cr_assert_eq(r, -EINVAL);
	cr_assert_str_eq(err->msg, "config.json: process.args: must be a non-empty array");
}

Test(error, wrap_prefixes_context_outermost_first)
{
	_cleanup_error_ struct hull_error *err = NULL;
	int r = hull_error_set(&err, EACCES, "open `%s`", "x");
	r = hull_error_wrap(&err, r, "load layer %d", 3);
	r = hull_error_wrap(&err, r, "pull `%s`", "alpine");
	cr_assert_eq(r, -EACCES);
	cr_assert_str_eq(err->msg, "pull `alpine`: load layer 3: open `x`: Permission denied");
}

Test(error, wrap_without_error_object_makes_one)
{
	_cleanup_error_ struct hull_error *err = NULL;
	int r = hull_error_wrap(&err, -EPERM, "mount `%s`", "/proc");
	cr_assert_eq(r, -EPERM);
	cr_assert_not_null(err);
	cr_assert_str_eq(err->msg, "mount `/proc`: Operation not permitted");
}

Test(error, null_err_pointer_is_allowed)
{
	cr_assert_eq(hull_error_set(NULL, EIO, "x"), -EIO);
	cr_assert_eq(hull_error_msg(NULL, 0, "x"), -EINVAL);
}

Test(error, release_and_freep_accept_a_null_err_pointer)
{
	hull_error_release(NULL);
	hull_error_freep(NULL);
	struct hull_error *err = NULL;
	hull_error_set(&err, EIO, "x");
	hull_error_release(&err);
	cr_assert_null(err);
}
