/* lazy.c - open a library on first use (see lazy.h). */
#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

#include "lazy.h"

void *hull_lazy_symbol(struct hull_lazy_lib *lib, const char *name)
{
	void *h = __atomic_load_n(&lib->handle, __ATOMIC_ACQUIRE);
	if (!h) {
		/* Two threads may both get here: dlopen counts references and
		 * returns the same handle, so either store is right. */
		h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			fprintf(stderr, "hull: cannot load %s: %s (install it: scripts/install-deps)\n", lib->soname,
				dlerror());
			_exit(127);
		}
		__atomic_store_n(&lib->handle, h, __ATOMIC_RELEASE);
	}
	void *sym = dlsym(h, name);
	if (!sym) {
		fprintf(stderr, "hull: %s has no symbol %s: %s\n", lib->soname, name, dlerror());
		_exit(127);
	}
	return sym;
}
