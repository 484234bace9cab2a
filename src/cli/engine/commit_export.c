/* commit_export.c - `hull commit` and `hull export`. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/commit_export.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/output.h"

int cmd_engine_commit(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "author", required_argument, NULL, 'a' },
					      { "message", required_argument, NULL, 'm' },
					      { "pause", optional_argument, NULL, 'p' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	const char *author = NULL, *message = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+a:m:p", opts, NULL)) != -1) {
		if (c == 'a')
			author = optarg;
		else if (c == 'm')
			message = optarg;
		else if (c == 'H') {
			printf("Usage: hull commit [-a AUTHOR] [-m MESSAGE] CONTAINER [REPOSITORY[:TAG]]\n\n"
			       "Make an image from a container's changes\n");
			return 0;
		} else if (c != 'p')
			return cli_usage_error("commit", "unknown flag");
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error("commit", "requires 1 or 2 arguments: CONTAINER [REPOSITORY[:TAG]]");
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *ctr = hull_container_load(&cli->ctx, argv[optind], &err);
	if (!ctr)
		return cli_fail(cli, err);
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	if (hull_image_store_open(&cli->ctx, &store, &err) < 0)
		return cli_fail(cli, err);
	_cleanup_free_ char *id = NULL;
	const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (hull_engine_commit(&cli->ctx, store, ctr, name, author, message, &id, &err) < 0)
		return cli_fail(cli, err);
	printf("%s\n", id);
	return 0;
}

int cmd_engine_export(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	const char *output = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
		if (c == 'o')
			output = optarg;
		else if (c == 'H') {
			printf("Usage: hull export [-o FILE] CONTAINER\n\nWrite a container's filesystem as one tar\n");
			return 0;
		} else
			return cli_usage_error("export", "unknown flag");
	}
	if (optind + 1 != argc)
		return cli_usage_error("export", "requires exactly 1 argument");
	if (!output && isatty(STDOUT_FILENO))
		return cli_usage_error("export", "refusing to write a tar to a terminal: use -o FILE or redirect");
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *ctr = hull_container_load(&cli->ctx, argv[optind], &err);
	if (!ctr)
		return cli_fail(cli, err);
	/* a temp name renamed at the end (a failed export leaves no half tar);
	 * -o /dev/null or a FIFO is written into */
	_cleanup_(hull_output_discard) struct hull_output out = HULL_OUTPUT_INIT;
	if (hull_output_open(&out, output ? output : "-", 0644, &err) < 0)
		return cli_fail(cli, err);
	if (hull_engine_export(&cli->ctx, ctr, out.fd, &err) < 0 || hull_output_commit(&out, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
