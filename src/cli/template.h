/* template.h - the part of Go's text/template that --format users type:
 * {{.Field}}, {{.A.B}}, {{json .X}}, {{json .}}, "table" prefixes, \t. */
#ifndef HULL_CLI_TEMPLATE_H
#define HULL_CLI_TEMPLATE_H

#include <jansson.h>

/* cli_template_render: expand fmt against obj into a malloc'd string;
 * NULL and *error set (static text) on a construct we do not support. */
char *cli_template_render(const char *fmt, json_t *obj, const char **error);

/* cli_format_row: print one row of a listing for --format: "json" prints
 * it as compact JSON with sorted keys, anything else is a template. Returns
 * 0, or cli_usage_error's status (naming cmd) for a template we do not
 * support. */
int cli_format_row(const char *cmd, const char *format, json_t *row);

#endif
