/* volume.c - `hull volume create|ls|inspect|rm|prune`, docker's shapes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "commands.h"
#include "flags.h"
#include "hull/cleanup.h"
#include "hull/json.h"
#include "hull/volume.h"
#include "ls_inspect.h"
#include "prune_output.h"

static const char usage_text[] =
	"Usage: hull volume COMMAND\n\n"
	"Manage volumes (data_root/volumes/NAME/_data)\n\n"
	"Commands:\n"
	"  create [--label K=V] [-d local] [NAME]   Create a volume\n"
	"  ls [-q] [--format json]                  List volumes\n"
	"  inspect NAME...                          Display detailed information on volumes\n"
	"  rm [-f] NAME...                          Remove volumes (refused while a container uses them)\n"
	"  prune [-a] [-f]                          Remove unused anonymous volumes (-a: all unused)\n";

static int volume_create(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "label", required_argument, NULL, 'l' },
					      { "driver", required_argument, NULL, 'd' },
					      { "opt", required_argument, NULL, 'o' },
					      { "name", required_argument, NULL, 'n' },
					      { 0 } };
	_cleanup_json_ json_t *labels = json_object();
	const char *name = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+d:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (!engine_parse_label(labels, optarg))
				return cli_usage_error("volume create", "bad label `%s`: use KEY=VALUE", optarg);
			break;
		case 'd':
			if (strcmp(optarg, "local"))
				return cli_usage_error("volume create", "unknown driver `%s`: only `local` exists",
						       optarg);
			break;
		case 'o':
			return cli_usage_error("volume create", "driver options (-o %s) are not supported by the "
								"local driver here; mount with --mount instead",
					       optarg);
		case 'n':
			name = optarg;
			break;
		default:
			return cli_usage_error("volume create", "unknown flag");
		}
	}
	if (optind < argc)
		name = argv[optind];
	struct hull_error *err = NULL;
	_cleanup_volume_ struct hull_volume *v = hull_volume_create(&cli->ctx, name, labels, NULL, &err);
	if (!v)
		return cli_fail(cli, err);
	printf("%s\n", v->name);
	return 0;
}

static int volume_ls(struct hull_cli *cli, int argc, char **argv)
{
	bool quiet, json;
	int st = engine_ls_flags(argc, argv, "volume ls", &quiet, &json);
	if (st)
		return st;
	struct hull_error *err = NULL;
	struct hull_volume **vs = NULL;
	size_t n = 0;
	if (hull_volume_list(&cli->ctx, &vs, &n, &err) < 0)
		return cli_fail(cli, err);
	if (!quiet && !json)
		printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
	for (size_t i = 0; i < n; i++) {
		if (json) {
			_cleanup_json_ json_t *j = hull_volume_inspect_json(vs[i]);
			_cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
			printf("%s\n", s);
		} else if (quiet) {
			printf("%s\n", vs[i]->name);
		} else {
			printf("%-10s%s\n", "local", vs[i]->name);
		}
		hull_volume_free(vs[i]);
	}
	free(vs);
	return 0;
}

static json_t *volume_json(struct hull_cli *cli, const char *name, struct hull_error **err)
{
	_cleanup_volume_ struct hull_volume *v = hull_volume_get(&cli->ctx, name, err);
	return v ? hull_volume_inspect_json(v) : NULL;
}

static int volume_inspect(struct hull_cli *cli, int argc, char **argv)
{
	return engine_inspect_each(cli, argc, argv, "volume inspect", volume_json);
}

static int volume_rm(struct hull_cli *cli, int argc, char **argv)
{
	int status = 0, first = 1;
	if (argc > 1 && (!strcmp(argv[1], "-f") || !strcmp(argv[1], "--force")))
		first = 2; /* docker: -f ignores missing volumes, never one in use */
	if (argc <= first)
		return cli_usage_error("volume rm", "requires at least 1 argument");
	for (int i = first; i < argc; i++) {
		struct hull_error *err = NULL;
		if (hull_volume_remove(&cli->ctx, argv[i], &err) < 0) {
			if (first == 2 && err->code == ENOENT) {
				hull_error_free(err);
				continue;
			}
			status = cli_fail(cli, err);
			continue;
		}
		printf("%s\n", argv[i]);
	}
	return status;
}

static int volume_prune(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
					      { "force", no_argument, NULL, 'f' },
					      { "filter", required_argument, NULL, 'F' },
					      { 0 } };
	bool all = false, force = false;
	int c;
	while ((c = getopt_long(argc, argv, "+af", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'f')
			force = true;
		else
			return cli_usage_error("volume prune", "unknown flag");
	}
	if (!force && !engine_confirm(all ? "WARNING! This will remove all local volumes not used by at least one "
					    "container.\nAre you sure you want to continue?"
					  : "WARNING! This will remove anonymous local volumes not used by at least "
					    "one container.\nAre you sure you want to continue?"))
		return 0;
	struct hull_error *err = NULL;
	_cleanup_strv_ char **removed = NULL;
	unsigned long long bytes = 0;
	if (hull_volume_prune(&cli->ctx, all, &removed, &bytes, &err) < 0)
		return cli_fail(cli, err);
	engine_print_deleted("Deleted Volumes", removed);
	engine_print_reclaimed(bytes);
	return 0;
}

int cmd_engine_volume(struct hull_cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct hull_cli *, int, char **);
	} subs[] = { { "create", volume_create }, { "ls", volume_ls },     { "list", volume_ls },
		     { "inspect", volume_inspect }, { "rm", volume_rm },   { "remove", volume_rm },
		     { "prune", volume_prune } };
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	for (size_t i = 0; i < HULL_ARRAY_SIZE(subs); i++) {
		if (!strcmp(argv[1], subs[i].name)) {
			if (engine_wants_help(argc - 1, argv + 1)) {
				fputs(usage_text, stdout);
				return 0;
			}
			optind = 0;
			return subs[i].fn(cli, argc - 1, argv + 1);
		}
	}
	return cli_usage_error("volume", "unknown command `%s`", argv[1]);
}
