/* prune_output.h - what the engine's prune commands ask and print. */
#ifndef HULL_CLI_ENGINE_PRUNE_OUTPUT_H
#define HULL_CLI_ENGINE_PRUNE_OUTPUT_H

#include <stdbool.h>

/* engine_confirm: ask "MSG [y/N] " on stderr and read one line from stdin;
 * true only for an answer starting with y or Y (EOF is no). */
bool engine_confirm(const char *msg);

/* engine_print_deleted: a prune's "TITLE:" header, one removed name a
 * line, then a blank line, on stdout, as docker prints it; nothing at all
 * when `names` (NULL-terminated, may be NULL) is empty. */
void engine_print_deleted(const char *title, char **names);

/* engine_print_reclaimed: a prune's last line on stdout,
 * "Total reclaimed space: 1.234kB" (cli_human_size units). */
void engine_print_reclaimed(unsigned long long bytes);

#endif
