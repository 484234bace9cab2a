/* seccomp_internal.h - what seccomp.c hands to seccomp_enosys.c (not a
 * public header; neither side needs the other's includes). */
#ifndef HULL_SECCOMP_INTERNAL_H
#define HULL_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/error.h"
#include "hull/security.h"

/* A seccomp filter ready for seccomp(2): the ENOSYS stub joined with
 * libseccomp's program (what a cache file holds, see seccomp_cache.c). */
struct hull_seccomp_prog {
	uint32_t flags; /* SECCOMP_FILTER_FLAG_* */
	uint32_t len;   /* instructions in filter */
	void *filter;   /* struct sock_filter[len], malloc'd */
};

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

/* seccomp_enosys_build: the same filter as seccomp_enosys_load, not
 * loaded: *out (free with hull_seccomp_prog_free) holds it and its flags. */
int seccomp_enosys_build(const struct seccomp_enosys_arch *arches, size_t n_arches, const void *prog, size_t len,
			 const struct seccomp_enosys_flags *flags, struct hull_seccomp_prog **out, struct hull_error **err);

/* seccomp_prog_load: seccomp(SECCOMP_SET_MODE_FILTER, p->flags, p). With
 * FLAG_NEW_LISTENER *listener gets the notify fd, else -1. */
int seccomp_prog_load(const struct hull_seccomp_prog *p, int *listener, struct hull_error **err);

/* seccomp_cache_read: the filter cached under key (key_len bytes of text) in dir (a directory
 * only the caller's uid can write). A missing, truncated, corrupt or
 * foreign file is -ENOENT/-EBADMSG and never returned. */
int seccomp_cache_read(const char *dir, const char *key, size_t key_len, struct hull_seccomp_prog **out);

/* seccomp_cache_write: store p under key in dir (created 0700), atomically,
 * mode 0600. Best effort: a failure only costs the next run a compile. */
int seccomp_cache_write(const char *dir, const char *key, size_t key_len, const struct hull_seccomp_prog *p);

#endif
