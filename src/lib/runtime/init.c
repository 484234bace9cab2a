/* init.c - the child side of create: what happens between clone and
 * execve, in order. Each step is one call; the comments marked [cgroup
 * helper] mark where capabilities, hooks and seccomp go.
 *
 *   namespaces (join by path, unshare, id maps by the parent)
 *   wait for GO (id maps written)
 *   hostname, domainname
 *   rootfs propagation, bind the rootfs, config mounts, devices
 *   [hooks: createContainer]
 *   pivot_root (or chroot with --no-pivot)
 *   wait for PLACED (in the container's cgroups), cgroup namespace; earlier
 *     when a cgroup mount or a hook comes first
 *   terminal, sysctl, read-only paths, masked paths, read-only root
 *   rlimits, oom score, cwd, user and groups
 *   [capabilities]
 *   no_new_privs
 *   [seccomp, last: the filter must allow what comes after]
 *   report ready, wait for start (exec.fifo or the parent), execve
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <linux/close_range.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"
#include "runtime_internal.h"

__attribute__((noreturn)) static void fail(struct spawn *s, struct hull_error *err)
{
	const char *msg = err && err->msg ? err->msg : "container setup failed";
	/* After create returned nobody reads the socket: say it on the
	 * process' stderr, as runc does. */
	if (s->detached)
		dprintf(STDERR_FILENO, "hull: %s\n", msg);
	else
		sync_send(s->sync_fd, SYNC_ERROR, msg, -1);
	_exit(1);
}

static int setup_stdio(struct spawn *s, struct hull_error **err)
{
	const int *fds = s->opts->stdio;
	for (int i = 0; i < 3; i++) {
		if (fds[i] < 0 || fds[i] == i)
			continue;
		if (dup2(fds[i], i) < 0)
			return hull_error_set(err, errno, "dup2 stdio fd %d", fds[i]);
	}
	/* --preserve-fds N: 3 .. 3+N-1 stay open across execve. */
	for (int fd = 3; fd < 3 + s->opts->preserve_fds; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	return 0;
}

/* config-linux.md#namespaces when some are joined by path: join first (with
 * the host's privileges), then unshare the new ones; a new user namespace
 * gets its maps from the parent before anything else happens. */
static int setup_namespaces(struct spawn *s, struct hull_error **err)
{
	const struct hull_oci_config *cfg = s->cfg;
	if (!s->unshare_in_child)
		return 0;
	unsigned long flags = ns_new_flags(cfg) & ~(unsigned long)(CLONE_NEWPID | 0x80 /* CLONE_NEWTIME */ | CLONE_NEWCGROUP);
	if (ns_join_all(cfg, true, s->userns_joined, err) < 0 || ns_join_all(cfg, false, false, err) < 0)
		return -EINVAL;
	if (flags && unshare((int)flags) < 0)
		return hull_error_set(err, errno, "unshare namespaces");
	/* the parent writes the maps of a new user namespace and opens the
	 * bind sources in our mount namespace once it is final (spawn.c); its
	 * place hook plumbs our network namespace: it must be the new one */
	if (sync_send(s->sync_fd, SYNC_USERNS, NULL, -1) < 0)
		return hull_error_set(err, EPIPE, "tell the parent the namespaces are made");
	return 0;
}

/* SYNC_GO; before it, with a user namespace, the bind sources the parent
 * opened for us (SYNC_MOUNT_SOURCE, the mount's index as text). */
static int wait_for_go(struct spawn *s, struct hull_error **err)
{
	for (;;) {
		char text[32];
		enum sync_type type;
		int fd;
		int r = sync_recv(s->sync_fd, &type, text, sizeof(text), &fd);
		if (r < 0)
			return hull_error_set(err, -r, "read from the parent");
		if (type == SYNC_GO)
			return 0;
		char *end;
		unsigned long i = strtoul(text, &end, 10);
		if (type != SYNC_MOUNT_SOURCE || fd < 0 || *end || i >= s->cfg->n_mounts) {
			if (fd >= 0)
				close(fd);
			return hull_error_msg(err, EPROTO, "unexpected message %u from the parent (wanted %u)", type,
					      SYNC_GO);
		}
		if (!s->mount_fds) {
			s->mount_fds = hull_xcalloc(s->cfg->n_mounts, sizeof(int));
			for (size_t k = 0; k < s->cfg->n_mounts; k++)
				s->mount_fds[k] = -1;
		}
		if (s->mount_fds[i] >= 0)
			close(s->mount_fds[i]);
		s->mount_fds[i] = fd;
	}
}

/* The bind sources are mounted: their fds go (the process never sees them). */
static void close_mount_fds(struct spawn *s)
{
	for (size_t i = 0; s->mount_fds && i < s->cfg->n_mounts; i++)
		if (s->mount_fds[i] >= 0)
			close(s->mount_fds[i]);
	free(s->mount_fds);
	s->mount_fds = NULL;
}

/* The parent places us in our cgroups while we set up: on a cgroup v1 host
 * each write to cgroup.procs takes cgroup_threadgroup_rwsem for writing,
 * and the first writer waits for an RCU grace period (rcu_sync_enter), 5-20
 * ms on a loaded machine; mounts and pivot_root meanwhile need no cgroup.
 * Nothing here allocates much or forks before this returns. */
int init_wait_placed(struct spawn *s, struct hull_error **err)
{
	if (s->placed)
		return 0;
	if (sync_expect(s->sync_fd, SYNC_PLACED, NULL, err) < 0)
		return -EINVAL;
	s->placed = true;
	/* config-linux.md#namespaces cgroup: made now that we are in the
	 * container's cgroup, so that this cgroup is the namespace's root
	 * (runc's order) */
	if ((ns_new_flags(s->cfg) & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		return hull_error_set(err, errno, "unshare the cgroup namespace");
	return 0;
}

/* Ask the parent to run prestart/createRuntime; it answers with our host
 * pid, which the state of createContainer and startContainer carries. */
static int child_hooks(struct spawn *s, struct hull_error **err)
{
	char text[1020];
	enum sync_type type;
	if (!hull_hooks_needs_state(s->cfg))
		return 0;
	/* hooks see the container's cgroup and run in it (runc's order) */
	if (init_wait_placed(s, err) < 0)
		return -EINVAL;
	if (sync_send(s->sync_fd, SYNC_HOOKS, NULL, -1) < 0 ||
	    sync_recv(s->sync_fd, &type, text, sizeof(text), NULL) < 0 || type != SYNC_GO)
		_exit(1); /* the parent reports the hook's error */
	s->pid = (pid_t)atoi(text);
	/* runc runs them from the rootfs: relative paths in hooks mean it */
	if (chdir(s->cfg->root_path) < 0)
		return hull_error_set(err, errno, "chdir `%s`", s->cfg->root_path);
	_cleanup_json_ json_t *state = hull_hook_state(s->cfg, s->id, s->bundle, "creating", s->pid);
	return hull_hooks_run(s->cfg->hooks, HULL_HOOK_CREATE_CONTAINER, state, err);
}

/* config-linux.md#seccomp: load the filter; a notify fd goes to the parent,
 * which passes it to linux.seccomp.listenerPath. */
static int child_seccomp(struct spawn *s, struct hull_error **err)
{
	int fd = -1;
	if (s->seccomp_prog)
		return hull_seccomp_load_prepared(s->seccomp_prog, err) < 0 ? -EINVAL : 0;
	if (hull_seccomp_load(s->cfg->seccomp, &fd, err) < 0)
		return -EINVAL;
	if (fd >= 0) {
		int r = sync_send(s->sync_fd, SYNC_SECCOMP, NULL, fd);
		close(fd);
		if (r < 0)
			return hull_error_set(err, -r, "send the seccomp notify fd");
	}
	return 0;
}

/* config-linux.md#namespaces: with no mount namespace listed, the container
 * inherits the runtime's, the host's mount table. Nothing is mounted there
 * and no device node made (the config checks refused mounts, masked and
 * read-only paths, devices, root.readonly, rootfsPropagation and a
 * terminal); the rootfs is entered with chroot, as runc does then. */
static int setup_shared_rootfs(struct spawn *s, struct hull_error **err)
{
	const struct hull_oci_config *cfg = s->cfg;
	_cleanup_close_ int rootfd = open(cfg->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hull_error_set(err, errno, "open the rootfs `%s`", cfg->root_path);
	/* A missing process.cwd is created, as runc does. */
	_cleanup_close_ int cwd = mount_target(rootfd, cfg->process->cwd, false, err);
	if (cwd < 0)
		return hull_error_wrap(err, cwd, "config.json: process.cwd");
	if (child_hooks(s, err) < 0 || init_wait_placed(s, err) < 0)
		return -EINVAL;
	/* the rootfs has no /proc of ours: sysctls go through the host's now
	 * (/proc/sys/net, kernel and fs.mqueue are those of the writer's
	 * namespaces), and exec.fifo is reopened through it after the chroot */
	if (process_sysctl(cfg, err) < 0)
		return -EINVAL;
	s->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->proc_fd < 0)
		return hull_error_set(err, errno, "open /proc");
	if (chdir(cfg->root_path) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return hull_error_set(err, errno, "chroot `%s`", cfg->root_path);
	return 0;
}

/* The rootfs as a mount of its own (pivot_root needs a mount point), in a
 * mount namespace where nothing is shared: every mount is made a slave (or
 * private, when that is what linux.rootfsPropagation asks), so that host
 * mounts still reach the container and nothing goes back, as runc's
 * default rslave. That also meets what runc's rootfsParentMountPrivate
 * is for: pivot_root(2) refuses a shared parent of the new or the old root,
 * and a bind under a shared parent would propagate to the host. A shared or
 * unbindable rootfs is applied once the root is final
 * (rootfs_propagation): an unbindable tree refuses the binds made until
 * then (the rootfs itself, masked paths, the console). */
static int setup_rootfs(struct spawn *s, bool in_userns, struct hull_error **err)
{
	const struct hull_oci_config *cfg = s->cfg;
	if (!hull_oci_config_namespace(cfg, CLONE_NEWNS))
		return setup_shared_rootfs(s, err);
	unsigned long base = (cfg->rootfs_propagation & MS_PRIVATE) ? MS_PRIVATE : MS_SLAVE;
	if (mount(NULL, "/", NULL, base | MS_REC, NULL) < 0)
		return hull_error_set(err, errno, "make the container's mounts %s",
				      base == MS_PRIVATE ? "private" : "slaves of the host's");
	if (mount(cfg->root_path, cfg->root_path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return hull_error_set(err, errno, "bind the rootfs `%s`", cfg->root_path);
	_cleanup_close_ int rootfd = open(cfg->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return hull_error_set(err, errno, "open the rootfs `%s`", cfg->root_path);
	int r = mounts_setup(cfg, rootfd, init_wait_placed, s, err);
	close_mount_fds(s);
	if (r < 0 || devices_setup(cfg, rootfd, in_userns, err) < 0)
		return -EINVAL;
	/* A missing process.cwd is created, as runc does. */
	_cleanup_close_ int cwd = mount_target(rootfd, cfg->process->cwd, false, err);
	if (cwd < 0)
		return hull_error_wrap(err, cwd, "config.json: process.cwd");
	/* hooks.prestart/createRuntime in the parent, then createContainer here,
	 * in the container's namespaces, before pivot_root
	 * (config.md#createcontainer-hooks) */
	if (child_hooks(s, err) < 0)
		return -EINVAL;
	return rootfs_pivot(cfg->root_path, s->opts->no_pivot, err);
}

static int setup_after_pivot(struct spawn *s, struct hull_error **err)
{
	const struct hull_oci_config *cfg = s->cfg;
	/* at the latest here: sysctls may name the interfaces the place hook
	 * adds (the engine's network), and the process must start placed */
	if (init_wait_placed(s, err) < 0)
		return -EINVAL;
	if (cfg->process->terminal && terminal_setup(s, err) < 0)
		return -EINVAL;
	/* read-only tmpfs mounts (/dev) once the console is bound in them */
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hull_error_set(err, errno, "open /");
	if (mounts_readonly_tmpfs(cfg, root, err) < 0)
		return -EINVAL;
	/* sysctl first: /proc/sys is usually one of the read-only paths (with
	 * the host's mount table they were written before the chroot). */
	if ((s->proc_fd < 0 && process_sysctl(cfg, err) < 0) || rootfs_finalize(cfg, err) < 0 ||
	    rootfs_propagation(cfg, err) < 0)
		return -EINVAL;
	return 0;
}

static int setup_process(struct spawn *s, bool in_userns, struct hull_error **err)
{
	const struct hull_oci_process *p = s->cfg->process;
	/* with every privilege still held, as runc does */
	if (lsm_exec_labels(p, err) < 0 || process_rlimits(p, err) < 0 || process_oom_score_adj(p, err) < 0)
		return -EINVAL;
	/* config-linux.md#personality; before seccomp, which may filter it */
	if (s->cfg->has_personality && personality(s->cfg->personality) < 0)
		return hull_error_set(err, errno, "config.json: linux.personality: set the execution domain");
	if (chdir(p->cwd) < 0)
		return hull_error_set(err, errno, "config.json: process.cwd: chdir `%s`", p->cwd);
	/* a cwd reached through a leaked host fd is outside the container's
	 * root: getcwd() then fails or says "(unreachable)" (CVE-2024-21626) */
	char cwd[4096];
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		return hull_error_msg(err, EPERM, "config.json: process.cwd: `%s` is outside the container", p->cwd);
	struct hull_caps caps;
	if (hull_caps_parse(p->capabilities, "config.json", "process.capabilities", &caps, err) < 0)
		return -EINVAL;
	/* Only 0-2 and --preserve-fds reach the process, whatever the caller
	 * left open without O_CLOEXEC (runc closes the rest too;
	 * CVE-2024-21626). Before seccomp: the profile may not allow it. */
	syscall(SYS_close_range, 3 + s->opts->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	/* without no_new_privs, loading seccomp needs CAP_SYS_ADMIN: before the
	 * capabilities go (runc's order); with it, as late as possible */
	if (!p->no_new_privileges && child_seccomp(s, err) < 0)
		return -EINVAL;
	/* bounding set before the uid change, the other sets after it
	 * (PR_SET_KEEPCAPS keeps the permitted set across setuid) */
	if (hull_caps_drop_bounding(&caps, err) < 0 || process_user(p, in_userns, err) < 0 ||
	    hull_caps_apply(&caps, err) < 0)
		return -EINVAL;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return hull_error_set(err, errno, "config.json: process.noNewPrivileges");
	if (p->no_new_privileges && child_seccomp(s, err) < 0)
		return -EINVAL;
	return 0;
}

/* runtime.md#start: the init blocks on exec.fifo until `start` opens the
 * other end. The fifo was opened O_PATH before pivot_root; reopen it
 * through /proc/self/fd (the container's /proc is mounted by now). The
 * write end stays open, O_CLOEXEC: execve closes it, and that hangup tells
 * `start` the user's program is executed (poststart hooks wait for it). */
static int wait_for_start(struct spawn *s, struct hull_error **err)
{
	if (s->fifo_fd < 0)
		return sync_expect(s->sync_fd, SYNC_START, NULL, err);
	char path[64];
	snprintf(path, sizeof(path), "%sself/fd/%d", s->proc_fd < 0 ? "/proc/" : "", s->fifo_fd);
	int fd = openat(s->proc_fd < 0 ? AT_FDCWD : s->proc_fd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open exec.fifo");
	if (write(fd, "0", 1) != 1) {
		int e = errno;
		close(fd);
		return hull_error_set(err, e, "write exec.fifo");
	}
	return 0;
}

void init_container(struct spawn *s)
{
	struct hull_error *err = NULL;
	const struct hull_oci_config *cfg = s->cfg;
	bool in_userns = hull_oci_config_namespace(cfg, CLONE_NEWUSER) != NULL || ns_running_in_userns();
	/* Die with the parent while setting up; start keeps us after. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Until execve, nothing in the container may open /proc/<pid>/exe of
	 * this process (the hull binary) or ptrace it (CVE-2019-5736); execve
	 * of the user's program makes it dumpable again. At once, because a
	 * pid namespace joined by path already holds the container's processes.
	 * With a new user namespace only after GO: the parent (perhaps
	 * unprivileged) must still open our /proc/<pid>/uid_map, and the /proc
	 * files of a non-dumpable process belong to root; nothing else lives in
	 * a new user namespace yet. */
	bool new_userns = (ns_new_flags(cfg) & CLONE_NEWUSER) != 0;
	if (!new_userns)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* The flock belongs to the open file description the clone shares:
	 * holding it here would block `start` until execve. */
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	/* Debug records go to the log as it is now: a copy of its fd, since
	 * fd 2 becomes the container's stderr (closed at execve). */
	struct hull_log log = s->ctx->log;
	if (log.level >= HULL_LOG_DEBUG && log.fd >= 0) {
		log.fd = fcntl(log.fd, F_DUPFD_CLOEXEC, 3 + s->opts->preserve_fds);
		hull_log_write(&log, HULL_LOG_DEBUG, "child process in init(): setting up container %s", s->id);
	}
	umask(0);
	s->proc_fd = -1;
	if (setup_stdio(s, &err) < 0 || setup_namespaces(s, &err) < 0)
		fail(s, err);
	/* The parent writes the id maps, says go, then places us in cgroups
	 * (SYNC_PLACED, see init_wait_placed). */
	if (wait_for_go(s, &err) < 0)
		fail(s, err);
	/* The id maps are written now (see above). The place hook that runs
	 * after GO opens /proc/<pid>/ns files as root, with CAP_SYS_PTRACE. */
	if (new_userns)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (in_userns && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
		hull_error_set(&err, errno, "become root in the user namespace (is uid/gid 0 mapped?)");
		fail(s, err);
	}
	if (process_hostname(cfg, &err) < 0 || setup_rootfs(s, in_userns, &err) < 0 ||
	    setup_after_pivot(s, &err) < 0 || setup_process(s, in_userns, &err) < 0)
		fail(s, err);
	char *prog = process_find_program(cfg->process, &err);
	if (!prog)
		fail(s, err);
	char **env = process_env(cfg->process);
	/* From here the container outlives the process that created it. */
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	hull_log_write(&log, HULL_LOG_DEBUG, "init: closing the pipe to signal completion (setup of %s done)", s->id);
	if (log.fd != s->ctx->log.fd && log.fd >= 0)
		close(log.fd);
	if (sync_send(s->sync_fd, SYNC_READY, NULL, -1) < 0)
		_exit(1);
	s->detached = s->fifo_fd >= 0;
	if (wait_for_start(s, &err) < 0)
		fail(s, err);
	if (cfg->hooks && json_array_size(json_object_get(cfg->hooks, "startContainer"))) {
		_cleanup_json_ json_t *state = hull_hook_state(cfg, s->id, s->bundle, "created", s->pid);
		if (hull_hooks_run(cfg->hooks, HULL_HOOK_START_CONTAINER, state, &err) < 0) {
			dprintf(STDERR_FILENO, "hull: %s\n", err->msg);
			fail(s, err);
		}
	}
	execve(prog, cfg->process->args, env);
	hull_error_set(&err, errno, "exec `%s`", prog);
	fail(s, err);
}
