/* push.c - `hull push IMAGE [DESTINATION]`. */
#include <getopt.h>
#include <stdio.h>

#include "hull/cleanup.h"
#include "registry_flags.h"

int cmd_push(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "quiet", no_argument, 0, 'q' },
					      { "help", no_argument, 0, 'h' },
					      REGISTRY_LONG_OPTIONS,
					      { 0 } };
	_cleanup_(registry_flags_clear) struct registry_flags f = { 0 };
	bool quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		if (c == 'q') {
			quiet = true;
			continue;
		}
		int st = registry_option(&f, c, optarg, argv[0],
					 "Usage: hull push [OPTIONS] IMAGE [DESTINATION]\n\n"
					 "Upload a local image (to its own name, or to DESTINATION).\n" REGISTRY_FLAGS_HELP);
		if (st != REGISTRY_OPTION_TAKEN)
			return st;
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error(argv[0], "requires IMAGE and an optional DESTINATION");
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_error *err = NULL;
	const char *dest = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (hull_image_push(s, argv[optind], dest, &f.o, &err) < 0)
		return cli_fail(cli, err);
	if (!quiet)
		printf("Pushed %s\n", dest ? dest : argv[optind]);
	return 0;
}
