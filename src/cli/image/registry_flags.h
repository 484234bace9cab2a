/* registry_flags.h - flags shared by pull, push and login. */
#ifndef HULL_CLI_REGISTRY_FLAGS_H
#define HULL_CLI_REGISTRY_FLAGS_H

#include "image_cli.h"

enum {
	REGISTRY_OPT_TLS_VERIFY = 1000,
	REGISTRY_OPT_CREDS,
	REGISTRY_OPT_AUTHFILE,
	REGISTRY_OPT_PLATFORM,
	REGISTRY_OPT_PARALLEL,
};

#define REGISTRY_LONG_OPTIONS                                                             \
	{ "tls-verify", optional_argument, 0, REGISTRY_OPT_TLS_VERIFY },                  \
		{ "creds", required_argument, 0, REGISTRY_OPT_CREDS },                    \
		{ "authfile", required_argument, 0, REGISTRY_OPT_AUTHFILE },              \
		{ "platform", required_argument, 0, REGISTRY_OPT_PLATFORM },              \
		{ "parallel", required_argument, 0, REGISTRY_OPT_PARALLEL },              \
		{ "max-concurrent-downloads", required_argument, 0, REGISTRY_OPT_PARALLEL }

#define REGISTRY_FLAGS_HELP                                                                       \
	"      --tls-verify=false   skip TLS verification and allow plain HTTP (private registries)\n" \
	"      --creds USER:PASS    credentials for this call (else hull login's, or docker's)\n"     \
	"      --authfile FILE      credentials file (default DATA_ROOT/auth.json)\n"

struct registry_flags {
	struct hull_registry_options o;
	char *user;
};

/* registry_option: the rest of a getopt_long loop of pull, push or login,
 * after the command's own options: -h/--help prints `help` and returns 0;
 * one of the options above goes into f and returns REGISTRY_OPTION_TAKEN
 * (go on parsing), or a usage error's exit status for a bad value; any
 * other option is a usage error. */
#define REGISTRY_OPTION_TAKEN (-1)
int registry_option(struct registry_flags *f, int opt, const char *arg, const char *cmd, const char *help);
void registry_flags_clear(struct registry_flags *f);

#endif
