/* import.c - `hull import FILE|- [NAME]`: a root filesystem tar becomes an
 * image (docker import). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "image_cli.h"

int cmd_import(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "cmd", required_argument, 0, 'c' },
					      { "help", no_argument, 0, 'h' }, { 0 } };
	_cleanup_strv_ char **cmd = NULL;
	size_t n = 0;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'c') {
			cmd = hull_xrealloc(cmd, (n + 2) * sizeof(char *));
			cmd[n++] = hull_xstrdup(optarg);
			cmd[n] = NULL;
		} else if (c == 'h') {
			printf("Usage: hull import [--cmd ARG]... FILE|- [NAME[:TAG]]\n\n"
			       "Make a one-layer image from a root filesystem tar (plain, gzip or zstd).\n"
			       "Offline images: `tar -C ROOTFS -c . | hull import - myimage`.\n");
			return 0;
		} else
			return cli_usage_error(argv[0], "unknown option");
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error(argv[0], "requires FILE (or -) and an optional NAME");
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_error *err = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_import(s, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, cmd, &img, &err) < 0)
		return cli_fail(cli, err);
	printf("%s\n", img->id);
	return 0;
}
