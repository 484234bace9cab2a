/* ls_inspect.c - `volume|network ls` flags and `volume|network inspect`. */
#include <getopt.h>
#include <string.h>

#include "../output.h"
#include "hull/cleanup.h"
#include "hull/json.h"
#include "ls_inspect.h"

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
	cli_print_json(out);
	return status;
}
