/* hull/lazy.h - the optional shared libraries hull opens on first use.
 *
 * libcurl, libarchive, libcrypto, zstd, zlib, sqlite, libnftables and
 * libmicrohttpd are not
 * loaded at startup (see src/lib/base/lazy.h for why). A machine may lack one
 * of them; the room that needs a library calls hull_lazy_require() at its
 * entry point (registry open, image store open, unpack, rpm database, port
 * forwarding), so a missing library is an ordinary error that names the
 * library and the package to install, never a crash deep in a call.
 */
#ifndef HULL_LAZY_PUBLIC_H
#define HULL_LAZY_PUBLIC_H

#include "hull/error.h"

enum hull_lib {
	HULL_LIB_CURL,	   /* registry client */
	HULL_LIB_ARCHIVE,  /* tar: layers, save/load, import/export, cp */
	HULL_LIB_CRYPTO,   /* sha256 digests, base64 */
	HULL_LIB_ZSTD,	   /* zstd layers */
	HULL_LIB_ZLIB,	   /* gzip layers */
	HULL_LIB_SQLITE,   /* rpm package databases */
	HULL_LIB_NFTABLES, /* port forwarding */
	HULL_LIB_MICROHTTPD, /* the Docker API server (hull system service) */
	HULL_LIB_COUNT,
};

/* hull_lazy_require: open lib now if it is not open yet. Returns 0, or a
 * negative errno with *err naming the library and the Debian package that
 * provides it ("libcurl.so.4 not found: install libcurl4 (apt-get install
 * libcurl4)"). Safe from several threads; a failure is not cached, so a
 * library installed meanwhile is picked up by the next call. */
int hull_lazy_require(enum hull_lib lib, struct hull_error **err);

#endif
