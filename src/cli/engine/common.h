/* common.h - helpers shared by the engine's command files. */
#ifndef HULL_CLI_ENGINE_COMMON_H
#define HULL_CLI_ENGINE_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../cli.h"

/* Human size as docker prints it: "1.23kB", "45.6MB" (decimal units). */
void engine_human_size(unsigned long long bytes, char *buf, size_t size);

/* "About a minute ago", "3 hours ago": docker's go-units HumanDuration. */
void engine_human_ago(int64_t then_ns, char *buf, size_t size);

/* "Up 3 minutes", "Exited (0) 2 seconds ago", "Created". */
void engine_human_duration(int64_t ns, char *buf, size_t size);

/* Print a json value indented as docker's inspect does, then a newline. */
void engine_print_json(json_t *j);

/* Parse "k=v" into obj[k]=v; "k" alone gives "". Returns false on "=v". */
bool engine_parse_label(json_t *obj, const char *kv);

/* Ask "msg [y/N] " on stderr and read the answer from stdin. */
bool engine_confirm(const char *msg);

/* Is "--help" anywhere before "--"? (-h is --hostname for run.) */
bool engine_wants_help(int argc, char **argv);

/* Put our terminal (stdin) in raw mode for a container's pty, when it is
 * one; engine_tty_restore puts it back (safe to call twice). */
void engine_tty_raw(void);
void engine_tty_restore(void);

#endif
