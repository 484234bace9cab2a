/* runtime_internal.h - what the runtime's files share (not public). */
#ifndef HULL_RUNTIME_INTERNAL_H
#define HULL_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "hull/cleanup.h"
#include "hull/ctx.h"
#include "hull/error.h"
#include "hull/oci.h"
#include "hull/runtime.h"

/* One container being set up: shared by the parent (spawn.c) and, through
 * the copy clone makes, by the child (init.c). */
struct spawn {
	struct hull_ctx *ctx;
	const struct hull_oci_config *cfg;
	const struct hull_runtime_opts *opts;
	const char *id;
	int sync_fd;        /* this side's end of the socketpair */
	int fifo_fd;        /* O_PATH exec.fifo (create) or -1 (run: wait for SYNC_START) */
	int console_fd;     /* connected --console-socket, or -1 */
	int lock_fd;        /* the state dir's flock: the child closes its copy at once */
	const char *bundle; /* absolute bundle path, for the hooks' state */
	bool pty_to_parent; /* foreground run with a terminal: send the master to the parent */
	bool unshare_in_child; /* namespaces are joined by path: setns then unshare in the child */
	unsigned long clone_flags;
	pid_t pid;          /* the child, in the parent */
	int pidfd;          /* pidfd of the child, in the parent */
	int pty_master;     /* received from the child (pty_to_parent), or -1 */
	bool detached;      /* child: SYNC_READY sent in create mode, nobody reads the socket now */
	bool placed;        /* child: SYNC_PLACED received (and the cgroup namespace made) */
	/* parent: run once the child is placed, while it finishes its setup
	 * (state.json); may be NULL. A negative return aborts create. */
	int (*after_placed)(struct spawn *s, struct hull_error **err);
	const struct hull_seccomp_prog *seccomp_prog; /* compiled before clone, or NULL: compile in the child */
	int *mount_fds; /* child: per cfg->mounts[i], its bind source as the parent opened it, or -1; may be NULL */
	bool userns_joined; /* child: a helper joined the user namespace by path before cloning us */
	int proc_fd; /* child, sharing the host's mount table: the host's /proc, which chroot leaves behind, or -1 */
};

/* Messages on the sync socket (SOCK_SEQPACKET: one send, one message). */
enum sync_type {
	SYNC_USERNS = 1, /* child -> parent: my user namespace (new or joined) and the rest are
			  * in place: write my maps (a new one), pass the bind sources */
	SYNC_GO,         /* parent -> child: maps written, cgroup placed; go on */
	SYNC_PTY,        /* child -> parent: the pty master (with SCM_RIGHTS) */
	SYNC_READY,      /* child -> parent: set up, waiting for start */
	SYNC_START,      /* parent -> child (run): exec now */
	SYNC_ERROR,      /* child -> parent: setup failed, text follows */
	SYNC_HOOKS,      /* child -> parent: mounts done, run prestart/createRuntime;
			  * the parent answers SYNC_GO with the init's host pid as text */
	SYNC_SECCOMP,    /* child -> parent: the seccomp notify fd (SCM_RIGHTS) */
	SYNC_PLACED,     /* parent -> child: in the container's cgroups (place hook done) */
	SYNC_MOUNT_SOURCE, /* parent -> child, before SYNC_GO: an O_PATH fd of mounts[text]'s
			    * bind source, which the container's root may not reach */
};

/* sync_send: one message, optional text and optional fd (-1 = none). */
int sync_send(int sock, enum sync_type type, const char *text, int fd);
/* sync_recv: one message; *type is 0 on EOF; text (if non-NULL, size len)
 * gets the NUL-terminated text; *fd (if non-NULL) any passed fd or -1. */
int sync_recv(int sock, enum sync_type *type, char *text, size_t len, int *fd);
/* sync_expect: receive and require `want`; a SYNC_ERROR becomes *err with
 * the child's text, EOF "the container's init exited during setup". */
int sync_expect(int sock, enum sync_type want, int *fd, struct hull_error **err);

/* spawn.c: parent side. Clone the init, write id maps, place it, let it run
 * to SYNC_READY. On failure the child is killed and reaped. */
int spawn_container(struct spawn *s, struct hull_error **err);
/* spawn_close: close the parent's sync socket, pidfd and pty master. */
void spawn_close(struct spawn *s);
/* spawn_kill: SIGKILL and reap the child (failure cleanup). */
void spawn_kill(struct spawn *s);

/* init.c: child side, the ordered setup sequence; never returns. */
__attribute__((noreturn)) void init_container(struct spawn *s);

/* namespaces.c */
int ns_join_all(const struct hull_oci_config *cfg, bool user_only, bool skip_user, struct hull_error **err);
int ns_parent_join(const struct hull_oci_config *cfg, int *saved_pid, int *saved_time, struct hull_error **err);
void ns_parent_restore(int saved_pid, int saved_time);
unsigned long ns_new_flags(const struct hull_oci_config *cfg);
bool ns_any_joined(const struct hull_oci_config *cfg);
int ns_write_id_maps(pid_t pid, const struct hull_oci_config *cfg, struct hull_error **err);
/* ns_running_in_userns: is this process in a user namespace other than the
 * initial one (a rootless engine's)? Then mknod and setgroups are refused
 * even with no user namespace in the spec (runc's RunningInUserNS). */
bool ns_running_in_userns(void);

/* init.c: block until the parent has placed the init in its cgroups (and
 * the place hook ran), then make the cgroup namespace; once only. Every
 * step that must see the container's cgroup calls it first. */
int init_wait_placed(struct spawn *s, struct hull_error **err);

/* cgroup_prewarm.c: fork a helper that makes the kernel switch
 * cgroup_threadgroup_rwsem to its writer mode now, so that placing the init
 * later does not wait for an RCU grace period. Best effort: returns the
 * helper's pid or -1. cgroup_prewarm_reap waits for it (for _cleanup_). */
pid_t cgroup_prewarm_start(void);
void cgroup_prewarm_reap(pid_t *pid);

/* mounts.c: the rootfs and config mounts, before pivot_root. A cgroup
 * mount reads the init's cgroup: `placed(s, err)` runs before it. */
int mounts_setup(const struct hull_oci_config *cfg, int rootfd, int (*placed)(struct spawn *, struct hull_error **),
		 struct spawn *s, struct hull_error **err);
/* mounts_send_sources: in the parent, with a user namespace in the config:
 * open each bind source inside the child's mount namespace with the
 * caller's privileges and send it (SYNC_MOUNT_SOURCE) for mounts_setup to
 * bind. A source that cannot be opened here is left to the child, which
 * then says why. Returns 0 or -errno of a failed send. */
int mounts_send_sources(const struct hull_oci_config *cfg, pid_t child, int sock);
/* mounts_readonly_tmpfs: remount the tmpfs mounts asked read-only, once
 * what goes inside them (mounts, device nodes) is there. */
int mounts_readonly_tmpfs(const struct hull_oci_config *cfg, int rootfd, struct hull_error **err);
/* mount_in_root: resolve dest inside rootfd (never escaping it), creating
 * the mountpoint (a directory, or a file when `file`); returns an O_PATH fd. */
int mount_target(int rootfd, const char *dest, bool file, struct hull_error **err);
/* remount_bind: apply MS_RDONLY/MS_NOSUID/... to an existing bind mount,
 * keeping flags the kernel has locked. */
int remount_bind(const char *target, unsigned long flags, struct hull_error **err);

/* lsm.c: is AppArmor / SELinux the host's running LSM? */
bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);
/* lsm_check: before anything is made, refuse process.apparmorProfile,
 * process.selinuxLabel or linux.mountLabel (mount_label, may be NULL) that
 * the host cannot apply; `where` prefixes the message ("config.json"). */
int lsm_check(const struct hull_oci_process *p, const char *mount_label, const char *where, struct hull_error **err);
/* lsm_exec_labels: in the process to be, before it drops privileges: the
 * AppArmor profile and SELinux label its execve will take. */
int lsm_exec_labels(const struct hull_oci_process *p, struct hull_error **err);
/* lsm_mount_data: data with the SELinux context= of linux.mountLabel added
 * for a mount of `type` (malloc'd), or NULL when nothing is to be added. */
char *lsm_mount_data(const char *data, const char *mount_label, const char *type);

/* devices.c */
int devices_setup(const struct hull_oci_config *cfg, int rootfd, bool in_userns, struct hull_error **err);

/* rootfs.c */
int rootfs_pivot(const char *rootfs, bool no_pivot, struct hull_error **err);
int rootfs_finalize(const struct hull_oci_config *cfg, struct hull_error **err);
/* rootfs_propagation: after pivot_root and the last bind (rootfs_finalize),
 * make "/" shared or unbindable when linux.rootfsPropagation asks it, then
 * give the mounts that name their own propagation theirs back (a recursive
 * rootfs propagation changed them). Slave and private were applied before
 * the rootfs was bound (init.c). */
int rootfs_propagation(const struct hull_oci_config *cfg, struct hull_error **err);

/* process.c: attributes of the process to be. */
int process_sysctl(const struct hull_oci_config *cfg, struct hull_error **err);
int process_rlimits(const struct hull_oci_process *p, struct hull_error **err);
int process_oom_score_adj(const struct hull_oci_process *p, struct hull_error **err);
int process_user(const struct hull_oci_process *p, bool in_userns, struct hull_error **err);
int process_hostname(const struct hull_oci_config *cfg, struct hull_error **err);
/* process_find_program: PATH lookup of args[0] using the process' own env
 * (config.md#process: args[0] is resolved in the container). malloc'd. */
char *process_find_program(const struct hull_oci_process *p, struct hull_error **err);
/* process_env: the envp for execve of the container's process (create's
 * init and exec alike): process.env, plus HOME from the container's
 * /etc/passwd entry for process.user.uid (else HOME=/) when env has no
 * HOME, as runc does. Called inside the container, after the uid change.
 * The array is malloc'd; its strings are p's but for the added HOME. */
char **process_env(const struct hull_oci_process *p);

/* terminal.c */
int terminal_setup(struct spawn *s, struct hull_error **err);
int terminal_connect(const char *path, struct hull_error **err);
/* terminal_proxy: copy stdin -> master and master -> stdout until the
 * master hangs up; relays window size; signals come through sigfd. */
int terminal_raw(int fd, void *saved, size_t saved_len);

/* statedir.c */
char *state_path(struct hull_ctx *ctx, const char *id, const char *file);
int state_lock(struct hull_ctx *ctx, const char *id, struct hull_error **err);
int state_status(const struct hull_oci_state *st, const char *dir, enum hull_status *out);
int proc_start_time(pid_t pid, unsigned long long *start, char *state);
int state_write(struct hull_ctx *ctx, const char *id, const char *bundle, const struct hull_oci_config *cfg,
		pid_t pid, struct hull_error **err);

/* lifecycle.c: state dir, spawn, state.json and pid file; on failure
 * everything made is undone. fifo: the init waits on exec.fifo (create),
 * else on SYNC_START over s->sync_fd (run). */
int create_common(struct hull_ctx *ctx, const char *id, const struct hull_runtime_opts *opts, bool fifo,
		  struct spawn *s, struct hull_oci_config **cfg_out, struct hull_error **err);

/* wait.c */
int wait_foreground(struct spawn *s, int *exit_status, struct hull_error **err);
int exit_status_of(int wstatus);

#endif
