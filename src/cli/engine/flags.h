/* flags.h - command-line pieces several engine commands parse alike. */
#ifndef HULL_CLI_ENGINE_FLAGS_H
#define HULL_CLI_ENGINE_FLAGS_H

#include <jansson.h>
#include <stdbool.h>

/* engine_parse_label: a --label "k=v" into obj[k] = "v"; "k" alone gives
 * "". False (obj unchanged) for "" and "=v", which name no key. */
bool engine_parse_label(json_t *obj, const char *kv);

/* engine_wants_help: is "--help" among argv[1..] before any "--"? Only the
 * long form: -h is --hostname for run. */
bool engine_wants_help(int argc, char **argv);

#endif
