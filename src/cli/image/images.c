/* images.c - `hull images` / `hull image ls`: list local images. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/timefmt.h"
#include "image_cli.h"

static void usage(void)
{
	printf("Usage: hull images [OPTIONS] [REPOSITORY[:TAG]]\n\n"
	       "List images in the local store.\n\n"
	       "  -a, --all           show all images (also the intermediate images of builds)\n"
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
	struct timespec t;
	const char *c = img->config->created;
	if (c && hull_time_parse_rfc3339(c, &t, NULL) == 0)
		return (long long)t.tv_sec;
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

struct images_opts {
	bool quiet, no_trunc, json;
	bool all; /* -a: also the intermediate images of builds */
	const char *format, *filter;
	int dangling; /* --filter dangling=true (1) / false (0); -1: both */
};

/* Parse argv; returns -1 to go on, else an exit status. */
static int parse(int argc, char **argv, struct images_opts *o)
{
	static const struct option opts[] = { { "all", no_argument, 0, 'a' },       { "quiet", no_argument, 0, 'q' },
					      { "no-trunc", no_argument, 0, 'T' },   { "format", required_argument, 0, 'F' },
					      { "filter", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
					      { 0 } };
	*o = (struct images_opts){ .dangling = -1 };
	int c;
	while ((c = getopt_long(argc, argv, "aqf:h", opts, NULL)) != -1) {
		if (c == 'a') {
			o->all = true;
			continue;
		}
		if (c == 'q')
			o->quiet = true;
		else if (c == 'T')
			o->no_trunc = true;
		else if (c == 'f' && !strcmp(optarg, "dangling=true"))
			o->dangling = 1;
		else if (c == 'f' && !strcmp(optarg, "dangling=false"))
			o->dangling = 0;
		else if (c == 'f' && !strncmp(optarg, "reference=", 10))
			o->filter = optarg + 10;
		else if (c == 'f')
			return cli_usage_error(argv[0], "--filter: dangling=true|false or reference=NAME, not `%s`", optarg);
		else if (c == 'F' && !strcmp(optarg, "json"))
			o->json = true;
		else if (c == 'F')
			o->format = optarg;
		else if (c == 'h') {
			usage();
			return 0;
		} else
			return cli_usage_error(argv[0], "unknown option");
	}
	if (optind < argc)
		o->filter = argv[optind];
	return -1;
}

/* One image: table rows (one per matching name), an id, a template row or
 * a JSON object. Returns 0 or an exit status. */
static int show(const struct images_opts *o, struct hull_image *img, json_t *arr, const char *cmd)
{
	bool table = !o->json && !o->quiet && !o->format;
	if (o->dangling >= 0 && (o->dangling == 1) != (*img->names == NULL))
		return 0;
	/* untagged images appear only when not filtering by name */
	bool shown = !*img->names && !o->filter;
	for (char **n = img->names; *n; n++) {
		if (!matches(*n, o->filter))
			continue;
		shown = true;
		if (table)
			print_row(img, *n, o->no_trunc);
	}
	if (!shown)
		return 0;
	if (!*img->names && table)
		print_row(img, NULL, o->no_trunc);
	if (o->format)
		return format_rows(img, o->filter, o->format, cmd);
	if (o->quiet)
		printf("%.*s\n", o->no_trunc ? 71 : 12, o->no_trunc ? img->id : img->id + 7);
	if (o->json)
		json_array_append_new(arr, image_cli_inspect_json(img));
	return 0;
}

/* Is img an intermediate image, as docker hides them: untagged, and the
 * history of another image begins with all of its own (a build's earlier
 * step: its steps' created times make histories unique). */
static bool intermediate(struct hull_image *img, struct hull_image **list)
{
	json_t *mine = json_object_get(img->config->raw, "history");
	size_t n = json_array_size(mine);
	if (*img->names || n == 0)
		return false;
	for (struct hull_image **p = list; *p; p++) {
		json_t *theirs = json_object_get((*p)->config->raw, "history");
		if (*p == img || json_array_size(theirs) <= n)
			continue;
		bool prefix = true;
		for (size_t i = 0; i < n && prefix; i++)
			prefix = json_equal(json_array_get(mine, i), json_array_get(theirs, i));
		if (prefix)
			return true;
	}
	return false;
}

int cmd_images(struct hull_cli *cli, int argc, char **argv)
{
	struct images_opts o;
	int st = parse(argc, argv, &o);
	if (st >= 0)
		return st;
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_image **list = NULL;
	struct hull_error *err = NULL;
	if (hull_image_list(s, &list, &err) < 0)
		return cli_fail(cli, err);
	_cleanup_json_ json_t *arr = json_array();
	if (!o.json && !o.quiet && !o.format)
		printf("%-40s %-12s %-20s %-24s %s\n", "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE");
	st = 0;
	for (struct hull_image **p = list; *p && !st; p++)
		if (o.all || !intermediate(*p, list))
			st = show(&o, *p, arr, argv[0]);
	hull_image_list_free(list);
	if (o.json && !st) {
		_cleanup_free_ char *out = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", out);
	}
	return st;
}
