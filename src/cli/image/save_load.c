/* save_load.c - `hull save -o FILE [--format docker-archive|oci-archive|oci-dir] IMAGE...`
 * and `hull load -i FILE|DIR`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "image_cli.h"

int cmd_save(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, 0, 'o' },
					      { "format", required_argument, 0, 'f' },
					      { "help", no_argument, 0, 'h' }, { 0 } };
	const char *out = NULL;
	enum hull_archive_format fmt = HULL_ARCHIVE_DOCKER;
	int c;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'f') {
			if (!strcmp(optarg, "docker-archive"))
				fmt = HULL_ARCHIVE_DOCKER;
			else if (!strcmp(optarg, "oci-archive"))
				fmt = HULL_ARCHIVE_OCI;
			else if (!strcmp(optarg, "oci-dir") || !strcmp(optarg, "oci"))
				fmt = HULL_ARCHIVE_OCI_DIR;
			else
				return cli_usage_error(argv[0], "--format: docker-archive, oci-archive or oci-dir, not `%s`",
						       optarg);
		} else if (c == 'h') {
			printf("Usage: hull save [-o FILE] [--format docker-archive|oci-archive|oci-dir] IMAGE...\n\n"
			       "Write images to a tar (stdout when not a terminal and no -o) or an OCI layout directory.\n"
			       "docker-archive also carries the OCI layout, so docker, podman and OCI tools all read it.\n");
			return 0;
		} else
			return cli_usage_error(argv[0], "unknown option");
	}
	if (optind >= argc)
		return cli_usage_error(argv[0], "requires at least 1 image");
	if (!out) {
		if (isatty(STDOUT_FILENO))
			return cli_usage_error(argv[0], "refusing to write a tar to a terminal: give -o FILE or redirect");
		out = "-";
	}
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_error *err = NULL;
	if (hull_image_save(s, argv + optind, out, fmt, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}

int cmd_load(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "input", required_argument, 0, 'i' },
					      { "quiet", no_argument, 0, 'q' },
					      { "help", no_argument, 0, 'h' }, { 0 } };
	const char *in = NULL;
	bool quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "i:qh", opts, NULL)) != -1) {
		if (c == 'i')
			in = optarg;
		else if (c == 'q')
			quiet = true;
		else if (c == 'h') {
			printf("Usage: hull load [-i FILE|DIR]\n\n"
			       "Load images from a docker-archive or OCI archive (optionally compressed; stdin\n"
			       "without -i) or an OCI layout directory. Every blob and layer is verified.\n");
			return 0;
		} else
			return cli_usage_error(argv[0], "unknown option");
	}
	if (!in)
		in = optind < argc ? argv[optind] : "-";
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_error *err = NULL;
	char **lines = NULL;
	if (hull_image_load(s, in, &lines, &err) < 0)
		return cli_fail(cli, err);
	if (quiet)
		hull_strv_free(lines);
	else
		image_cli_print_lines(lines);
	return 0;
}
