/* run_flags.h - docker run/create's flags into struct hull_run_options. */
#ifndef HULL_CLI_ENGINE_RUN_FLAGS_H
#define HULL_CLI_ENGINE_RUN_FLAGS_H

#include "hull/attach.h"
#include "hull/run_options.h"

/* Growable strv lists the options point into; freed with run_flags_free. */
struct run_flags {
	struct hull_run_options o;
	char ***lists[40]; /* the strv members in use, to free */
	size_t n_lists;
	bool quiet;      /* -q: no pull progress */
	bool sig_proxy;  /* --sig-proxy (default true) */
	char detach_keys[HULL_DETACH_KEYS_MAX]; /* --detach-keys, default ctrl-p,ctrl-q */
	size_t detach_len;
};

/* run_flags_parse: parse argv (argv[0] = "run"/"create") up to IMAGE;
 * IMAGE and the command after it land in o.image / o.cmd. Returns 0, or
 * the exit status to return (usage errors print themselves); *help is set
 * when --help was asked (usage printed, status 0). */
int run_flags_parse(struct run_flags *f, int argc, char **argv, bool *help);
void run_flags_free(struct run_flags *f);

#endif
