/* spec.c - `hull spec [--bundle DIR] [--rootless]`: write a starting
 * config.json, as `runc spec` does. */
#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci.h"
#include "runtime_cli.h"

int cli_runtime_spec(struct hull_cli *cli, int argc, char **argv);

static const char help[] =
	"Write a config.json for a bundle: a busybox-friendly starting point (runc's default)\n"
	"that runs `sh` on a terminal in new pid, network, ipc, uts and mount namespaces.\n\n"
	"Options:\n"
	"  -b, --bundle DIR   write DIR/config.json (default: the current directory)\n"
	"      --rootless     for a user without root: a user namespace mapping you to root\n"
	"  -h, --help         this help\n";

int cli_runtime_spec(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': bundle = optarg; break;
		case 'r': rootless = true; break;
		case 'h': return rt_usage(stdout, "spec", "[--bundle DIR] [--rootless]", help);
		default: return cli_usage_error("spec", "unknown option");
		}
	}
	if (rt_operands("spec", argc - optind, 0, 0))
		return 1;
	struct hull_error *err = NULL;
	_cleanup_free_ char *path = hull_path_join(bundle, "config.json");
	if (access(bundle, F_OK) < 0) {
		hull_error_set(&err, errno, "bundle `%s`", bundle);
		return cli_fail(cli, err);
	}
	if (access(path, F_OK) == 0) {
		hull_error_msg(&err, EEXIST, "`%s` exists; remove it first", path);
		return cli_fail(cli, err);
	}
	_cleanup_json_ json_t *spec = hull_oci_spec_default(rootless, getuid(), getgid());
	_cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2));
	size_t len = strlen(text);
	text = hull_xrealloc(text, len + 2);
	text[len++] = '\n';
	text[len] = '\0';
	if (hull_write_file_atomic(path, text, len, 0644, false, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
