/* output.h - how listings and inspect documents reach stdout, shaped as
 * docker's CLI shapes them. */
#ifndef HULL_CLI_OUTPUT_H
#define HULL_CLI_OUTPUT_H

#include <jansson.h>
#include <stddef.h>

/* cli_print_json: j indented by four spaces in its own key order, as
 * `docker inspect` prints it, then a newline, on stdout. */
void cli_print_json(json_t *j);

/* cli_print_table: rows under heads on stdout, as docker's tabwriter
 * lays them out: every column as wide as its widest cell plus three
 * spaces, widths counted in characters ("…" is one), the last column not
 * padded. A row is a json array of `cols` strings when keys is NULL, else
 * an object whose cells are the strings at keys[0..cols-1]. */
void cli_print_table(const char *const *heads, const char *const *keys, size_t cols, json_t *rows);

#endif
