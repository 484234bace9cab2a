/* userns.c - the rootless engine's user namespace: one per user, kept by a
 * pause process, as rootless podman does (its "rootless pause process").
 *
 * The first rootless engine or image command forks a tiny process that
 * unshares a user and a mount namespace and pause()s forever; its uid/gid
 * maps are written from outside (newuidmap/newgidmap with the user's
 * /etc/subuid and /etc/subgid ranges: 0 -> the user, 1..N -> the range;
 * without them one mapping, 0 -> the user). Its pid and start time go in
 * <runtime root>/pause.pid, written under a flock so that two concurrent
 * first commands make one. Every later command joins it (setns user, then
 * mount) and is uid 0 there with every capability over what the namespace
 * owns: the root code paths of the engine and the image store then work
 * unchanged, and all of a user's commands share one view of ownership and
 * one mount namespace (user_namespaces(7), mount_namespaces(7)).
 *
 * The mount namespace is made in the new user namespace, so it is less
 * privileged than the host's: shared mounts come in as slaves (host mounts
 * still propagate in, nothing made here leaks out). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/proc.h"
#include "hull/rootless.h"

#define MAX_RANGES 8

struct id_range {
	unsigned long start, count;
};

/* The runtime root must be a directory of the caller's, 0700: it holds
 * the pause pid another user must not be able to plant. So must a default
 * data root (under /tmp when the user has no home). */
static int check_own_dir(const char *dir, struct hull_error **err)
{
	int r = hull_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	struct stat st;
	if (lstat(dir, &st) < 0)
		return hull_error_set(err, errno, "stat `%s`", dir);
	if (!S_ISDIR(st.st_mode))
		return hull_error_msg(err, ENOTDIR, "`%s` is not a directory", dir);
	if (st.st_uid != getuid())
		return hull_error_msg(err, EPERM,
				      "`%s` belongs to uid %u, not to you (uid %u): remove it, or set XDG_RUNTIME_DIR and "
				      "XDG_DATA_HOME (or HULL_ROOT and HULL_DATA_ROOT) to directories of yours",
				      dir, (unsigned)st.st_uid, (unsigned)getuid());
	if ((st.st_mode & 077) && chmod(dir, 0700) < 0)
		return hull_error_set(err, errno, "chmod 0700 `%s`", dir);
	return 0;
}

/* subuid(5)/subgid(5): "name-or-id:start:count" lines for this user. */
static size_t read_ranges(const char *file, const char *name, uid_t id, struct id_range *out)
{
	_cleanup_free_ char *text = NULL;
	if (hull_read_file(file, &text, NULL, NULL) < 0)
		return 0;
	size_t n = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && n < MAX_RANGES; line = strtok_r(NULL, "\n", &save)) {
		char who[256];
		unsigned long start, count;
		if (sscanf(line, "%255[^:]:%lu:%lu", who, &start, &count) != 3 || !count)
			continue;
		char *end;
		unsigned long num = strtoul(who, &end, 10);
		if ((name && !strcmp(who, name)) || (!*end && num == id))
			out[n++] = (struct id_range){ start, count };
	}
	return n;
}

/* An absolute path to a setuid helper: $PATH first, then the usual places
 * (CI's bare environment may have no PATH). */
static char *find_helper(const char *name)
{
	const char *path = getenv("PATH");
	_cleanup_free_ char *dirs = hull_strdup_printf("%s:/usr/bin:/bin:/usr/sbin:/sbin", path ? path : "");
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (*d != '/')
			continue;
		char *p = hull_path_join(d, name);
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

/* Run argv[0] (an absolute path); its stdout and stderr end in msg.
 * Returns its exit status, or -errno when it could not be started. */
static int run_capture(char *const argv[], char *msg, size_t size)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return -e;
	}
	if (child == 0) {
		dup2(pipefd[1], STDERR_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	size_t len = 0;
	ssize_t got;
	while (len < size - 1 && (got = read(pipefd[0], msg + len, size - 1 - len)) > 0)
		len += (size_t)got;
	close(pipefd[0]);
	msg[len] = '\0';
	while (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* newuidmap PID 0 ID 1 1 START COUNT [N START COUNT]...: the caller is 0,
 * the subordinate ranges follow from 1 (podman's layout). */
static int run_map_helper(const char *helper, pid_t pid, unsigned long id, const struct id_range *r, size_t n,
			  struct hull_error **err)
{
	char *argv[2 + 3 * (MAX_RANGES + 1) + 1];
	char buf[1 + 3 * (MAX_RANGES + 1)][24];
	size_t a = 0, b = 0;
	argv[a++] = (char *)helper;
	snprintf(buf[b], sizeof(buf[b]), "%d", (int)pid);
	argv[a++] = buf[b++];
	unsigned long inside = 0;
	for (size_t i = 0; i <= n; i++) {
		unsigned long v[3] = { inside, i ? r[i - 1].start : id, i ? r[i - 1].count : 1 };
		for (int k = 0; k < 3; k++) {
			snprintf(buf[b], sizeof(buf[b]), "%lu", v[k]);
			argv[a++] = buf[b++];
		}
		inside += v[2];
	}
	argv[a] = NULL;
	char msg[512];
	int status = run_capture(argv, msg, sizeof(msg));
	if (status < 0)
		return hull_error_set(err, -status, "run `%s`", helper);
	if (status)
		return hull_error_msg(err, EPERM, "`%s %s`: %s", helper, buf[0], *msg ? msg : "failed");
	return 0;
}

static int write_proc(pid_t pid, const char *file, const char *text, struct hull_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return hull_error_set(err, errno, "write `%s`", path);
	return 0;
}

/* The maps of the pause process: subordinate ranges through the setuid
 * helpers when the user has them, else the caller alone (what an
 * unprivileged process may write itself: setgroups denied first). */
static int write_maps(pid_t pid, char **warning, struct hull_error **err)
{
	struct passwd *pw = getpwuid(getuid());
	const char *name = pw ? pw->pw_name : NULL;
	struct id_range uids[MAX_RANGES], gids[MAX_RANGES];
	size_t nu = read_ranges("/etc/subuid", name, getuid(), uids);
	size_t ng = read_ranges("/etc/subgid", name, getuid(), gids);
	_cleanup_free_ char *newuidmap = find_helper("newuidmap");
	_cleanup_free_ char *newgidmap = find_helper("newgidmap");
	if (nu && ng && newuidmap && newgidmap) {
		int r = run_map_helper(newuidmap, pid, getuid(), uids, nu, err);
		if (r == 0)
			r = run_map_helper(newgidmap, pid, getgid(), gids, ng, err);
		return r < 0 ? hull_error_wrap(err, r, "map the subordinate ids of /etc/subuid and /etc/subgid") : 0;
	}
	const char *why = !newuidmap || !newgidmap ? "newuidmap/newgidmap not found (Debian package uidmap)"
						   : "no range for you in /etc/subuid and /etc/subgid";
	*warning = hull_strdup_printf("%s: one id mapped (0 = you); files that images give to other users will "
				      "belong to root in containers",
				      why);
	char map[64];
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)getuid());
	int r = write_proc(pid, "uid_map", map, err);
	if (r == 0)
		r = write_proc(pid, "setgroups", "deny", err);
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)getgid());
	return r < 0 ? r : write_proc(pid, "gid_map", map, err);
}

/* What the pause process tells its caller once its namespaces are made. */
struct pause_hello {
	pid_t pid;
	int err; /* of setns/unshare, 0 when they worked */
};

/* The pause process: its own session (no terminal's SIGHUP), nothing of
 * the caller's open, nothing but pause(). */
static _Noreturn void pause_main(int to_parent, int from_parent, int unused1, int unused2, int old_userns)
{
	/* the caller's ends: a caller dying before "G" must give us EOF */
	close(unused1);
	close(unused2);
	setsid();
	/* our pid and the errno in one write (atomic on a pipe): the middle
	 * process writes nothing, so the two cannot interleave */
	struct pause_hello hello = {.pid = getpid()};
	if (old_userns >= 0 && setns(old_userns, CLONE_NEWUSER) < 0)
		hello.err = errno;
	else if (unshare(old_userns >= 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS) < 0)
		hello.err = errno;
	if (write(to_parent, &hello, sizeof(hello)) != sizeof(hello) || hello.err)
		_exit(1);
	char go = 0;
	if (read(from_parent, &go, 1) != 1 || go != 'G')
		_exit(1);
	/* nothing of the caller's stays open (a shell's $(...) would wait for
	 * its pipe forever): close all, then 0, 1, 2 on /dev/null (the lowest
	 * free numbers, in order) */
	close_range(0, ~0U, 0);
	for (int fd = 0; fd < 3; fd++)
		open("/dev/null", O_RDWR | O_CLOEXEC); /* no execve follows: the flag changes nothing */
	if (chdir("/") < 0)
		_exit(1);
	prctl(PR_SET_NAME, "hull-pause");
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	for (;;)
		pause();
}

/* Double fork: the pause process is nobody's child here (a command that
 * waits for its children must not wait for it). Its pid comes back over
 * the pipe with its unshare's errno. With old_userns >= 0 it enters that
 * user namespace (already mapped) and makes only a new mount namespace. */
static pid_t spawn_pause(int old_userns, char **warning, struct hull_error **err)
{
	int up[2], down[2];
	if (pipe2(up, O_CLOEXEC) < 0)
		return hull_error_set(err, errno, "pipe");
	if (pipe2(down, O_CLOEXEC) < 0) {
		close(up[0]);
		close(up[1]);
		return hull_error_set(err, errno, "pipe");
	}
	pid_t mid = fork();
	if (mid == 0) {
		pid_t p = fork();
		if (p == 0)
			pause_main(up[1], down[0], up[0], down[1], old_userns);
		_exit(p > 0 ? 0 : 1);
	}
	close(up[1]);
	close(down[0]);
	_cleanup_close_ int from = up[0], to = down[1];
	if (mid < 0)
		return hull_error_set(err, errno, "fork the pause process");
	int status = 0;
	while (waitpid(mid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hull_error_msg(err, ECHILD, "fork the pause process: it did not start");
	struct pause_hello hello = {0};
	ssize_t n;
	while ((n = read(from, &hello, sizeof(hello))) < 0 && errno == EINTR)
		;
	if (n != (ssize_t)sizeof(hello) || hello.pid <= 0)
		return hull_error_msg(err, ECHILD, "the pause process died before making its namespaces");
	if (hello.err)
		return hull_error_set(err, hello.err, "unshare a user namespace (check user.max_user_namespaces)");
	_cleanup_pid_ pid_t pid = hello.pid;
	int r = old_userns >= 0 ? 0 : write_maps(pid, warning, err);
	if (r < 0)
		return r;
	if (write(to, "G", 1) != 1)
		return hull_error_set(err, errno, "start the pause process");
	return take_pid(pid);
}

/* The pause process is gone but containers may still run in its user
 * namespace, held by their monitors: a new pause process must take that
 * namespace again, or the user could no longer exec into them (podman
 * joins its conmons' namespace so). An fd of it, or -1. */
static int surviving_userns(const struct hull_ctx *ctx)
{
	struct hull_container **cs = NULL;
	size_t n = 0;
	if (hull_container_list(ctx, &cs, &n, NULL) < 0)
		return -1;
	int fd = -1;
	for (size_t i = 0; i < n; i++) {
		const struct hull_engine_state *st = &cs[i]->state;
		if (fd < 0 && st->monitor_pid > 0 && hull_proc_alive(st->monitor_pid, st->monitor_start)) {
			char path[64];
			snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)st->monitor_pid);
			fd = open(path, O_RDONLY | O_CLOEXEC);
		}
		hull_container_free(cs[i]);
	}
	free(cs);
	return fd;
}

/* The pid in pause.pid, if its process still lives (same start time). */
static pid_t live_pause(const char *pidfile)
{
	_cleanup_free_ char *text = NULL;
	if (hull_read_file(pidfile, &text, NULL, NULL) < 0)
		return 0;
	int pid = 0;
	unsigned long long start = 0;
	if (sscanf(text, "%d %llu", &pid, &start) != 2 || pid <= 0 || !start)
		return 0;
	return hull_proc_alive(pid, start) ? pid : 0;
}

/* The pause process' namespaces, or -ESRCH when they cannot be opened
 * (the process is gone, or is not ours: another process took its pid). */
static int open_namespaces(pid_t pid, int *user, int *mnt)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	*user = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	*mnt = open(path, O_RDONLY | O_CLOEXEC);
	return *user < 0 || *mnt < 0 ? -ESRCH : 0;
}

/* setns into the pause process' namespaces. setns(CLONE_NEWNS) moves the
 * cwd to the namespace's root: the caller's is restored by path (the same
 * file system tree, slave of the host's), else by fd. */
static int join(pid_t pid, int user, int mnt, struct hull_error **err)
{
	char cwd[PATH_MAX];
	bool have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	_cleanup_close_ int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (setns(user, CLONE_NEWUSER) < 0)
		return hull_error_set(err, errno, "join the user namespace of the pause process %d", (int)pid);
	if (setns(mnt, CLONE_NEWNS) < 0)
		return hull_error_set(err, errno, "join the mount namespace of the pause process %d", (int)pid);
	if (!(have_cwd && chdir(cwd) == 0) && !(here >= 0 && fchdir(here) == 0) && chdir("/") < 0)
		return hull_error_set(err, errno, "chdir");
	return 0;
}

int hull_engine_userns_join(struct hull_ctx *ctx, char **warning, struct hull_error **err)
{
	*warning = NULL;
	if (geteuid() == 0)
		return 0;
	int r = check_own_dir(ctx->runtime_root, err);
	if (r < 0)
		return r;
	/* the data root is the user's alone, as podman's ~/.local/share/containers;
	 * the default one must be the user's own (one given by HULL_DATA_ROOT may be
	 * shared on purpose) */
	if (ctx->data_root == ctx->owned_roots[1])
		r = check_own_dir(ctx->data_root, err);
	else if (access(ctx->data_root, F_OK) < 0)
		r = hull_mkdir_p(ctx->data_root, 0700, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *lockfile = hull_path_join(ctx->runtime_root, "pause.lock");
	_cleanup_free_ char *pidfile = hull_path_join(ctx->runtime_root, "pause.pid");
	_cleanup_close_ int lock = open(lockfile, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock < 0)
		return hull_error_set(err, errno, "open `%s`", lockfile);
	while (flock(lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "lock `%s`", lockfile);
	pid_t pid = live_pause(pidfile);
	_cleanup_close_ int user = -1, mnt = -1;
	if (pid > 0 && open_namespaces(pid, &user, &mnt) == 0)
		return join(pid, user, mnt, err);
	/* gone, or its pid reused: a new one */
	if (user >= 0)
		close(user);
	if (mnt >= 0)
		close(mnt);
	user = mnt = -1;
	_cleanup_close_ int old_userns = surviving_userns(ctx);
	_cleanup_pid_ pid_t fresh = spawn_pause(old_userns, warning, err);
	if (fresh < 0)
		return fresh;
	_cleanup_free_ char *line = hull_strdup_printf("%d %llu\n", (int)fresh, hull_proc_start_time(fresh));
	if ((r = hull_write_file_atomic(pidfile, line, strlen(line), 0600, false, err)) < 0 ||
	    (r = open_namespaces(fresh, &user, &mnt)) < 0 || (r = join(fresh, user, mnt, err)) < 0) {
		if (r == -ESRCH)
			hull_error_msg(err, ESRCH, "the new pause process %d died", (int)fresh);
		unlink(pidfile);
		return r;
	}
	/* it lives on, named by pause.pid */
	(void)take_pid(fresh);
	return 0;
}
