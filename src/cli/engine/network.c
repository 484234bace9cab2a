/* network.c - `hull network create|ls|inspect|rm|prune`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "commands.h"
#include "flags.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/network.h"
#include "ls_inspect.h"
#include "prune_output.h"

static const char usage_text[] =
	"Usage: hull network COMMAND\n\n"
	"Manage networks (Linux bridges; containers on a user network reach each other by name)\n\n"
	"Commands:\n"
	"  create [--subnet CIDR] [--gateway IP] [--internal] [--label K=V] [-d bridge] NAME\n"
	"  ls [-q] [--format json]\n"
	"  inspect NAME...\n"
	"  connect [--alias NAME] [--ip IPV4] NETWORK CONTAINER\n"
	"                            one more interface for a running container (while it runs)\n"
	"  disconnect [-f] NETWORK CONTAINER\n"
	"  rm NAME...                (refused while containers are attached)\n"
	"  prune [-f]                remove user networks with no containers\n";

static int net_create(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "subnet", required_argument, NULL, 's' },
					      { "gateway", required_argument, NULL, 'g' },
					      { "internal", no_argument, NULL, 'i' },
					      { "label", required_argument, NULL, 'l' },
					      { "driver", required_argument, NULL, 'd' },
					      { 0 } };
	const char *subnet = NULL, *gateway = NULL;
	bool internal = false;
	_cleanup_json_ json_t *labels = json_object();
	int c;
	while ((c = getopt_long(argc, argv, "+d:", opts, NULL)) != -1) {
		switch (c) {
		case 's': subnet = optarg; break;
		case 'g': gateway = optarg; break;
		case 'i': internal = true; break;
		case 'l':
			if (!engine_parse_label(labels, optarg))
				return cli_usage_error("network create", "bad label `%s`", optarg);
			break;
		case 'd':
			if (strcmp(optarg, "bridge"))
				return cli_usage_error("network create", "driver `%s`: only bridge exists here", optarg);
			break;
		default: return cli_usage_error("network create", "unknown flag");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("network create", "requires exactly 1 argument: NAME");
	struct hull_error *err = NULL;
	_cleanup_network_ struct hull_network *n =
		hull_network_create(&cli->ctx, argv[optind], subnet, gateway, labels, internal, &err);
	if (!n)
		return cli_fail(cli, err);
	printf("%s\n", n->id);
	return 0;
}

static int net_ls(struct hull_cli *cli, int argc, char **argv)
{
	bool quiet, json;
	int st = engine_ls_flags(argc, argv, "network ls", &quiet, &json);
	if (st)
		return st;
	struct hull_error *err = NULL;
	struct hull_network **ns = NULL;
	size_t n = 0;
	if (hull_network_list(&cli->ctx, &ns, &n, &err) < 0)
		return cli_fail(cli, err);
	if (!quiet && !json)
		printf("%-14s %-20s %-8s %s\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
	if (!quiet && !json) {
		printf("%-14s %-20s %-8s %s\n", "host", "host", "host", "local");
		printf("%-14s %-20s %-8s %s\n", "none", "none", "null", "local");
	}
	for (size_t i = 0; i < n; i++) {
		if (quiet)
			printf("%.12s\n", ns[i]->id);
		else if (json) {
			_cleanup_json_ json_t *j = hull_network_inspect_json(&cli->ctx, ns[i]);
			_cleanup_free_ char *s = json_dumps(j, JSON_COMPACT);
			printf("%s\n", s);
		} else
			printf("%-14.12s %-20s %-8s %s\n", ns[i]->id, ns[i]->name, "bridge", "local");
		hull_network_free(ns[i]);
	}
	free(ns);
	return 0;
}

static json_t *network_json(struct hull_cli *cli, const char *name, struct hull_error **err)
{
	_cleanup_network_ struct hull_network *n = hull_network_get(&cli->ctx, name, err);
	return n ? hull_network_inspect_json(&cli->ctx, n) : NULL;
}

static int net_inspect(struct hull_cli *cli, int argc, char **argv)
{
	return engine_inspect_each(cli, argc, argv, "network inspect", network_json);
}

static int net_rm(struct hull_cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("network rm", "requires at least 1 argument");
	int status = 0;
	for (int i = 1; i < argc; i++) {
		struct hull_error *err = NULL;
		if (hull_network_remove(&cli->ctx, argv[i], &err) < 0)
			status = cli_fail(cli, err);
		else
			printf("%s\n", argv[i]);
	}
	return status;
}

static int net_connect(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "alias", required_argument, NULL, 'a' },
					      { "ip", required_argument, NULL, 'i' },
					      { 0 } };
	_cleanup_strv_ char **aliases = hull_xcalloc(1, sizeof(char *));
	size_t n_aliases = 0;
	const char *ip = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			aliases = hull_xrealloc(aliases, (n_aliases + 2) * sizeof(char *));
			aliases[n_aliases++] = hull_xstrdup(optarg);
			aliases[n_aliases] = NULL;
			break;
		case 'i': ip = optarg; break;
		default: return cli_usage_error("network connect", "unknown flag");
		}
	}
	if (optind + 2 != argc)
		return cli_usage_error("network connect", "requires exactly 2 arguments: NETWORK CONTAINER");
	struct hull_error *err = NULL;
	if (hull_network_connect(&cli->ctx, argv[optind], argv[optind + 1], aliases, ip, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}

static int net_disconnect(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { 0 } };
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "+f", opts, NULL)) != -1) {
		if (c != 'f')
			return cli_usage_error("network disconnect", "unknown flag");
		force = true;
	}
	if (optind + 2 != argc)
		return cli_usage_error("network disconnect", "requires exactly 2 arguments: NETWORK CONTAINER");
	struct hull_error *err = NULL;
	if (hull_network_disconnect(&cli->ctx, argv[optind], argv[optind + 1], force, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}

static int net_prune(struct hull_cli *cli, int argc, char **argv)
{
	bool force = argc > 1 && (!strcmp(argv[1], "-f") || !strcmp(argv[1], "--force"));
	if (!force && !engine_confirm("WARNING! This will remove all custom networks not used by at least one "
				      "container.\nAre you sure you want to continue?"))
		return 0;
	struct hull_network **ns = NULL;
	size_t n = 0;
	struct hull_error *err = NULL;
	if (hull_network_list(&cli->ctx, &ns, &n, &err) < 0)
		return cli_fail(cli, err);
	bool header = false;
	for (size_t i = 0; i < n; i++) {
		if (!ns[i]->is_default && hull_network_remove(&cli->ctx, ns[i]->name, NULL) == 0) {
			if (!header)
				printf("Deleted Networks:\n");
			header = true;
			printf("%s\n", ns[i]->name);
		}
		hull_network_free(ns[i]);
	}
	free(ns);
	return 0;
}

int cmd_engine_network(struct hull_cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct hull_cli *, int, char **);
	} subs[] = { { "create", net_create }, { "ls", net_ls }, { "list", net_ls }, { "inspect", net_inspect },
		     { "rm", net_rm }, { "remove", net_rm }, { "prune", net_prune }, { "connect", net_connect },
		     { "disconnect", net_disconnect } };
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
	return cli_usage_error("network", "unknown command `%s`", argv[1]);
}
