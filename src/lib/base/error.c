/* error.c - the error object (see include/hull/error.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/error.h"
#include "hull/fs.h"

__attribute__((format(printf, 4, 0))) static int make(struct hull_error **err, int errnum, bool with_strerror,
						     const char *fmt, va_list ap)
{
	int code = errnum > 0 ? errnum : EINVAL;
	if (!err)
		return -code;
	char *base = hull_strdup_vprintf(fmt, ap);
	char *msg = base;
	if (with_strerror && errnum > 0) {
		msg = hull_strdup_printf("%s: %s", base, strerror(errnum));
		free(base);
	}
	hull_error_free(*err);
	struct hull_error *e = hull_xmalloc(sizeof(*e));
	e->code = code;
	e->msg = msg;
	*err = e;
	return -code;
}

int hull_error_setv(struct hull_error **err, int errnum, const char *fmt, va_list ap)
{
	return make(err, errnum, true, fmt, ap);
}

int hull_error_set(struct hull_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = make(err, errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int hull_error_msg(struct hull_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = make(err, code, false, fmt, ap);
	va_end(ap);
	return r;
}

int hull_error_wrap(struct hull_error **err, int ret, const char *fmt, ...)
{
	if (ret >= 0)
		ret = -EIO;
	if (!err)
		return ret;
	va_list ap;
	va_start(ap, fmt);
	char *ctx = hull_strdup_vprintf(fmt, ap);
	va_end(ap);
	if (!*err) {
		hull_error_set(err, -ret, "%s", ctx);
		free(ctx);
		return ret;
	}
	char *msg = hull_strdup_printf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = msg;
	return ret;
}

void hull_error_free(struct hull_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err);
}

void hull_error_freep(struct hull_error **err)
{
	/* err itself may be NULL: callers pass their own err argument on, and
	 * the contract lets every caller pass NULL for "not interested". */
	if (!err)
		return;
	hull_error_free(*err);
	*err = NULL;
}

void hull_error_release(struct hull_error **err)
{
	hull_error_freep(err);
}
