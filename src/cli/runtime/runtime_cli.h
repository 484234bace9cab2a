/* runtime_cli.h - what the runtime commands share: usage printing and the
 * "exactly N operands" check runc makes. */
#ifndef HULL_RUNTIME_CLI_H
#define HULL_RUNTIME_CLI_H

#include <stdio.h>

#include "../cli.h"

/* rt_usage: print "Usage: hull CMD SYNOPSIS\n\nTEXT" to out; returns 0. */
static inline int rt_usage(FILE *out, const char *cmd, const char *synopsis, const char *text)
{
	fprintf(out, "Usage: hull %s %s\n\n%s", cmd, synopsis, text);
	return 0;
}

/* rt_operands: require between min and max operands after the options. */
static inline int rt_operands(const char *cmd, int have, int min, int max)
{
	if (have < min || have > max) {
		if (min == max)
			return cli_usage_error(cmd, "`%s` requires exactly %d argument%s", cmd, min, min == 1 ? "" : "s");
		return cli_usage_error(cmd, "`%s` requires %d to %d arguments", cmd, min, max);
	}
	return 0;
}

#endif
