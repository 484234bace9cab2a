/* common.c - formatting and flag helpers for the engine's commands. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

void engine_human_size(unsigned long long bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000.0 && u + 1 < HULL_ARRAY_SIZE(units)) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%lluB", bytes);
	else
		snprintf(buf, size, "%.4g%s", v, units[u]);
}

void engine_human_duration(int64_t ns, char *buf, size_t size)
{
	int64_t s = ns / 1000000000LL;
	if (s < 1)
		snprintf(buf, size, "Less than a second");
	else if (s == 1)
		snprintf(buf, size, "1 second");
	else if (s < 60)
		snprintf(buf, size, "%lld seconds", (long long)s);
	else if (s / 60 == 1)
		snprintf(buf, size, "About a minute");
	else if (s / 60 < 60)
		snprintf(buf, size, "%lld minutes", (long long)(s / 60));
	else if (s / 3600 == 1)
		snprintf(buf, size, "About an hour");
	else if (s / 3600 < 48)
		snprintf(buf, size, "%lld hours", (long long)(s / 3600));
	else if (s / 86400 < 14)
		snprintf(buf, size, "%lld days", (long long)(s / 86400));
	else if (s / 86400 < 60)
		snprintf(buf, size, "%lld weeks", (long long)(s / 604800));
	else if (s / 86400 < 730)
		snprintf(buf, size, "%lld months", (long long)(s / 2592000));
	else
		snprintf(buf, size, "%lld years", (long long)(s / 31536000));
}

void engine_human_ago(int64_t then_ns, char *buf, size_t size)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	char d[64];
	engine_human_duration(now - then_ns, d, sizeof(d));
	snprintf(buf, size, "%s ago", d);
}

void engine_print_json(json_t *j)
{
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	if (s)
		printf("%s\n", s);
}

/* Characters, not bytes: a UTF-8 continuation byte adds no column. */
static size_t display_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void table_cell(const char *text, size_t width, bool last)
{
	fputs(text, stdout);
	if (last) {
		putchar('\n');
		return;
	}
	for (size_t pad = display_width(text); pad < width + 3; pad++)
		putchar(' ');
}

static const char *row_cell(json_t *row, const char *const *keys, size_t k)
{
	return json_string_value(keys ? json_object_get(row, keys[k]) : json_array_get(row, k));
}

void engine_print_table(const char *const *heads, const char *const *keys, size_t cols, json_t *rows)
{
	_cleanup_free_ size_t *width = hull_xcalloc(cols, sizeof(*width));
	for (size_t k = 0; k < cols; k++)
		width[k] = display_width(heads[k]);
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		for (size_t k = 0; k < cols; k++) {
			size_t l = display_width(row_cell(r, keys, k));
			width[k] = l > width[k] ? l : width[k];
		}
	for (size_t k = 0; k < cols; k++)
		table_cell(heads[k], width[k], k + 1 == cols);
	json_array_foreach(rows, i, r)
		for (size_t k = 0; k < cols; k++)
			table_cell(row_cell(r, keys, k), width[k], k + 1 == cols);
}

bool engine_parse_label(json_t *obj, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (eq == kv || !*kv)
		return false;
	if (!eq) {
		json_object_set_new(obj, kv, json_string(""));
		return true;
	}
	_cleanup_free_ char *key = strndup(kv, (size_t)(eq - kv));
	json_object_set_new(obj, key, json_string(eq + 1));
	return true;
}

bool engine_confirm(const char *msg)
{
	fprintf(stderr, "%s [y/N] ", msg);
	fflush(stderr);
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

void engine_print_deleted(const char *title, char **names)
{
	if (!names || !names[0])
		return;
	printf("%s:\n", title);
	for (char **n = names; *n; n++)
		printf("%s\n", *n);
	printf("\n");
}

void engine_print_reclaimed(unsigned long long bytes)
{
	char human[32];
	engine_human_size(bytes, human, sizeof(human));
	printf("Total reclaimed space: %s\n", human);
}

bool engine_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}

static struct termios saved_tty;
static bool tty_raw;

void engine_tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_raw = false;
}

void engine_tty_raw(void)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	struct termios raw = saved_tty;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
		tty_raw = true;
}

int engine_ls_flags(int argc, char **argv, const char *cmd, bool *quiet, bool *json)
{
	static const struct option opts[] = { { "quiet", no_argument, NULL, 'q' },
					      { "format", required_argument, NULL, 'f' },
					      { 0 } };
	int c;
	*quiet = *json = false;
	while ((c = getopt_long(argc, argv, "+q", opts, NULL)) != -1) {
		if (c == 'q')
			*quiet = true;
		else if (c == 'f' && !strcmp(optarg, "json"))
			*json = true;
		else if (c == 'f')
			return cli_usage_error(cmd, "--format: only `json` is known, not `%s`", optarg);
		else
			return cli_usage_error(cmd, "unknown flag");
	}
	if (optind < argc)
		return cli_usage_error(cmd, "accepts no arguments, not `%s`", argv[optind]);
	return 0;
}

int engine_inspect_each(struct hull_cli *cli, int argc, char **argv, const char *cmd,
			json_t *(*get)(struct hull_cli *cli, const char *name, struct hull_error **err))
{
	if (argc < 2)
		return cli_usage_error(cmd, "requires at least 1 argument");
	_cleanup_json_ json_t *out = json_array();
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct hull_error *err = NULL;
		json_t *j = get(cli, argv[i], &err);
		if (!j) {
			status = cli_fail(cli, err);
			continue;
		}
		json_array_append_new(out, j);
	}
	engine_print_json(out);
	return status;
}
