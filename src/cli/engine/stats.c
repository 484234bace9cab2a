/* stats.c - `hull stats [--no-stream] [--format json] [CONTAINER...]`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "../cli.h"
#include "../human.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_proc.h"
#include "hull/container_store.h"
#include "hull/fs.h"

struct sample {
	struct hull_container *c;
	struct hull_usage u;
	bool ok;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void print_row(const struct sample *a, const struct sample *b, int64_t elapsed, bool json)
{
	double cpu = elapsed > 0 ? 100.0 * (double)(b->u.cpu_ns - a->u.cpu_ns) / (double)elapsed : 0;
	long long limit = json_integer_value(json_object_get(json_object_get(b->c->record, "HostConfig"), "Memory"));
	struct sysinfo si;
	if (limit <= 0 && sysinfo(&si) == 0)
		limit = (long long)si.totalram * si.mem_unit;
	char mem[32], lim[32], rx[32], tx[32], br[32], bw[32];
	cli_human_size(b->u.memory, mem, sizeof(mem));
	cli_human_size((unsigned long long)limit, lim, sizeof(lim));
	cli_human_size(b->u.net_rx, rx, sizeof(rx));
	cli_human_size(b->u.net_tx, tx, sizeof(tx));
	cli_human_size(b->u.block_read, br, sizeof(br));
	cli_human_size(b->u.block_write, bw, sizeof(bw));
	double memp = limit > 0 ? 100.0 * (double)b->u.memory / (double)limit : 0;
	if (json) {
		printf("{\"BlockIO\":\"%s / %s\",\"CPUPerc\":\"%.2f%%\",\"Container\":\"%.12s\",\"ID\":\"%.12s\","
		       "\"MemPerc\":\"%.2f%%\",\"MemUsage\":\"%s / %s\",\"Name\":\"%s\",\"NetIO\":\"%s / %s\","
		       "\"PIDs\":\"%zu\"}\n",
		       br, bw, cpu, b->c->id, b->c->id, memp, mem, lim, b->c->name, rx, tx, b->u.pids);
		return;
	}
	char memcol[72], netcol[72], blkcol[72];
	snprintf(memcol, sizeof(memcol), "%s / %s", mem, lim);
	snprintf(netcol, sizeof(netcol), "%s / %s", rx, tx);
	snprintf(blkcol, sizeof(blkcol), "%s / %s", br, bw);
	printf("%-14.12s %-20s %-8.2f%% %-22s %-7.2f%% %-20s %-20s %zu\n", b->c->id, b->c->name, cpu, memcol, memp,
	       netcol, blkcol, b->u.pids);
}

int cmd_engine_stats(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "no-stream", no_argument, NULL, 'n' },
					      { "format", required_argument, NULL, 'f' },
					      { "all", no_argument, NULL, 'a' },
					      { "no-trunc", no_argument, NULL, 'T' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	bool stream = true, json = false;
	int c;
	while ((c = getopt_long(argc, argv, "+a", opts, NULL)) != -1) {
		if (c == 'n')
			stream = false;
		else if (c == 'f')
			json = !strcmp(optarg, "json");
		else if (c == 'H') {
			printf("Usage: hull stats [--no-stream] [--format json] [CONTAINER...]\n\n"
			       "CPU, memory, network and block I/O of running containers\n");
			return 0;
		} else if (c != 'a' && c != 'T')
			return cli_usage_error("stats", "unknown flag");
	}
	struct hull_error *err = NULL;
	struct hull_container **cs = NULL;
	size_t n = 0;
	if (optind < argc) {
		n = (size_t)(argc - optind);
		cs = hull_xcalloc(n, sizeof(*cs));
		for (size_t i = 0; i < n; i++)
			if (!(cs[i] = hull_container_load(&cli->ctx, argv[optind + (int)i], &err)))
				return cli_fail(cli, err);
	} else if (hull_container_list(&cli->ctx, &cs, &n, &err) < 0) {
		return cli_fail(cli, err);
	}
	struct sample *a = hull_xcalloc(n + 1, sizeof(*a)), *b = hull_xcalloc(n + 1, sizeof(*b));
	do {
		int64_t t0 = now_ns();
		for (size_t i = 0; i < n; i++) {
			a[i].c = cs[i];
			a[i].ok = hull_engine_usage(cs[i], &a[i].u, NULL) == 0;
		}
		struct timespec half = { 0, 500 * 1000 * 1000 };
		nanosleep(&half, NULL);
		int64_t elapsed = now_ns() - t0;
		if (stream && !json)
			printf("\033[2J\033[H");
		if (!json)
			printf("%-14s %-20s %-9s %-22s %-8s %-20s %-20s %s\n", "CONTAINER ID", "NAME", "CPU %",
			       "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS");
		for (size_t i = 0; i < n; i++) {
			b[i].c = cs[i];
			b[i].ok = hull_engine_usage(cs[i], &b[i].u, NULL) == 0;
			if (a[i].ok && b[i].ok)
				print_row(&a[i], &b[i], elapsed, json);
		}
		fflush(stdout);
	} while (stream);
	for (size_t i = 0; i < n; i++)
		hull_container_free(cs[i]);
	free(cs);
	free(a);
	free(b);
	return 0;
}
