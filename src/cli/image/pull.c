/* pull.c - `hull pull [--platform P] [--parallel N] REF`, with progress
 * bars on a terminal and only the result otherwise. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "registry_flags.h"

struct row {
	char id[13];
	enum hull_pull_state state;
	long long done, total;
};

struct bars {
	struct row *rows;
	int n;
	int drawn; /* lines on screen */
	struct timespec last;
};

static const char *state_name(enum hull_pull_state s)
{
	static const char *names[] = { "Waiting", "Downloading", "Extracting", "Already exists", "Pull complete" };
	return names[s];
}

static void draw(struct bars *b)
{
	if (b->drawn)
		fprintf(stderr, "\033[%dA", b->drawn);
	for (int i = 0; i < b->n; i++) {
		struct row *r = &b->rows[i];
		char line[160], done[32], total[32];
		int len = snprintf(line, sizeof(line), "%s: %-14s", r->id[0] ? r->id : "------------", state_name(r->state));
		if (r->state == HULL_PULL_DOWNLOADING && r->total > 0) {
			int width = 30, fill = (int)(width * r->done / r->total);
			snprintf(line + len, sizeof(line) - (size_t)len, " [%.*s>%*s] %s/%s", fill,
				 "==============================", width - fill, "", image_cli_size(r->done, done, sizeof(done)),
				 image_cli_size(r->total, total, sizeof(total)));
		}
		fprintf(stderr, "\r\033[K%s\n", line);
	}
	b->drawn = b->n;
	fflush(stderr);
}

static void on_progress(void *opaque, const struct hull_pull_progress *p)
{
	struct bars *b = opaque;
	if (p->index < 0)
		return;
	if (p->index >= b->n) {
		b->rows = hull_xrealloc(b->rows, (size_t)(p->index + 1) * sizeof(*b->rows));
		memset(b->rows + b->n, 0, (size_t)(p->index + 1 - b->n) * sizeof(*b->rows));
		b->n = p->index + 1;
	}
	struct row *r = &b->rows[p->index];
	bool changed = r->state != p->state;
	snprintf(r->id, sizeof(r->id), "%.12s", p->digest + 7);
	r->state = p->state;
	r->done = p->done;
	r->total = p->total;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - b->last.tv_sec) * 1000 + (now.tv_nsec - b->last.tv_nsec) / 1000000;
	if (changed || ms >= 100) {
		b->last = now;
		draw(b);
	}
}

static const char usage[] =
	"Usage: hull pull [OPTIONS] NAME[:TAG|@DIGEST]\n\n"
	"Pull an image from a registry (short names as docker: busybox -> docker.io/library/busybox:latest).\n\n"
	"  -q, --quiet               print only the image name\n"
	"      --platform OS/ARCH[/VARIANT]  choose from a multi-platform index\n"
	"      --parallel N          layers downloaded at once (default 3)\n" REGISTRY_FLAGS_HELP;

int cmd_pull(struct hull_cli *cli, int argc, char **argv)
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
		int st = registry_option(&f, c, optarg, argv[0], usage);
		if (st != REGISTRY_OPTION_TAKEN)
			return st;
	}
	if (optind != argc - 1)
		return cli_usage_error(argv[0], "requires exactly 1 argument: the image to pull");
	const char *ref = argv[optind];
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct bars bars = { 0 };
	if (!quiet && isatty(STDERR_FILENO)) {
		f.o.progress = on_progress;
		f.o.progress_opaque = &bars;
	}
	_cleanup_(hull_image_freep) struct hull_image *before = NULL;
	struct hull_error *ignored = NULL;
	hull_image_get(s, ref, &before, &ignored);
	hull_error_free(ignored);
	struct hull_error *err = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	int ret = hull_image_pull(s, ref, &f.o, &img, &err);
	free(bars.rows);
	if (ret < 0)
		return cli_fail(cli, err);
	_cleanup_(hull_reference_freep) struct hull_reference *parsed = NULL;
	hull_reference_parse(ref, &parsed, NULL);
	_cleanup_free_ char *full = hull_reference_string(parsed);
	if (!quiet) {
		_cleanup_free_ char *fam = hull_reference_familiar(full);
		const char *digest = img->repo_digests[0] ? strchr(img->repo_digests[0], '@') : NULL;
		if (digest)
			printf("Digest: %s\n", digest + 1);
		bool same = before && !strcmp(before->id, img->id);
		printf("Status: %s for %s\n", same ? "Image is up to date" : "Downloaded newer image", fam);
	}
	printf("%s\n", full);
	return 0;
}
