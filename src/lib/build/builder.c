/* builder.c - the build: read the Dockerfile and .dockerignore, split the
 * instructions into stages (ARGs before the first FROM are global), keep
 * the stages --target needs (its own, and those its FROM and COPY --from
 * name, transitively), then run each step in order, printing docker's
 * classic progress, and tag the result. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "builder_internal.h"
#include "hull/cleanup.h"
#include "hull/cp.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci_image.h"

#define MAX_DOCKERFILE (4u << 20)
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

void build_say(struct build *b, const char *fmt, ...)
{
	if (!b->o->say)
		return;
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *body = hull_strdup_vprintf(fmt, ap);
	va_end(ap);
	_cleanup_free_ char *line = hull_strdup_printf("%s\n", body);
	b->o->say(b->o->data, line);
}

const char *build_lookup(void *data, const char *name)
{
	struct stage *st = data;
	size_t i, n = strlen(name);
	json_t *e;
	json_array_foreach(json_object_get(st->config, "Env"), i, e)
	{
		const char *s = json_string_value(e);
		if (s && !strncmp(s, name, n) && s[n] == '=')
			return s + n + 1;
	}
	return json_string_value(json_object_get(st->args, name));
}

int build_expand(struct build *b, struct stage *st, const char *word, char **out, struct hull_error **err)
{
	return hull_build_expand(word, b->df->escape, build_lookup, st, out, err);
}

int build_commit(struct build *b, struct stage *st, const char *diff_dir, const char *created_by,
		 struct hull_error **err)
{
	struct hull_image_config ic = {.raw = json_pack("{s:O}", "config", st->config)};
	struct hull_commit_options co = {.parent = st->image_id,
					 .diff_dir = diff_dir,
					 .empty_layer = !diff_dir,
					 .created_by = created_by,
					 .author = st->author,
					 .config = &ic};
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	int r = hull_image_commit(b->store, &co, &img, err);
	json_decref(ic.raw);
	if (r < 0)
		return r;
	free(st->image_id);
	st->image_id = hull_xstrdup(img->id);
	return 0;
}

/* ------------------------------------------------------------- stages -- */

static const char *meta_lookup(void *data, const char *name)
{
	struct build *b = data;
	return json_string_value(json_object_get(b->meta_args, name));
}

/* A global ARG (before the first FROM). */
static int meta_arg(struct build *b, const struct hull_instruction *in, struct hull_error **err)
{
	_cleanup_strv_ char **words = hull_dockerfile_words(in->args, b->df->escape);
	for (size_t i = 0; words[i]; i++) {
		char *eq = strchr(words[i], '=');
		if (eq)
			*eq = '\0';
		json_t *given = json_object_get(b->build_args, words[i]);
		if (given) {
			json_object_set(b->meta_args, words[i], given);
			json_object_set_new(b->used_args, words[i], json_true());
			continue;
		}
		_cleanup_free_ char *v = NULL;
		if (eq && hull_build_expand(eq + 1, b->df->escape, meta_lookup, b, &v, err) < 0)
			return -EINVAL;
		json_object_set_new(b->meta_args, words[i], v ? json_string(v) : json_null());
	}
	return 0;
}

static int split_stages(struct build *b, struct hull_error **err)
{
	struct hull_dockerfile *df = b->df;
	for (size_t i = 0; i < df->n; i++) {
		const struct hull_instruction *in = &df->instrs[i];
		if (!strcmp(in->keyword, "FROM")) {
			b->stages = hull_xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
			struct stage *st = &b->stages[b->n_stages];
			*st = (struct stage){.index = b->n_stages, .first = i, .end = df->n, .args = json_object()};
			if (b->n_stages)
				b->stages[b->n_stages - 1].end = i;
			b->n_stages++;
			_cleanup_strv_ char **w = hull_dockerfile_words(in->args, df->escape);
			size_t n = 0;
			while (w[n])
				n++;
			if (n != 1 && !(n == 3 && !strcasecmp(w[1], "AS")))
				return hull_error_msg(err, EINVAL,
						      "dockerfile line %d: FROM requires either one or three "
						      "arguments",
						      in->line);
			if (n == 3) {
				st->name = hull_xstrdup(w[2]);
				for (char *c = st->name; *c; c++)
					*c = (char)tolower((unsigned char)*c);
				for (size_t k = 0; k + 1 < b->n_stages; k++)
					if (b->stages[k].name && !strcmp(b->stages[k].name, st->name))
						return hull_error_msg(err, EINVAL,
								      "dockerfile line %d: duplicate name %s", in->line,
								      st->name);
			}
			continue;
		}
		if (b->n_stages)
			continue;
		if (strcmp(in->keyword, "ARG"))
			return hull_error_msg(err, EINVAL,
					      "dockerfile line %d: %s: no build stage in current context "
					      "(only ARG may come before the first FROM)",
					      in->line, in->keyword);
		int r = meta_arg(b, in, err);
		if (r < 0)
			return hull_error_wrap(err, r, "dockerfile line %d: %s", in->line, in->text);
	}
	if (!b->n_stages)
		return hull_error_msg(err, EINVAL, "the Dockerfile has no FROM");
	return 0;
}

/* The stage a name (or index) refers to, before `before`; -1 when none. */
long stage_named(struct build *b, const char *name, size_t before)
{
	char *end;
	unsigned long idx = strtoul(name, &end, 10);
	for (size_t i = 0; i < before; i++)
		if ((b->stages[i].name && !strcasecmp(b->stages[i].name, name)) || (!*end && end != name && idx == i))
			return (long)i;
	return -1;
}

/* RUN --mount=...,from=STAGE needs that stage. */
static void mount_from_needed(struct build *b, const char *spec, size_t s)
{
	_cleanup_free_ char *copy = hull_xstrdup(spec);
	char *save = NULL;
	long dep;
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save))
		if (!strncmp(kv, "from=", 5) && (dep = stage_named(b, kv + 5, s)) >= 0)
			b->stages[dep].needed = true;
}

static char *from_image_word(struct build *b, const struct hull_instruction *in)
{
	_cleanup_strv_ char **w = hull_dockerfile_words(in->args, b->df->escape);
	char *v = NULL;
	if (hull_build_expand(w[0], b->df->escape, meta_lookup, b, &v, NULL) < 0)
		v = hull_xstrdup(w[0]);
	return v;
}

/* Mark the stages target needs; returns the target's index. */
static int mark_needed(struct build *b, size_t *target, struct hull_error **err)
{
	*target = b->n_stages - 1;
	if (b->o->target) {
		long t = -1;
		for (size_t i = 0; i < b->n_stages; i++)
			if (b->stages[i].name && !strcasecmp(b->stages[i].name, b->o->target))
				t = (long)i;
		if (t < 0)
			return hull_error_msg(err, EINVAL, "failed to reach build target %s in Dockerfile",
					      b->o->target);
		*target = (size_t)t;
	}
	b->stages[*target].needed = true;
	for (size_t s = *target + 1; s-- > 0;) {
		struct stage *st = &b->stages[s];
		if (!st->needed)
			continue;
		_cleanup_free_ char *base = from_image_word(b, &b->df->instrs[st->first]);
		long dep = stage_named(b, base, s);
		if (dep >= 0)
			b->stages[dep].needed = true;
		for (size_t i = st->first + 1; i < st->end; i++)
			for (char **f = b->df->instrs[i].flags; *f; f++)
				if (!strncmp(*f, "--from=", 7) && (dep = stage_named(b, *f + 7, s)) >= 0)
					b->stages[dep].needed = true;
				else if (!strncmp(*f, "--mount=", 8))
					mount_from_needed(b, *f + 8, s);
	}
	return 0;
}

/* ---------------------------------------------------------------- steps -- */

static int dispatch(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err);

/* FROM: the stage's base: scratch, an earlier stage, or an image (pulled
 * when missing), then the base's ONBUILD triggers. */
static int do_from(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	_cleanup_free_ char *base = from_image_word(b, in);
	for (char **f = in->flags; *f; f++)
		if (strncmp(*f, "--platform=", 11))
			return hull_error_msg(err, EINVAL, "Unknown flag: %s", *f + 2);
	long dep = stage_named(b, base, st->index);
	if (dep >= 0) {
		st->image_id = b->stages[dep].image_id ? hull_xstrdup(b->stages[dep].image_id) : NULL;
		st->config = json_deep_copy(b->stages[dep].config);
	} else if (!strcasecmp(base, "scratch")) {
		st->config = json_pack("{s:[s]}", "Env", DEFAULT_PATH);
		return 0;
	} else {
		_cleanup_(hull_image_freep) struct hull_image *img = NULL;
		struct hull_error *miss = NULL;
		if (hull_image_get(b->store, base, &img, &miss) < 0) {
			hull_error_free(miss);
			struct hull_registry_options ro = {.quiet = true};
			int r = hull_image_pull(b->store, base, &ro, &img, err);
			if (r < 0)
				return hull_error_wrap(err, r, "pull access to `%s` failed (not in the local store)",
						       base);
		}
		st->image_id = hull_xstrdup(img->id);
		json_t *c = json_object_get(img->config->raw, "config");
		st->config = json_is_object(c) ? json_deep_copy(c) : json_object();
	}
	if (st->image_id)
		build_say(b, " ---> %.12s", hull_digest_hex(st->image_id));
	json_t *triggers = json_incref(json_object_get(st->config, "OnBuild"));
	if (!json_array_size(triggers)) {
		json_decref(triggers);
		return 0;
	}
	json_object_del(st->config, "OnBuild"); /* triggers do not pass to the next image */
	build_say(b, "# Executing %zu build trigger%s", json_array_size(triggers),
		  json_array_size(triggers) > 1 ? "s" : "");
	size_t i;
	json_t *t;
	int r = 0;
	json_array_foreach(triggers, i, t)
	{
		const char *text = json_string_value(t);
		_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df = NULL;
		if (!text || (r = hull_dockerfile_parse(text, strlen(text), &df, err)) < 0 ||
		    (r = dispatch(b, st, &df->instrs[0], err)) < 0) {
			r = hull_error_wrap(err, r ? r : -EINVAL, "ONBUILD trigger `%s`", text ? text : "");
			break;
		}
	}
	json_decref(triggers);
	return r;
}

static int dispatch(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	const char *k = in->keyword;
	if (!strcmp(k, "RUN"))
		return step_run(b, st, in, err);
	if (!strcmp(k, "COPY") || !strcmp(k, "ADD"))
		return step_copy(b, st, in, !strcmp(k, "ADD"), err);
	if (!strcmp(k, "WORKDIR"))
		return step_workdir(b, st, in, err);
	if (!strcmp(k, "FROM"))
		return hull_error_msg(err, EINVAL, "FROM is not allowed here");
	return dispatch_config(b, st, in, err);
}

static int run_stage(struct build *b, struct stage *st, struct hull_error **err)
{
	for (size_t i = st->first; i < st->end; i++) {
		const struct hull_instruction *in = &b->df->instrs[i];
		if (b->o->interrupted && *b->o->interrupted)
			return hull_error_msg(err, EINTR, "interrupted");
		build_say(b, "Step %d/%d : %s", ++b->step, b->steps, in->text);
		int r = i == st->first ? do_from(b, st, in, err) : dispatch(b, st, in, err);
		if (r == -ECHILD)
			return r; /* a failed RUN: docker's message alone */
		if (r < 0)
			return hull_error_wrap(err, r, "dockerfile line %d: %s", in->line, in->text);
	}
	return 0;
}

/* --label K=V: one LABEL step at the end, as docker's builder adds it. */
static int label_step(struct build *b, struct stage *st, struct hull_error **err)
{
	_cleanup_free_ char *text = hull_xstrdup("LABEL");
	for (char **l = b->o->labels; *l; l++) {
		const char *eq = strchr(*l, '=');
		_cleanup_free_ char *k = eq ? strndup(*l, (size_t)(eq - *l)) : hull_xstrdup(*l);
		const char *v = eq ? eq + 1 : "";
		char *q = hull_xstrdup("'");
		for (const char *p = v; *p; p++) {
			char *t = *p == '\'' ? hull_strdup_printf("%s'%c''", q, b->df->escape)
					     : hull_strdup_printf("%s%c", q, *p);
			free(q);
			q = t;
		}
		char *t = hull_strdup_printf("%s \"%s\"=%s'", text, k, q);
		free(q);
		free(text);
		text = t;
	}
	_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df = NULL;
	int r = hull_dockerfile_parse(text, strlen(text), &df, err);
	if (r < 0)
		return hull_error_wrap(err, r, "--label");
	build_say(b, "Step %d/%d : %s", ++b->step, b->steps, text);
	return dispatch_config(b, st, &df->instrs[0], err);
}

static void warn_unused(struct build *b)
{
	_cleanup_free_ char *list = NULL;
	const char *k;
	json_t *v;
	json_object_foreach(b->build_args, k, v)
	{
		if (json_object_get(b->used_args, k))
			continue;
		char *t = hull_strdup_printf("%s%s%s", list ? list : "", list ? " " : "", k);
		free(list);
		list = t;
	}
	if (list)
		build_say(b, "[Warning] One or more build-args [%s] were not consumed", list);
}

/* ---------------------------------------------------------------- setup -- */

static int read_inputs(struct build *b, struct hull_error **err)
{
	const struct hull_build_options *o = b->o;
	b->context_fd = open(o->context, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b->context_fd < 0)
		return hull_error_set(err, errno, "unable to prepare context: path `%s`", o->context);
	_cleanup_free_ char *def = hull_path_join(o->context, "Dockerfile");
	_cleanup_free_ char *lower = hull_path_join(o->context, "dockerfile");
	if (access(def, F_OK) < 0 && access(lower, F_OK) == 0) {
		free(def); /* docker's CLI falls back to the lower-case name */
		def = steal_ptr(lower);
	}
	const char *path = o->dockerfile ? o->dockerfile : def;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = hull_read_file_max(path, MAX_DOCKERFILE, &text, &len, err);
	if (r < 0)
		return hull_error_wrap(err, r, "read the Dockerfile");
	if ((r = hull_dockerfile_parse(text, len, &b->df, err)) < 0)
		return r;
	for (char **n = b->df->notes; *n; n++)
		build_say(b, "NOTE: %s", *n);
	_cleanup_free_ char *ig = NULL;
	size_t iglen = 0;
	_cleanup_free_ char *igpath = hull_path_join(o->context, ".dockerignore");
	if (access(igpath, F_OK) == 0 && (r = hull_read_file_max(igpath, MAX_DOCKERFILE, &ig, &iglen, err)) < 0)
		return r;
	if ((r = hull_ignore_parse(ig, iglen, &b->ignore, err)) < 0)
		return r;
	for (char **a = o->build_args; a && *a; a++) {
		const char *eq = strchr(*a, '=');
		_cleanup_free_ char *k = eq ? strndup(*a, (size_t)(eq - *a)) : hull_xstrdup(*a);
		const char *v = eq ? eq + 1 : getenv(k);
		if (v)
			json_object_set_new(b->build_args, k, json_string(v));
	}
	return 0;
}

static void build_clear(struct build *b)
{
	for (size_t i = 0; i < b->n_stages; i++) {
		free(b->stages[i].name);
		free(b->stages[i].author);
		free(b->stages[i].image_id);
		json_decref(b->stages[i].config);
		json_decref(b->stages[i].args);
	}
	free(b->stages);
	hull_dockerfile_free(b->df);
	hull_ignore_free(b->ignore);
	json_decref(b->meta_args);
	json_decref(b->build_args);
	json_decref(b->used_args);
	free(b->cache_dir);
	if (b->context_fd >= 0)
		close(b->context_fd);
}

static int tag_all(struct build *b, const char *id, struct hull_error **err)
{
	build_say(b, "Successfully built %.12s", hull_digest_hex(id));
	for (char **t = b->o->tags; t && *t; t++) {
		int r = hull_image_tag(b->store, id, *t, err);
		if (r < 0)
			return r;
		_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
		_cleanup_free_ char *full = NULL, *fam = NULL;
		if (hull_reference_parse(*t, &ref, NULL) == 0 && (full = hull_reference_string(ref)))
			fam = hull_reference_familiar(full);
		build_say(b, "Successfully tagged %s", fam ? fam : *t);
	}
	return 0;
}

int hull_build(struct hull_ctx *ctx, struct hull_image_store *store, const struct hull_build_options *o,
	       char **image_id, struct hull_error **err)
{
	*image_id = NULL;
	struct build b = {.ctx = ctx,
			  .store = store,
			  .o = o,
			  .context_fd = -1,
			  .meta_args = json_object(),
			  .build_args = json_object(),
			  .used_args = json_object(),
			  .cache_dir = hull_path_join(ctx->data_root, "build-cache")};
	size_t target = 0;
	int r = read_inputs(&b, err);
	if (r == 0)
		r = split_stages(&b, err);
	if (r == 0)
		r = mark_needed(&b, &target, err);
	for (size_t s = 0; r == 0 && s <= target; s++)
		if (b.stages[s].needed)
			b.steps += (int)(b.stages[s].end - b.stages[s].first);
	if (o->labels && *o->labels)
		b.steps++;
	for (size_t s = 0; r == 0 && s <= target; s++)
		if (b.stages[s].needed)
			r = run_stage(&b, &b.stages[s], err);
	if (r == 0 && o->labels && *o->labels)
		r = label_step(&b, &b.stages[target], err);
	if (r == 0 && !b.stages[target].image_id)
		r = hull_error_msg(err, EINVAL, "No image was generated. Is your Dockerfile empty?");
	if (r == 0) {
		warn_unused(&b);
		r = build_scan(&b, b.stages[target].image_id, err);
	}
	if (r == 0) {
		r = tag_all(&b, b.stages[target].image_id, err);
	}
	if (r == 0)
		*image_id = hull_xstrdup(b.stages[target].image_id);
	build_clear(&b);
	return r;
}

int hull_build_extract_context(struct hull_ctx *ctx, int fd, char **dir, struct hull_error **err)
{
	_cleanup_free_ char *tmp = hull_path_join(ctx->data_root, "build-tmp");
	hull_mkdir_p(tmp, 0700, NULL);
	_cleanup_free_ char *d = hull_strdup_printf("%s/context.XXXXXX", tmp);
	if (!mkdtemp(d))
		return hull_error_set(err, errno, "mkdtemp `%s`", d);
	_cleanup_close_ int root = open(d, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = root < 0 ? hull_error_set(err, errno, "open `%s`", d) : hull_engine_tar_into(root, "/", fd, true, err);
	if (r < 0) {
		hull_rm_rf(d, NULL);
		return hull_error_wrap(err, r, "read the build context from stdin");
	}
	*dir = steal_ptr(d);
	return 0;
}
