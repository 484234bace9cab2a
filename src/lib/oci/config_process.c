/* config_process.c - config.md#process, shared by config.json and
 * `exec --process FILE`. */
#include <errno.h>
#include <string.h>
#include <sys/resource.h>

#include "config_internal.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci.h"

static const struct rlimit_name {
	const char *name;
	int resource;
} rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS },           { "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },         { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },     { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },       { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },     { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },   { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int hull_oci_rlimit_parse(const char *name)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(rlimit_names); i++)
		if (!strcmp(rlimit_names[i].name, name))
			return rlimit_names[i].resource;
	return -1;
}

/* A JSON integer that must fit [min, max]; absent leaves *out untouched. */
static int get_ranged(json_t *obj, const char *key, long long min, long long max, long long *out, bool required,
		      const char *where, const char *field, struct hull_error **err)
{
	long long v = *out;
	if (hull_json_get_int(obj, key, &v, required, where, field, err) < 0)
		return -EINVAL;
	if (v < min || v > max)
		return hull_error_msg(err, EINVAL, "%s: %s: %lld is out of range [%lld, %lld]", where, field, v, min,
				      max);
	*out = v;
	return 0;
}

static int parse_user(struct hull_oci_process *p, json_t *user, const char *where, const char *prefix,
		      struct hull_error **err)
{
	_cleanup_free_ char *f_uid = oci_field(prefix, "user.uid");
	_cleanup_free_ char *f_gid = oci_field(prefix, "user.gid");
	_cleanup_free_ char *f_umask = oci_field(prefix, "user.umask");
	_cleanup_free_ char *f_groups = oci_field(prefix, "user.additionalGids");
	long long uid = 0, gid = 0, umask_v = -1;
	json_t *groups = NULL;
	if (get_ranged(user, "uid", 0, UINT32_MAX - 1, &uid, false, where, f_uid, err) < 0 ||
	    get_ranged(user, "gid", 0, UINT32_MAX - 1, &gid, false, where, f_gid, err) < 0 ||
	    get_ranged(user, "umask", -1, 07777, &umask_v, false, where, f_umask, err) < 0 ||
	    hull_json_get_array(user, "additionalGids", &groups, false, where, f_groups, err) < 0)
		return -EINVAL;
	p->uid = (uid_t)uid;
	p->gid = (gid_t)gid;
	p->has_umask = umask_v >= 0;
	p->umask = p->has_umask ? (mode_t)umask_v : 022;
	p->n_additional_gids = json_array_size(groups);
	p->additional_gids = hull_xcalloc(p->n_additional_gids, sizeof(gid_t));
	for (size_t i = 0; i < p->n_additional_gids; i++) {
		json_t *g = json_array_get(groups, i);
		if (!json_is_integer(g) || json_integer_value(g) < 0 || json_integer_value(g) >= UINT32_MAX)
			return hull_error_msg(err, EINVAL, "%s: %s[%zu]: must be a group id (an integer >= 0)", where,
					      f_groups, i);
		p->additional_gids[i] = (gid_t)json_integer_value(g);
	}
	return 0;
}

static int parse_rlimit(struct hull_oci_rlimit *rl, json_t *o, const char *where, const char *field,
			struct hull_error **err)
{
	const char *type = NULL;
	json_int_t soft, hard;
	_cleanup_free_ char *f_type = oci_field(field, "type");
	if (!json_is_object(o))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an object", where, field);
	if (hull_json_get_string(o, "type", &type, true, where, f_type, err) < 0)
		return -EINVAL;
	rl->resource = hull_oci_rlimit_parse(type);
	if (rl->resource < 0)
		return hull_error_msg(err, EINVAL, "%s: %s: unknown rlimit `%s` (expected e.g. RLIMIT_NOFILE)", where,
				      f_type, type);
	/* soft and hard are uint64; jansson holds int64, and -1 or values past
	 * INT64_MAX both mean "unlimited" in practice. */
	json_t *js = json_object_get(o, "soft"), *jh = json_object_get(o, "hard");
	if (!json_is_integer(js) || !json_is_integer(jh))
		return hull_error_msg(err, EINVAL, "%s: %s: soft and hard must both be integers", where, field);
	soft = json_integer_value(js);
	hard = json_integer_value(jh);
	rl->soft = soft < 0 ? RLIM_INFINITY : (uint64_t)soft;
	rl->hard = hard < 0 ? RLIM_INFINITY : (uint64_t)hard;
	if (rl->soft > rl->hard)
		return hull_error_msg(err, EINVAL, "%s: %s: soft limit %lld is above the hard limit %lld", where, field,
				      (long long)soft, (long long)hard);
	return 0;
}

static int parse_rlimits(struct hull_oci_process *p, json_t *arr, const char *where, const char *prefix,
			 struct hull_error **err)
{
	p->n_rlimits = json_array_size(arr);
	p->rlimits = hull_xcalloc(p->n_rlimits, sizeof(*p->rlimits));
	for (size_t i = 0; i < p->n_rlimits; i++) {
		_cleanup_free_ char *name = hull_strdup_printf("rlimits[%zu]", i);
		_cleanup_free_ char *field = oci_field(prefix, name);
		if (parse_rlimit(&p->rlimits[i], json_array_get(arr, i), where, field, err) < 0)
			return -EINVAL;
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == p->rlimits[i].resource)
				return hull_error_msg(err, EINVAL, "%s: %s: rlimit type given twice", where, field);
	}
	return 0;
}

static int parse_env(struct hull_oci_process *p, json_t *env, const char *where, const char *prefix,
		     struct hull_error **err)
{
	_cleanup_free_ char *field = oci_field(prefix, "env");
	if (!env) {
		p->env = hull_xcalloc(1, sizeof(char *));
		return 0;
	}
	if (hull_json_strv(env, &p->env, where, field, err) < 0)
		return -EINVAL;
	for (size_t i = 0; p->env[i]; i++) {
		const char *eq = strchr(p->env[i], '=');
		if (!eq || eq == p->env[i])
			return hull_error_msg(err, EINVAL, "%s: %s[%zu]: `%s` is not of the form KEY=VALUE", where,
					      field, i, p->env[i]);
	}
	return 0;
}

static int parse_console(struct hull_oci_process *p, json_t *obj, const char *where, const char *prefix,
			 struct hull_error **err)
{
	json_t *size;
	_cleanup_free_ char *f = oci_field(prefix, "consoleSize");
	_cleanup_free_ char *fh = oci_field(prefix, "consoleSize.height");
	_cleanup_free_ char *fw = oci_field(prefix, "consoleSize.width");
	if (hull_json_get_object(obj, "consoleSize", &size, false, where, f, err) < 0)
		return -EINVAL;
	if (!size)
		return 0;
	long long h = 0, w = 0;
	if (get_ranged(size, "height", 0, UINT16_MAX, &h, true, where, fh, err) < 0 ||
	    get_ranged(size, "width", 0, UINT16_MAX, &w, true, where, fw, err) < 0)
		return -EINVAL;
	p->console_height = (unsigned)h;
	p->console_width = (unsigned)w;
	return 0;
}

static int parse_fields(struct hull_oci_process *p, json_t *obj, const char *where, const char *prefix,
			struct hull_error **err)
{
	_cleanup_free_ char *f_term = oci_field(prefix, "terminal");
	_cleanup_free_ char *f_cwd = oci_field(prefix, "cwd");
	_cleanup_free_ char *f_args = oci_field(prefix, "args");
	_cleanup_free_ char *f_env = oci_field(prefix, "env");
	_cleanup_free_ char *f_user = oci_field(prefix, "user");
	_cleanup_free_ char *f_rl = oci_field(prefix, "rlimits");
	_cleanup_free_ char *f_nnp = oci_field(prefix, "noNewPrivileges");
	_cleanup_free_ char *f_oom = oci_field(prefix, "oomScoreAdj");
	_cleanup_free_ char *f_caps = oci_field(prefix, "capabilities");
	_cleanup_free_ char *f_aa = oci_field(prefix, "apparmorProfile");
	_cleanup_free_ char *f_se = oci_field(prefix, "selinuxLabel");
	const char *cwd = NULL, *aa = NULL, *se = NULL;
	json_t *args = NULL, *env = NULL, *user = NULL, *rlimits = NULL;
	long long oom = 0;
	if (hull_json_get_bool(obj, "terminal", &p->terminal, false, where, f_term, err) < 0 ||
	    hull_json_get_string(obj, "cwd", &cwd, true, where, f_cwd, err) < 0 ||
	    hull_json_get_array(obj, "args", &args, false, where, f_args, err) < 0 ||
	    hull_json_get_array(obj, "env", &env, false, where, f_env, err) < 0 ||
	    hull_json_get_object(obj, "user", &user, false, where, f_user, err) < 0 ||
	    hull_json_get_array(obj, "rlimits", &rlimits, false, where, f_rl, err) < 0 ||
	    hull_json_get_bool(obj, "noNewPrivileges", &p->no_new_privileges, false, where, f_nnp, err) < 0 ||
	    get_ranged(obj, "oomScoreAdj", -1000, 1000, &oom, false, where, f_oom, err) < 0 ||
	    hull_json_get_object(obj, "capabilities", &p->capabilities, false, where, f_caps, err) < 0 ||
	    hull_json_get_string(obj, "apparmorProfile", &aa, false, where, f_aa, err) < 0 ||
	    hull_json_get_string(obj, "selinuxLabel", &se, false, where, f_se, err) < 0)
		return -EINVAL;
	if (!args || json_array_size(args) == 0)
		return hull_error_msg(err, EINVAL, "%s: %s: must be a non-empty array", where, f_args);
	if (hull_json_strv(args, &p->args, where, f_args, err) < 0)
		return -EINVAL;
	if (!p->args[0][0])
		return hull_error_msg(err, EINVAL, "%s: %s[0]: the program must not be empty", where, f_args);
	/* config.md#process: cwd "MUST be an absolute path". */
	if (!hull_is_absolute(cwd))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an absolute path, not `%s`", where, f_cwd, cwd);
	p->cwd = hull_xstrdup(cwd);
	p->has_oom_score_adj = json_object_get(obj, "oomScoreAdj") != NULL;
	p->oom_score_adj = (int)oom;
	p->apparmor_profile = oci_strdup_or_null(aa);
	p->selinux_label = oci_strdup_or_null(se);
	if (parse_env(p, env, where, prefix, err) < 0 || parse_user(p, user, where, prefix, err) < 0 ||
	    parse_rlimits(p, rlimits, where, prefix, err) < 0 || parse_console(p, obj, where, prefix, err) < 0)
		return -EINVAL;
	return 0;
}

struct hull_oci_process *hull_oci_process_parse(json_t *obj, const char *where, const char *prefix,
						struct hull_error **err)
{
	if (!json_is_object(obj)) {
		hull_error_msg(err, EINVAL, "%s: %s: must be an object", where, prefix ? prefix : "process");
		return NULL;
	}
	struct hull_oci_process *p = hull_xcalloc(1, sizeof(*p));
	p->json = json_incref(obj);
	if (parse_fields(p, obj, where, prefix, err) < 0) {
		hull_oci_process_free(p);
		return NULL;
	}
	return p;
}

void hull_oci_process_free(struct hull_oci_process *p)
{
	if (!p)
		return;
	free(p->cwd);
	hull_strv_free(p->args);
	hull_strv_free(p->env);
	free(p->additional_gids);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	if (p->json)
		json_decref(p->json);
	free(p);
}
