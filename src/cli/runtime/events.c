/* events.c - `hull events [--stats] [--interval D] ID`: the container's
 * resource usage as runc prints it ({"type":"stats","id":..,"data":..}),
 * once with --stats, else every interval, with {"type":"oom"} records when
 * the kernel OOM-kills in the container; ends when the container stops. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hull/cgroup.h"
#include "hull/json.h"
#include "hull/runtime.h"
#include "runtime_cli.h"

int cli_runtime_events(struct hull_cli *cli, int argc, char **argv);

static const char help[] =
	"Print the container's resource usage as JSON records.\n\n"
	"Options:\n"
	"      --stats          print one record and exit\n"
	"      --interval D     time between records (Go duration: 500ms, 5s, 1m; default 5s)\n"
	"  -h, --help           this help\n";

/* A Go duration of one unit: "500ms", "5s", "2m", "1h" -> milliseconds. */
static long long parse_duration(const char *s)
{
	char *end = NULL;
	double v = strtod(s, &end);
	if (end == s || v <= 0)
		return -1;
	if (!strcmp(end, "ms"))
		return (long long)v;
	if (!strcmp(end, "s") || !*end)
		return (long long)(v * 1000);
	if (!strcmp(end, "m"))
		return (long long)(v * 60000);
	if (!strcmp(end, "h"))
		return (long long)(v * 3600000);
	return -1;
}

static void emit(const char *type, const char *id, json_t *data)
{
	_cleanup_json_ json_t *rec = json_pack("{s:s,s:s}", "type", type, "id", id);
	if (data)
		json_object_set(rec, "data", data);
	_cleanup_free_ char *text = json_dumps(rec, JSON_COMPACT);
	printf("%s\n", text);
	fflush(stdout);
}

/* The OOM-kill counter: memory.oom_control (v1) or memory.events (v2). */
static long long oom_kills(struct hull_cgroup *cg)
{
	for (size_t i = 0; i < cg->n_dirs; i++) {
		const char *c = cg->dirs[i].controllers;
		const char *file = !*c ? "memory.events" : strstr(c, "memory") ? "memory.oom_control" : NULL;
		_cleanup_free_ char *text = NULL;
		if (!file || hull_cgroup_read_in(cg->dirs[i].path, file, &text, NULL) < 0)
			continue;
		char *p = strstr(text, "oom_kill ");
		if (p)
			return strtoll(p + 9, NULL, 10);
	}
	return 0;
}

static bool stopped(struct hull_cli *cli, const char *id)
{
	struct hull_container_state *st = hull_runtime_state(&cli->ctx, id, NULL);
	bool gone = !st || st->status == HULL_STATUS_STOPPED;
	hull_container_state_free(st);
	return gone;
}

int cli_runtime_events(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool once = false;
	long long interval = 5000;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': once = true; break;
		case 'i':
			if ((interval = parse_duration(optarg)) <= 0)
				return cli_usage_error("events", "--interval: `%s` is not a duration like 5s", optarg);
			break;
		case 'h': return rt_usage(stdout, "events", "[--stats] [--interval D] ID", help);
		default: return cli_usage_error("events", "unknown option");
		}
	}
	if (rt_operands("events", argc - optind, 1, 1))
		return 1;
	const char *id = argv[optind];
	struct hull_error *err = NULL;
	_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg = hull_container_cgroup(&cli->ctx, id, &err);
	if (!cg)
		return cli_fail(cli, err);
	if (stopped(cli, id)) {
		hull_error_msg(&err, EINVAL, "container \"%s\" is stopped", id);
		return cli_fail(cli, err);
	}
	long long ooms = oom_kills(cg), waited = interval;
	for (;;) {
		if (waited >= interval || once) {
			_cleanup_json_ json_t *stats = NULL;
			if (hull_cgroup_stats(cg, &stats, &err) < 0)
				return cli_fail(cli, err);
			emit("stats", id, stats);
			waited = 0;
			if (once)
				return 0;
		}
		long long now = oom_kills(cg);
		if (now > ooms)
			emit("oom", id, NULL);
		ooms = now;
		if (stopped(cli, id))
			return 0;
		/* poll the OOM counter every 100 ms between records */
		long long step = interval - waited < 100 ? interval - waited : 100;
		struct timespec ts = { step / 1000, (step % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		waited += step;
	}
}
