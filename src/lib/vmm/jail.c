/* jail.c - what the VMM gives up once its VM is built, as Firecracker's
 * jailer and seccomp filters do: every capability (all five sets and the
 * bounding set, libcap), the right to gain privileges (no_new_privs), and
 * every system call its threads do not make while running a guest (a
 * libseccomp allowlist; anything else kills the process with SIGSYS, after
 * a line on stderr naming the call, as Firecracker logs it). A
 * guest that takes over a device model finds a process that can read and
 * write the fds it already has, drive KVM, and little else.
 *
 * The list was taken from strace of the vm tests (boot, virtio-blk, net,
 * rng, vsock both ways, SMP, snapshot through the API socket, restore with
 * its memory check) and is kept as narrow as those allow: ioctl only for
 * KVM and the console's termios, socket only AF_UNIX (vsock host side),
 * clone only for threads (clone3 says ENOSYS so glibc falls back to it).
 *
 * libseccomp and libcap are opened here, on first use (base/lazy.h): the
 * lean hull-vm executable stays linked with libc alone, and in hull they
 * are loaded already. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <linux/kvm.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <string.h>
#include <termios.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../base/lazy.h"
#include "hull/cleanup.h"
#include "vm.h"

static struct hull_lazy_lib libseccomp = {"libseccomp.so.2", NULL};
static struct hull_lazy_lib libcap = {"libcap.so.2", NULL};
#define SECCOMP(fn) ((__typeof__(fn) *)hull_lazy_symbol(&libseccomp, #fn))
#define CAP(fn) ((__typeof__(fn) *)hull_lazy_symbol(&libcap, #fn))

static const int allowed[] = {
    /* I/O on the fds the VM holds: console, disks, tap, sockets, eventfds */
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(pwrite64),
    SCMP_SYS(preadv),
    SCMP_SYS(pwritev),
    SCMP_SYS(lseek),
    SCMP_SYS(fsync),
    SCMP_SYS(fdatasync),
    SCMP_SYS(close),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(fcntl),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    /* API socket and vsock host side (socket() itself: AF_UNIX only, below) */
    SCMP_SYS(accept4),
    SCMP_SYS(connect),
    SCMP_SYS(recvfrom),
    SCMP_SYS(sendto),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),
    SCMP_SYS(setsockopt),
    SCMP_SYS(getsockopt),
    SCMP_SYS(shutdown),
    /* a snapshot written through the API socket (temporary file, rename) */
    SCMP_SYS(openat),
    SCMP_SYS(ftruncate),
    SCMP_SYS(rename),
    SCMP_SYS(renameat),
    SCMP_SYS(renameat2),
    SCMP_SYS(unlink),
    SCMP_SYS(unlinkat),
    SCMP_SYS(mincore),
    /* memory: malloc, thread stacks */
    SCMP_SYS(brk),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    /* threads: vCPU kicks (SIGUSR1), locks, start and end */
    SCMP_SYS(futex),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(tgkill),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getparam),
    SCMP_SYS(sched_setscheduler),
    SCMP_SYS(sched_getscheduler),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    /* time */
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(timerfd_settime), /* the console's output flush */
    SCMP_SYS(getrandom),
};

/* What the virtio-fs server (fuse.c, fuse_ops.c) adds, with a share only. */
static const int allowed_fs[] = {
    SCMP_SYS(fstatfs),	 SCMP_SYS(getdents64), SCMP_SYS(mkdirat),    SCMP_SYS(mknodat),
    SCMP_SYS(symlinkat), SCMP_SYS(linkat),     SCMP_SYS(readlinkat), SCMP_SYS(fchmodat),
    SCMP_SYS(fchownat),	 SCMP_SYS(utimensat),  SCMP_SYS(fallocate),  SCMP_SYS(statx),
};

size_t hull_vm_jail_syscalls(void)
{
	/* the list, and ioctl, socket and clone allowed for some arguments */
	return HULL_ARRAY_SIZE(allowed) + 3;
}

static void ctx_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		SECCOMP(seccomp_release)(*ctx);
}

static int build_filter(scmp_filter_ctx ctx, bool fs)
{
	__typeof__(seccomp_rule_add) *rule_add = SECCOMP(seccomp_rule_add);
	int r = 0;
	for (size_t i = 0; i < HULL_ARRAY_SIZE(allowed) && r == 0; i++)
		r = rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	for (size_t i = 0; fs && i < HULL_ARRAY_SIZE(allowed_fs) && r == 0; i++)
		r = rule_add(ctx, SCMP_ACT_ALLOW, allowed_fs[i], 0);
	/* ioctl: KVM's (type KVMIO) and the console's termios */
	if (r == 0)
		r = SECCOMP(seccomp_rule_add)(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
					      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff00, (uint64_t)KVMIO << 8));
	static const unsigned long tty[] = {TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(tty) && r == 0; i++)
		r = SECCOMP(seccomp_rule_add)(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_EQ, tty[i]));
	if (r == 0)
		r = SECCOMP(seccomp_rule_add)(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	if (r == 0)
		r = SECCOMP(seccomp_rule_add)(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
					      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (r == 0)
		r = SECCOMP(seccomp_rule_add)(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return r;
}

/* SECCOMP_RET_TRAP lands here: say which call it was, then die of SIGSYS
 * (SA_RESETHAND|SA_NODEFER: raise() kills at once). Async-signal-safe. */
static void sigsys_handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char msg[128] = "\nhull vm: the VMM made system call ";
	size_t n = strlen(msg);
	char digits[12];
	int nd = 0;
	unsigned v = (unsigned)si->si_syscall;
	do
		digits[nd++] = (char)('0' + v % 10);
	while ((v /= 10) && nd < (int)sizeof(digits));
	while (nd)
		msg[n++] = digits[--nd];
	static const char tail[] = " (ausyscall shows its name), outside its seccomp allowlist\n";
	memcpy(msg + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	if (write(STDERR_FILENO, msg, n) < 0) {
		/* nothing more to do: dying is what matters */
	}
	raise(sig);
	/* Still here: this is PID 1 of its own pid namespace (--jail), which
	 * signals sent from inside the namespace cannot kill. Exit as a shell
	 * reports a death by SIGSYS; hull's parent says what it was. */
	syscall(SYS_exit_group, HULL_VM_EXIT_SIGSYS);
}

/* Every capability, the bounding set first (dropping it needs CAP_SETPCAP),
 * but with a virtio-fs share those its server needs to act as the guest's
 * root on the shared files (docs/vm-agent.md, "Volumes: virtio-fs"). */
static int drop_capabilities(bool fs, struct hull_error **err)
{
	/* CAP_CHOWN..CAP_FSETID are 0..4: the bounding set keeps those */
	static const cap_value_t fs_caps[] = {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID};
	__typeof__(cap_drop_bound) *drop_bound = CAP(cap_drop_bound);
	for (cap_value_t c = 0; c < (cap_value_t)CAP(cap_max_bits)(); c++)
		if (!(fs && c <= CAP_FSETID) && drop_bound(c) < 0 && errno != EINVAL && errno != EPERM)
			return hull_error_set(err, errno, "drop capability %d from the bounding set", (int)c);
	CAP(cap_reset_ambient)();
	cap_t none = CAP(cap_init)();
	if (!none)
		return hull_error_set(err, errno, "cap_init");
	if (fs) {
		/* kept only if the process has them (a VMM run by a user has none) */
		cap_t have = CAP(cap_get_proc)();
		cap_value_t keep[HULL_ARRAY_SIZE(fs_caps)];
		int n = 0;
		for (size_t i = 0; have && i < HULL_ARRAY_SIZE(fs_caps); i++) {
			cap_flag_value_t v = CAP_CLEAR;
			if (CAP(cap_get_flag)(have, fs_caps[i], CAP_PERMITTED, &v) == 0 && v == CAP_SET)
				keep[n++] = fs_caps[i];
		}
		if (have)
			CAP(cap_free)(have);
		if (n && (CAP(cap_set_flag)(none, CAP_PERMITTED, n, keep, CAP_SET) < 0 ||
			  CAP(cap_set_flag)(none, CAP_EFFECTIVE, n, keep, CAP_SET) < 0)) {
			CAP(cap_free)(none);
			return hull_error_set(err, errno, "cap_set_flag");
		}
	}
	int r = CAP(cap_set_proc)(none);
	int e = errno;
	CAP(cap_free)(none);
	if (r < 0)
		return hull_error_set(err, e, "drop the VMM's capabilities");
	return 0;
}

/* Bind the directory holding socket path sock (absolute) at the same place under root. */
static int bind_socket_dir(const char *root, const char *sock, uid_t uid, gid_t gid, struct hull_error **err)
{
	char dir[PATH_MAX];
	if (sock[0] != '/' || strlen(sock) >= sizeof(dir))
		return hull_error_msg(err, EINVAL, "--jail: socket path `%s` must be absolute", sock);
	strcpy(dir, sock);
	*strrchr(dir, '/') = 0;
	if (!*dir)
		return hull_error_msg(err, EINVAL, "--jail: socket `%s` is in /: give it a directory of its own", sock);
	/* the VMM, no longer root, removes its sockets on exit: they become its own */
	if (lchown(sock, uid, gid) < 0)
		return hull_error_set(err, errno, "--jail: chown `%s`", sock);
	char target[PATH_MAX * 2];
	snprintf(target, sizeof(target), "%s%s", root, dir);
	for (char *p = target + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(target, 0755) < 0 && errno != EEXIST)
			return hull_error_set(err, errno, "--jail: mkdir `%s`", target);
		*p = '/';
	}
	if (mkdir(target, 0755) < 0 && errno != EEXIST)
		return hull_error_set(err, errno, "--jail: mkdir `%s`", target);
	if (mount(dir, target, NULL, MS_BIND, NULL) < 0)
		return hull_error_set(err, errno, "--jail: bind `%s` into the jail", dir);
	return 0;
}

int vm_jail_chroot(const struct hull_vm_config *cfg, struct hull_error **err)
{
	const char *root = cfg->jail_dir;
	struct stat st;
	if (stat(root, &st) < 0)
		return hull_error_set(err, errno, "--jail `%s`", root);
	if (!S_ISDIR(st.st_mode))
		return hull_error_msg(err, ENOTDIR, "--jail `%s` is not a directory", root);
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
		return hull_error_set(err, errno, "--jail: new mount and network namespaces");
	/* nothing mounted from here on reaches the host's namespace */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return hull_error_set(err, errno, "--jail: make the mounts private");
	if (mount("hull-jail", root, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return hull_error_set(err, errno, "--jail: mount a tmpfs on `%s`", root);
	int r;
	if (cfg->vsock_path && (r = bind_socket_dir(root, cfg->vsock_path, cfg->jail_uid, cfg->jail_gid, err)) < 0)
		return r;
	if (cfg->api_socket && (r = bind_socket_dir(root, cfg->api_socket, cfg->jail_uid, cfg->jail_gid, err)) < 0)
		return r;
	if (chdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return hull_error_set(err, errno, "--jail: chroot into `%s`", root);
	/* the bounding set while CAP_SETPCAP is still ours */
	__typeof__(cap_drop_bound) *drop_bound = CAP(cap_drop_bound);
	for (cap_value_t c = 0; c < (cap_value_t)CAP(cap_max_bits)(); c++)
		if (drop_bound(c) < 0 && errno != EINVAL)
			return hull_error_set(err, errno, "--jail: drop capability %d from the bounding set", (int)c);
	if (setgroups(0, NULL) < 0 || setresgid(cfg->jail_gid, cfg->jail_gid, cfg->jail_gid) < 0 ||
	    setresuid(cfg->jail_uid, cfg->jail_uid, cfg->jail_uid) < 0)
		return hull_error_set(err, errno, "--jail: become %u:%u", cfg->jail_uid, cfg->jail_gid);
	/* a change of credentials clears the parent-death signal: the VMM must still die with hull */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return hull_error_set(err, errno, "--jail: prctl(PR_SET_PDEATHSIG)");
	return 0;
}

int vm_jail_enter(bool fs, struct hull_error **err)
{
	int r = drop_capabilities(fs, err);
	if (r < 0)
		return r;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hull_error_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	struct sigaction sa = {.sa_sigaction = sigsys_handler, .sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
	_cleanup_(ctx_releasep) scmp_filter_ctx ctx = SECCOMP(seccomp_init)(SCMP_ACT_TRAP);
	if (!ctx)
		return hull_error_msg(err, ENOMEM, "seccomp_init failed");
	/* every thread, including the I/O and memory-check threads already running */
	SECCOMP(seccomp_attr_set)(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if ((r = build_filter(ctx, fs)) < 0)
		return hull_error_set(err, -r, "build the VMM's seccomp filter");
	if ((r = SECCOMP(seccomp_load)(ctx)) < 0)
		return hull_error_set(err, -r, "load the VMM's seccomp filter");
	return 0;
}
