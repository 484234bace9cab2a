/* lazy_compress.c - the zstd and zlib functions hull calls (layer
 * decompression), loading each library on first use (see lazy.h). */
#include <zlib.h>
#include <zstd.h>

#include <stddef.h>

#include "lazy.h"

HULL_LAZY(HULL_LIB_ZSTD, ZSTD_DStream *, ZSTD_createDStream, (void), ())
HULL_LAZY(HULL_LIB_ZSTD, size_t, ZSTD_freeDStream, (ZSTD_DStream *s), (s))
HULL_LAZY(HULL_LIB_ZSTD, size_t, ZSTD_decompressStream, (ZSTD_DStream *s, ZSTD_outBuffer *o, ZSTD_inBuffer *i), (s, o, i))
HULL_LAZY(HULL_LIB_ZSTD, unsigned, ZSTD_isError, (size_t c), (c))
HULL_LAZY(HULL_LIB_ZSTD, const char *, ZSTD_getErrorName, (size_t c), (c))

HULL_LAZY(HULL_LIB_ZLIB, int, inflate, (z_streamp s, int flush), (s, flush))
HULL_LAZY(HULL_LIB_ZLIB, int, inflateEnd, (z_streamp s), (s))
HULL_LAZY(HULL_LIB_ZLIB, int, inflateReset, (z_streamp s), (s))
HULL_LAZY(HULL_LIB_ZLIB, int, inflateInit2_, (z_streamp s, int w, const char *v, int n), (s, w, v, n))
