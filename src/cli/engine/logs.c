/* logs.c - `hull logs [-f] [--tail N|all] [-t] [--since T] [--until T] CONTAINER`. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/logs.h"
#include "hull/timefmt.h"

struct logs_ctx {
	struct hull_cli *cli;
	struct hull_container *c;
	bool timestamps;
};

static int emit(const struct hull_log_record *rec, void *data)
{
	struct logs_ctx *l = data;
	FILE *out = rec->stream == HULL_STREAM_STDERR ? stderr : stdout;
	errno = 0;
	if (l->timestamps)
		fprintf(out, "%s ", rec->time);
	if (fwrite(rec->text, 1, rec->len, out) != rec->len || fflush(out) == EOF)
		return -(errno ? errno : EPIPE); /* EPIPE, mostly: the reader went away */
	return 0;
}

static bool still_running(void *data)
{
	struct logs_ctx *l = data;
	struct hull_container *fresh = hull_container_load(&l->cli->ctx, l->c->id, NULL);
	bool running = fresh && (fresh->state.status == HULL_ENGINE_RUNNING || fresh->state.status == HULL_ENGINE_PAUSED ||
				 fresh->state.status == HULL_ENGINE_RESTARTING);
	hull_container_free(fresh);
	return running;
}

/* --since/--until: docker's time filter forms (hull/timefmt.h), as
 * nanoseconds since the epoch; -1 when s is none of them. */
static int64_t parse_when(const char *s)
{
	struct timespec now, t;
	clock_gettime(CLOCK_REALTIME, &now);
	if (hull_time_parse_filter(s, &now, &t, NULL) < 0)
		return -1;
	return hull_time_ns(&t);
}

int cmd_engine_logs(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },       { "tail", required_argument, NULL, 'n' },
		{ "timestamps", no_argument, NULL, 't' },   { "since", required_argument, NULL, 'S' },
		{ "until", required_argument, NULL, 'U' },  { "details", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'H' },         { 0 },
	};
	struct hull_logs_options o = { .tail = -1 };
	struct logs_ctx l = { .cli = cli };
	int c;
	while ((c = getopt_long(argc, argv, "+fn:t", opts, NULL)) != -1) {
		switch (c) {
		case 'f': o.follow = true; break;
		case 't': l.timestamps = true; break;
		case 'D': break;
		case 'n': {
			char *end;
			o.tail = strcmp(optarg, "all") ? strtol(optarg, &end, 10) : -1;
			if (strcmp(optarg, "all") && (*end || o.tail < 0))
				return cli_usage_error("logs", "--tail: `%s` must be a number or all", optarg);
			break;
		}
		case 'S':
		case 'U': {
			int64_t t = parse_when(optarg);
			if (t < 0)
				return cli_usage_error("logs", "--%s: `%s` must be RFC 3339, a unix time or a duration "
							       "like 10m",
						       c == 'S' ? "since" : "until", optarg);
			*(c == 'S' ? &o.since_ns : &o.until_ns) = t;
			break;
		}
		case 'H':
			printf("Usage: hull logs [-f] [--tail N|all] [-t] [--since T] [--until T] CONTAINER\n\n"
			       "Fetch the logs of a container (json-file, rotated)\n");
			return 0;
		default: return cli_usage_error("logs", "unknown flag");
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("logs", "requires exactly 1 argument");
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *ctr = hull_container_load(&cli->ctx, argv[optind], &err);
	if (!ctr)
		return cli_fail(cli, err);
	l.c = ctr;
	const char *type = json_string_value(
		json_object_get(json_object_get(json_object_get(ctr->record, "HostConfig"), "LogConfig"), "Type"));
	if (type && !strcmp(type, "none")) {
		fprintf(stderr, "hull: configured logging driver does not support reading (--log-driver none)\n");
		return 1;
	}
	o.still_running = still_running;
	o.data = &l;
	signal(SIGPIPE, SIG_IGN);
	const char *path = json_string_value(json_object_get(ctr->record, "LogPath"));
	if (hull_logs_read(path, &o, emit, &l, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
