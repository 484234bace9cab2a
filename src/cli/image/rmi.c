/* rmi.c - `hull rmi` / `hull image rm`, and `hull tag`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hull/cleanup.h"
#include "image_cli.h"

int cmd_rmi(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, 0, 'f' }, { "help", no_argument, 0, 'h' }, { 0 } };
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'h') {
			printf("Usage: hull rmi [-f] IMAGE...\n\nRemove images (a name untags; an id deletes).\n");
			return 0;
		} else
			return cli_usage_error(argv[0], "unknown option");
	}
	if (optind >= argc)
		return cli_usage_error(argv[0], "requires at least 1 argument");
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	int status = 0;
	for (int i = optind; i < argc; i++) {
		char **lines = NULL;
		struct hull_error *err = NULL;
		if (hull_image_remove(s, argv[i], force, &lines, &err) < 0)
			status = cli_fail(cli, err);
		image_cli_print_lines(lines);
	}
	return status;
}

int cmd_tag(struct hull_cli *cli, int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: hull tag SOURCE_IMAGE TARGET_IMAGE[:TAG]\n");
		return 0;
	}
	if (argc != 3)
		return cli_usage_error(argv[0], "requires exactly 2 arguments: SOURCE TARGET");
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_error *err = NULL;
	if (hull_image_tag(s, argv[1], argv[2], &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
