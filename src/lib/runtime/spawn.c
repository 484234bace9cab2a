/* spawn.c - the parent side of create: one clone3 with every new
 * namespace, the id maps, the cgroup placement hook, then the child runs
 * init_container() up to SYNC_READY.
 *
 *   clone3 (new namespaces; pid/time joined by the parent around it)
 *   [child unshares here when namespaces are joined by path]
 *   write uid_map / gid_map
 *   [with a user namespace: SYNC_MOUNT_SOURCE, the bind sources' fds]
 *   SYNC_GO
 *   opts->place() puts the child in its cgroups  |  child mounts, pivots
 *   SYNC_PLACED                                  |  (waits for it first)
 *   [child sets up; sends the pty for a foreground terminal]
 *   SYNC_READY
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"
#include "runtime_internal.h"

static pid_t clone3_fork(unsigned long flags, int *pidfd)
{
	struct clone_args args = { .flags = flags | CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)pidfd,
				   .exit_signal = SIGCHLD };
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* What the helper of clone_in_joined_userns tells the parent. */
struct helper_report {
	pid_t pid; /* the init, or -1 */
	int err;   /* errno of what failed */
	bool joined; /* false: setns failed; true: clone3 failed */
	bool pid_join; /* the pid or time namespace's setns failed */
};

/* Two joins the caller could not undo go through a helper process:
 *  - a user namespace joined by path, with new pid or time namespaces:
 *    those must belong to the joined user namespace (a pid namespace of the
 *    host's cannot get proc mounted by the container's root), and setns(2)
 *    into a user namespace cannot be undone;
 *  - a pid or time namespace joined by path: setns(2) there changes where
 *    the caller's children go, and going back to its own needs
 *    CAP_SYS_ADMIN over it, which a rootless caller lacks (its pid
 *    namespace is the host's); a caller left there can no longer make
 *    threads (clone(2): EINVAL) and its later children land in the
 *    container's pid namespace.
 * The helper joins them and clones the init with CLONE_PARENT, so that the
 * init is still our child (runc's nsexec forks once more for the same
 * reason). Returns like fork: the init's pid in the parent (and its
 * pidfd), 0 in the init, -1 with *err. */
static pid_t clone_via_helper(struct spawn *s, int *pidfd, struct hull_error **err)
{
	const struct hull_oci_namespace *user = hull_oci_config_namespace(s->cfg, CLONE_NEWUSER);
	const char *path = user && user->path ? user->path : NULL;
	int userns = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (path && userns < 0) {
		hull_error_set(err, errno, "join user namespace: open `%s`", path);
		return -1;
	}
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0) {
		hull_error_set(err, errno, "pipe");
		close(userns);
		return -1;
	}
	struct clone_args plain = { .exit_signal = SIGCHLD };
	pid_t helper = (pid_t)syscall(SYS_clone3, &plain, sizeof(plain));
	if (helper == 0) {
		struct helper_report r = { .pid = -1 };
		close(report[0]);
		/* a hull process inside the container's user namespace: nothing
		 * there may open its /proc/PID/exe (CVE-2019-5736) */
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		int saved_pid, saved_time;
		struct hull_error *join_err = NULL;
		if (userns >= 0 && setns(userns, CLONE_NEWUSER) < 0) {
			r.err = errno;
		} else if (ns_parent_join(s->cfg, &saved_pid, &saved_time, &join_err) < 0) {
			r.err = join_err ? join_err->code : EINVAL;
			r.pid_join = true;
			hull_error_free(join_err);
		} else {
			r.joined = true;
			/* CLONE_PARENT takes the helper's exit signal: 0 here */
			struct clone_args a = { .flags = CLONE_PARENT | s->clone_flags };
			r.pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
			if (r.pid == 0) {
				close(report[1]);
				if (userns >= 0)
					close(userns);
				s->userns_joined = userns >= 0;
				return 0;
			}
			r.err = r.pid < 0 ? errno : 0;
		}
		ssize_t n = write(report[1], &r, sizeof(r));
		_exit(n == (ssize_t)sizeof(r) ? 0 : 1);
	}
	int clone_errno = errno;
	if (userns >= 0)
		close(userns);
	close(report[1]);
	struct helper_report r = { .pid = -1, .err = clone_errno };
	if (helper > 0) {
		if (read(report[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
			r = (struct helper_report){ .pid = -1, .err = EPIPE, .joined = true };
		while (waitpid(helper, NULL, 0) < 0 && errno == EINTR)
			;
	}
	close(report[0]);
	if (r.pid < 0) {
		if (!r.joined && helper > 0 && r.pid_join)
			hull_error_set(err, r.err, "join the pid or time namespace of the config");
		else if (!r.joined && helper > 0)
			hull_error_set(err, r.err, "join user namespace `%s`", path);
		else
			hull_error_set(err, r.err, "clone the container's init");
		return -1;
	}
	/* CLONE_PARENT made the init our child */
	_cleanup_pid_ pid_t pid = r.pid;
	*pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (*pidfd < 0) {
		hull_error_set(err, errno, "pidfd_open %d", (int)pid);
		return -1;
	}
	return take_pid(pid);
}

void spawn_kill(struct spawn *s)
{
	if (s->pid > 0)
		hull_killp(&s->pid);
}

void spawn_close(struct spawn *s)
{
	if (s->sync_fd >= 0)
		close(take_fd(s->sync_fd));
	if (s->pidfd >= 0)
		close(take_fd(s->pidfd));
	if (s->pty_master >= 0)
		close(take_fd(s->pty_master));
}

/* config.md#prestart and #createruntime-hooks: in the runtime namespace,
 * after the mounts, before pivot_root; the init waits for the verdict. */
static int parent_hooks(struct spawn *s, int sock, struct hull_error **err)
{
	char pid[24];
	if (sync_expect(sock, SYNC_HOOKS, NULL, err) < 0)
		return -EINVAL;
	_cleanup_json_ json_t *state = hull_hook_state(s->cfg, s->id, s->bundle, "creating", s->pid);
	if (hull_hooks_run(s->cfg->hooks, HULL_HOOK_PRESTART, state, err) < 0 ||
	    hull_hooks_run(s->cfg->hooks, HULL_HOOK_CREATE_RUNTIME, state, err) < 0)
		return -EINVAL;
	snprintf(pid, sizeof(pid), "%d", (int)s->pid);
	if (sync_send(sock, SYNC_GO, pid, -1) < 0)
		return hull_error_set(err, EPIPE, "the container's init exited during setup");
	return 0;
}

/* config-linux.md#seccomp listenerPath: the init loaded its filter and sent
 * the notify fd; hand it to the listener with the state, as runc does. */
static int parent_seccomp(struct spawn *s, int sock, struct hull_error **err)
{
	_cleanup_close_ int fd = -1;
	if (sync_expect(sock, SYNC_SECCOMP, &fd, err) < 0)
		return -EINVAL;
	_cleanup_json_ json_t *state = hull_hook_state(s->cfg, s->id, s->bundle, "creating", s->pid);
	return hull_seccomp_send_listener(s->cfg->seccomp, fd, s->pid, state, err);
}

/* The child sets up while it is placed: when placing fails, a child that
 * failed first has its SYNC_ERROR queued, and that is the cause (placing a
 * process that exits fails as an echo of it). Returns -EINVAL. */
static int place_failed(int sock, struct hull_error **err)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	char text[1020];
	enum sync_type type;
	if (poll(&p, 1, 0) == 1 && sync_recv(sock, &type, text, sizeof(text), NULL) == 0 && type == SYNC_ERROR) {
		hull_error_release(err);
		hull_error_msg(err, EINVAL, "%s", text);
	}
	return -EINVAL;
}

static int parent_handshake(struct spawn *s, int sock, struct hull_error **err)
{
	const struct hull_oci_config *cfg = s->cfg;
	bool new_userns = (ns_new_flags(cfg) & CLONE_NEWUSER) != 0;
	bool userns = hull_oci_config_namespace(cfg, CLONE_NEWUSER) != NULL;
	/* namespaces joined by path: the child unshares the new ones itself;
	 * nothing below (maps, the place hook's veth) may run before */
	if (s->unshare_in_child && sync_expect(sock, SYNC_USERNS, NULL, err) < 0)
		return -EINVAL;
	if (new_userns && ns_write_id_maps(s->pid, cfg, err) < 0)
		return -EINVAL;
	/* a failed send means the child is gone: SYNC_GO below reports why */
	if (userns)
		mounts_send_sources(cfg, s->pid, sock);
	/* If the child already failed, its SYNC_ERROR is queued: read it. */
	if (sync_send(sock, SYNC_GO, NULL, -1) < 0)
		return sync_expect(sock, SYNC_READY, NULL, err) < 0 ? -EINVAL
								   : hull_error_msg(err, EPIPE, "lost the container's init");
	/* The container's cgroup (or the caller's place hook) while the child
	 * mounts and pivots: on cgroup v1 the first cgroup.procs write waits
	 * for an RCU grace period (see init_wait_placed). The child waits for
	 * SYNC_PLACED before anything that needs its cgroup, and before
	 * SYNC_READY. */
	if ((s->opts->place ? s->opts->place(s->opts->place_data, s->pid, cfg, err)
			    : hull_container_cgroup_setup(s->ctx, s->id, s->pid, cfg, err)) < 0)
		return place_failed(sock, err);
	if (sync_send(sock, SYNC_PLACED, NULL, -1) < 0)
		return sync_expect(sock, SYNC_READY, NULL, err) < 0 ? -EINVAL
								   : hull_error_msg(err, EPIPE, "lost the container's init");
	/* the child has pivot_root, masked paths and capabilities left: the
	 * caller's own writes fit in that time */
	if (s->after_placed && s->after_placed(s, err) < 0)
		return place_failed(sock, err);
	if (hull_hooks_needs_state(cfg) && parent_hooks(s, sock, err) < 0)
		return -EINVAL;
	if (s->pty_to_parent && sync_expect(sock, SYNC_PTY, &s->pty_master, err) < 0)
		return -EINVAL;
	if (cfg->seccomp && hull_seccomp_uses_notify(cfg->seccomp) && parent_seccomp(s, sock, err) < 0)
		return -EINVAL;
	return sync_expect(sock, SYNC_READY, NULL, err);
}

int spawn_container(struct spawn *s, struct hull_error **err)
{
	/* compiled here, from the cache under the data root when it can be
	 * (not the runtime root: its entries are container ids); the child
	 * has pivoted into the rootfs by the time it loads it */
	_cleanup_(hull_seccomp_prog_freep) struct hull_seccomp_prog *seccomp = NULL;
	_cleanup_free_ char *cache = s->ctx->data_root ? hull_path_join(s->ctx->data_root, "seccomp-cache") : NULL;
	if (hull_seccomp_prepare(s->cfg->seccomp, cache, &seccomp, err) < 0)
		return -EINVAL;
	s->seccomp_prog = seccomp;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return hull_error_set(err, errno, "socketpair");
	unsigned long new_flags = ns_new_flags(s->cfg);
	s->unshare_in_child = ns_any_joined(s->cfg);
	/* clone3 makes every new namespace at once, the user namespace first
	 * (so the others belong to it); with joins, the child does it instead. */
	s->clone_flags = s->unshare_in_child ? (new_flags & (CLONE_NEWPID | CLONE_NEWTIME)) : new_flags;
	/* the cgroup namespace is made by the child once it sits in its cgroup,
	 * so that its root is the container's cgroup (see init.c) */
	s->clone_flags &= ~(unsigned long)CLONE_NEWCGROUP;
	s->pidfd = -1;
	s->pty_master = -1;
	const struct hull_oci_namespace *user = hull_oci_config_namespace(s->cfg, CLONE_NEWUSER);
	const struct hull_oci_namespace *pid_ns = hull_oci_config_namespace(s->cfg, CLONE_NEWPID);
	const struct hull_oci_namespace *time_ns = hull_oci_config_namespace(s->cfg, CLONE_NEWTIME);
	bool helper = (user && user->path && (s->clone_flags & (CLONE_NEWPID | CLONE_NEWTIME))) ||
		      (pid_ns && pid_ns->path) || (time_ns && time_ns->path);
	/* the step names runc's debug log has, which tools and tests look for */
	hull_debug(s->ctx, "nsexec container setup: cloning the init of %s (clone flags %#lx%s)", s->id, s->clone_flags,
		   helper ? ", through a helper in the joined namespaces" : "");
	s->pid = helper ? clone_via_helper(s, &s->pidfd, err) : clone3_fork(s->clone_flags, &s->pidfd);
	if (s->pid == 0) {
		close(sv[0]);
		s->sync_fd = sv[1];
		init_container(s);
	}
	int clone_errno = errno;
	close(sv[1]);
	s->sync_fd = sv[0];
	if (s->pid < 0) {
		close(take_fd(s->sync_fd));
		/* the helper's failure is in *err, with its errno */
		return helper ? -(err && *err ? (*err)->code : EINVAL)
			      : hull_error_set(err, clone_errno, "clone the container's init");
	}
	int r = parent_handshake(s, sv[0], err);
	if (r < 0) {
		spawn_kill(s);
		close(take_fd(s->sync_fd));
		return r;
	}
	return 0;
}
