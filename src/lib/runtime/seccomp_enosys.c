/* seccomp_enosys.c - syscalls newer than a seccomp profile fail with ENOSYS.
 *
 * A profile lists the syscalls it knows about; a program built against a
 * newer kernel probes a syscall the profile never heard of (clone3,
 * openat2, faccessat2...) and falls back to an older one only when it gets
 * ENOSYS. The profile's default action (EPERM, say) would make it give up
 * instead. runc therefore puts a stub in front of libseccomp's program:
 * per architecture, a syscall number above the highest one the profile
 * names returns ENOSYS; everything else goes on to the profile's filter.
 * This file builds that stub from the per-arch maxima seccomp.c computes,
 * joins it with libseccomp's exported program and loads the result with
 * seccomp(2) (kernel uapi only: libseccomp's seccomp.h stays in seccomp.c). */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "seccomp_internal.h"

/* x32 syscalls share x86_64's audit arch and carry this bit */
#define X32_SYSCALL_BIT 0x40000000u
#define AUDIT_ARCH_X86_64_VALUE 0xc000003eu

static void put(struct sock_filter *f, size_t *n, struct sock_filter insn)
{
	f[(*n)++] = insn;
}

/* The stub: for each arch, "nr > max => ENOSYS", then on into the profile. */
static size_t build_stub(const struct seccomp_enosys_arch *arches, size_t n_arches, struct sock_filter *f)
{
	size_t n = 0;
	put(f, &n, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
	for (size_t i = 0; i < n_arches; i++) {
		bool x86_64 = arches[i].audit_arch == AUDIT_ARCH_X86_64_VALUE;
		/* the block: [jeq arch] ld nr; [jset x32 -> out]; jgt max -> enosys; ld arch */
		unsigned char block = x86_64 ? 4 : 3;
		put(f, &n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arches[i].audit_arch, 0, block));
		put(f, &n, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
		if (x86_64)
			put(f, &n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_SYSCALL_BIT, 1, 0));
		/* jump target patched below: the ENOSYS return at the end */
		put(f, &n, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, arches[i].max_nr, 0xff, 0));
		put(f, &n, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
	}
	/* no arch block returned: on to the profile, skipping the ENOSYS return */
	put(f, &n, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA | BPF_K, 1));
	put(f, &n, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
	size_t enosys = n - 1;
	for (size_t i = 0; i < enosys; i++)
		if (f[i].code == (BPF_JMP | BPF_JGT | BPF_K) && f[i].jt == 0xff)
			f[i].jt = (unsigned char)(enosys - i - 1);
	return n;
}

int seccomp_enosys_build(const struct seccomp_enosys_arch *arches, size_t n_arches, const void *prog, size_t len,
			 const struct seccomp_enosys_flags *flags, struct hull_seccomp_prog **out, struct hull_error **err)
{
	size_t n_prog = len / sizeof(struct sock_filter);
	*out = NULL;
	/* each arch block is at most 5 instructions; jt/jf offsets are 8 bits */
	if (n_arches > 40)
		return hull_error_msg(err, EINVAL, "linux.seccomp: too many architectures (%zu)", n_arches);
	_cleanup_free_ struct sock_filter *f = hull_xcalloc(3 + 5 * n_arches + n_prog, sizeof(*f));
	size_t n = build_stub(arches, n_arches, f);
	memcpy(f + n, prog, n_prog * sizeof(*f));
	n += n_prog;
	if (n > BPF_MAXINSNS)
		return hull_error_msg(err, E2BIG, "linux.seccomp: the filter has %zu instructions (at most %d)", n,
				      BPF_MAXINSNS);
	struct hull_seccomp_prog *p = hull_xcalloc(1, sizeof(*p));
	p->flags = (flags->tsync && !flags->notify ? SECCOMP_FILTER_FLAG_TSYNC : 0) |
		   (flags->log ? SECCOMP_FILTER_FLAG_LOG : 0) |
		   (flags->spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0) |
		   (flags->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
	p->len = (uint32_t)n;
	p->filter = steal_ptr(f);
	*out = p;
	return 0;
}

int seccomp_prog_load(const struct hull_seccomp_prog *p, int *listener, struct hull_error **err)
{
	struct sock_fprog fprog = { .len = (unsigned short)p->len, .filter = p->filter };
	*listener = -1;
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)p->flags, &fprog);
	if (r < 0)
		return hull_error_set(err, errno, "load the seccomp filter");
	if (p->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
		*listener = (int)r;
	return 0;
}

void hull_seccomp_prog_free(struct hull_seccomp_prog *p)
{
	if (!p)
		return;
	free(p->filter);
	free(p);
}

int seccomp_enosys_load(const struct seccomp_enosys_arch *arches, size_t n_arches, const void *prog, size_t len,
			const struct seccomp_enosys_flags *flags, int *listener, struct hull_error **err)
{
	_cleanup_(hull_seccomp_prog_freep) struct hull_seccomp_prog *p = NULL;
	*listener = -1;
	int r = seccomp_enosys_build(arches, n_arches, prog, len, flags, &p, err);
	return r < 0 ? r : seccomp_prog_load(p, listener, err);
}
