/* scan_db.c - `hull scan db import` and `hull scan db info`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../cli.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/scan.h"
#include "hull/timefmt.h"
#include "scan_cli.h"

static void print_info(const struct hull_scan_db_info *info, bool json)
{
	char when[HULL_TIME_BUF_LEN];
	hull_time_format_rfc3339(&(struct timespec){ .tv_sec = (time_t)info->built }, when);
	if (json) {
		_cleanup_json_ json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:s}", "path", info->path, "records",
						     (json_int_t)info->records, "keys", (json_int_t)info->keys,
						     "built", when, "ecosystems", info->ecosystems);
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		return;
	}
	printf("database:   %s\nrecords:    %llu\npackages:   %llu\nbuilt:      %s\necosystems: %s\n", info->path,
	       (unsigned long long)info->records, (unsigned long long)info->keys, when, info->ecosystems);
}

static void db_usage(void)
{
	printf("Usage: hull scan db import [--db DIR] [--add] FILE.zip|FILE.json|DIR...\n"
	       "       hull scan db info [--db DIR] [--format table|json]\n\n"
	       "import builds the database from OSV exports (replacing it, or adding to it with\n"
	       "--add); a failed import leaves the previous database as it was.\n");
}

int scan_cli_db(struct hull_cli *cli, int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_ADD };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "add", no_argument, NULL, OPT_ADD },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	if (argc < 2)
		return scan_cli_usage("db: give a subcommand: import or info");
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		db_usage();
		return 0;
	}
	const char *db_dir = NULL;
	bool add = false, json = false;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "+f:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB: db_dir = optarg; break;
		case OPT_ADD: add = true; break;
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "table"))
				return scan_cli_usage("db: unknown format `%s` (use table or json)", optarg);
			json = !strcmp(optarg, "json");
			break;
		case 'h': db_usage(); return 0;
		default: return scan_cli_usage("db: unknown option or missing value: `%s`", argv[optind]);
		}
	}
	int first = optind + 1; /* optind counts within argv + 1 */
	_cleanup_free_ char *dir = db_dir ? hull_xstrdup(db_dir) : hull_scan_db_default_dir(&cli->ctx);
	_cleanup_error_ struct hull_error *err = NULL;
	struct hull_scan_db_info info = { 0 };
	int ret;
	if (!strcmp(sub, "import")) {
		if (first >= argc)
			return scan_cli_usage("db import: give an OSV zip, a .json file or a directory of records");
		ret = hull_scan_db_import(dir, (const char *const *)argv + first, (size_t)(argc - first), add, &info,
					  &err);
	} else if (!strcmp(sub, "info")) {
		if (first < argc)
			return scan_cli_usage("db info: unexpected argument `%s`", argv[first]);
		ret = hull_scan_db_stat(dir, &info, &err);
	} else {
		return scan_cli_usage("db: unknown subcommand `%s` (use import or info)", sub);
	}
	if (ret < 0)
		return scan_cli_error(cli, steal_ptr(err));
	print_info(&info, json);
	hull_scan_db_info_clear(&info);
	return 0;
}
