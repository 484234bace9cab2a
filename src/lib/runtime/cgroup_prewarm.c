/* cgroup_prewarm.c - start, in the background, the RCU grace period that
 * placing the container's init in its cgroups would otherwise wait for.
 *
 * Writing a pid to cgroup.procs takes cgroup_threadgroup_rwsem for writing
 * (kernel/cgroup/cgroup.c, cgroup_attach_lock). That percpu rwsem stays in
 * its reader-friendly fast mode while no writer is around; the first writer
 * switches it over with rcu_sync_enter(), which waits for a whole RCU grace
 * period: 5-20 ms on a loaded host, most of what `run` costs on cgroup v1.
 * A writer that comes within a grace period of the previous one's exit pays
 * nothing (rcu_sync is then still in GP_PASSED or GP_EXIT). So create forks
 * a helper that writes 0 (itself) into the cgroup.procs of the cgroup it is
 * already in, a migration that moves nothing, while hull makes the state
 * directory, clones the init (which starts its mounts) and creates the
 * container's cgroup; placing the init then finds the rwsem switched.
 *
 * A process, not a thread: the init is cloned with clone3, which skips
 * glibc's fork handlers, so a libc lock that a thread held at that moment
 * (a thread's exit takes some) would stay locked in the init forever.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime_internal.h"

/* The cgroup.procs path of our own cgroup in the first hierarchy that
 * /proc/self/cgroup lists ("N:controllers:/path"); false if none. */
static bool own_procs_path(char *out, size_t len)
{
	char buf[4096];
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	char *ctrl = strchr(buf, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
	if (!path)
		return false;
	ctrl++;
	path++;
	size_t ctrl_len = (size_t)(path - 1 - ctrl), path_len = strcspn(path, "\n");
	if (path_len == 1)
		path_len = 0; /* "/": the hierarchy's root */
	if (!strncmp(ctrl, "name=", 5)) {
		ctrl += 5;
		ctrl_len -= 5;
	}
	/* "0::/path" first means a cgroup2-only host */
	int r = ctrl_len ? snprintf(out, len, "/sys/fs/cgroup/%.*s%.*s/cgroup.procs", (int)ctrl_len, ctrl,
				    (int)path_len, path)
			 : snprintf(out, len, "/sys/fs/cgroup%.*s/cgroup.procs", (int)path_len, path);
	return r > 0 && (size_t)r < len;
}

pid_t cgroup_prewarm_start(void)
{
	char path[4200];
	if (geteuid() != 0 || !own_procs_path(path, sizeof(path)))
		return -1;
	pid_t pid = fork();
	if (pid != 0)
		return pid; /* -1: best effort, placing the init pays the wait */
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	/* the outcome does not matter, only that the rwsem was taken */
	if (fd >= 0 && write(fd, "0", 1) < 0)
		_exit(1);
	_exit(0);
}

void cgroup_prewarm_reap(pid_t *pid)
{
	/* by now placing the init has had the rwsem (after the helper, which
	 * held cgroup_mutex first): this returns at once */
	while (*pid > 0 && waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
		;
	*pid = -1;
}
