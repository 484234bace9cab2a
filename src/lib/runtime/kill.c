/* kill.c - kill and delete (runtime.md#kill, #delete), with runc's
 * semantics: kill needs a live container; delete refuses a running one
 * unless forced. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"
#include "runtime_internal.h"

static int pid_ns_inode(pid_t pid, ino_t *ino)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	if (stat(path, &st) < 0)
		return -errno;
	*ino = st.st_ino;
	return 0;
}

/* kill --all: every process in the container's pid namespace. When the
 * container shares the host's pid namespace only the init is signalled;
 * the cgroup manager widens this to the container's cgroup. */
static int kill_all(pid_t init, int sig, struct hull_error **err)
{
	ino_t ns, host, other;
	if (pid_ns_inode(init, &ns) < 0)
		return hull_error_msg(err, ESRCH, "container is not running");
	if (pid_ns_inode(getpid(), &host) == 0 && host == ns)
		return kill(init, sig) < 0 ? hull_error_set(err, errno, "kill %d", init) : 0;
	_cleanup_closedir_ DIR *d = opendir("/proc");
	if (!d)
		return hull_error_set(err, errno, "open /proc");
	struct dirent *e;
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		if (pid > 0 && pid_ns_inode(pid, &other) == 0 && other == ns)
			kill(pid, sig);
	}
	return 0;
}

int hull_runtime_kill(struct hull_ctx *ctx, const char *id, int sig, bool all, struct hull_error **err)
{
	_cleanup_(hull_container_state_freep) struct hull_container_state *st = hull_runtime_state(ctx, id, err);
	if (!st)
		return -EINVAL;
	/* runc: --all on a stopped container signals whatever is left (nothing) */
	if (st->status == HULL_STATUS_STOPPED && all)
		return 0;
	if (st->status == HULL_STATUS_STOPPED)
		return hull_error_msg(err, ESRCH, "container \"%s\" is not running", id);
	if (all) {
		/* the container's cgroup holds every process of it, exec'd ones and
		 * those of a container sharing the host's pid namespace (runc
		 * signals the cgroup too); without one, the pid namespace */
		_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = hull_container_cgroup(ctx, id, NULL);
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if (!cg || hull_cgroup_pids(cg, &pids, &n, NULL) < 0)
			return kill_all(st->oci->pid, sig, err);
		for (size_t i = 0; i < n; i++)
			kill(pids[i], sig);
		return 0;
	}
	if (kill(st->oci->pid, sig) < 0)
		return hull_error_set(err, errno, "kill container \"%s\" (pid %d)", id, st->oci->pid);
	return 0;
}

/* Wait (up to ~10 s) for a killed init to be gone or a zombie. */
static int wait_gone(const struct hull_oci_state *st, struct hull_error **err)
{
	for (int i = 0; i < 2000; i++) {
		unsigned long long start;
		char state;
		if (proc_start_time(st->pid, &start, &state) < 0 || start != st->pid_start || state == 'Z' ||
		    state == 'X')
			return 0;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return hull_error_msg(err, ETIMEDOUT, "container \"%s\" did not die after SIGKILL", st->id);
}

int hull_runtime_delete(struct hull_ctx *ctx, const char *id, bool force, struct hull_error **err)
{
	if (hull_runtime_validate_id(id, err) < 0)
		return -EINVAL;
	struct hull_error *lock_err = NULL;
	_cleanup_close_ int lock = state_lock(ctx, id, &lock_err);
	if (lock < 0) {
		if (force && lock_err && lock_err->code == ENOENT) {
			hull_error_free(lock_err);
			return 0;
		}
		if (err)
			*err = lock_err;
		else
			hull_error_free(lock_err);
		return lock;
	}
	_cleanup_(hull_container_state_freep) struct hull_container_state *st = hull_runtime_state(ctx, id, err);
	_cleanup_free_ char *dir = hull_runtime_state_dir(ctx, id);
	if (!st) {
		/* A state dir without state.json is a create that died midway. */
		if (!force)
			return -EINVAL;
		hull_error_release(err);
		hull_container_cgroup_remove(ctx, id, NULL);
		return hull_rm_rf(dir, err);
	}
	if (st->status == HULL_STATUS_RUNNING || st->status == HULL_STATUS_PAUSED) {
		if (!force)
			return hull_error_msg(err, EBUSY, "cannot delete container \"%s\" that is not stopped: %s", id,
					      hull_status_name(st->status));
	}
	/* runc deletes a created container without --force: its init only
	 * waits on the fifo. */
	if (st->status == HULL_STATUS_PAUSED) {
		/* frozen tasks act on SIGKILL only once thawed: the cgroup
		 * manager thaws and kills everything in the container */
		_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = hull_container_cgroup(ctx, id, NULL);
		if (cg)
			hull_cgroup_kill_all(cg, NULL);
	}
	if (st->status != HULL_STATUS_STOPPED) {
		kill(st->oci->pid, SIGKILL);
		if (wait_gone(st->oci, err) < 0)
			return -ETIMEDOUT;
	}
	/* the container's cgroup with whatever is still in it, then
	 * config.md#poststop (a failing hook is logged, delete goes on) */
	int r = hull_container_cgroup_remove(ctx, id, err);
	if (r < 0)
		return r;
	struct hull_error *hook_err = NULL;
	if (hull_container_hooks_run(ctx, id, HULL_HOOK_POSTSTOP, "stopped", 0, &hook_err) < 0) {
		hull_warn(ctx, "%s", hook_err->msg);
		hull_error_free(hook_err);
	}
	return hull_rm_rf(dir, err);
}
