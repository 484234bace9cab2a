/* output.c - json documents and tabwriter tables on stdout. */
#include <stdbool.h>
#include <stdio.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "output.h"

void cli_print_json(json_t *j)
{
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (s)
		printf("%s\n", s);
}

/* Characters, not bytes: a UTF-8 continuation byte adds no column. */
static size_t display_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void table_cell(const char *text, size_t width, bool last)
{
	fputs(text, stdout);
	if (last) {
		putchar('\n');
		return;
	}
	for (size_t pad = display_width(text); pad < width + 3; pad++)
		putchar(' ');
}

static const char *row_cell(json_t *row, const char *const *keys, size_t k)
{
	return json_string_value(keys ? json_object_get(row, keys[k]) : json_array_get(row, k));
}

void cli_print_table(const char *const *heads, const char *const *keys, size_t cols, json_t *rows)
{
	_cleanup_free_ size_t *width = hull_xcalloc(cols, sizeof(*width));
	for (size_t k = 0; k < cols; k++)
		width[k] = display_width(heads[k]);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		for (size_t k = 0; k < cols; k++) {
			size_t l = display_width(row_cell(r, keys, k));
			width[k] = l > width[k] ? l : width[k];
		}
	for (size_t k = 0; k < cols; k++)
		table_cell(heads[k], width[k], k + 1 == cols);
	json_array_foreach(rows, i, r)
		for (size_t k = 0; k < cols; k++)
			table_cell(row_cell(r, keys, k), width[k], k + 1 == cols);
}
