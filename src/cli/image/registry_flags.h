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

/* registry_flag: handle one of the options above; 0 or an exit status. */
int registry_flag(struct registry_flags *f, int opt, const char *arg, const char *cmd);
void registry_flags_clear(struct registry_flags *f);

#endif
