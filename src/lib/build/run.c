/* run.c - RUN: the command runs in a container of the engine (overlay
 * over the step's parent image, docker's secure defaults, the network the
 * build was given) with the image's Env, WorkingDir and User plus the
 * build args in scope, its Entrypoint cleared, as docker's builder does.
 * Its overlay upper directory becomes the step's layer; the container is
 * removed whatever happens. A command that fails stops the build with
 * docker's "The command '...' returned a non-zero code: N". */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "builder_internal.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/run_options.h"

static char *join(char *const *v, const char *sep)
{
	char *s = hull_xstrdup("");
	for (size_t i = 0; v && v[i]; i++) {
		char *t = hull_strdup_printf("%s%s%s", s, i ? sep : "", v[i]);
		free(s);
		s = t;
	}
	return s;
}

static bool env_has(json_t *config, const char *name)
{
	size_t i, n = strlen(name);
	json_t *e;
	json_array_foreach(json_object_get(config, "Env"), i, e)
	{
		const char *s = json_string_value(e);
		if (s && !strncmp(s, name, n) && s[n] == '=')
			return true;
	}
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The build args a RUN sees: declared, with a value, not shadowed by ENV;
 * sorted "K=V" (docker's "|N K=V ..." prefix of created_by). */
static char **run_args(struct stage *st)
{
	char **v = hull_xcalloc(json_object_size(st->args) + 1, sizeof(char *));
	size_t n = 0;
	const char *k;
	json_t *val;
	json_object_foreach(st->args, k, val)
	{
		if (json_is_string(val) && !env_has(st->config, k))
			v[n++] = hull_strdup_printf("%s=%s", k, json_string_value(val));
	}
	qsort(v, n, sizeof(char *), by_name);
	return v;
}

/* The command: the exec form as is, else the shell form under SHELL; a
 * RUN that is only a heredoc runs its body as the script. */
static char **run_argv(struct stage *st, const struct hull_instruction *in)
{
	if (in->json) {
		char **v = NULL;
		json_t *a = json_array();
		for (size_t i = 0; in->argv[i]; i++)
			json_array_append_new(a, json_string(in->argv[i]));
		hull_json_strv(a, &v, "RUN", "argv", NULL);
		json_decref(a);
		return v;
	}
	_cleanup_free_ char *script = NULL;
	if (in->n_heredocs == 1 && in->args[0] == '<' && !strchr(in->args + 2, ' '))
		script = hull_xstrdup(in->heredocs[0].body);
	else {
		script = hull_xstrdup(in->args);
		for (size_t h = 0; h < in->n_heredocs; h++) {
			char *t = hull_strdup_printf("%s\n%s%s", script, in->heredocs[h].body, in->heredocs[h].name);
			free(script);
			script = t;
		}
	}
	char **sh = build_shell(st);
	size_t n = 0;
	while (sh[n])
		n++;
	sh = hull_xrealloc(sh, (n + 2) * sizeof(char *));
	sh[n] = steal_ptr(script);
	sh[n + 1] = NULL;
	return sh;
}

/* Start c attached and wait for its exit code; a signal to us kills it. */
static int run_attached(struct build *b, struct hull_container *c, int *code, struct hull_error **err)
{
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct hull_attach a = {.attach = true, .fds = {devnull, 1, 2}};
	if (b->o->quiet)
		a.fds[1] = a.fds[2] = devnull;
	pid_t monitor = 0;
	int exit_fd = -1;
	int r = hull_engine_start(b->ctx, c, &a, &monitor, &exit_fd, err);
	if (r < 0)
		return r;
	bool interrupted = false;
	while ((r = hull_engine_exit_code(exit_fd, code)) == -EINTR) {
		interrupted = true;
		hull_engine_kill(b->ctx, c, SIGKILL, NULL);
	}
	int status;
	while (waitpid(monitor, &status, 0) < 0 && errno == EINTR)
		;
	if (interrupted)
		return hull_error_msg(err, EINTR, "interrupted");
	if (r < 0)
		return hull_error_msg(err, EIO, "the container's monitor died");
	return 0;
}

int step_run(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	if (!st->image_id)
		return hull_error_msg(err, ENOENT, "RUN needs an image with a shell: this stage is FROM scratch");
	_cleanup_strv_ char **argv = run_argv(st, in);
	_cleanup_strv_ char **args = run_args(st);
	_cleanup_free_ char *cmd = join(argv, " ");
	_cleanup_free_ char *prefix = NULL;
	size_t nargs = 0;
	while (args[nargs])
		nargs++;
	if (nargs) {
		_cleanup_free_ char *kv = join(args, " ");
		prefix = hull_strdup_printf("|%zu %s ", nargs, kv);
	}
	_cleanup_free_ char *created_by = hull_strdup_printf("%s%s", prefix ? prefix : "", cmd);
	_cleanup_(run_mounts_release) struct run_mounts mounts = {0};
	int r = run_mounts_setup(b, st, in, &mounts, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *extra = hull_strdup_printf("%s\n%s", b->o->network ? b->o->network : "", mounts.key);
	char key[65];
	cache_key(st->image_id, created_by, extra, key);
	if (cache_try(b, st, key))
		return 0;
	struct hull_run_options o;
	hull_run_options_init(&o);
	o.image = st->image_id;
	o.cmd = argv;
	o.entrypoint = "";
	o.env = args;
	o.network = b->o->network;
	o.no_healthcheck = true;
	o.log_driver = "none";
	o.pull = "never";
	o.mounts = mounts.specs;
	_cleanup_container_ struct hull_container *c = hull_engine_create(b->ctx, b->store, &o, NULL, NULL, err);
	if (!c)
		return -EIO;
	build_say(b, " ---> Running in %.12s", c->id);
	int code = 0;
	r = run_attached(b, c, &code, err);
	if (r == 0 && code != 0)
		r = hull_error_msg(err, ECHILD, "The command '%s' returned a non-zero code: %d", cmd, code);
	if (r == 0) {
		json_t *g = json_object_get(json_object_get(c->record, "GraphDriver"), "Data");
		const char *upper = json_string_value(json_object_get(g, "UpperDir"));
		if (!upper)
			r = hull_error_msg(err, EINVAL, "container %.12s has no upper directory", c->id);
		else if (mounts.n)
			r = run_mounts_clean_upper(b, st->image_id, &mounts, upper, err);
		if (r == 0)
			r = build_commit(b, st, upper, created_by, err);
	}
	if (r == 0)
		build_say(b, "Removing intermediate container %.12s", c->id);
	build_container_remove(b, c);
	if (r < 0)
		return r;
	build_say(b, " ---> %.12s", hull_digest_hex(st->image_id));
	cache_put(b, key, st->image_id);
	return 0;
}
