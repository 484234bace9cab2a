/* hooks.c - OCI hooks (runtime-spec config.md#posix-platform-hooks): each
 * hook runs with the container state on stdin, its own args and env, and an
 * optional timeout in seconds. Output is kept for the error message, as
 * runc does. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"

#define WHERE "config.json"
#define OUTPUT_MAX 4096

static const char *const kind_names[] = { "prestart",         "createRuntime", "createContainer",
					  "startContainer",   "poststart",     "poststop" };

const char *hull_hook_kind_name(enum hull_hook_kind kind)
{
	return (size_t)kind < HULL_ARRAY_SIZE(kind_names) ? kind_names[kind] : "?";
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct hook {
	const char *path;
	char **args; /* owned */
	char **env;  /* owned */
	long long timeout;
};

static int parse_hook(json_t *h, const char *field, struct hook *out, struct hull_error **err)
{
	json_t *args = NULL, *env = NULL;
	bool has;
	int r;
	*out = (struct hook){ 0 };
	if (!json_is_object(h))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an object", WHERE, field);
	if ((r = hull_json_get_string(h, "path", &out->path, true, WHERE, field, err)) < 0 ||
	    (r = hull_json_get_array(h, "args", &args, false, WHERE, field, err)) < 0 ||
	    (r = hull_json_get_array(h, "env", &env, false, WHERE, field, err)) < 0)
		return r;
	if (!hull_is_absolute(out->path))
		return hull_error_msg(err, EINVAL, "%s: %s.path: `%s` must be an absolute path", WHERE, field,
				      out->path);
	json_t *t = json_object_get(h, "timeout");
	has = t && !json_is_null(t);
	if (has && (!json_is_integer(t) || json_integer_value(t) <= 0))
		return hull_error_msg(err, EINVAL, "%s: %s.timeout: must be a positive number of seconds", WHERE, field);
	out->timeout = has ? json_integer_value(t) : 0;
	if (args && (r = hull_json_strv(args, &out->args, WHERE, field, err)) < 0)
		return r;
	if (env && (r = hull_json_strv(env, &out->env, WHERE, field, err)) < 0) {
		hull_strv_free(out->args);
		return r;
	}
	return 0;
}

static void hook_clear(struct hook *h)
{
	hull_strv_free(h->args);
	hull_strv_free(h->env);
}

/* Feed stdin, collect output, honour the deadline. Returns 0 when the hook
 * exited (status in *wstatus), -ETIMEDOUT when it was killed. */
static int supervise(pid_t pid, int in, int out, const char *state, long long timeout_s, int *wstatus, char *buf,
		     size_t *buf_len)
{
	size_t state_len = strlen(state), sent = 0;
	long long deadline = timeout_s > 0 ? now_ms() + timeout_s * 1000 : -1;
	while (out >= 0 || in >= 0) {
		struct pollfd p[2] = { { .fd = out, .events = POLLIN }, { .fd = in, .events = POLLOUT } };
		int wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && wait <= 0)
			break;
		if (poll(p, 2, wait) < 0 && errno != EINTR)
			break;
		if (p[1].revents) {
			/* a hook that never reads its stdin is fine: EPIPE ends
			 * our writing, nothing else (MSG_NOSIGNAL: no SIGPIPE) */
			ssize_t n = send(in, state + sent, state_len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				sent += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == state_len) {
				close(in);
				in = -1;
			}
		}
		if (p[0].revents) {
			char tmp[1024];
			ssize_t n = read(out, tmp, sizeof(tmp));
			if (n <= 0) {
				close(out);
				out = -1;
				continue;
			}
			size_t keep = (size_t)n < OUTPUT_MAX - 1 - *buf_len ? (size_t)n : OUTPUT_MAX - 1 - *buf_len;
			memcpy(buf + *buf_len, tmp, keep);
			*buf_len += keep;
		}
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	/* output closed: the hook is (nearly) done, unless it passed its fds on
	 * to a child; wait for it within what remains of the timeout */
	for (;;) {
		pid_t w = waitpid(pid, wstatus, deadline < 0 ? 0 : WNOHANG);
		if (w == pid)
			return 0;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (deadline >= 0 && now_ms() >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, wstatus, 0);
			return -ETIMEDOUT;
		}
		if (deadline >= 0) {
			struct timespec ts = { 0, 5000000 };
			nanosleep(&ts, NULL);
		}
	}
}

static int run_one(const struct hook *h, const char *state, const char *what, struct hull_error **err)
{
	int in[2], out[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0)
		return hull_error_set(err, errno, "%s: socketpair", what);
	if (pipe2(out, O_CLOEXEC) < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		return hull_error_set(err, e, "%s: pipe", what);
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[1], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, out[1], 2);
	/* the caller may block signals (signalfd): the hook starts clean */
	posix_spawnattr_t attr;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	char *default_argv[] = { (char *)h->path, NULL }, *empty_env[] = { NULL };
	pid_t pid;
	int r = posix_spawn(&pid, h->path, &fa, &attr, h->args ? h->args : default_argv, h->env ? h->env : empty_env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(in[1]);
	close(out[1]);
	if (r != 0) {
		close(in[0]);
		close(out[0]);
		return hull_error_set(err, r, "%s: run `%s`", what, h->path);
	}
	char output[OUTPUT_MAX] = "";
	size_t len = 0;
	int wstatus = 0;
	r = supervise(pid, in[0], out[0], state, h->timeout, &wstatus, output, &len);
	output[len] = '\0';
	while (len > 0 && output[len - 1] == '\n')
		output[--len] = '\0';
	if (r == -ETIMEDOUT)
		return hull_error_msg(err, ETIMEDOUT, "%s: `%s` timed out after %llds%s%s", what, h->path, h->timeout,
				      len ? ", output: " : "", output);
	if (r < 0)
		return hull_error_set(err, -r, "%s: wait for `%s`", what, h->path);
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
		return 0;
	if (WIFSIGNALED(wstatus)) {
		char sig[64];
		snprintf(sig, sizeof(sig), "%s", strsignal(WTERMSIG(wstatus)));
		sig[0] = (char)tolower((unsigned char)sig[0]);
		return hull_error_msg(err, ECANCELED, "%s: `%s` was killed by signal %d (%s)%s%s", what, h->path,
				      WTERMSIG(wstatus), sig, len ? ", output: " : "", output);
	}
	return hull_error_msg(err, ECANCELED, "%s: `%s` exited with status %d%s%s", what, h->path,
			      WEXITSTATUS(wstatus), len ? ", output: " : "", output);
}

/* Run the hooks of `kind` in order. warn == NULL: the first failure stops
 * them and is the result; else each failure goes to warn() and the rest
 * still run. A malformed hook is an error either way. */
static int run_list(json_t *hooks, enum hull_hook_kind kind, json_t *state, void (*warn)(void *, const char *),
		    void *data, struct hull_error **err)
{
	json_t *list = hooks ? json_object_get(hooks, hull_hook_kind_name(kind)) : NULL, *h;
	size_t i;
	if (!list || json_is_null(list))
		return 0;
	_cleanup_free_ char *text = state ? json_dumps(state, JSON_COMPACT) : hull_xstrdup("{}");
	json_array_foreach(list, i, h)
	{
		_cleanup_free_ char *field = hull_strdup_printf("hooks.%s[%zu]", hull_hook_kind_name(kind), i);
		struct hook one;
		int r = parse_hook(h, field, &one, err);
		if (r < 0)
			return r;
		_cleanup_free_ char *what = hull_strdup_printf("error running hook #%zu (%s)", i, hull_hook_kind_name(kind));
		struct hull_error *hook_err = NULL;
		r = run_one(&one, text, what, warn ? &hook_err : err);
		hook_clear(&one);
		if (r < 0 && !warn)
			return r;
		if (r < 0) {
			warn(data, hook_err && hook_err->msg ? hook_err->msg : what);
			hull_error_free(hook_err);
		}
	}
	return 0;
}

int hull_hooks_run(json_t *hooks, enum hull_hook_kind kind, json_t *state, struct hull_error **err)
{
	return run_list(hooks, kind, state, NULL, NULL, err);
}

int hull_hooks_run_all(json_t *hooks, enum hull_hook_kind kind, json_t *state, void (*warn)(void *, const char *),
		       void *data, struct hull_error **err)
{
	return run_list(hooks, kind, state, warn, data, err);
}

int hull_hooks_check(json_t *hooks, struct hull_error **err)
{
	if (!hooks || json_is_null(hooks))
		return 0;
	if (!json_is_object(hooks))
		return hull_error_msg(err, EINVAL, "%s: hooks: must be an object", WHERE);
	for (size_t k = 0; k < HULL_ARRAY_SIZE(kind_names); k++) {
		json_t *list = json_object_get(hooks, kind_names[k]), *h;
		size_t i;
		if (!list || json_is_null(list))
			continue;
		if (!json_is_array(list))
			return hull_error_msg(err, EINVAL, "%s: hooks.%s: must be an array", WHERE, kind_names[k]);
		json_array_foreach(list, i, h)
		{
			_cleanup_free_ char *field = hull_strdup_printf("hooks.%s[%zu]", kind_names[k], i);
			struct hook one;
			int r = parse_hook(h, field, &one, err);
			if (r < 0)
				return r;
			hook_clear(&one);
		}
	}
	return 0;
}
