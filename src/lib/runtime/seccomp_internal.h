/* seccomp_internal.h - what seccomp.c hands to seccomp_enosys.c (not a
 * public header; neither side needs the other's includes). */
#ifndef HULL_SECCOMP_INTERNAL_H
#define HULL_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/error.h"

/* One architecture of the filter and the highest syscall number the
 * profile names for it. */
struct seccomp_enosys_arch {
	uint32_t audit_arch; /* AUDIT_ARCH_* (libseccomp's SCMP_ARCH_* values) */
	uint32_t max_nr;
};

/* linux.seccomp.flags, and whether a notify listener is wanted. */
struct seccomp_enosys_flags {
	bool tsync, log, spec_allow, notify;
};

/* seccomp_enosys_load: prepend the ENOSYS stub to prog (libseccomp's
 * exported classic BPF, len bytes) and load it with seccomp(2). With
 * flags->notify, *listener gets the notify fd (O_CLOEXEC), else -1. */
int seccomp_enosys_load(const struct seccomp_enosys_arch *arches, size_t n_arches, const void *prog, size_t len,
			const struct seccomp_enosys_flags *flags, int *listener, struct hull_error **err);

#endif
