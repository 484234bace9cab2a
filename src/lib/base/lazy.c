/* lazy.c - open a library on first use (see lazy.h and hull/lazy.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/lazy.h"
#include "lazy.h"

/* The handles are a process-wide cache of dlopen(), which is process-wide
 * itself: a context could not give two different answers. */
struct hull_lazy_lib hull_lazy_libs[HULL_LIB_COUNT] = {
	[HULL_LIB_CURL] = { "libcurl.so.4", "libcurl4", NULL },
	[HULL_LIB_ARCHIVE] = { "libarchive.so.13", "libarchive13", NULL },
	[HULL_LIB_CRYPTO] = { "libcrypto.so.3", "libssl3", NULL },
	[HULL_LIB_ZSTD] = { "libzstd.so.1", "libzstd1", NULL },
	[HULL_LIB_ZLIB] = { "libz.so.1", "zlib1g", NULL },
	[HULL_LIB_SQLITE] = { "libsqlite3.so.0", "libsqlite3-0", NULL },
	[HULL_LIB_NFTABLES] = { "libnftables.so.1", "libnftables1", NULL },
	[HULL_LIB_MICROHTTPD] = { "libmicrohttpd.so.12", "libmicrohttpd12", NULL },
};

/* dlopen lib once; NULL with the reason in why (dlerror's text) when it
 * cannot be opened. */
static void *open_lib(struct hull_lazy_lib *lib, char *why, size_t size)
{
	void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
	if (h)
		return h;
	/* Two threads may both get here: dlopen counts references and
	 * returns the same handle, so either store is right. */
	h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, size, "%s", e ? e : "unknown dlopen error");
		return NULL;
	}
	__atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
	return h;
}

int hull_lazy_require(enum hull_lib id, struct hull_error **err)
{
	if ((unsigned)id >= HULL_LIB_COUNT)
		return hull_error_msg(err, EINVAL, "unknown optional library %d", (int)id);
	struct hull_lazy_lib *lib = &hull_lazy_libs[id];
	char why[512];
	if (open_lib(lib, why, sizeof(why)))
		return 0;
	/* dlerror() says "cannot open shared object file: No such file or
	 * directory" when ld.so found nothing: say it plainly. Anything else
	 * (a truncated or foreign file) is worth showing as is. */
	if (strstr(why, "No such file"))
		return hull_error_msg(err, ELIBACC, "%s not found: install %s (apt-get install %s)", lib->soname,
				      lib->package, lib->package);
	return hull_error_msg(err, ELIBBAD, "%s cannot be loaded (%s): install %s (apt-get install --reinstall %s)",
			      lib->soname, why, lib->package, lib->package);
}

void *hull_lazy_symbol(struct hull_lazy_lib *lib, const char *name)
{
	char why[512];
	void *h = open_lib(lib, why, sizeof(why));
	void *sym = h ? dlsym(h, name) : NULL;
	if (sym)
		return sym;
	if (h) {
		const char *e = dlerror();
		snprintf(why, sizeof(why), "%s", e ? e : "no such symbol");
	}
	/* Can't happen: every room calls hull_lazy_require() before its first
	 * call into the library, and a library of the right soname has every
	 * symbol hull uses. The stub has the library's own signature, so it has
	 * no way to return an error: stop loudly rather than call NULL. */
	fprintf(stderr, "hull: internal error: %s called without %s loaded (%s); install %s\n", name, lib->soname, why,
		lib->package);
	abort();
}
