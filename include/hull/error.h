/* hull/error.h - the error object every fallible call fills in.
 *
 * Convention: a fallible function takes `struct hull_error **err`
 * last and returns 0 on success or a negative errno; pointer results are NULL
 * on failure. The callee creates the error; callers add context on the way up
 * with hull_error_wrap(); only src/cli/ prints it.
 */
#ifndef HULL_ERROR_H
#define HULL_ERROR_H

#include <stdarg.h>

struct hull_error {
	int code;  /* positive errno-style code (EINVAL when none applies) */
	char *msg; /* full message, outermost context first */
};

/* hull_error_set: create *err with a printf-style message. When errnum is
 * non-zero, ": strerror(errnum)" is appended. If *err is already set it is
 * replaced. Returns -errnum, or -EINVAL when errnum is 0, so callers can write
 * `return hull_error_set(err, errno, "open `%s`", path);`. err may be NULL. */
int hull_error_set(struct hull_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* hull_error_setv: as hull_error_set with a va_list. */
int hull_error_setv(struct hull_error **err, int errnum, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* hull_error_msg: like hull_error_set but the message never gets strerror()
 * appended; code (positive) is still recorded. Returns -code. */
int hull_error_msg(struct hull_error **err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* hull_error_wrap: prefix the existing *err with "context: ". If *err is NULL
 * (callee returned failure without an error object) a new error is made from
 * ret. Returns ret (a negative errno) unchanged, or -EIO if ret >= 0. */
int hull_error_wrap(struct hull_error **err, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* hull_error_free: free an error; NULL is fine. */
void hull_error_free(struct hull_error *err);

/* hull_error_freep: cleanup-attribute form; leaves *err NULL. err may be NULL. */
void hull_error_freep(struct hull_error **err);

/* hull_error_release: free *err (if any) and reset it to NULL; used when an
 * error is deliberately ignored after being logged. err may be NULL. */
void hull_error_release(struct hull_error **err);

#endif
