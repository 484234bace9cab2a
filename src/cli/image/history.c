/* history.c - `hull history IMAGE` / `hull image history IMAGE`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cli.h"
#include "../human.h"
#include "../output.h"
#include "../template.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/history.h"
#include "hull/image.h"
#include "hull/json.h"
#include "image_cli.h"

/* docker's CREATED BY: tabs as spaces, cut to 45 columns with an ellipsis
 * unless --no-trunc (counting UTF-8 characters, not bytes). */
static char *created_by(const char *s, bool trunc)
{
	char *out = hull_xstrdup(s);
	for (char *p = out; *p; p++)
		if (*p == '\t' || *p == '\n')
			*p = ' ';
	if (!trunc)
		return out;
	size_t chars = 0, i = 0;
	for (; out[i] && chars < 45; i++)
		chars += ((unsigned char)out[i] & 0xc0) != 0x80;
	if (!out[i])
		return out;
	/* 44 characters and "…" */
	size_t cut = 0;
	for (size_t k = 0, c = 0; out[k]; k++) {
		if (((unsigned char)out[k] & 0xc0) != 0x80 && c++ == 44) {
			cut = k;
			break;
		}
	}
	out[cut] = '\0';
	char *r = hull_strdup_printf("%s\u2026", out);
	free(out);
	return r;
}

/* RFC 3339 in local time, as Go's time.Format(time.RFC3339) */
static void rfc3339_local(time_t t, char *buf, size_t len)
{
	struct tm tm;
	localtime_r(&t, &tm);
	char zone[8];
	strftime(zone, sizeof(zone), "%z", &tm); /* +0100 */
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!strcmp(zone, "+0000"))
		snprintf(buf + n, len - n, "Z");
	else
		snprintf(buf + n, len - n, "%.3s:%.2s", zone, zone + 3);
}

/* One row as docker's history formatter names the fields. */
static json_t *history_row(const struct hull_history_entry *e, const char *id, bool trunc, bool human)
{
	char ago[64] = "N/A", at[64] = "N/A", size[32];
	if (e->created) {
		cli_human_ago(e->created * 1000000000LL, ago, sizeof(ago));
		rfc3339_local((time_t)e->created, at, sizeof(at));
	}
	if (human)
		image_cli_size(e->size, size, sizeof(size));
	else
		snprintf(size, sizeof(size), "%lld", e->size);
	_cleanup_free_ char *by = created_by(e->created_by, trunc);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "ID", id, "CreatedSince", human ? ago : at, "CreatedAt", at,
			 "CreatedBy", by, "Size", size, "Comment", e->comment);
}

static void print_table(json_t *rows)
{
	static const char *const head[5] = { "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT" };
	static const char *const keys[5] = { "ID", "CreatedSince", "CreatedBy", "Size", "Comment" };
	cli_print_table(head, keys, 5, rows);
}

static int print_history(struct hull_image *img, const struct hull_history_entry *h, size_t n, bool trunc,
			 bool human, bool quiet, const char *format)
{
	const char *id = img->id + (strncmp(img->id, "sha256:", 7) ? 0 : 7);
	_cleanup_free_ char *short_id = trunc ? strndup(id, 12) : hull_xstrdup(img->id);
	_cleanup_json_ json_t *rows = json_array();
	/* docker names only the top step: the others are not images here */
	for (size_t i = 0; i < n; i++)
		json_array_append_new(rows, history_row(&h[i], i == 0 ? short_id : "<missing>", trunc, human));
	size_t i;
	json_t *r;
	if (quiet) {
		json_array_foreach(rows, i, r)
			printf("%s\n", json_string_value(json_object_get(r, "ID")));
		return 0;
	}
	if (!format || !strcmp(format, "table")) {
		print_table(rows);
		return 0;
	}
	json_array_foreach(rows, i, r)
	{
		int st = cli_format_row("history", format, r);
		if (st)
			return st;
	}
	return 0;
}

int cmd_image_history(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "no-trunc", no_argument, NULL, 'T' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "human", optional_argument, NULL, 'H' },
					      { "format", required_argument, NULL, 'F' },
					      { "help", no_argument, NULL, 'h' },
					      { 0 } };
	bool trunc = true, quiet = false, human = true;
	const char *format = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+qH::", opts, NULL)) != -1) {
		if (c == 'T')
			trunc = false;
		else if (c == 'q')
			quiet = true;
		else if (c == 'F')
			format = optarg;
		else if (c == 'H')
			/* pflag's -H=false, --human=false */
			human = !optarg || strcmp(optarg + (optarg[0] == '='), "false");
		else if (c == 'h') {
			printf("Usage: hull history [-q] [--no-trunc] [-H=false] [--format json|TEMPLATE] IMAGE\n\n"
			       "Show the history of an image (its config's build steps, newest first)\n"
			       "TEMPLATE fields: .ID .CreatedSince .CreatedAt .CreatedBy .Size .Comment\n");
			return 0;
		} else
			return cli_usage_error("history", "unknown flag");
	}
	if (argc - optind != 1)
		return cli_usage_error("history", "requires exactly 1 argument");
	struct hull_error *err = NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_store_open(&cli->ctx, &store, &err) < 0 || hull_image_get(store, argv[optind], &img, &err) < 0)
		return cli_fail(cli, err);
	struct hull_history_entry *h;
	size_t n;
	if (hull_engine_image_history(img, &h, &n, &err) < 0)
		return cli_fail(cli, err);
	int r = print_history(img, h, n, trunc, human, quiet, format);
	hull_history_free(h, n);
	return r;
}
