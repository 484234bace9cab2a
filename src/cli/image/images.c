/* images.c - `hull images` / `hull image ls`: list local images. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "image_cli.h"

static void usage(void)
{
	printf("Usage: hull images [OPTIONS] [REPOSITORY[:TAG]]\n\n"
	       "List images in the local store.\n\n"
	       "  -a, --all           show all images (also untagged ones)\n"
	       "  -q, --quiet         only image ids\n"
	       "      --no-trunc      full ids\n"
	       "      --format json   a JSON array, one object per image\n");
}

/* REPOSITORY[:TAG] filter on a full name. */
static bool matches(const char *full, const char *filter)
{
	if (!filter)
		return true;
	_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
	if (hull_reference_parse(filter, &ref, NULL) < 0)
		return false;
	_cleanup_free_ char *name = hull_reference_name(ref);
	size_t n = strlen(name);
	if (strncmp(full, name, n) || full[n] != ':')
		return false;
	return !strchr(filter, ':') || !strcmp(full + n + 1, ref->tag);
}

static void print_row(const struct hull_image *img, const char *full, bool no_trunc)
{
	char size[32], ago[64];
	_cleanup_free_ char *fam = full ? hull_reference_familiar(full) : NULL;
	char *colon = fam ? strrchr(fam, ':') : NULL;
	if (colon)
		*colon = '\0';
	printf("%-40s %-12s %-20.*s %-24s %s\n", fam ? fam : "<none>", colon ? colon + 1 : "<none>",
	       no_trunc ? 71 : 12, no_trunc ? img->id : img->id + 7, image_cli_ago(img->created, ago, sizeof(ago)),
	       image_cli_size(img->size, size, sizeof(size)));
}

int cmd_images(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, 0, 'a' },     { "quiet", no_argument, 0, 'q' },
					      { "no-trunc", no_argument, 0, 'T' }, { "format", required_argument, 0, 'f' },
					      { "help", no_argument, 0, 'h' },    { 0 } };
	bool quiet = false, no_trunc = false, json = false;
	int c;
	while ((c = getopt_long(argc, argv, "aqh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			break;
		case 'q':
			quiet = true;
			break;
		case 'T':
			no_trunc = true;
			break;
		case 'f':
			if (strcmp(optarg, "json"))
				return cli_usage_error(argv[0], "--format: only `json` is supported, not `%s`", optarg);
			json = true;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return cli_usage_error(argv[0], "unknown option");
		}
	}
	const char *filter = optind < argc ? argv[optind] : NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_image **list = NULL;
	struct hull_error *err = NULL;
	if (hull_image_list(s, &list, &err) < 0)
		return cli_fail(cli, err);
	_cleanup_json_ json_t *arr = json_array();
	if (!json && !quiet)
		printf("%-40s %-12s %-20s %-24s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	for (struct hull_image **p = list; *p; p++) {
		struct hull_image *img = *p;
		bool any = false;
		for (char **n = img->names; *n; n++) {
			if (!matches(*n, filter))
				continue;
			any = true;
			if (!json && !quiet)
				print_row(img, *n, no_trunc);
		}
		if (!*img->names && !filter && !json && !quiet)
			print_row(img, NULL, no_trunc);
		if (!any && (filter || *img->names) && !(!*img->names && !filter))
			continue;
		if (quiet)
			printf("%.*s\n", no_trunc ? 71 : 12, no_trunc ? img->id : img->id + 7);
		if (json)
			json_array_append_new(arr, image_cli_inspect_json(img));
	}
	hull_image_list_free(list);
	if (json) {
		_cleanup_free_ char *out = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", out);
	}
	return 0;
}
