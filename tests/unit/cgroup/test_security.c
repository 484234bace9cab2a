/* Unit tests: capabilities, seccomp and hooks, each applied in a forked
 * child (Criterion runs every test in its own process as well). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	cr_assert_not_null(j, "bad test JSON: %s", e.text);
	return j;
}

static int wait_child(pid_t pid)
{
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

Test(caps, parse_sets_and_errors)
{
	_cleanup_json_ json_t *c = J("{\"bounding\":[\"CAP_CHOWN\",\"CAP_NET_ADMIN\"],\"effective\":[\"CAP_CHOWN\"],"
				     "\"ambient\":[\"CAP_KILL\"]}");
	struct hull_caps caps;
	cr_assert_eq(hull_caps_parse(c, "config.json", "process.capabilities", &caps, NULL), 0);
	cr_assert(caps.present);
	cr_assert_eq(caps.bounding, (1ULL << 0) | (1ULL << 12));
	cr_assert_eq(caps.effective, 1ULL << 0);
	cr_assert_eq(caps.ambient, 1ULL << 5);
	cr_assert_eq(caps.permitted, 0);
	_cleanup_json_ json_t *bad = J("{\"permitted\":[\"CAP_CHOWN\",\"CAP_FLY\"]}");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_caps_parse(bad, "config.json", "process.capabilities", &caps, &err), 0);
	cr_assert_str_eq(err->msg, "config.json: process.capabilities.permitted[1]: unknown capability \"CAP_FLY\"");
	char name[48];
	hull_caps_name(21, name, sizeof(name));
	cr_assert_str_eq(name, "CAP_SYS_ADMIN");
}

static unsigned long long status_field(const char *key)
{
	_cleanup_free_ char *s = NULL;
	if (hull_read_file("/proc/self/status", &s, NULL, NULL) < 0)
		return ~0ULL;
	char *p = strstr(s, key);
	return p ? strtoull(p + strlen(key), NULL, 16) : ~0ULL;
}

Test(caps, child_keeps_exactly_the_configured_sets_across_setuid)
{
	pid_t pid = fork();
	if (pid == 0) {
		_cleanup_json_ json_t *c =
			J("{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"effective\":[\"CAP_CHOWN\",\"CAP_KILL\"],"
			  "\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"inheritable\":[\"CAP_KILL\"],"
			  "\"ambient\":[\"CAP_KILL\"]}");
		struct hull_caps caps;
		if (hull_caps_parse(c, "t", "caps", &caps, NULL) < 0 || hull_caps_drop_bounding(&caps, NULL) < 0)
			_exit(10);
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(11);
		if (hull_caps_apply(&caps, NULL) < 0)
			_exit(12);
		if (status_field("CapBnd:\t") != 0x21 || status_field("CapEff:\t") != 0x21 ||
		    status_field("CapPrm:\t") != 0x21 || status_field("CapInh:\t") != 0x20 ||
		    status_field("CapAmb:\t") != 0x20)
			_exit(13);
		_exit(0);
	}
	int st = wait_child(pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static const char *mkdir_profile =
	"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","
	"\"SCMP_ARCH_X32\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":["
	"{\"names\":[\"mkdir\",\"mkdirat\",\"no_such_syscall_at_all\"],\"action\":\"SCMP_ACT_ERRNO\"},"
	"{\"names\":[\"fchdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":99,"
	"\"args\":[{\"index\":0,\"value\":1234,\"op\":\"SCMP_CMP_EQ\"}]},"
	"{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]}";

Test(seccomp, errno_action_argument_condition_and_kill)
{
	pid_t pid = fork();
	if (pid == 0) {
		_cleanup_json_ json_t *p = J(mkdir_profile);
		int fd;
		if (hull_seccomp_load(p, &fd, NULL) < 0 || fd != -1)
			_exit(10);
		if (mkdir("/tmp/hull-cg-test-seccomp", 0755) == 0 || errno != EPERM)
			_exit(11);
		if (fchdir(1234) == 0 || errno != 99)
			_exit(12);
		if (fchdir(1235) == 0 || errno != EBADF)
			_exit(13);
		getppid();
		_exit(14);
	}
	int st = wait_child(pid);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x (exit %d)", st, WEXITSTATUS(st));
}

Test(seccomp, bad_profiles_name_the_field)
{
	struct {
		const char *json, *want;
	} cases[] = {
		{ "{\"defaultAction\":\"SCMP_ACT_MAYBE\"}", "linux.seccomp.defaultAction: unknown action" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}",
		  "architectures[0]: unknown architecture" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_BOGUS\"]}", "flags[0]" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"mkdir\"],"
		  "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		  "listenerPath: required" },
		{ "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":"
		  "\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":9,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		  "syscalls[0].args[0]" },
		{ "{\"syscalls\":[]}", "linux.seccomp.defaultAction: required field is missing" },
	};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(cases); i++) {
		_cleanup_json_ json_t *p = J(cases[i].json);
		_cleanup_error_ struct hull_error *err = NULL;
		cr_assert_lt(hull_seccomp_check(p, &err), 0, "case %zu accepted", i);
		cr_assert(strstr(err->msg, cases[i].want), "case %zu: %s", i, err->msg);
	}
}

Test(seccomp, notify_fd_goes_to_the_listener_with_the_state)
{
	char dir[] = "/tmp/hull-cg-test-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	_cleanup_free_ char *sockpath = hull_strdup_printf("%s/listener.sock", dir);
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strcpy(addr.sun_path, sockpath);
	int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_eq(bind(lsock, (struct sockaddr *)&addr, sizeof(addr)), 0);
	cr_assert_eq(listen(lsock, 1), 0);
	_cleanup_free_ char *profile = hull_strdup_printf(
		"{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"%s\",\"listenerMetadata\":\"md\","
		"\"syscalls\":[{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		sockpath);
	int to_child[2];
	cr_assert_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, to_child), 0);
	pid_t pid = fork();
	if (pid == 0) {
		_cleanup_json_ json_t *p = J(profile);
		int fd;
		if (hull_seccomp_load(p, &fd, NULL) < 0 || fd < 0)
			_exit(10);
		/* as the runtime's init does: hand the fd to the parent, then go on */
		if (hull_fd_send(to_child[1], fd, "x", 1, NULL) < 0)
			_exit(11);
		close(fd);
		if (mkdir("/nonexistent-hull/x", 0755) == 0 || errno != EROFS)
			_exit(12);
		_exit(0);
	}
	int nfd;
	char c;
	cr_assert_geq(hull_fd_recv(to_child[0], &nfd, &c, 1, NULL), 0);
	_cleanup_json_ json_t *p = J(profile), *state = J("{\"id\":\"cg-x\",\"status\":\"creating\"}");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_seccomp_send_listener(p, nfd, pid, state, &err), 0, "%s", err ? err->msg : "");
	close(nfd);
	int conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	char buf[4096] = "";
	int agent_fd;
	int n = hull_fd_recv(conn, &agent_fd, buf, sizeof(buf) - 1, NULL);
	cr_assert_gt(n, 0);
	_cleanup_json_ json_t *msg = J(buf);
	cr_assert_str_eq(json_string_value(json_array_get(json_object_get(msg, "fds"), 0)), "seccompFd");
	cr_assert_str_eq(json_string_value(json_object_get(msg, "metadata")), "md");
	cr_assert_eq(json_integer_value(json_object_get(msg, "pid")), pid);
	cr_assert_str_eq(json_string_value(json_object_get(json_object_get(msg, "state"), "id")), "cg-x");
	/* act as the agent: answer the child's mkdir with EROFS */
	struct seccomp_notif req;
	memset(&req, 0, sizeof(req));
	cr_assert_eq(ioctl(agent_fd, SECCOMP_IOCTL_NOTIF_RECV, &req), 0, "NOTIF_RECV: %s", strerror(errno));
	struct seccomp_notif_resp resp = { .id = req.id, .error = -EROFS };
	cr_assert_eq(ioctl(agent_fd, SECCOMP_IOCTL_NOTIF_SEND, &resp), 0);
	int st = wait_child(pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
	unlink(sockpath);
	rmdir(dir);
}

static json_t *hooks_of(const char *kind, const char *hooks_array)
{
	_cleanup_free_ char *text = hull_strdup_printf("{\"%s\":%s}", kind, hooks_array);
	return J(text);
}

Test(hooks, state_on_stdin_args_env)
{
	char dir[] = "/tmp/hull-cg-test-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	_cleanup_free_ char *arr = hull_strdup_printf(
		"[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > %s/state; echo $FOO $0 > %s/env\",\"name0\"],"
		"\"env\":[\"FOO=bar\"]}]",
		dir, dir);
	_cleanup_json_ json_t *hooks = hooks_of("createRuntime", arr), *state = J("{\"id\":\"cg-h\",\"pid\":42}");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_hooks_run(hooks, HULL_HOOK_CREATE_RUNTIME, state, &err), 0, "%s", err ? err->msg : "");
	/* other kinds are not run */
	cr_assert_eq(hull_hooks_run(hooks, HULL_HOOK_POSTSTOP, state, NULL), 0);
	_cleanup_free_ char *s = NULL, *e = NULL;
	_cleanup_free_ char *sp = hull_path_join(dir, "state"), *ep = hull_path_join(dir, "env");
	cr_assert_eq(hull_read_file(sp, &s, NULL, NULL), 0);
	cr_assert_eq(hull_read_file(ep, &e, NULL, NULL), 0);
	cr_assert_str_eq(s, "{\"id\":\"cg-h\",\"pid\":42}");
	cr_assert_str_eq(e, "bar name0\n");
	unlink(sp);
	unlink(ep);
	rmdir(dir);
}

Test(hooks, a_hook_that_never_reads_stdin_is_not_an_error)
{
	/* a state far larger than a socket buffer: writing it must not block
	 * or raise SIGPIPE once the hook has gone */
	_cleanup_json_ json_t *hooks = hooks_of("poststart", "[{\"path\":\"/bin/true\"}]");
	json_t *state = json_object();
	_cleanup_free_ char *big = hull_xmalloc(1 << 20);
	memset(big, 'a', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	json_object_set_new(state, "annotation", json_string(big));
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_hooks_run(hooks, HULL_HOOK_POSTSTART, state, &err), 0, "%s", err ? err->msg : "");
	json_decref(state);
}

Test(hooks, timeout_kills_and_failure_reports_output)
{
	_cleanup_json_ json_t *slow = hooks_of("prestart", "[{\"path\":\"/bin/sleep\",\"args\":[\"sleep\",\"30\"],"
							   "\"timeout\":1}]");
	_cleanup_error_ struct hull_error *err = NULL;
	time_t t0 = time(NULL);
	cr_assert_lt(hull_hooks_run(slow, HULL_HOOK_PRESTART, NULL, &err), 0);
	cr_assert_leq(time(NULL) - t0, 5);
	cr_assert(strstr(err->msg, "error running hook #0 (prestart)") && strstr(err->msg, "timed out after 1s"), "%s", err->msg);
	_cleanup_json_ json_t *bad = hooks_of("poststop", "[{\"path\":\"/bin/true\"},{\"path\":\"/bin/sh\","
							  "\"args\":[\"sh\",\"-c\",\"echo boom >&2; exit 3\"]}]");
	_cleanup_error_ struct hull_error *err2 = NULL;
	cr_assert_lt(hull_hooks_run(bad, HULL_HOOK_POSTSTOP, NULL, &err2), 0);
	cr_assert_str_eq(err2->msg, "error running hook #1 (poststop): `/bin/sh` exited with status 3, output: boom");
	_cleanup_json_ json_t *rel = hooks_of("prestart", "[{\"path\":\"true\"}]");
	_cleanup_error_ struct hull_error *err3 = NULL;
	cr_assert_lt(hull_hooks_check(rel, &err3), 0);
	cr_assert(strstr(err3->msg, "hooks.prestart[0].path: `true` must be an absolute path"), "%s", err3->msg);
}

static void collect_warning(void *data, const char *msg)
{
	char *buf = data;
	strncat(buf, msg, 1023 - strlen(buf));
	strncat(buf, "|", 1023 - strlen(buf));
}

/* config.md#poststart, #poststop: a failing hook is a warning and the
 * remaining hooks still run */
Test(hooks, run_all_warns_and_goes_on_after_a_failure)
{
	char dir[] = "/tmp/hull-hooks-all.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	_cleanup_free_ char *mark = hull_path_join(dir, "mark");
	_cleanup_free_ char *list =
	    hull_strdup_printf("[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"echo one >&2; exit 2\"]},"
			       "{\"path\":\"/bin/false\"},{\"path\":\"/bin/touch\",\"args\":[\"touch\",\"%s\"]}]",
			       mark);
	_cleanup_json_ json_t *hooks = hooks_of("poststart", list);
	char warnings[1024] = "";
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_hooks_run_all(hooks, HULL_HOOK_POSTSTART, NULL, collect_warning, warnings, &err), 0);
	cr_assert_str_eq(warnings, "error running hook #0 (poststart): `/bin/sh` exited with status 2, output: one|"
				   "error running hook #1 (poststart): `/bin/false` exited with status 1|");
	cr_assert_eq(access(mark, F_OK), 0, "the hook after the failures did not run");
	unlink(mark);
	rmdir(dir);
}

Test(seccomp, syscalls_newer_than_the_profile_fail_with_enosys)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* default EPERM; the profile knows a few syscalls */
		_cleanup_json_ json_t *p =
			J("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","
			  "\"SCMP_ARCH_X32\"],\"syscalls\":[{\"names\":[\"exit\",\"exit_group\",\"write\",\"getpid\","
			  "\"rt_sigreturn\",\"getppid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
		int fd;
		if (hull_seccomp_load(p, &fd, NULL) < 0)
			_exit(10);
		/* exit_group itself from here: ASan's _exit() needs syscalls this
		 * profile denies (sigaltstack, mmap) */
		if (getpid() <= 0)
			syscall(SYS_exit_group, 11);
		/* known to the profile (below its highest number), not allowed: EPERM */
		if (syscall(SYS_mkdir, "/tmp/x", 0755) != -1 || errno != EPERM)
			syscall(SYS_exit_group, 12);
		/* above anything the profile names: ENOSYS, so callers fall back */
		if (syscall(1000, 1, 2, 3) != -1 || errno != ENOSYS)
			syscall(SYS_exit_group, 13);
		syscall(SYS_exit_group, 0);
	}
	int st = wait_child(pid);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x (exit %d)", st, WEXITSTATUS(st));
}

/* The profile of the ENOSYS test: default EPERM, a few syscalls allowed. */
#define SMALL_PROFILE                                                                                              \
	"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\","          \
	"\"SCMP_ARCH_X32\"],\"syscalls\":[{\"names\":[\"exit\",\"exit_group\",\"write\",\"getpid\","                 \
	"\"rt_sigreturn\",\"getppid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"

/* Prepare the profile with cache_dir in a child, load it there and check
 * what the container's process would see; 0 when all is as expected. */
static int profile_behaves(const char *cache_dir, const char *profile, int denied_errno)
{
	pid_t pid = fork();
	if (pid == 0) {
		_cleanup_json_ json_t *p = J(profile);
		struct hull_seccomp_prog *prog = NULL;
		if (hull_seccomp_prepare(p, cache_dir, &prog, NULL) < 0 || !prog)
			_exit(10);
		if (hull_seccomp_load_prepared(prog, NULL) < 0)
			_exit(11);
		if (syscall(SYS_mkdir, "/tmp/x", 0755) != -1 || errno != denied_errno)
			_exit(12);
		if (syscall(1000, 1, 2, 3) != -1 || errno != ENOSYS)
			_exit(13);
		_exit(getpid() > 0 ? 0 : 14);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int prepared_behaves(const char *cache_dir)
{
	return profile_behaves(cache_dir, SMALL_PROFILE, EPERM);
}

/* The one file of a fresh cache directory, read whole. */
static char *cache_file(const char *dir, char **path, size_t *len)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	cr_assert_not_null(d);
	struct dirent *e;
	*path = NULL;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			cr_assert_null(*path, "more than one cache file");
			*path = hull_path_join(dir, e->d_name);
		}
	cr_assert_not_null(*path, "no cache file in %s", dir);
	char *data = NULL;
	cr_assert_eq(hull_read_file(*path, &data, len, NULL), 0);
	return data;
}

Test(seccomp, cached_and_uncached_filters_behave_the_same)
{
	char dir[] = "/tmp/hull-scache.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	_cleanup_free_ char *cache = hull_path_join(dir, "cache");
	cr_assert_eq(prepared_behaves(NULL), 0, "no cache");
	cr_assert_eq(prepared_behaves(cache), 0, "first run: compiled and stored");
	_cleanup_free_ char *path = NULL;
	size_t len = 0;
	_cleanup_free_ char *first = cache_file(cache, &path, &len);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	cr_assert_eq(stat(cache, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	cr_assert_eq(prepared_behaves(cache), 0, "second run: from the cache");
	/* the same profile with its keys in another order is the same entry */
	_cleanup_json_ json_t *p = J(SMALL_PROFILE);
	_cleanup_json_ json_t *reordered = json_deep_copy(p);
	json_object_del(reordered, "defaultAction");
	json_object_set(reordered, "defaultAction", json_object_get(p, "defaultAction"));
	_cleanup_(hull_seccomp_prog_freep) struct hull_seccomp_prog *prog = NULL;
	cr_assert_eq(hull_seccomp_prepare(reordered, cache, &prog, NULL), 0);
	_cleanup_free_ char *again_path = NULL;
	size_t again_len = 0;
	_cleanup_free_ char *again = cache_file(cache, &again_path, &again_len);
	cr_assert(again_len == len && !memcmp(first, again, len));
	hull_rm_rf(dir, NULL);
}

Test(seccomp, a_corrupt_cache_file_is_ignored_and_rewritten)
{
	char dir[] = "/tmp/hull-scache.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	_cleanup_free_ char *cache = hull_path_join(dir, "cache");
	cr_assert_eq(prepared_behaves(cache), 0);
	_cleanup_free_ char *path = NULL;
	size_t len = 0;
	_cleanup_free_ char *good = cache_file(cache, &path, &len);
	/* every return of the filter made SECCOMP_RET_ALLOW: if loaded, mkdir
	 * would succeed (a 32-byte header, its instruction count at byte 12,
	 * then the instructions) */
	_cleanup_free_ char *bad = hull_xmalloc(len);
	memcpy(bad, good, len);
	int rets = 0;
	uint32_t n_insns;
	memcpy(&n_insns, bad + 12, 4);
	cr_assert(n_insns > 0 && 32 + (size_t)n_insns * 8 < len);
	for (size_t off = 32; off < 32 + (size_t)n_insns * 8; off += 8)
		if (bad[off] == 0x06 && bad[off + 1] == 0) {
			uint32_t allow = SECCOMP_RET_ALLOW;
			memcpy(bad + off + 4, &allow, 4);
			rets++;
		}
	cr_assert_gt(rets, 0);
	cr_assert_eq(hull_write_file(path, bad, len, NULL), 0);
	cr_assert_eq(prepared_behaves(cache), 0, "the corrupt filter was loaded");
	_cleanup_free_ char *path2 = NULL;
	size_t len2 = 0;
	_cleanup_free_ char *now = cache_file(cache, &path2, &len2);
	cr_assert(len2 == len && !memcmp(now, good, len), "not rewritten");
	/* truncated, and then not ours to trust: group-writable */
	cr_assert_eq(truncate(path, (off_t)len / 2), 0);
	cr_assert_eq(prepared_behaves(cache), 0);
	cr_assert_eq(hull_write_file(path, bad, len, NULL), 0);
	cr_assert_eq(chmod(path, 0600), 0);
	cr_assert_eq(chmod(cache, 0770), 0);
	cr_assert_eq(prepared_behaves(cache), 0, "a filter from a directory others can write was loaded");
	hull_rm_rf(dir, NULL);
}

Test(seccomp, notify_profiles_are_not_prepared_or_cached)
{
	char dir[] = "/tmp/hull-scache.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	_cleanup_free_ char *cache = hull_path_join(dir, "cache");
	_cleanup_json_ json_t *p =
		J("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"/tmp/x.sock\",\"syscalls\":[{\"names\":"
		  "[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}");
	_cleanup_(hull_seccomp_prog_freep) struct hull_seccomp_prog *prog = NULL;
	cr_assert_eq(hull_seccomp_prepare(p, cache, &prog, NULL), 0);
	cr_assert_null(prog);
	cr_assert_neq(access(cache, F_OK), 0, "a cache was made for a notify profile");
	hull_rm_rf(dir, NULL);
}

Test(seccomp, another_profiles_filter_under_our_name_is_not_loaded)
{
	char dir[] = "/tmp/hull-scache.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	_cleanup_free_ char *a_dir = hull_path_join(dir, "a"), *b_dir = hull_path_join(dir, "b");
	/* b: the same profile, refusing with EACCES instead of EPERM */
	_cleanup_json_ json_t *b = J(SMALL_PROFILE);
	json_object_set_new(b, "defaultErrnoRet", json_integer(EACCES));
	_cleanup_free_ char *b_text = json_dumps(b, JSON_COMPACT);
	cr_assert_eq(prepared_behaves(a_dir), 0);
	cr_assert_eq(profile_behaves(b_dir, b_text, EACCES), 0);
	_cleanup_free_ char *a_path = NULL, *b_path = NULL;
	size_t a_len = 0, b_len = 0;
	_cleanup_free_ char *a_file = cache_file(a_dir, &a_path, &a_len);
	_cleanup_free_ char *b_file = cache_file(b_dir, &b_path, &b_len);
	/* a's file (valid in itself: right checksum) where b's cache looks */
	cr_assert_eq(hull_write_file(b_path, a_file, a_len, NULL), 0);
	cr_assert_eq(chmod(b_path, 0600), 0);
	cr_assert_eq(profile_behaves(b_dir, b_text, EACCES), 0, "profile a's filter was loaded for profile b");
	hull_rm_rf(dir, NULL);
}
