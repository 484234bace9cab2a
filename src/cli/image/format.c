/* format.c - the part of Go's text/template that `docker ... --format`
 * users rely on: `{{.Field.Sub}}`, `{{json .Field}}`, `{{.}}`, literal text
 * and \t / \n escapes. Values print as Go's fmt does: strings raw, lists
 * as [a b], maps as map[k:v], missing as <no value>. */
#include <stdio.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "image_cli.h"

static void print_go(FILE *out, json_t *v)
{
	if (!v) {
		fputs("<no value>", out);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		fputs(json_string_value(v), out);
		break;
	case JSON_INTEGER:
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(out, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		fputs(json_is_true(v) ? "true" : "false", out);
		break;
	case JSON_NULL:
		fputs("<nil>", out);
		break;
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		fputc('[', out);
		json_array_foreach (v, i, e) {
			if (i)
				fputc(' ', out);
			print_go(out, e);
		}
		fputc(']', out);
		break;
	}
	case JSON_OBJECT: {
		const char *k;
		json_t *e;
		bool first = true;
		fputs("map[", out);
		json_object_foreach (v, k, e) {
			fprintf(out, "%s%s:", first ? "" : " ", k);
			print_go(out, e);
			first = false;
		}
		fputc(']', out);
		break;
	}
	}
}

/* ".A.B" -> the member, or NULL. "." is the object itself. */
static json_t *lookup(json_t *obj, const char *path)
{
	if (!strcmp(path, "."))
		return obj;
	_cleanup_free_ char *copy = hull_xstrdup(path);
	json_t *cur = obj;
	for (char *save = NULL, *t = strtok_r(copy, ".", &save); t && cur; t = strtok_r(NULL, ".", &save))
		cur = json_object_get(cur, t);
	return cur;
}

int image_cli_format(FILE *out, const char *tmpl, json_t *obj, const char *cmd)
{
	for (const char *p = tmpl; *p;) {
		if (p[0] == '\\' && (p[1] == 't' || p[1] == 'n')) {
			fputc(p[1] == 't' ? '\t' : '\n', out);
			p += 2;
			continue;
		}
		if (strncmp(p, "{{", 2)) {
			fputc(*p++, out);
			continue;
		}
		const char *end = strstr(p, "}}");
		if (!end)
			return cli_usage_error(cmd, "--format: `{{` without `}}`");
		_cleanup_free_ char *expr = strndup(p + 2, (size_t)(end - p - 2));
		char *e = expr;
		while (*e == ' ')
			e++;
		for (char *t = e + strlen(e); t > e && t[-1] == ' ';)
			*--t = '\0';
		bool as_json = !strncmp(e, "json ", 5);
		if (as_json)
			for (e += 5; *e == ' ';)
				e++;
		if (e[0] != '.')
			return cli_usage_error(cmd, "--format: only {{.Field}} and {{json .Field}} are supported, not `{{%s}}`",
					       expr);
		json_t *v = lookup(obj, e);
		if (as_json) {
			_cleanup_free_ char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
			fputs(text ? text : "null", out);
		} else {
			print_go(out, v);
		}
		p = end + 2;
	}
	fputc('\n', out);
	return 0;
}
