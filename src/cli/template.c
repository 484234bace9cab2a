/* template.c - a small text/template subset for --format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "cli.h"
#include "template.h"

static json_t *lookup(json_t *obj, const char *path)
{
	json_t *v = obj;
	while (*path == '.' && v) {
		path++;
		size_t len = strcspn(path, ".");
		if (len == 0)
			break;
		_cleanup_free_ char *key = strndup(path, len);
		v = json_object_get(v, key);
		path += len;
	}
	return v;
}

static char *scalar(json_t *v)
{
	if (!v || json_is_null(v))
		return hull_xstrdup("<no value>");
	if (json_is_string(v))
		return hull_xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return hull_strdup_printf("%lld", (long long)json_integer_value(v));
	if (json_is_true(v))
		return hull_xstrdup("true");
	if (json_is_false(v))
		return hull_xstrdup("false");
	if (json_is_real(v))
		return hull_strdup_printf("%g", json_real_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void append(char **out, size_t *len, const char *s, size_t n)
{
	*out = hull_xrealloc(*out, *len + n + 1);
	memcpy(*out + *len, s, n);
	*len += n;
	(*out)[*len] = '\0';
}

char *cli_template_render(const char *fmt, json_t *obj, const char **error)
{
	if (!strncmp(fmt, "table ", 6))
		fmt += 6;
	char *out = hull_xcalloc(1, 1);
	size_t len = 0;
	for (const char *p = fmt; *p;) {
		if (p[0] == '\\' && p[1] == 't') {
			append(&out, &len, "\t", 1);
			p += 2;
			continue;
		}
		if (p[0] == '\\' && p[1] == 'n') {
			append(&out, &len, "\n", 1);
			p += 2;
			continue;
		}
		if (strncmp(p, "{{", 2)) {
			append(&out, &len, p, 1);
			p++;
			continue;
		}
		const char *end = strstr(p, "}}");
		if (!end) {
			*error = "unclosed {{";
			free(out);
			return NULL;
		}
		_cleanup_free_ char *expr = strndup(p + 2, (size_t)(end - p - 2));
		char *e = expr;
		while (*e == ' ')
			e++;
		size_t el = strlen(e);
		while (el && e[el - 1] == ' ')
			e[--el] = '\0';
		bool as_json = !strncmp(e, "json ", 5);
		if (as_json)
			for (e += 5; *e == ' '; e++)
				;
		if (e[0] != '.') {
			*error = "only {{.Field}}, {{.A.B}} and {{json .X}} are understood";
			free(out);
			return NULL;
		}
		json_t *v = lookup(obj, e);
		_cleanup_free_ char *text = as_json ? json_dumps(v ? v : json_null(), JSON_COMPACT | JSON_ENCODE_ANY)
						    : scalar(v);
		append(&out, &len, text, strlen(text));
		p = end + 2;
	}
	return out;
}

int cli_format_row(const char *cmd, const char *format, json_t *row)
{
	const char *why = NULL;
	_cleanup_free_ char *line = !strcmp(format, "json") ? json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS)
							     : cli_template_render(format, row, &why);
	if (!line)
		return cli_usage_error(cmd, "--format: %s", why ? why : "cannot print this row");
	printf("%s\n", line);
	return 0;
}
