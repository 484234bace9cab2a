/* cp.c - `hull cp`: docker cp's command line. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../cli.h"
#include "../human.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/cp.h"
#include "hull/fs.h"

/* docker's rule: CONTAINER:PATH when a ':' comes before any '/'; a local
 * path with a colon is written ./a:b. Returns the container part
 * (malloc'd) and points *path past the colon, or NULL for a local path. */
static char *split_container(const char *arg, const char **path)
{
	const char *colon = strchr(arg, ':');
	const char *slash = strchr(arg, '/');
	if (!colon || colon == arg || (slash && slash < colon))
		return NULL;
	*path = colon + 1;
	return strndup(arg, (size_t)(colon - arg));
}

static int usage(FILE *out)
{
	fprintf(out, "Usage: hull cp [-a] [-L] CONTAINER:SRC_PATH DEST_PATH|-\n"
		     "       hull cp [-a] [-L] SRC_PATH|- CONTAINER:DEST_PATH\n\n"
		     "Copy files/folders between a container and the local filesystem\n"
		     "(`-` is a tar stream on stdout or stdin)\n\n"
		     "  -a, --archive       Archive mode (copy all uid/gid information)\n"
		     "  -L, --follow-link   Always follow symbol link in SRC_PATH\n"
		     "  -q, --quiet         Suppress the summary a terminal gets\n\n"
		     "Copied out to a host directory, a container's device nodes, FIFOs and\n"
		     "sockets are skipped with a warning, and no file keeps a setuid or setgid\n"
		     "bit, with or without -a: -a keeps uid/gid; modes (less those bits) and\n"
		     "times are always kept. A tar on stdout (DEST_PATH `-`) carries everything\n"
		     "as it is in the container. A DEST_PATH that is a character device or a\n"
		     "FIFO (/dev/null, a pipe) gets the file's data written into it.\n");
	return out == stdout ? 0 : 1;
}

/* A container's device node, FIFO or socket left out of a copy to the host. */
static void warn_skipped(void *data, const char *name, const char *kind)
{
	(void)data;
	fprintf(stderr,
		"hull cp: skipped `%s`: %s is not made on the host (a tar on stdout, DEST_PATH `-`, keeps it)\n", name,
		kind);
}

int cmd_engine_cp(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "archive", no_argument, NULL, 'a' },
					      { "follow-link", no_argument, NULL, 'L' },
					      { "quiet", no_argument, NULL, 'q' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	struct hull_cp_opts o = { .skipped = warn_skipped };
	bool quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "+aLq", opts, NULL)) != -1) {
		if (c == 'a')
			o.archive = true;
		else if (c == 'L')
			o.follow_link = true;
		else if (c == 'H')
			return usage(stdout);
		else if (c == 'q')
			quiet = true;
		else
			return cli_usage_error("cp", "unknown flag");
	}
	if (argc - optind != 2)
		return cli_usage_error("cp", "requires exactly 2 arguments");
	const char *src = argv[optind], *dst = argv[optind + 1];
	const char *src_path = NULL, *dst_path = NULL;
	_cleanup_free_ char *src_ctr = split_container(src, &src_path);
	_cleanup_free_ char *dst_ctr = split_container(dst, &dst_path);
	if (src_ctr && dst_ctr)
		return cli_usage_error("cp", "copying between containers is not supported");
	if (!src_ctr && !dst_ctr)
		return cli_usage_error("cp", "must specify at least one container source");
	const char *path = src_ctr ? src_path : dst_path;
	if (!*path)
		return cli_usage_error("cp", "empty container path: use CONTAINER:/PATH");
	/* container paths are absolute: docker takes a relative one from / */
	_cleanup_free_ char *abs = path[0] == '/' ? hull_xstrdup(path) : hull_strdup_printf("/%s", path);
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *ctr = hull_container_load(&cli->ctx, src_ctr ? src_ctr : dst_ctr, &err);
	if (!ctr)
		return cli_fail(cli, err);
	int r;
	if (src_ctr) {
		bool to_stdout = !strcmp(dst, "-");
		if (to_stdout && isatty(STDOUT_FILENO))
			return cli_usage_error("cp", "refusing to write a tar to a terminal: redirect stdout");
		r = hull_engine_cp_from(ctr, abs, to_stdout ? NULL : dst, STDOUT_FILENO, &o, &err);
	} else {
		r = hull_engine_cp_to(ctr, strcmp(src, "-") ? src : NULL, STDIN_FILENO, abs, &o, &err);
	}
	if (r < 0)
		return cli_fail(cli, err);
	/* docker's last line, shown only on a terminal (-q hides it) */
	if (!quiet && isatty(STDERR_FILENO) && strcmp(dst, "-")) {
		char size[32];
		cli_human_size(o.copied, size, sizeof(size));
		fprintf(stderr, "Successfully copied %s to %s\n", size, dst);
	}
	return 0;
}
