/* build.c - `hull build`: docker build's command line over hull_build. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli.h"
#include "commands.h"
#include "hull/build.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/scan.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void say(void *data, const char *line)
{
	(void)data;
	fputs(line, stdout);
	fflush(stdout);
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = hull_xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = hull_xstrdup(s);
	(*v)[*n] = NULL;
}

static int usage(void)
{
	printf("Usage: hull build [OPTIONS] PATH | -\n\n"
	       "Build an image from a Dockerfile\n\n"
	       "Options:\n"
	       "      --build-arg K=V    Set a build-time variable (K alone: from the environment)\n"
	       "  -f, --file FILE        Name of the Dockerfile (default: PATH/Dockerfile; - reads stdin)\n"
	       "      --iidfile FILE     Write the image ID to the file\n"
	       "      --label K=V        Set metadata for the image\n"
	       "      --network MODE     Networking mode for the RUN instructions (default: bridge; none, host)\n"
	       "      --no-cache         Do not use the cache when building the image\n"
	       "  -q, --quiet            Suppress the build output and print the image ID on success\n"
	       "  -t, --tag NAME         Name and optionally a tag in the 'name:tag' format\n"
	       "      --target STAGE     Set the target build stage to build\n"
	       "      --secret id=X,src=FILE  A file a RUN --mount=type=secret,id=X reads (never in the image)\n"
	       "      --scan SEVERITY    Scan the image (as hull scan) and fail on a finding at SEVERITY or above\n"
	       "                         (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL); the image is then not tagged\n"
	       "      --scan-db DIR      The vulnerability database --scan uses (default: hull scan's)\n"
	       "      --rm, --force-rm   Accepted: intermediate containers are always removed\n");
	return 0;
}

/* -f - : the Dockerfile from stdin, into a temp file under data_root. */
static char *dockerfile_from_stdin(struct hull_cli *cli, struct hull_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	if (hull_read_all_max(STDIN_FILENO, 4u << 20, &text, &len) < 0) {
		hull_error_msg(err, EFBIG, "read the Dockerfile from stdin");
		return NULL;
	}
	_cleanup_free_ char *dir = hull_path_join(cli->ctx.data_root, "build-tmp");
	hull_mkdir_p(dir, 0700, NULL);
	char *path = hull_strdup_printf("%s/Dockerfile.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0 || hull_write_all(fd, text, len) < 0) {
		hull_error_set(err, errno, "write `%s`", path);
		if (fd >= 0)
			close(fd);
		unlink(path);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

struct build_flags {
	char **tags, **args, **labels, **secrets;
	size_t n_tags, n_args, n_labels, n_secrets;
	const char *file, *iidfile;
	struct hull_build_options o;
};

static int parse(struct build_flags *f, int argc, char **argv, bool *help)
{
	static const struct option opts[] = {{"tag", required_argument, NULL, 't'},
					     {"file", required_argument, NULL, 'f'},
					     {"build-arg", required_argument, NULL, 'A'},
					     {"target", required_argument, NULL, 'T'},
					     {"no-cache", no_argument, NULL, 'N'},
					     {"label", required_argument, NULL, 'L'},
					     {"iidfile", required_argument, NULL, 'I'},
					     {"quiet", no_argument, NULL, 'q'},
					     {"network", required_argument, NULL, 'n'},
					     {"rm", optional_argument, NULL, 'R'},
					     {"force-rm", optional_argument, NULL, 'R'},
					     {"secret", required_argument, NULL, 's'},
					     {"scan", required_argument, NULL, 'S'},
					     {"scan-db", required_argument, NULL, 'D'},
					     {"help", no_argument, NULL, 'H'},
					     {0}};
	int c;
	*help = false;
	while ((c = getopt_long(argc, argv, "t:f:q", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			push(&f->tags, &f->n_tags, optarg);
			break;
		case 'f':
			f->file = optarg;
			break;
		case 'A':
			push(&f->args, &f->n_args, optarg);
			break;
		case 'L':
			push(&f->labels, &f->n_labels, optarg);
			break;
		case 'T':
			f->o.target = optarg;
			break;
		case 'N':
			f->o.no_cache = true;
			break;
		case 'I':
			f->iidfile = optarg;
			break;
		case 'q':
			f->o.quiet = true;
			break;
		case 'n':
			f->o.network = optarg;
			break;
		case 'R':
			break;
		case 'S':
			f->o.scan = true;
			f->o.scan_severity = hull_scan_severity_parse(optarg);
			if (f->o.scan_severity < 0)
				return cli_usage_error(
				    "build", "--scan: unknown severity `%s` (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)",
				    optarg);
			break;
		case 's':
			push(&f->secrets, &f->n_secrets, optarg);
			break;
		case 'D':
			f->o.scan_db = optarg;
			break;
		case 'H':
			*help = true;
			return 0;
		default:
			return cli_usage_error("build", "unknown flag");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("build", "\"build\" requires exactly 1 argument");
	f->o.context = argv[optind];
	return 0;
}

int cmd_engine_build(struct hull_cli *cli, int argc, char **argv)
{
	struct build_flags f = {0};
	bool help;
	int status = parse(&f, argc, argv, &help);
	if (status || help) {
		hull_strv_free(f.tags), hull_strv_free(f.args), hull_strv_free(f.labels), hull_strv_free(f.secrets);
		return help ? usage() : status;
	}
	struct hull_error *err = NULL;
	_cleanup_free_ char *ctxdir = NULL, *dfile = NULL, *stdin_df = NULL;
	if (!strcmp(f.o.context, "-")) {
		if (f.file && !strcmp(f.file, "-"))
			status =
			    cli_usage_error("build", "a context from stdin and a Dockerfile from stdin: choose one");
		else if (hull_build_extract_context(&cli->ctx, STDIN_FILENO, &ctxdir, &err) < 0)
			status = cli_fail(cli, err);
		else {
			f.o.context = ctxdir;
			/* -f names a file inside the tar, as docker's */
			dfile = hull_path_join(ctxdir, f.file ? f.file : "Dockerfile");
			f.o.dockerfile = dfile;
		}
	} else if (f.file && !strcmp(f.file, "-")) {
		if (!(stdin_df = dockerfile_from_stdin(cli, &err)))
			status = cli_fail(cli, err);
		f.o.dockerfile = stdin_df;
	} else
		f.o.dockerfile = f.file;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	if (!status && hull_image_store_open(&cli->ctx, &store, &err) < 0)
		status = cli_fail(cli, err);
	if (!status) {
		hull_image_store_set_in_use(store, hull_engine_image_in_use, &cli->ctx);
		struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: a RUN's wait returns */
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		f.o.tags = f.tags;
		f.o.build_args = f.args;
		f.o.labels = f.labels;
		f.o.secrets = f.secrets;
		f.o.interrupted = &interrupted;
		f.o.say = f.o.quiet ? NULL : say;
		_cleanup_free_ char *id = NULL;
		if (hull_build(&cli->ctx, store, &f.o, &id, &err) < 0) {
			if (err && err->code == ECHILD) {
				fprintf(stderr, "%s\n", err->msg); /* docker's words alone */
				hull_error_free(err);
				status = 1;
			} else
				status = cli_fail(cli, err);
		} else {
			if (f.iidfile && hull_write_file_atomic(f.iidfile, id, strlen(id), 0644, false, &err) < 0)
				status = cli_fail(cli, err);
			if (f.o.quiet)
				printf("%s\n", id);
		}
	}
	if (ctxdir)
		hull_rm_rf(ctxdir, NULL);
	if (stdin_df)
		unlink(stdin_df);
	hull_strv_free(f.tags);
	hull_strv_free(f.args);
	hull_strv_free(f.labels);
	hull_strv_free(f.secrets);
	return status;
}
