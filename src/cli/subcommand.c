/* subcommand.c - cli_subcommand (see cli.h): the dispatch of a management
 * command (`hull container ...`, `hull image ...`). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_subcommand(struct hull_cli *cli, int argc, char **argv, const char *cmd, const char *usage_head, int name_width,
		   const struct hull_command *table)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_head, stdout);
		for (const struct hull_command *c = table; c->name; c++)
			printf("  %-*s %s\n", name_width, c->name, c->summary);
		return argc < 2 ? 1 : 0;
	}
	for (const struct hull_command *c = table; c->name; c++)
		if (!strcmp(c->name, argv[1])) {
			/* the subcommand parses its own flags from its argv[0] */
			optind = 0;
			return c->run(cli, argc - 1, argv + 1);
		}
	return cli_usage_error(cmd, "unknown command `%s`", argv[1]);
}
