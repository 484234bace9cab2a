/* registry_flags.c - the flags pull, push and login share:
 * --tls-verify, --creds, --authfile, --platform, --parallel. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "registry_flags.h"

/* One of REGISTRY_LONG_OPTIONS: 0, or a usage error's exit status. */
static int registry_flag(struct registry_flags *f, int opt, const char *arg, const char *cmd)
{
	switch (opt) {
	case REGISTRY_OPT_TLS_VERIFY:
		if (!arg || !strcasecmp(arg, "true") || !strcmp(arg, "1"))
			f->o.insecure = false;
		else if (!strcasecmp(arg, "false") || !strcmp(arg, "0"))
			f->o.insecure = true;
		else
			return cli_usage_error(cmd, "--tls-verify takes true or false, not `%s`", arg);
		return 0;
	case REGISTRY_OPT_CREDS: {
		const char *colon = strchr(arg, ':');
		free(f->user);
		f->user = colon ? strndup(arg, (size_t)(colon - arg)) : hull_xstrdup(arg);
		f->o.username = f->user;
		f->o.password = colon ? colon + 1 : "";
		return 0;
	}
	case REGISTRY_OPT_AUTHFILE:
		f->o.auth_file = arg;
		return 0;
	case REGISTRY_OPT_PLATFORM:
		f->o.platform = arg;
		return 0;
	case REGISTRY_OPT_PARALLEL: {
		char *end;
		long n = strtol(arg, &end, 10);
		if (*end || n < 1 || n > 64)
			return cli_usage_error(cmd, "--parallel takes a number from 1 to 64, not `%s`", arg);
		f->o.parallel = (int)n;
		return 0;
	}
	}
	return cli_usage_error(cmd, "unknown option");
}

int registry_option(struct registry_flags *f, int opt, const char *arg, const char *cmd, const char *help)
{
	if (opt == 'h') {
		fputs(help, stdout);
		return 0;
	}
	int st = registry_flag(f, opt, arg, cmd);
	return st ? st : REGISTRY_OPTION_TAKEN;
}

void registry_flags_clear(struct registry_flags *f)
{
	free(f->user);
	f->user = NULL;
}
