/* filters.c - docker's `filters` query argument, shared by the list and
 * prune endpoints: {"key":{"value":true}} (API >= 1.22) or
 * {"key":["value"]}; within a key any value matches, every key must. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/json.h"

/* {"k":{"v":true}} or {"k":["v"]} -> {"k":["v"]}; NULL when malformed. */
static json_t *normalized(json_t *in)
{
	_cleanup_json_ json_t *out = json_object();
	const char *key;
	json_t *vals;
	json_object_foreach(in, key, vals)
	{
		json_t *list = json_array();
		json_object_set_new(out, key, list);
		if (json_is_object(vals)) {
			const char *v;
			json_t *on;
			json_object_foreach(vals, v, on)
			{
				if (json_is_true(on))
					json_array_append_new(list, json_string(v));
			}
		} else if (json_is_array(vals)) {
			size_t i;
			json_t *v;
			json_array_foreach(vals, i, v)
			{
				if (!json_is_string(v))
					return NULL;
				json_array_append(list, v);
			}
		} else {
			return NULL;
		}
	}
	return steal_ptr(out);
}

int api_filters(const struct api_request *req, const char *const *known, json_t **out, struct api_response *resp)
{
	*out = NULL;
	const char *text = api_query(req, "filters");
	if (!text || !*text)
		return 0;
	_cleanup_json_ json_t *in = json_loads(text, 0, NULL);
	if (!json_is_object(in)) {
		api_error(resp, 400, "filters: a JSON object is expected");
		return -1;
	}
	const char *key;
	json_t *vals;
	json_object_foreach(in, key, vals)
	{
		bool ok = false;
		for (const char *const *k = known; *k; k++)
			ok = ok || !strcmp(key, *k);
		if (!ok) {
			char names[256] = "";
			for (const char *const *k = known; *k; k++) {
				strncat(names, *k, sizeof(names) - strlen(names) - 1);
				if (k[1])
					strncat(names, ", ", sizeof(names) - strlen(names) - 1);
			}
			api_error(resp, 400, "invalid filter '%s' (hull knows %s)", key, names);
			return -1;
		}
	}
	*out = normalized(in);
	if (!*out) {
		api_error(resp, 400, "filters: each filter is an object or a list of strings");
		return -1;
	}
	return 0;
}

bool api_filter_any(json_t *filters, const char *key, bool (*match)(const void *obj, const char *value),
		    const void *obj)
{
	json_t *vals = json_object_get(filters, key);
	if (!vals)
		return true;
	size_t i;
	json_t *v;
	json_array_foreach(vals, i, v)
	{
		if (match(obj, json_string_value(v)))
			return true;
	}
	return false;
}

bool api_label_match(json_t *labels, const char *value)
{
	const char *eq = strchr(value, '=');
	_cleanup_free_ char *key = eq ? strndup(value, (size_t)(eq - value)) : strdup(value);
	const char *have = key ? json_string_value(json_object_get(labels, key)) : NULL;
	return have && (!eq || !strcmp(have, eq + 1));
}

bool api_labels_match(json_t *filters, json_t *labels)
{
	json_t *vals = json_object_get(filters, "label");
	size_t i;
	json_t *v;
	/* docker: every label filter must hold, not any */
	json_array_foreach(vals, i, v)
	{
		if (!api_label_match(labels, json_string_value(v)))
			return false;
	}
	return true;
}
