/* dispatch.c - the instructions that change only the image config (ENV,
 * LABEL, ARG, CMD, ENTRYPOINT, EXPOSE, VOLUME, USER, STOPSIGNAL, SHELL,
 * HEALTHCHECK, ONBUILD, MAINTAINER): each sets its config field as docker's
 * builder does and commits an empty_layer step whose history created_by is
 * docker's: "/bin/sh -c #(nop)  ENV A=b". */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builder_internal.h"
#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/timefmt.h"

char **build_shell(struct stage *st)
{
	json_t *sh = json_object_get(st->config, "Shell");
	if (!json_is_array(sh) || !json_array_size(sh)) {
		char **v = hull_xcalloc(3, sizeof(char *));
		v[0] = hull_xstrdup("/bin/sh");
		v[1] = hull_xstrdup("-c");
		return v;
	}
	char **v = NULL;
	hull_json_strv(sh, &v, "config", "Shell", NULL);
	return v;
}

static void add_quoted(char **buf, const char *s)
{
	char *old = *buf;
	size_t n = strlen(old);
	char *out = hull_xmalloc(n + strlen(s) * 4 + 3);
	memcpy(out, old, n);
	out[n++] = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			out[n++] = '\\';
		if (*s == '\n') {
			out[n++] = '\\';
			out[n++] = 'n';
			continue;
		}
		out[n++] = *s;
	}
	out[n++] = '"';
	out[n] = '\0';
	free(old);
	*buf = out;
}

char *go_quote_list(char *const *v)
{
	char *buf = hull_xstrdup("[");
	for (size_t i = 0; v && v[i]; i++) {
		if (i) {
			char *t = hull_strdup_printf("%s ", buf);
			free(buf);
			buf = t;
		}
		add_quoted(&buf, v[i]);
	}
	char *t = hull_strdup_printf("%s]", buf);
	free(buf);
	return t;
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* "/bin/sh -c #(nop)  what" with the stage's shell. */
static char *nop(struct stage *st, const char *what)
{
	_cleanup_strv_ char **sh = build_shell(st);
	char *s = hull_xstrdup("");
	for (size_t i = 0; sh[i]; i++) {
		char *t = hull_strdup_printf("%s%s ", s, sh[i]);
		free(s);
		s = t;
	}
	char *t = hull_strdup_printf("%s#(nop)  %s", s, what);
	free(s);
	return t;
}

/* Commit the config step (or take it from the cache). */
static int config_step(struct build *b, struct stage *st, const char *what, struct hull_error **err)
{
	_cleanup_free_ char *created_by = nop(st, what);
	_cleanup_free_ char *conf = json_dumps(st->config, JSON_COMPACT | JSON_SORT_KEYS);
	char key[65];
	cache_key(st->image_id ? st->image_id : "scratch", created_by, conf, key);
	if (cache_try(b, st, key))
		return 0;
	int r = build_commit(b, st, NULL, created_by, err);
	if (r < 0)
		return r;
	build_say(b, " ---> %.12s", hull_digest_hex(st->image_id));
	cache_put(b, key, st->image_id);
	return 0;
}

static void env_set(json_t *config, const char *k, const char *v)
{
	json_t *env = json_object_get(config, "Env");
	if (!json_is_array(env)) {
		env = json_array();
		json_object_set_new(config, "Env", env);
	}
	size_t kl = strlen(k), i;
	json_t *e;
	_cleanup_free_ char *kv = hull_strdup_printf("%s=%s", k, v);
	json_array_foreach(env, i, e)
	{
		const char *s = json_string_value(e);
		if (s && !strncmp(s, k, kl) && s[kl] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

/* name=value pairs of ENV/LABEL (or the old "ENV name value" form),
 * expanded; *pairs is a json array of [k, v]. */
static int pairs(struct build *b, struct stage *st, const struct hull_instruction *in, json_t **out,
		 struct hull_error **err)
{
	_cleanup_json_ json_t *list = json_array();
	_cleanup_strv_ char **words = hull_dockerfile_words(in->args, b->df->escape);
	if (words[0] && !strchr(words[0], '=')) {
		if (!words[1])
			return hull_error_msg(err, EINVAL, "%s must have two arguments", in->keyword);
		const char *rest = in->args + strlen(words[0]);
		rest += strspn(rest, " \t");
		_cleanup_free_ char *k = NULL, *v = NULL;
		int r = build_expand(b, st, words[0], &k, err);
		if (r == 0)
			r = build_expand(b, st, rest, &v, err);
		if (r < 0)
			return r;
		json_array_append_new(list, json_pack("[s,s]", k, v));
		*out = steal_ptr(list);
		return 0;
	}
	for (size_t i = 0; words[i]; i++) {
		char *eq = strchr(words[i], '=');
		if (!eq)
			return hull_error_msg(err, EINVAL,
					      "Syntax error - can't find = in \"%s\". Must be of the form: "
					      "name=value",
					      words[i]);
		*eq = '\0';
		if (!*words[i])
			return hull_error_msg(err, EINVAL, "%s names can not be blank", in->keyword);
		_cleanup_free_ char *k = NULL, *v = NULL;
		int r = build_expand(b, st, words[i], &k, err);
		if (r == 0)
			r = build_expand(b, st, eq + 1, &v, err);
		if (r < 0)
			return r;
		json_array_append_new(list, json_pack("[s,s]", k, v));
	}
	*out = steal_ptr(list);
	return 0;
}

static int do_env_label(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	_cleanup_json_ json_t *list = NULL;
	int r = pairs(b, st, in, &list, err);
	if (r < 0)
		return r;
	bool env = !strcmp(in->keyword, "ENV");
	_cleanup_free_ char *what = hull_xstrdup(in->keyword);
	size_t i;
	json_t *kv;
	json_array_foreach(list, i, kv)
	{
		const char *k = json_string_value(json_array_get(kv, 0)), *v = json_string_value(json_array_get(kv, 1));
		if (env)
			env_set(st->config, k, v);
		else {
			json_t *labels = json_object_get(st->config, "Labels");
			if (!json_is_object(labels)) {
				labels = json_object();
				json_object_set_new(st->config, "Labels", labels);
			}
			json_object_set_new(labels, k, json_string(v));
		}
		char *t = hull_strdup_printf(env ? "%s %s=%s" : "%s %s=%s", what, k, v);
		free(what);
		what = t;
	}
	return config_step(b, st, what, err);
}

static int do_arg(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	_cleanup_strv_ char **words = hull_dockerfile_words(in->args, b->df->escape);
	_cleanup_free_ char *what = hull_xstrdup("ARG");
	for (size_t i = 0; words[i]; i++) {
		char *eq = strchr(words[i], '=');
		if (eq)
			*eq = '\0';
		_cleanup_free_ char *def = NULL;
		if (eq && build_expand(b, st, eq + 1, &def, err) < 0)
			return -EINVAL;
		const char *name = words[i];
		json_t *given = json_object_get(b->build_args, name);
		json_t *meta = json_object_get(b->meta_args, name);
		json_t *value = given			      ? given
				: def			      ? json_string(def)
				: meta && !json_is_null(meta) ? meta
							      : json_null();
		json_object_set(st->args, name, value);
		if (def && !given)
			json_decref(value);
		json_object_set_new(b->used_args, name, json_true());
		char *t =
		    def ? hull_strdup_printf("%s %s=%s", what, name, def) : hull_strdup_printf("%s %s", what, name);
		free(what);
		what = t;
	}
	return config_step(b, st, what, err);
}

/* CMD / ENTRYPOINT: the exec form as is, the shell form under SHELL. */
static int do_command(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	json_t *value;
	if (in->json)
		value = strv_json(in->argv);
	else {
		_cleanup_strv_ char **sh = build_shell(st);
		value = strv_json(sh);
		json_array_append_new(value, json_string(in->args));
	}
	bool entry = !strcmp(in->keyword, "ENTRYPOINT");
	json_object_set_new(st->config, entry ? "Entrypoint" : "Cmd", value);
	if (entry && !st->cmd_set)
		json_object_del(st->config, "Cmd"); /* docker: ENTRYPOINT resets an inherited CMD */
	if (!entry)
		st->cmd_set = true;
	char **list = NULL;
	hull_json_strv(value, &list, "config", in->keyword, NULL);
	_cleanup_free_ char *q = go_quote_list(list);
	hull_strv_free(list);
	_cleanup_free_ char *what = hull_strdup_printf("%s %s", in->keyword, q);
	return config_step(b, st, what, err);
}

/* docker's nat.ParsePortSpec, for EXPOSE: PORT[-PORT][/PROTO]. */
static int add_ports(json_t *exposed, const char *spec, struct hull_error **err)
{
	_cleanup_free_ char *copy = hull_xstrdup(spec);
	const char *proto = NULL;
	char *slash = strchr(copy, '/');
	if (slash) {
		*slash = '\0';
		proto = slash + 1;
		for (char *c = slash + 1; *c; c++)
			*c = (char)tolower((unsigned char)*c);
	}
	if (!proto || !*proto)
		proto = "tcp";
	if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp"))
		return hull_error_msg(err, EINVAL, "invalid proto: %s", proto);
	char *dash = strchr(copy, '-'), *end;
	unsigned long lo = strtoul(copy, &end, 10);
	unsigned long hi = lo;
	if (end == copy || (dash ? end != dash : *end) || lo > 65535)
		return hull_error_msg(err, EINVAL, "invalid containerPort: %s", copy);
	if (dash) {
		hi = strtoul(dash + 1, &end, 10);
		if (end == dash + 1 || *end || hi < lo || hi > 65535)
			return hull_error_msg(err, EINVAL, "invalid range specified for the containerPort: %s", copy);
	}
	for (unsigned long p = lo; p <= hi; p++) {
		_cleanup_free_ char *k = hull_strdup_printf("%lu/%s", p, proto);
		json_object_set_new(exposed, k, json_object());
	}
	return 0;
}

static int do_expose(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	_cleanup_strv_ char **ports = NULL;
	int r = hull_build_expand_words(in->args, b->df->escape, build_lookup, st, &ports, err);
	if (r < 0)
		return r;
	json_t *exposed = json_object_get(st->config, "ExposedPorts");
	if (!json_is_object(exposed)) {
		exposed = json_object();
		json_object_set_new(st->config, "ExposedPorts", exposed);
	}
	_cleanup_free_ char *what = hull_xstrdup("EXPOSE");
	for (size_t i = 0; ports[i]; i++) {
		if ((r = add_ports(exposed, ports[i], err)) < 0)
			return r;
		char *t = hull_strdup_printf("%s %s", what, ports[i]);
		free(what);
		what = t;
	}
	return config_step(b, st, what, err);
}

static int do_volume(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	_cleanup_strv_ char **raw = NULL;
	if (in->json) {
		json_t *a = strv_json(in->argv);
		hull_json_strv(a, &raw, "VOLUME", "paths", NULL);
		json_decref(a);
	} else
		raw = hull_dockerfile_words(in->args, '\0');
	json_t *vols = json_object_get(st->config, "Volumes");
	if (!json_is_object(vols)) {
		vols = json_object();
		json_object_set_new(st->config, "Volumes", vols);
	}
	_cleanup_strv_ char **done = hull_xcalloc(1, sizeof(char *));
	size_t n = 0;
	for (size_t i = 0; raw && raw[i]; i++) {
		char *v = NULL;
		int r = build_expand(b, st, raw[i], &v, err);
		if (r < 0)
			return r;
		if (!*v) {
			free(v);
			return hull_error_msg(err, EINVAL, "VOLUME specified can not be an empty string");
		}
		json_object_set_new(vols, v, json_object());
		done = hull_xrealloc(done, (n + 2) * sizeof(char *));
		done[n++] = v;
		done[n] = NULL;
	}
	_cleanup_free_ char *joined = hull_xstrdup("");
	for (size_t i = 0; done[i]; i++) {
		char *t = hull_strdup_printf("%s%s%s", joined, i ? " " : "", done[i]);
		free(joined);
		joined = t;
	}
	_cleanup_free_ char *what = hull_strdup_printf("VOLUME [%s]", joined);
	return config_step(b, st, what, err);
}

/* USER, STOPSIGNAL: one expanded word into a config string. */
static int do_word(struct build *b, struct stage *st, const struct hull_instruction *in, const char *field,
		   struct hull_error **err)
{
	_cleanup_free_ char *v = NULL;
	int r = build_expand(b, st, in->args, &v, err);
	if (r < 0)
		return r;
	if (!*v)
		return hull_error_msg(err, EINVAL, "%s requires a non-empty argument", in->keyword);
	json_object_set_new(st->config, field, json_string(v));
	_cleanup_free_ char *what = hull_strdup_printf("%s %s", in->keyword, v);
	return config_step(b, st, what, err);
}

static int do_shell(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	if (!in->argv[0])
		return hull_error_msg(err, EINVAL, "SHELL requires at least one argument");
	json_object_set_new(st->config, "Shell", strv_json(in->argv));
	_cleanup_free_ char *joined = hull_xstrdup("");
	for (size_t i = 0; in->argv[i]; i++) {
		char *t = hull_strdup_printf("%s%s%s", joined, i ? " " : "", in->argv[i]);
		free(joined);
		joined = t;
	}
	_cleanup_free_ char *what = hull_strdup_printf("SHELL [%s]", joined);
	return config_step(b, st, what, err);
}

/* Go's time.Duration String() for whole milliseconds and up. */
static void go_duration(long long ns, char *buf, size_t size)
{
	long long ms = ns / 1000000, s = ms / 1000, m = s / 60, h = m / 60;
	if (ns == 0)
		snprintf(buf, size, "0s");
	else if (ms < 1000)
		snprintf(buf, size, "%lldms", ms);
	else if (h)
		snprintf(buf, size, "%lldh%lldm%llds", h, m % 60, s % 60);
	else if (m)
		snprintf(buf, size, "%lldm%llds", m, s % 60);
	else
		snprintf(buf, size, "%llds", s);
}

static int do_healthcheck(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	(void)b;
	if (!strcasecmp(in->args, "NONE")) {
		json_object_set_new(st->config, "Healthcheck", json_pack("{s:[s]}", "Test", "NONE"));
		return config_step(b, st, "HEALTHCHECK &{[\"NONE\"] \"0s\" \"0s\" \"0s\" '\\x00'}", err);
	}
	long long dur[3] = {0, 0, 0}, retries = 0;
	static const char *const names[] = {"--interval=", "--timeout=", "--start-period="};
	for (size_t f = 0; in->flags[f]; f++) {
		bool ok = false;
		for (size_t k = 0; k < 3 && !ok; k++)
			if (!strncmp(in->flags[f], names[k], strlen(names[k]))) {
				if (hull_time_parse_duration(in->flags[f] + strlen(names[k]), &dur[k], err) < 0)
					return -EINVAL;
				ok = true;
			}
		if (!ok && !strncmp(in->flags[f], "--retries=", 10)) {
			char *end;
			retries = strtoll(in->flags[f] + 10, &end, 10);
			ok = *end == '\0' && retries >= 0;
		}
		if (!ok)
			return hull_error_msg(err, EINVAL, "HEALTHCHECK: unknown or bad flag `%s`", in->flags[f]);
	}
	if (strncasecmp(in->args, "CMD", 3) || (in->args[3] != ' ' && in->args[3] != '\t' && in->args[3] != '['))
		return hull_error_msg(err, EINVAL, "Unknown type \"%.*s\" in HEALTHCHECK (try CMD)",
				      (int)strcspn(in->args, " \t"), in->args);
	const char *cmd = in->args + 3;
	cmd += strspn(cmd, " \t");
	json_t *test = NULL;
	_cleanup_json_ json_t *j = json_loads(cmd, 0, NULL);
	if (json_is_array(j)) {
		test = json_pack("[s]", "CMD");
		json_array_extend(test, j);
	} else
		test = json_pack("[s,s]", "CMD-SHELL", cmd);
	json_t *hc = json_pack("{s:o}", "Test", test);
	if (dur[0])
		json_object_set_new(hc, "Interval", json_integer(dur[0]));
	if (dur[1])
		json_object_set_new(hc, "Timeout", json_integer(dur[1]));
	if (dur[2])
		json_object_set_new(hc, "StartPeriod", json_integer(dur[2]));
	if (retries)
		json_object_set_new(hc, "Retries", json_integer(retries));
	json_object_set_new(st->config, "Healthcheck", hc);
	char **tv = NULL;
	hull_json_strv(test, &tv, "config", "Healthcheck", NULL);
	_cleanup_free_ char *q = go_quote_list(tv);
	hull_strv_free(tv);
	char d[3][32];
	for (int k = 0; k < 3; k++)
		go_duration(dur[k], d[k], sizeof(d[k]));
	_cleanup_free_ char *what =
	    hull_strdup_printf("HEALTHCHECK &{%s \"%s\" \"%s\" \"%s\" '\\x%02llx'}", q, d[0], d[1], d[2], retries);
	return config_step(b, st, what, err);
}

static int do_onbuild(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	size_t kl = strcspn(in->args, " \t");
	_cleanup_free_ char *kw = strndup(in->args, kl);
	for (char *c = kw; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	if (!strcmp(kw, "ONBUILD") || !strcmp(kw, "FROM") || !strcmp(kw, "MAINTAINER"))
		return hull_error_msg(err, EINVAL, "%s isn't allowed as an ONBUILD trigger", kw);
	const char *rest = in->args + kl;
	rest += strspn(rest, " \t");
	_cleanup_free_ char *trigger = hull_strdup_printf("%s %s", kw, rest);
	json_t *ob = json_object_get(st->config, "OnBuild");
	if (!json_is_array(ob)) {
		ob = json_array();
		json_object_set_new(st->config, "OnBuild", ob);
	}
	json_array_append_new(ob, json_string(trigger));
	_cleanup_free_ char *what = hull_strdup_printf("ONBUILD %s", trigger);
	return config_step(b, st, what, err);
}

int dispatch_config(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	const char *k = in->keyword;
	if (!strcmp(k, "ENV") || !strcmp(k, "LABEL"))
		return do_env_label(b, st, in, err);
	if (!strcmp(k, "ARG"))
		return do_arg(b, st, in, err);
	if (!strcmp(k, "CMD") || !strcmp(k, "ENTRYPOINT"))
		return do_command(b, st, in, err);
	if (!strcmp(k, "EXPOSE"))
		return do_expose(b, st, in, err);
	if (!strcmp(k, "VOLUME"))
		return do_volume(b, st, in, err);
	if (!strcmp(k, "USER"))
		return do_word(b, st, in, "User", err);
	if (!strcmp(k, "STOPSIGNAL"))
		return do_word(b, st, in, "StopSignal", err);
	if (!strcmp(k, "SHELL"))
		return do_shell(b, st, in, err);
	if (!strcmp(k, "HEALTHCHECK"))
		return do_healthcheck(b, st, in, err);
	if (!strcmp(k, "ONBUILD"))
		return do_onbuild(b, st, in, err);
	if (!strcmp(k, "MAINTAINER")) {
		free(st->author);
		st->author = hull_xstrdup(in->args);
		_cleanup_free_ char *what = hull_strdup_printf("MAINTAINER %s", in->args);
		return config_step(b, st, what, err);
	}
	return hull_error_msg(err, EINVAL, "unknown instruction: %s", k);
}
