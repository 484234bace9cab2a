/* caps.c - the capability set of a container: docker's default set,
 * --cap-add/--cap-drop, --privileged. Names are checked with libcap. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "hull/cleanup.h"
#include "hull/engine_spec.h"
#include "hull/fs.h"
#include "hull/json.h"

const char *const hull_engine_default_caps[] = {
	"CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",      "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID",           "CAP_SETFCAP",     "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",     "CAP_AUDIT_WRITE", NULL,
};

/* "net_admin", "CAP_NET_ADMIN", "Net_Admin" -> "CAP_NET_ADMIN"; NULL when
 * libcap does not know it. */
static char *normalise(const char *name)
{
	const char *bare = strncasecmp(name, "CAP_", 4) ? name : name + 4;
	_cleanup_free_ char *lower = hull_strdup_printf("cap_%s", bare);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	cap_value_t v;
	if (cap_from_name(lower, &v) < 0)
		return NULL;
	for (char *p = lower; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return steal_ptr(lower);
}

static json_t *all_caps(void)
{
	json_t *a = json_array();
	/* "all" is what we hold ourselves (our bounding set), as podman
	 * does: a sandboxed root without CAP_SYS_RESOURCE cannot give it */
	for (cap_value_t v = 0; v < (cap_value_t)cap_max_bits(); v++) {
		if (prctl(PR_CAPBSET_READ, v) != 1)
			continue;
		char *n = cap_to_name(v);
		if (!n)
			continue;
		if (!strncmp(n, "cap_", 4)) {
			_cleanup_free_ char *up = hull_xstrdup(n);
			for (char *p = up; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			json_array_append_new(a, json_string(up));
		}
		cap_free(n);
	}
	return a;
}

static bool list_has(json_t *list, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		if (!strcmp(json_string_value(v), name))
			return true;
	return false;
}

static bool is_all(json_t *list)
{
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		const char *s = json_string_value(v);
		if (s && !strcasecmp(s, "ALL"))
			return true;
	}
	return false;
}

json_t *hull_engine_capabilities(json_t *cap_add, json_t *cap_drop, bool privileged, struct hull_error **err)
{
	if (privileged)
		return all_caps();
	_cleanup_json_ json_t *set = NULL;
	if (is_all(cap_drop)) {
		set = json_array();
	} else if (is_all(cap_add)) {
		set = all_caps();
	} else {
		set = json_array();
		for (const char *const *c = hull_engine_default_caps; *c; c++)
			json_array_append_new(set, json_string(*c));
	}
	size_t i;
	json_t *v;
	/* docker applies drops, then adds: --cap-drop ALL --cap-add X = {X} */
	json_array_foreach(cap_drop, i, v)
	{
		const char *s = json_string_value(v);
		if (!s || !strcasecmp(s, "ALL"))
			continue;
		_cleanup_free_ char *n = normalise(s);
		if (!n) {
			hull_error_msg(err, EINVAL, "--cap-drop: unknown capability `%s`", s);
			return NULL;
		}
		for (size_t k = json_array_size(set); k-- > 0;)
			if (!strcmp(json_string_value(json_array_get(set, k)), n))
				json_array_remove(set, k);
	}
	json_array_foreach(cap_add, i, v)
	{
		const char *s = json_string_value(v);
		if (!s || !strcasecmp(s, "ALL"))
			continue;
		_cleanup_free_ char *n = normalise(s);
		if (!n) {
			hull_error_msg(err, EINVAL, "--cap-add: unknown capability `%s`", s);
			return NULL;
		}
		if (!list_has(set, n))
			json_array_append_new(set, json_string(n));
	}
	return steal_ptr(set);
}
