/* seccomp_profile.c - hull's default seccomp profile, in the runtime-spec
 * JSON form (config-linux.md#seccomp).
 *
 * Our own list, in the spirit of docker's default profile: an allowlist
 * with EPERM for everything else; syscalls that need a capability are
 * allowed only when the container has it (as docker's "includes.caps");
 * clone may not make namespaces and clone3 answers ENOSYS (so libc falls
 * back to clone, whose flags a filter can read) unless CAP_SYS_ADMIN;
 * socket(AF_VSOCK) is refused; personality only takes the harmless
 * personas. The profile only ever narrows what the capability set allows.
 */
#include <errno.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/engine_spec.h"

/* Allowed for every container. */
static const char *const allowed[] = {
	"accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget", "capset", "chdir",
	"chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres", "clock_getres_time64",
	"clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range",
	"connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl",
	"epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
	"execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64",
	"fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
	"fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
	"fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex",
	"futex_requeue", "futex_time64", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd",
	"getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups",
	"getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
	"getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
	"getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid",
	"getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel",
	"ioctl", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set",
	"io_setup", "io_submit", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr",
	"llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise",
	"map_shadow_stack", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod",
	"mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify",
	"mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink",
	"mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
	"name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2", "pause",
	"pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
	"ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
	"pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv",
	"recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename",
	"renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending",
	"rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
	"rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
	"sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
	"sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler",
	"sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
	"sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32",
	"setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority", "setregid",
	"setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
	"set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32",
	"setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
	"sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64",
	"statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time",
	"timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
	"timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
	"timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink",
	"unlinkat", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid",
	"waitpid", "write", "writev", "kcmp", "pidfd_getfd", "process_madvise", "process_vm_readv",
	"process_vm_writev", "ptrace",
};

/* Allowed when the container holds the capability. */
static const struct {
	const char *cap;
	const char *const names[24];
} by_capability[] = {
	{ "CAP_SYS_ADMIN",
	  { "bpf", "clone", "clone3", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie",
	    "mount", "mount_setattr", "move_mount", "open_tree", "perf_event_open", "quotactl", "quotactl_fd",
	    "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare", NULL } },
	{ "CAP_SYS_BOOT", { "reboot", NULL } },
	{ "CAP_SYS_CHROOT", { "chroot", NULL } },
	{ "CAP_SYS_MODULE", { "delete_module", "init_module", "finit_module", NULL } },
	{ "CAP_SYS_PACCT", { "acct", NULL } },
	{ "CAP_SYS_RAWIO", { "iopl", "ioperm", NULL } },
	{ "CAP_SYS_TIME", { "settimeofday", "stime", "clock_settime", "clock_settime64", NULL } },
	{ "CAP_SYS_TTY_CONFIG", { "vhangup", NULL } },
	{ "CAP_SYS_NICE", { "get_mempolicy", "mbind", "set_mempolicy", "set_mempolicy_home_node", NULL } },
	{ "CAP_SYSLOG", { "syslog", NULL } },
	{ "CAP_BPF", { "bpf", NULL } },
	{ "CAP_PERFMON", { "perf_event_open", NULL } },
};

#define CLONE_NAMESPACE_FLAGS 0x7E020000ULL /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define AF_VSOCK_FAMILY 40

static bool has_cap(json_t *caps, const char *cap)
{
	size_t i;
	json_t *c;
	json_array_foreach(caps, i, c)
	{
		const char *s = json_string_value(c);
		if (s && !strcmp(s, cap))
			return true;
	}
	return false;
}

static json_t *names_json(const char *const *names, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n && names[i]; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *rule(json_t *names, const char *action, json_t *args)
{
	json_t *r = json_pack("{s:o,s:s}", "names", names, "action", action);
	if (args)
		json_object_set_new(r, "args", args);
	return r;
}

static json_t *arg(unsigned index, unsigned long long value, unsigned long long value2, const char *op)
{
	return json_pack("{s:i,s:I,s:I,s:s}", "index", index, "value", (json_int_t)value, "valueTwo",
			 (json_int_t)value2, "op", op);
}

static void add_personality(json_t *syscalls)
{
	/* PER_LINUX, UNAME26, PER_LINUX32, PER_LINUX32|UNAME26, and the query 0xffffffff. */
	static const unsigned long long personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(personas); i++)
		json_array_append_new(syscalls, rule(json_pack("[s]", "personality"), "SCMP_ACT_ALLOW",
						     json_pack("[o]", arg(0, personas[i], 0, "SCMP_CMP_EQ"))));
}

json_t *hull_engine_default_seccomp(json_t *capabilities)
{
	json_t *syscalls = json_array();
	json_array_append_new(syscalls,
			      rule(names_json(allowed, HULL_ARRAY_SIZE(allowed)), "SCMP_ACT_ALLOW", NULL));
	json_array_append_new(syscalls, rule(json_pack("[s,s]", "arch_prctl", "modify_ldt"), "SCMP_ACT_ALLOW", NULL));
	json_array_append_new(syscalls, rule(json_pack("[s]", "socket"), "SCMP_ACT_ALLOW",
					     json_pack("[o]", arg(0, AF_VSOCK_FAMILY, 0, "SCMP_CMP_NE"))));
	add_personality(syscalls);
	for (size_t i = 0; i < HULL_ARRAY_SIZE(by_capability); i++)
		if (has_cap(capabilities, by_capability[i].cap))
			json_array_append_new(syscalls, rule(names_json(by_capability[i].names, 24),
							     "SCMP_ACT_ALLOW", NULL));
	if (!has_cap(capabilities, "CAP_SYS_ADMIN")) {
		json_array_append_new(syscalls, rule(json_pack("[s]", "clone"), "SCMP_ACT_ALLOW",
						     json_pack("[o]", arg(0, CLONE_NAMESPACE_FLAGS, 0,
									  "SCMP_CMP_MASKED_EQ"))));
		json_t *enosys = rule(json_pack("[s]", "clone3"), "SCMP_ACT_ERRNO", NULL);
		json_object_set_new(enosys, "errnoRet", json_integer(ENOSYS));
		json_array_append_new(syscalls, enosys);
	}
#if defined(__aarch64__)
	json_t *arches = json_pack("[s,s]", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
#else
	/* x86_64 and i386 binaries; not x32, an ABI Debian's kernels leave
	 * off: every architecture listed costs as much again to compile */
	json_t *arches = json_pack("[s,s]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
#endif
	return json_pack("{s:s,s:i,s:o,s:o}", "defaultAction", "SCMP_ACT_ERRNO", "defaultErrnoRet", EPERM,
			 "architectures", arches, "syscalls", syscalls);
}

size_t hull_engine_default_seccomp_names(const char *const **out)
{
	*out = allowed;
	return HULL_ARRAY_SIZE(allowed);
}
