/* scan.c - `hull scan IMAGE|DIR` and `hull scan db import|info`.
 *
 * Exit status (what CI pipelines gate on): 0 when nothing reaches
 * --fail-on (or no --fail-on was given), 1 when a finding does, 2 on any
 * error (bad flag, unreadable root, missing database). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../cli.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/output.h"
#include "hull/scan.h"
#include "scan_cli.h"

#define EXIT_FINDINGS 1
#define EXIT_ERROR 2

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: hull scan [OPTIONS] IMAGE|DIR\n"
		"       hull scan db import [--db DIR] [--add] FILE|DIR...\n"
		"       hull scan db info [--db DIR] [--format table|json]\n\n"
		"Find known vulnerabilities of the OS packages (dpkg, apk, rpm) in an image or a root\n"
		"filesystem, offline, from a local OSV database, and risky configuration: root user,\n"
		"setuid/setgid files, world-writable paths, private keys and credentials.\n\n"
		"Options:\n"
		"  --db DIR               vulnerability database (default $HULL_SCAN_DB or <data root>/scan/db)\n"
		"  -f, --format FMT       table (default), json or sarif\n"
		"  -o, --output FILE      write the report to FILE instead of stdout\n"
		"  -s, --severity LIST    only report these severities (UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL)\n"
		"      --ignore-unfixed   leave out vulnerabilities that have no fixed version yet\n"
		"      --fail-on SEV      exit 1 when a finding is SEV or worse (e.g. HIGH)\n"
		"      --skip-vulns       configuration audit only (no database needed)\n"
		"      --skip-config      vulnerabilities only\n"
		"      --ignore ID        leave out a vulnerability (OSV id or alias) or check id; repeatable\n"
		"      --ignore-file F    ids to leave out, one per line, # comments (.trivyignore format)\n"
		"      --skip-dirs DIR    do not audit the tree DIR of the image (repeatable)\n"
		"      --image-config F   take USER from an OCI image config file F (for a DIR)\n\n"
		"Exit status: 0 clean, 1 findings at or above --fail-on, 2 error.\n");
}

int scan_cli_error(struct hull_cli *cli, struct hull_error *err)
{
	cli_fail(cli, err);
	return EXIT_ERROR;
}

int scan_cli_usage(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "hull scan: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'hull scan --help' for usage.\n");
	return EXIT_ERROR;
}

static void strv_push(char ***v, const char *s)
{
	size_t n = 0;
	while (*v && (*v)[n])
		n++;
	*v = hull_xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = hull_xstrdup(s);
	(*v)[n + 1] = NULL;
}

struct scan_args {
	struct hull_scan_options opts;
	int format;
	int fail_on; /* -1: never fail on findings */
	const char *output;
	const char *image_config;
	const char *target;
};

static int parse_args(int argc, char **argv, struct scan_args *a)
{
	enum { OPT_DB = 256, OPT_IGNORE_UNFIXED, OPT_FAIL_ON, OPT_SKIP_VULNS, OPT_SKIP_CONFIG, OPT_IMAGE_CONFIG,
	       OPT_IGNORE, OPT_IGNORE_FILE, OPT_SKIP_DIRS };
	static const struct option opts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "severity", required_argument, NULL, 's' },
		{ "ignore-unfixed", no_argument, NULL, OPT_IGNORE_UNFIXED },
		{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
		{ "skip-vulns", no_argument, NULL, OPT_SKIP_VULNS },
		{ "skip-config", no_argument, NULL, OPT_SKIP_CONFIG },
		{ "image-config", required_argument, NULL, OPT_IMAGE_CONFIG },
		{ "ignore", required_argument, NULL, OPT_IGNORE },
		{ "ignore-file", required_argument, NULL, OPT_IGNORE_FILE },
		{ "skip-dirs", required_argument, NULL, OPT_SKIP_DIRS },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;
	opterr = 0; /* our own message, naming the option */
	while ((c = getopt_long(argc, argv, "+f:o:s:h", opts, NULL)) != -1) {
		_cleanup_error_ struct hull_error *err = NULL;
		switch (c) {
		case OPT_DB: a->opts.db_dir = optarg; break;
		case 'f':
			a->format = hull_scan_format_parse(optarg);
			if (a->format < 0)
				return scan_cli_usage("unknown format `%s` (use table, json or sarif)", optarg);
			break;
		case 'o': a->output = optarg; break;
		case 's':
			if (hull_scan_severity_list_parse(optarg, &a->opts.severities, &err) < 0)
				return scan_cli_usage("--severity: %s", err->msg);
			break;
		case OPT_IGNORE_UNFIXED: a->opts.ignore_unfixed = true; break;
		case OPT_FAIL_ON:
			a->fail_on = hull_scan_severity_parse(optarg);
			if (a->fail_on < 0)
				return scan_cli_usage("--fail-on: unknown severity `%s` (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)",
						      optarg);
			break;
		case OPT_SKIP_VULNS: a->opts.skip_vulns = true; break;
		case OPT_SKIP_CONFIG: a->opts.skip_config = true; break;
		case OPT_IMAGE_CONFIG: a->image_config = optarg; break;
		case OPT_IGNORE: strv_push(&a->opts.ignore, optarg); break;
		case OPT_SKIP_DIRS: strv_push(&a->opts.skip_dirs, optarg); break;
		case OPT_IGNORE_FILE:
			if (hull_scan_ignore_file_read(optarg, &a->opts.ignore, &err) < 0)
				return scan_cli_usage("--ignore-file: %s", err->msg);
			break;
		case 'h': usage(stdout); return 0;
		default: return scan_cli_usage("unknown option or missing value: `%s`", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return scan_cli_usage("%s", optind >= argc ? "give one IMAGE or DIR to scan" : "give only one IMAGE or DIR");
	a->target = argv[optind];
	return -1;
}

/* USER from an OCI image config (image-spec config.md: config.User). */
static int read_image_user(const char *path, char **user, struct hull_error **err)
{
	_cleanup_json_ json_t *j = hull_json_load_file(path, path, err);
	if (!j)
		return -1;
	json_t *config = NULL;
	const char *u = "";
	if (hull_json_get_object(j, "config", &config, false, path, "config", err) < 0)
		return -1;
	if (config && hull_json_get_string(config, "User", &u, false, path, "config.User", err) < 0)
		return -1;
	*user = hull_xstrdup(u);
	return 0;
}

static int open_target(struct hull_ctx *ctx, struct scan_args *a, struct hull_scan_root **root,
		       struct hull_error **err)
{
	struct stat st;
	if (stat(a->target, &st) == 0 && S_ISDIR(st.st_mode)) {
		int ret = hull_scan_root_open_dir(a->target, root, err);
		if (ret < 0)
			return ret;
	} else {
		int ret = scan_cli_open_image(ctx, a->target, root, err);
		if (ret < 0)
			return ret;
	}
	if (a->image_config) {
		_cleanup_free_ char *user = NULL;
		if (read_image_user(a->image_config, &user, err) < 0)
			return -1;
		hull_scan_root_set_user(*root, user);
	}
	return 0;
}

static int write_report(struct hull_cli *cli, struct scan_args *a, struct hull_scan_report *report)
{
	_cleanup_error_ struct hull_error *err = NULL;
	/* a temp name renamed at the end (a failed scan never leaves half a
	 * report), or a device or FIFO written into */
	_cleanup_(hull_output_discard) struct hull_output out = HULL_OUTPUT_INIT;
	if (hull_output_open(&out, a->output ? a->output : "-", 0644, &err) < 0)
		return scan_cli_error(cli, steal_ptr(err));
	FILE *f = stdout;
	if (a->output) {
		int fd = fcntl(out.fd, F_DUPFD_CLOEXEC, 0);
		f = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (!f) {
			hull_error_set(&err, errno, "open `%s`", a->output);
			if (fd >= 0)
				close(fd);
			return scan_cli_error(cli, steal_ptr(err));
		}
	}
	int ret = hull_scan_report_write(report, (enum hull_scan_format)a->format, f, &err);
	if (f != stdout && fclose(f) != 0 && ret >= 0)
		ret = hull_error_set(&err, errno, "write `%s`", a->output);
	if (ret >= 0)
		ret = hull_output_commit(&out, &err);
	return ret < 0 ? scan_cli_error(cli, steal_ptr(err)) : 0;
}

int scan_cli_main(struct hull_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "db"))
		return scan_cli_db(cli, argc - 1, argv + 1);
	struct scan_args a = { .format = HULL_SCAN_FORMAT_TABLE, .fail_on = -1 };
	int r = parse_args(argc, argv, &a);
	_cleanup_strv_ char **ignore = a.opts.ignore, **skip_dirs = a.opts.skip_dirs; /* freed on every return */
	(void)ignore, (void)skip_dirs;
	if (r >= 0)
		return r;
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_(hull_scan_root_freep) struct hull_scan_root *root = NULL;
	if (open_target(&cli->ctx, &a, &root, &err) < 0)
		return scan_cli_error(cli, steal_ptr(err));
	_cleanup_(hull_scan_report_freep) struct hull_scan_report *report = NULL;
	if (hull_scan_root_scan(&cli->ctx, root, a.target, &a.opts, &report, &err) < 0)
		return scan_cli_error(cli, steal_ptr(err));
	r = write_report(cli, &a, report);
	if (r)
		return r;
	if (a.fail_on >= 0 && hull_scan_report_fails(report, (enum hull_scan_severity)a.fail_on))
		return EXIT_FINDINGS;
	return 0;
}
