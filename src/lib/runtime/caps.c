/* caps.c - process.capabilities: the five sets and the bounding set
 * (OCI runtime-spec config.md#linux-process; capabilities(7)), with libcap. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/security.h"

static const char *const set_names[] = { "bounding", "effective", "inheritable", "permitted", "ambient" };

static uint64_t *set_of(struct hull_caps *c, size_t i)
{
	uint64_t *sets[] = { &c->bounding, &c->effective, &c->inheritable, &c->permitted, &c->ambient };
	return sets[i];
}

/* "CAP_NET_ADMIN" (or "NET_ADMIN") -> number; -1 unknown to libcap. */
static int cap_number(const char *name)
{
	_cleanup_free_ char *full = strncasecmp(name, "CAP_", 4) ? hull_strdup_printf("CAP_%s", name)
								  : hull_xstrdup(name);
	cap_value_t v;
	if (cap_from_name(full, &v) < 0 || v < 0 || v >= 64)
		return -1;
	return v;
}

static int add_name(uint64_t *set, const char *name, const char *where, const char *field, size_t i,
		    struct hull_error **err)
{
	int v = cap_number(name);
	if (v < 0)
		return hull_error_msg(err, EINVAL, "%s: %s[%zu]: unknown capability \"%s\"", where, field, i, name);
	/* a capability newer than this kernel: dropped, as runc does */
	if (v < (int)cap_max_bits())
		*set |= 1ULL << v;
	return 0;
}

int hull_caps_parse(json_t *caps, const char *where, const char *prefix, struct hull_caps *out,
		    struct hull_error **err)
{
	*out = (struct hull_caps){ 0 };
	if (!caps || json_is_null(caps))
		return 0;
	if (!json_is_object(caps))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an object", where, prefix);
	out->present = true;
	for (size_t s = 0; s < HULL_ARRAY_SIZE(set_names); s++) {
		_cleanup_free_ char *field = hull_strdup_printf("%s.%s", prefix, set_names[s]);
		json_t *list = NULL, *v;
		size_t i;
		int r = hull_json_get_array(caps, set_names[s], &list, false, where, field, err);
		if (r < 0)
			return r;
		json_array_foreach(list, i, v)
		{
			if (!json_is_string(v))
				return hull_error_msg(err, EINVAL, "%s: %s[%zu]: must be a string", where, field, i);
			if ((r = add_name(set_of(out, s), json_string_value(v), where, field, i, err)) < 0)
				return r;
		}
	}
	return 0;
}

int hull_caps_add_names(struct hull_caps *caps, char *const *names, struct hull_error **err)
{
	for (size_t i = 0; names && names[i]; i++) {
		uint64_t bit = 0;
		int r = add_name(&bit, names[i], "--cap", "capability", i, err);
		if (r < 0)
			return r;
		caps->bounding |= bit;
		caps->effective |= bit;
		caps->inheritable |= bit;
		caps->permitted |= bit;
		caps->ambient |= bit;
	}
	caps->present = true;
	return 0;
}

void hull_caps_name(int cap, char *buf, size_t len)
{
	char *n = cap_to_name((cap_value_t)cap);
	snprintf(buf, len, "%s", n ? n : "?");
	cap_free(n);
	for (char *p = buf; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
}

int hull_caps_drop_bounding(const struct hull_caps *caps, struct hull_error **err)
{
	if (!caps->present)
		return 0;
	unsigned last = cap_max_bits();
	for (unsigned c = 0; c < last && c < 64; c++) {
		if (caps->bounding & (1ULL << c))
			continue;
		if (cap_drop_bound((cap_value_t)c) < 0 && errno != EINVAL) {
			char name[48];
			int saved = errno;
			hull_caps_name((int)c, name, sizeof(name));
			return hull_error_set(err, saved, "drop %s from the bounding set", name);
		}
	}
	/* keep the permitted set across setuid() to the container's user */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return hull_error_set(err, errno, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}

static void fill(cap_t c, cap_flag_t flag, uint64_t set)
{
	for (unsigned v = 0; v < 64; v++) {
		cap_value_t one = (cap_value_t)v;
		if (set & (1ULL << v))
			cap_set_flag(c, flag, 1, &one, CAP_SET);
	}
}

int hull_caps_apply(const struct hull_caps *caps, struct hull_error **err)
{
	if (!caps->present)
		return 0;
	cap_t c = cap_init();
	if (!c)
		return hull_error_set(err, errno, "cap_init");
	fill(c, CAP_EFFECTIVE, caps->effective);
	fill(c, CAP_PERMITTED, caps->permitted | caps->effective);
	fill(c, CAP_INHERITABLE, caps->inheritable);
	int r = cap_set_proc(c);
	int saved = errno;
	cap_free(c);
	if (r < 0)
		return hull_error_set(err, saved, "set the process capabilities (capset)");
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return hull_error_set(err, errno, "clear the ambient capabilities");
	for (unsigned v = 0; v < 64; v++) {
		if (!(caps->ambient & (1ULL << v)))
			continue;
		/* ambient needs the cap in permitted and inheritable; runc skips
		 * the ones that are not (and so does the kernel, with EPERM) */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0 && errno != EPERM && errno != EINVAL) {
			char name[48];
			int e = errno;
			hull_caps_name((int)v, name, sizeof(name));
			return hull_error_set(err, e, "raise %s in the ambient set", name);
		}
	}
	return 0;
}
