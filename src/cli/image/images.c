/* images.c - `hull images` / `hull image ls`: list local images. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
	       "  -f, --filter F      dangling=true|false, reference=NAME[:TAG]\n"
	       "      --no-trunc      full ids\n"
	       "      --format json   a JSON array, one object per image\n"
	       "      --format TMPL   a docker template: '{{.Repository}}:{{.Tag}} {{.ID}} {{.Size}}'\n");
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

/* The image's own creation time (config "created", RFC 3339), as docker
 * shows it; the time it entered the store when absent. */
static long long created_at(const struct hull_image *img)
{
	struct tm tm = { 0 };
	const char *c = img->config->created;
	if (c && strptime(c, "%Y-%m-%dT%H:%M:%S", &tm))
		return (long long)timegm(&tm);
	return img->created;
}

static void print_row(const struct hull_image *img, const char *full, bool no_trunc)
{
	char size[32], ago[64];
	_cleanup_free_ char *fam = full ? hull_reference_familiar(full) : NULL;
	char *colon = fam ? strrchr(fam, ':') : NULL;
	if (colon)
		*colon = '\0';
	printf("%-40s %-12s %-20.*s %-24s %s\n", fam ? fam : "<none>", colon ? colon + 1 : "<none>",
	       no_trunc ? 71 : 12, no_trunc ? img->id : img->id + 7, image_cli_ago(created_at(img), ago, sizeof(ago)),
	       image_cli_size(img->size, size, sizeof(size)));
}

/* docker images' template fields, one object per name. */
static int format_rows(const struct hull_image *img, const char *filter, const char *tmpl, const char *cmd)
{
	char size[32], ago[64];
	for (char **n = img->names; *n || n == img->names; n++) {
		if (*n && !matches(*n, filter))
			continue;
		_cleanup_free_ char *fam = *n ? hull_reference_familiar(*n) : hull_xstrdup("<none>:<none>");
		char *colon = strrchr(fam, ':');
		if (colon)
			*colon = '\0';
		const char *digest = img->repo_digests[0] ? strchr(img->repo_digests[0], '@') : NULL;
		_cleanup_json_ json_t *o = json_pack("{s:s, s:s, s:s%, s:s, s:s, s:s, s:I}", "Repository", fam, "Tag",
						     colon ? colon + 1 : "<none>", "ID", img->id + 7, (size_t)12,
						     "Digest", digest ? digest + 1 : "<none>", "CreatedSince",
						     image_cli_ago(created_at(img), ago, sizeof(ago)), "Size",
						     image_cli_size(img->size, size, sizeof(size)), "CreatedAt",
						     (json_int_t)created_at(img));
		int st = image_cli_format(stdout, tmpl, o, cmd);
		if (st || !*n)
			return st;
	}
	return 0;
}

int cmd_images(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, 0, 'a' },       { "quiet", no_argument, 0, 'q' },
					      { "no-trunc", no_argument, 0, 'T' },   { "format", required_argument, 0, 'F' },
					      { "filter", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
					      { 0 } };
	bool quiet = false, no_trunc = false, json = false;
	const char *format = NULL, *filter = NULL;
	int c;
	int dangling = -1; /* --filter dangling=true|false */
	while ((c = getopt_long(argc, argv, "aqf:h", opts, NULL)) != -1) {
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
			if (!strcmp(optarg, "dangling=true"))
				dangling = 1;
			else if (!strcmp(optarg, "dangling=false"))
				dangling = 0;
			else if (!strncmp(optarg, "reference=", 10))
				filter = optarg + 10;
			else
				return cli_usage_error(argv[0], "--filter: dangling=true|false or reference=NAME, not `%s`",
						       optarg);
			break;
		case 'F':
			if (strcmp(optarg, "json"))
				format = optarg;
			else
				json = true;
			break;
		case 'h':
			usage();
			return 0;
		default:
			return cli_usage_error(argv[0], "unknown option");
		}
	}
	if (optind < argc)
		filter = argv[optind];
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_image **list = NULL;
	struct hull_error *err = NULL;
	if (hull_image_list(s, &list, &err) < 0)
		return cli_fail(cli, err);
	_cleanup_json_ json_t *arr = json_array();
	if (!json && !quiet && !format)
		printf("%-40s %-12s %-20s %-24s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	for (struct hull_image **p = list; *p; p++) {
		struct hull_image *img = *p;
		if (dangling >= 0 && (dangling == 1) != (*img->names == NULL))
			continue;
		/* one row per matching name; untagged images only when not filtering */
		bool shown = !*img->names && !filter;
		for (char **n = img->names; *n; n++) {
			if (!matches(*n, filter))
				continue;
			shown = true;
			if (!json && !quiet && !format)
				print_row(img, *n, no_trunc);
		}
		if (!*img->names && !filter && !json && !quiet && !format)
			print_row(img, NULL, no_trunc);
		if (!shown)
			continue;
		if (format) {
			int st = format_rows(img, filter, format, argv[0]);
			if (st) {
				hull_image_list_free(list);
				return st;
			}
			continue;
		}
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
