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

/* engine_print_table: rows under heads on stdout, as docker's tabwriter
 * lays them out: every column as wide as its widest cell plus three
 * spaces, widths counted in characters ("…" is one), the last column not
 * padded. A row is a json array of `cols` strings when keys is NULL, else
 * an object whose cells are the strings at keys[0..cols-1]. */
void engine_print_table(const char *const *heads, const char *const *keys, size_t cols, json_t *rows);

/* Parse "k=v" into obj[k]=v; "k" alone gives "". Returns false on "=v". */
bool engine_parse_label(json_t *obj, const char *kv);

/* Ask "msg [y/N] " on stderr and read the answer from stdin. */
bool engine_confirm(const char *msg);

/* engine_print_deleted: a prune's "TITLE:" header, one removed name a
 * line, then a blank line, on stdout, as docker prints it; nothing at all
 * when `names` (NULL-terminated, may be NULL) is empty. */
void engine_print_deleted(const char *title, char **names);

/* engine_print_reclaimed: a prune's last line on stdout,
 * "Total reclaimed space: 1.23kB" (engine_human_size units). */
void engine_print_reclaimed(unsigned long long bytes);

/* Is "--help" anywhere before "--"? (-h is --hostname for run.) */
bool engine_wants_help(int argc, char **argv);

/* Put our terminal (stdin) in raw mode for a container's pty, when it is
 * one; engine_tty_restore puts it back (safe to call twice). */
void engine_tty_raw(void);
void engine_tty_restore(void);

/* engine_ls_flags: the flags of `volume ls` and `network ls` (`cmd`):
 * -q/--quiet and --format json; no arguments. Returns 0, or the exit
 * status of the usage error it printed. */
int engine_ls_flags(int argc, char **argv, const char *cmd, bool *quiet, bool *json);

/* engine_inspect_each: `volume inspect` / `network inspect` (`cmd`) of
 * argv[1..]: get(cli, NAME, err) gives each one's JSON (owned by the
 * caller) or NULL with *err set; prints the array of those found as
 * docker does, each failure on stderr. Returns the exit status: 1 when
 * one failed or no NAME was given. */
int engine_inspect_each(struct hull_cli *cli, int argc, char **argv, const char *cmd,
			json_t *(*get)(struct hull_cli *cli, const char *name, struct hull_error **err));

#endif
