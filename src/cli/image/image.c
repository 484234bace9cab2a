/* image.c - `hull image SUBCOMMAND` (docker's management command), with
 * inspect, prune and build-default, which have no top-level form. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/json.h"
#include "hull/timefmt.h"
#include "image_cli.h"

int cmd_image_inspect(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, 0, 'f' },
					      { "help", no_argument, 0, 'h' }, { 0 } };
	const char *format = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: hull image inspect [--format TEMPLATE] IMAGE...\n\nPrint images as a JSON array "
			       "(docker's fields,\nplus LayerDirs: the unpacked layers, bottom first), or each through\n"
			       "TEMPLATE: '{{.Id}}', '{{json .Config}}', '{{.Config.Cmd}}'.\n");
			return 0;
		}
		if (c != 'f')
			return cli_usage_error(argv[0], "unknown option");
		format = strcmp(optarg, "json") ? optarg : NULL;
	}
	if (optind >= argc)
		return cli_usage_error(argv[0], "requires at least 1 argument");
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	_cleanup_json_ json_t *arr = json_array();
	int status = 0;
	for (int i = optind; i < argc; i++) {
		struct hull_error *err = NULL;
		_cleanup_(hull_image_freep) struct hull_image *img = NULL;
		if (hull_image_get(s, argv[i], &img, &err) < 0) {
			status = cli_fail(cli, err);
			continue;
		}
		json_t *o = image_cli_inspect_json(img);
		if (format) {
			int st = image_cli_format(stdout, format, o, argv[0]);
			json_decref(o);
			if (st)
				return st;
			continue;
		}
		json_array_append_new(arr, o);
	}
	if (!format) {
		_cleanup_free_ char *out = json_dumps(arr, JSON_INDENT(4));
		printf("%s\n", out);
	}
	return status;
}

/* --filter until=T (docker's time forms); other keys are refused. */
static int prune_filter(const char *f, struct timespec *until)
{
	if (strncmp(f, "until=", 6))
		return cli_usage_error("image prune", "invalid filter '%s' (image prune takes until=)", f);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	_cleanup_error_ struct hull_error *err = NULL;
	if (hull_time_parse_filter(f + 6, &now, until, &err) < 0)
		return cli_usage_error("image prune", "invalid filter '%s': %s", f, err->msg);
	return 0;
}

int cmd_image_prune(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, 0, 'a' },
					      { "force", no_argument, 0, 'f' },
					      { "filter", required_argument, 0, 'F' },
					      { "help", no_argument, 0, 'h' },
					      { 0 } };
	bool all = false, has_until = false;
	struct timespec until = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "afh", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'F') {
			int r = prune_filter(optarg, &until);
			if (r)
				return r;
			has_until = true;
		} else if (c == 'h') {
			printf("Usage: hull image prune [-a] [-f] [--filter until=TIME]\n\nRemove dangling images (-a: "
			       "every image no\ncontainer uses) and collect unreferenced blobs and layers.\n"
			       "--filter until=TIME keeps images created at or after TIME (10m, 1h30m, a unix time,\n"
			       "2026-12-07, 2026-12-07T10:00:00+02:00).\n");
			return 0;
		} else if (c != 'f')
			return cli_usage_error(argv[0], "unknown option");
	}
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	char **lines = NULL;
	long long freed = 0;
	struct hull_error *err = NULL;
	if (hull_image_prune(s, all, has_until ? &until : NULL, &lines, &freed, &err) < 0)
		return cli_fail(cli, err);
	if (lines && *lines)
		printf("Deleted Images:\n");
	image_cli_print_lines(lines);
	char size[32];
	printf("\nTotal reclaimed space: %s\n", image_cli_size(freed, size, sizeof(size)));
	return 0;
}

int cmd_image_build_default(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "busybox", required_argument, 0, 'b' },
					      { "help", no_argument, 0, 'h' }, { 0 } };
	const char *busybox = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'b')
			busybox = optarg;
		else if (c == 'h') {
			printf("Usage: hull image build-default [--busybox PATH] [NAME]\n\n"
			       "Build the offline image from Debian's busybox-static (default name\n"
			       "busybox:latest, so `hull run busybox` works with no registry).\n");
			return 0;
		} else
			return cli_usage_error(argv[0], "unknown option");
	}
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_error *err = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_build_default(s, busybox, optind < argc ? argv[optind] : NULL, &img, &err) < 0)
		return cli_fail(cli, err);
	printf("%s\n", img->id);
	return 0;
}

static const struct hull_command subcommands[] = {
	{ "build-default", "build the offline busybox image", cmd_image_build_default },
	{ "history", "show the history of an image", cmd_image_history },
	{ "import", "make an image from a rootfs tar", cmd_import },
	{ "inspect", "show images as JSON", cmd_image_inspect },
	{ "load", "load images from a tar or OCI layout", cmd_load },
	{ "ls", "list images", cmd_images },
	{ "list", "list images", cmd_images },
	{ "prune", "remove unused images", cmd_image_prune },
	{ "pull", "pull an image from a registry", cmd_pull },
	{ "push", "push an image to a registry", cmd_push },
	{ "rm", "remove images", cmd_rmi },
	{ "save", "save images to a tar or OCI layout", cmd_save },
	{ "tag", "name an image", cmd_tag },
	{ 0 },
};

int cmd_image(struct hull_cli *cli, int argc, char **argv)
{
	return cli_subcommand(cli, argc, argv, "image", "Usage: hull image COMMAND\n\nCommands:\n", 14, subcommands);
}
