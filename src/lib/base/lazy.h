/* lazy.h - call into a shared library that is opened on first use.
 *
 * libcurl and libarchive (with gnutls, krb5, ldap, icu, xml2 behind them)
 * cost ~15 ms and ~9 MB of RSS at every exec of hull when linked normally,
 * which every `hull run` of the OCI runtime would pay without ever calling
 * them. lazy_curl.c and lazy_archive.c define the functions hull uses as
 * stubs that dlopen() the library the first time one is called; the link
 * uses --as-needed, so the libraries are not loaded at startup. A function
 * missing from the stubs still links (from the real library, loaded
 * eagerly again): slower, never broken. (Internal to src/lib/base.)
 */
#ifndef HULL_LAZY_H
#define HULL_LAZY_H

#include "hull/lazy.h"

struct hull_lazy_lib {
	const char *soname;  /* "libcurl.so.4" */
	const char *package; /* the Debian package that ships it: "libcurl4" */
	void *handle;        /* dlopen() handle once loaded */
};

/* One entry per enum hull_lib; the stubs in lazy_*.c point into it. */
extern struct hull_lazy_lib hull_lazy_libs[HULL_LIB_COUNT];

/* hull_lazy_symbol: dlopen lib (once) and return name's address. The rooms
 * call hull_lazy_require() first, so a missing library is reported as an
 * error there; reaching a stub of a library that cannot be opened (or that
 * lacks the symbol) is a bug in hull: it says so on stderr and aborts.
 * Safe from several threads. */
void *hull_lazy_symbol(struct hull_lazy_lib *lib, const char *name);

#define HULL_LAZY_FN(lib, name, params)                                           \
	static __typeof__(name) *lazy_##name(void)                                \
	{                                                                         \
		static __typeof__(name) *fn;                                      \
		__typeof__(name) *f = __atomic_load_n(&fn, __ATOMIC_ACQUIRE);     \
		if (!f) {                                                         \
			f = (__typeof__(name) *)hull_lazy_symbol(&hull_lazy_libs[lib], #name); \
			__atomic_store_n(&fn, f, __ATOMIC_RELEASE);               \
		}                                                                 \
		return f;                                                         \
	}

/* HULL_LAZY(lib, ret, name, (typed params), (args)): a stub with the
 * library's own prototype (the header declares it, so the compiler checks
 * the stub against it). */
#define HULL_LAZY(lib, ret, name, params, args) \
	HULL_LAZY_FN(lib, name, params)          \
	ret name params                          \
	{                                        \
		return lazy_##name() args;       \
	}

#define HULL_LAZY_VOID(lib, name, params, args) \
	HULL_LAZY_FN(lib, name, params)          \
	void name params                         \
	{                                        \
		lazy_##name() args;              \
	}

#endif
