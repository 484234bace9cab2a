/* fuzz_common.h - what every fuzz target checks besides "no crash". */
#ifndef HULL_FUZZ_COMMON_H
#define HULL_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hull/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parser that fails must say why: an error object with a
 * non-empty message and a positive code; one that succeeds sets none.
 * Frees the error. */
static inline void fuzz_check_error(int ret, struct hull_error *err)
{
	if (ret < 0 && (!err || !err->msg || !err->msg[0] || err->code <= 0)) {
		fprintf(stderr, "parser failed (%d) without an error message\n", ret);
		abort();
	}
	if (ret >= 0 && err) {
		fprintf(stderr, "parser succeeded but left an error: %s\n", err->msg);
		abort();
	}
	/* FUZZ_VERBOSE=1: say why each input was refused */
	if (err && getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "refused: %s\n", err->msg);
	hull_error_free(err);
}

#endif
