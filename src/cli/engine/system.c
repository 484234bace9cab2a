/* system.c - `hull system df` and `hull system prune` (docker's). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "../human.h"
#include "../template.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/network.h"
#include "hull/prune.h"
#include "hull/volume.h"
#include "prune_output.h"
#include "system_internal.h"

/* One row with docker's df formatter field names. */
static json_t *df_row(const char *type, const struct hull_disk_row *u, bool percent)
{
	char total[24], active[24], size[32], reclaim[32], reclaim_col[48];
	snprintf(total, sizeof(total), "%lu", u->total);
	snprintf(active, sizeof(active), "%lu", u->active);
	cli_human_size(u->size, size, sizeof(size));
	cli_human_size(u->reclaimable, reclaim, sizeof(reclaim));
	/* docker: a percentage only when there is a size to take it of */
	if (percent && u->size > 0)
		snprintf(reclaim_col, sizeof(reclaim_col), "%s (%llu%%)", reclaim, u->reclaimable * 100 / u->size);
	else
		snprintf(reclaim_col, sizeof(reclaim_col), "%s", reclaim);
	return json_pack("{s:s,s:s,s:s,s:s,s:s}", "Type", type, "TotalCount", total, "Active", active, "Size", size,
			 "Reclaimable", reclaim_col);
}

int cmd_engine_system_df(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'F' },
					      { "verbose", no_argument, NULL, 'v' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	const char *format = NULL;
	bool verbose = false;
	int c;
	while ((c = getopt_long(argc, argv, "+v", opts, NULL)) != -1) {
		if (c == 'F')
			format = optarg;
		else if (c == 'v')
			verbose = true;
		else if (c == 'H') {
			printf("Usage: hull system df [-v] [--format json|TEMPLATE]\n\nShow disk usage: images, "
			       "containers, volumes (-v: each of them)\nTEMPLATE fields: .Type .TotalCount .Active .Size .Reclaimable\n");
			return 0;
		} else
			return cli_usage_error("system df", "unknown flag");
	}
	if (optind < argc)
		return cli_usage_error("system df", "accepts no arguments");
	if (verbose)
		return engine_system_df_verbose(cli);
	struct hull_disk_usage du;
	struct hull_error *err = NULL;
	if (hull_engine_disk_usage(&cli->ctx, &du, &err) < 0)
		return cli_fail(cli, err);
	struct hull_disk_row none = { 0 }; /* hull builds no images: no build cache */
	_cleanup_json_ json_t *rows = json_pack("[o,o,o,o]", df_row("Images", &du.images, true),
						df_row("Containers", &du.containers, true),
						df_row("Local Volumes", &du.volumes, true), df_row("Build Cache", &none, false));
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
	{
		if (!format || !strcmp(format, "table")) {
			if (i == 0)
				printf("%-16s%-10s%-10s%-10s%s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
			printf("%-16s%-10s%-10s%-10s%s\n", json_string_value(json_object_get(r, "Type")),
			       json_string_value(json_object_get(r, "TotalCount")),
			       json_string_value(json_object_get(r, "Active")),
			       json_string_value(json_object_get(r, "Size")),
			       json_string_value(json_object_get(r, "Reclaimable")));
			continue;
		}
		int st = cli_format_row("system df", format, r);
		if (st)
			return st;
	}
	return 0;
}

/* Networks no container uses: what `network prune` removes. */
static char **prune_networks(struct hull_cli *cli)
{
	struct hull_network **ns = NULL;
	size_t n = 0, count = 0;
	if (hull_network_list(&cli->ctx, &ns, &n, NULL) < 0)
		return NULL;
	char **names = hull_xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++) {
		if (!ns[i]->is_default && hull_network_remove(&cli->ctx, ns[i]->name, NULL) == 0)
			names[count++] = hull_xstrdup(ns[i]->name);
		hull_network_free(ns[i]);
	}
	free(ns);
	return names;
}

static bool confirm_system_prune(bool all, bool volumes)
{
	char msg[512];
	snprintf(msg, sizeof(msg),
		 "WARNING! This will remove:\n"
		 "  - all stopped containers\n"
		 "  - all networks not used by at least one container\n"
		 "%s"
		 "  - %s\n"
		 "  - unused build cache\n\n"
		 "Are you sure you want to continue?",
		 volumes ? "  - all anonymous volumes not used by at least one container\n" : "",
		 all ? "all images without at least one container associated to them" : "all dangling images");
	return engine_confirm(msg);
}

int cmd_engine_system_prune(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "all", no_argument, NULL, 'a' },
					      { "force", no_argument, NULL, 'f' },
					      { "volumes", no_argument, NULL, 'V' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	bool all = false, force = false, volumes = false;
	int c;
	while ((c = getopt_long(argc, argv, "+af", opts, NULL)) != -1) {
		if (c == 'a')
			all = true;
		else if (c == 'f')
			force = true;
		else if (c == 'V')
			volumes = true;
		else if (c == 'H') {
			printf("Usage: hull system prune [-a] [-f] [--volumes]\n\nRemove unused data: stopped "
			       "containers, unused networks, dangling images\n(-a: every unused image), anonymous "
			       "volumes with --volumes\n");
			return 0;
		} else
			return cli_usage_error("system prune", "unknown flag");
	}
	if (optind < argc)
		return cli_usage_error("system prune", "accepts no arguments");
	if (!force && !confirm_system_prune(all, volumes))
		return 0;
	struct hull_error *err = NULL;
	_cleanup_strv_ char **containers = NULL, **nets = NULL, **vols = NULL, **images = NULL;
	unsigned long long total = 0, bytes = 0;
	if (hull_engine_container_prune(&cli->ctx, NULL, &containers, &bytes, &err) < 0)
		return cli_fail(cli, err);
	total += bytes;
	nets = prune_networks(cli);
	if (volumes) {
		if (hull_volume_prune(&cli->ctx, false, &vols, &bytes, &err) < 0)
			return cli_fail(cli, err);
		total += bytes;
	}
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	if (hull_image_store_open(&cli->ctx, &store, &err) < 0)
		return cli_fail(cli, err);
	hull_image_store_set_in_use(store, hull_engine_image_in_use, &cli->ctx);
	long long freed = 0;
	if (hull_image_prune(store, all, NULL, &images, &freed, &err) < 0)
		return cli_fail(cli, err);
	total += freed > 0 ? (unsigned long long)freed : 0;
	engine_print_deleted("Deleted Containers", containers);
	engine_print_deleted("Deleted Networks", nets);
	engine_print_deleted("Deleted Volumes", vols);
	engine_print_deleted("Deleted Images", images);
	engine_print_reclaimed(total);
	return 0;
}
