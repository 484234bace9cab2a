/* json.c - jansson helpers whose errors name the file and the field. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/fs.h"
#include "hull/json.h"

json_t *hull_json_load_str(const char *buf, size_t len, const char *display, struct hull_error **err)
{
	json_error_t je;
	json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		hull_error_msg(err, EINVAL, "%s: line %d column %d: invalid JSON (%s)", display, je.line, je.column,
			       je.text);
	return j;
}

json_t *hull_json_load_file(const char *path, const char *display, struct hull_error **err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (hull_read_file(path, &buf, &len, err) < 0)
		return NULL;
	return hull_json_load_str(buf, len, display, err);
}

int hull_json_dump_file(json_t *j, const char *path, mode_t mode, struct hull_error **err)
{
	_cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
	if (!s)
		return hull_error_msg(err, ENOMEM, "serialise JSON for `%s`", path);
	return hull_write_file_atomic(path, s, strlen(s), mode, false, err);
}

static const char *type_name(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "something else";
}

static int lookup(json_t *obj, const char *key, json_t **v, bool required, const char *where, const char *field,
		  struct hull_error **err)
{
	*v = obj ? json_object_get(obj, key) : NULL;
	if (*v && json_is_null(*v))
		*v = NULL;
	if (!*v && required)
		return hull_error_msg(err, EINVAL, "%s: %s: required field is missing", where, field);
	return 0;
}

#define WRONG_TYPE(want) \
	hull_error_msg(err, EINVAL, "%s: %s: must be " want ", not %s", where, field, type_name(v))

int hull_json_get_string(json_t *obj, const char *key, const char **out, bool required, const char *where,
			 const char *field, struct hull_error **err)
{
	json_t *v;
	int r = lookup(obj, key, &v, required, where, field, err);
	if (r < 0 || !v)
		return r;
	if (!json_is_string(v))
		return WRONG_TYPE("a string");
	*out = json_string_value(v);
	return 0;
}

int hull_json_get_bool(json_t *obj, const char *key, bool *out, bool required, const char *where, const char *field,
		       struct hull_error **err)
{
	json_t *v;
	int r = lookup(obj, key, &v, required, where, field, err);
	if (r < 0 || !v)
		return r;
	if (!json_is_boolean(v))
		return WRONG_TYPE("a boolean");
	*out = json_is_true(v);
	return 0;
}

int hull_json_get_int(json_t *obj, const char *key, long long *out, bool required, const char *where,
		      const char *field, struct hull_error **err)
{
	json_t *v;
	int r = lookup(obj, key, &v, required, where, field, err);
	if (r < 0 || !v)
		return r;
	if (!json_is_integer(v))
		return WRONG_TYPE("an integer");
	*out = json_integer_value(v);
	return 0;
}

int hull_json_get_object(json_t *obj, const char *key, json_t **out, bool required, const char *where,
			 const char *field, struct hull_error **err)
{
	json_t *v;
	*out = NULL;
	int r = lookup(obj, key, &v, required, where, field, err);
	if (r < 0 || !v)
		return r;
	if (!json_is_object(v))
		return WRONG_TYPE("an object");
	*out = v;
	return 0;
}

int hull_json_get_array(json_t *obj, const char *key, json_t **out, bool required, const char *where,
			const char *field, struct hull_error **err)
{
	json_t *v;
	*out = NULL;
	int r = lookup(obj, key, &v, required, where, field, err);
	if (r < 0 || !v)
		return r;
	if (!json_is_array(v))
		return WRONG_TYPE("an array");
	*out = v;
	return 0;
}

int hull_json_strv(json_t *arr, char ***out, const char *where, const char *field, struct hull_error **err)
{
	size_t n = json_array_size(arr);
	char **v = hull_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(arr, i);
		if (!json_is_string(s)) {
			hull_strv_free(v);
			return hull_error_msg(err, EINVAL, "%s: %s[%zu]: must be a string", where, field, i);
		}
		v[i] = hull_xstrdup(json_string_value(s));
	}
	*out = v;
	return 0;
}
