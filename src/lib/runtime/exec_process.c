/* exec_process.c - the process `exec` runs when no --process file is given:
 * config.json's process with runc exec's flags applied (runc utils_linux.go
 * getProcess: args replace, env appends, caps add). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/exec.h"
#include "hull/fs.h"
#include "hull/json.h"

static json_t *strv_json(char **v)
{
	json_t *a = json_array();
	for (size_t i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static int set_user(json_t *proc, const char *spec, char **gids, struct hull_error **err)
{
	json_t *user = json_object_get(proc, "user");
	if (!json_is_object(user)) {
		user = json_object();
		json_object_set_new(proc, "user", user);
	}
	if (spec) {
		char *end = NULL;
		unsigned long uid = strtoul(spec, &end, 10);
		if (end == spec || (*end && *end != ':'))
			return hull_error_msg(err, EINVAL, "--user: `%s` must be UID[:GID] (numbers)", spec);
		json_object_set_new(user, "uid", json_integer((json_int_t)uid));
		if (*end == ':') {
			const char *g = end + 1;
			unsigned long gid = strtoul(g, &end, 10);
			if (end == g || *end)
				return hull_error_msg(err, EINVAL, "--user: `%s` must be UID[:GID] (numbers)", spec);
			json_object_set_new(user, "gid", json_integer((json_int_t)gid));
		}
	}
	if (gids) {
		json_t *a = json_array();
		for (size_t i = 0; gids[i]; i++) {
			char *end = NULL;
			unsigned long g = strtoul(gids[i], &end, 10);
			if (end == gids[i] || *end) {
				json_decref(a);
				return hull_error_msg(err, EINVAL, "--additional-gids: `%s` is not a number", gids[i]);
			}
			json_array_append_new(a, json_integer((json_int_t)g));
		}
		json_object_set_new(user, "additionalGids", a);
	}
	return 0;
}

static void add_caps(json_t *proc, char **caps)
{
	static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };
	json_t *c = json_object_get(proc, "capabilities");
	if (!caps || !caps[0])
		return;
	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(proc, "capabilities", c);
	}
	for (size_t s = 0; s < HULL_ARRAY_SIZE(sets); s++) {
		json_t *list = json_object_get(c, sets[s]);
		if (!json_is_array(list)) {
			list = json_array();
			json_object_set_new(c, sets[s], list);
		}
		for (size_t i = 0; caps[i]; i++) {
			const char *name = caps[i];
			_cleanup_free_ char *full = strncasecmp(name, "CAP_", 4) ? hull_strdup_printf("CAP_%s", name)
										 : hull_xstrdup(name);
			json_array_append_new(list, json_string(full));
		}
	}
}

struct hull_oci_process *hull_exec_process(const struct hull_oci_config *cfg, const struct hull_exec_overrides *o,
					   struct hull_error **err)
{
	if (!cfg->process) {
		hull_error_msg(err, EINVAL, "config.json has no process to start from: give --process FILE");
		return NULL;
	}
	_cleanup_json_ json_t *proc = json_deep_copy(cfg->process->json);
	json_object_set_new(proc, "args", strv_json(o->args));
	if (o->env) {
		json_t *env = json_object_get(proc, "env");
		if (!json_is_array(env)) {
			env = json_array();
			json_object_set_new(proc, "env", env);
		}
		for (size_t i = 0; o->env[i]; i++)
			json_array_append_new(env, json_string(o->env[i]));
	}
	if (o->cwd)
		json_object_set_new(proc, "cwd", json_string(o->cwd));
	json_object_set_new(proc, "terminal", json_boolean(o->tty));
	if (o->no_new_privs)
		json_object_set_new(proc, "noNewPrivileges", json_true());
	if (o->apparmor_profile && *o->apparmor_profile)
		json_object_set_new(proc, "apparmorProfile", json_string(o->apparmor_profile));
	if (o->selinux_label && *o->selinux_label)
		json_object_set_new(proc, "selinuxLabel", json_string(o->selinux_label));
	if (set_user(proc, o->user, o->additional_gids, err) < 0)
		return NULL;
	add_caps(proc, o->caps);
	return hull_oci_process_parse(proc, "exec", "process", err);
}
