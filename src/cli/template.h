/* template.h - the part of Go's text/template that --format users type:
 * {{.Field}}, {{.A.B}}, {{json .X}}, {{json .}}, "table" prefixes, \t. */
#ifndef HULL_CLI_TEMPLATE_H
#define HULL_CLI_TEMPLATE_H

#include <jansson.h>

/* cli_template_render: expand fmt against obj into a malloc'd string;
 * NULL and *error set (static text) on a construct we do not support. */
char *cli_template_render(const char *fmt, json_t *obj, const char **error);

#endif
