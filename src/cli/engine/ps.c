/* ps.c - `hull ps [-a] [-q] [-n N] [-l] [--no-trunc] [--format json|TEMPLATE] [-f FILTER]`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../cli.h"
#include "../human.h"
#include "../output.h"
#include "../template.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"
#include "hull/inspect.h"
#include "hull/json.h"
#include "hull/prune.h"
#include "hull/timefmt.h"
#include "ps.h"

static char *command_text(const struct hull_container *c, bool no_trunc)
{
	const char *path = json_string_value(json_object_get(c->record, "Path"));
	size_t cap = 64, len = 0;
	char *s = hull_xcalloc(1, cap);
	len += (size_t)snprintf(s, cap, "%s", path ? path : "");
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(c->record, "Args"), i, a)
	{
		const char *arg = json_string_value(a);
		s = hull_xrealloc(s, cap += strlen(arg) + 2);
		len += (size_t)sprintf(s + len, " %s", arg);
	}
	if (!no_trunc && len > 20)
		strcpy(s + 19, "…");
	char *quoted = hull_strdup_printf("\"%s\"", s);
	free(s);
	return quoted;
}

/* docker's suffix: " (healthy)", " (unhealthy)", " (health: starting)" */
static const char *health_text(const struct hull_container *c)
{
	_cleanup_json_ json_t *h = hull_engine_health_json(c);
	const char *st = json_string_value(json_object_get(h, "Status"));
	if (!st)
		return "";
	if (!strcmp(st, "healthy"))
		return " (healthy)";
	return strcmp(st, "unhealthy") ? " (health: starting)" : " (unhealthy)";
}

static char *status_text(const struct hull_container *c)
{
	char d[64];
	const struct hull_engine_state *s = &c->state;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t now_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
	switch (s->status) {
	case HULL_ENGINE_RUNNING:
	case HULL_ENGINE_PAUSED:
		cli_human_duration(now_ns - hull_time_parse_ns(s->started_at), d, sizeof(d));
		if (s->status == HULL_ENGINE_PAUSED)
			return hull_strdup_printf("Up %s (Paused)", d);
		return hull_strdup_printf("Up %s%s", d, health_text(c));
	case HULL_ENGINE_EXITED:
		cli_human_duration(now_ns - hull_time_parse_ns(s->finished_at), d, sizeof(d));
		return hull_strdup_printf("Exited (%d) %s ago", s->exit_code, d);
	case HULL_ENGINE_RESTARTING: /* docker's words: the last exit code, how long ago */
		cli_human_duration(now_ns - hull_time_parse_ns(s->finished_at), d, sizeof(d));
		return hull_strdup_printf("Restarting (%d) %s ago", s->exit_code, d);
	case HULL_ENGINE_CREATED:
		return hull_xstrdup("Created");
	default:
		return hull_xstrdup(hull_engine_status_name(s->status));
	}
}

static char *ports_text(const struct hull_container *c)
{
	json_t *ports = json_object_get(json_object_get(c->record, "NetworkSettings"), "Ports");
	if (!ports || c->state.status != HULL_ENGINE_RUNNING)
		ports = json_object_get(json_object_get(c->record, "Config"), "ExposedPorts");
	char *s = hull_xcalloc(1, 1);
	size_t len = 0;
	const char *key;
	json_t *v;
	json_object_foreach(ports, key, v)
	{
		char item[128];
		size_t i;
		json_t *b;
		if (json_is_array(v) && json_array_size(v) && c->state.status == HULL_ENGINE_RUNNING) {
			json_array_foreach(v, i, b)
			{
				snprintf(item, sizeof(item), "%s%s:%s->%s", len ? ", " : "",
					 json_string_value(json_object_get(b, "HostIp")),
					 json_string_value(json_object_get(b, "HostPort")), key);
				s = hull_xrealloc(s, len + strlen(item) + 1);
				len += (size_t)sprintf(s + len, "%s", item);
			}
		} else {
			snprintf(item, sizeof(item), "%s%s", len ? ", " : "", key);
			s = hull_xrealloc(s, len + strlen(item) + 1);
			len += (size_t)sprintf(s + len, "%s", item);
		}
	}
	return s;
}

static json_t *row(const struct hull_container *c, bool no_trunc)
{
	char created[64], id[HULL_ID_LEN + 1];
	const char *created_at = json_string_value(json_object_get(c->record, "Created"));
	cli_human_ago(hull_time_parse_ns(created_at), created, sizeof(created));
	snprintf(id, sizeof(id), "%.*s", no_trunc ? HULL_ID_LEN : HULL_SHORT_ID_LEN, c->id);
	_cleanup_free_ char *cmd = command_text(c, no_trunc);
	_cleanup_free_ char *status = status_text(c);
	_cleanup_free_ char *ports = ports_text(c);
	json_t *labels = json_object_get(json_object_get(c->record, "Config"), "Labels");
	const char *net = json_string_value(json_object_get(json_object_get(c->record, "HostConfig"), "NetworkMode"));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:s,s:s,s:s,s:s}", "Command", cmd, "CreatedAt",
			 created_at ? created_at : "", "ID", id, "Image", hull_container_image(c), "Names", c->name,
			 "Labels", labels ? labels : json_object(), "Networks", net ? net : "", "Ports", ports,
			 "RunningFor", created, "State", hull_engine_status_name(c->state.status), "Status", status);
}

json_t *engine_ps_row(const struct hull_container *c, bool no_trunc)
{
	return row(c, no_trunc);
}

/* -f name=X, id=X, status=X, label=K[=V], ancestor=IMG */
static bool matches(const struct hull_container *c, char **filters)
{
	for (char **f = filters; f && *f; f++) {
		const char *eq = strchr(*f, '=');
		if (!eq)
			return false;
		const char *v = eq + 1;
		size_t kl = (size_t)(eq - *f);
		if (!strncmp(*f, "name", kl) && !strstr(c->name, v))
			return false;
		if (!strncmp(*f, "id", kl) && strncmp(c->id, v, strlen(v)))
			return false;
		if (!strncmp(*f, "status", kl) && strcmp(hull_engine_status_name(c->state.status), v))
			return false;
		if (!strncmp(*f, "ancestor", kl) && strcmp(hull_container_image(c), v))
			return false;
		if (!strncmp(*f, "health", kl)) { /* starting|healthy|unhealthy|none, as docker's */
			_cleanup_json_ json_t *h = hull_engine_health_json(c);
			const char *st = h ? json_string_value(json_object_get(h, "Status")) : "none";
			if (strcmp(st ? st : "none", v))
				return false;
		}
		if (!strncmp(*f, "label", kl)) {
			json_t *labels = json_object_get(json_object_get(c->record, "Config"), "Labels");
			const char *e2 = strchr(v, '=');
			_cleanup_free_ char *k = e2 ? strndup(v, (size_t)(e2 - v)) : hull_xstrdup(v);
			const char *have = json_string_value(json_object_get(labels, k));
			if (!have || (e2 && strcmp(have, e2 + 1)))
				return false;
		}
	}
	return true;
}

static void print_table(json_t *rows, bool size)
{
	static const char *const heads[] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED",
					     "STATUS",       "PORTS", "NAMES",   "SIZE" };
	static const char *const keys[] = { "ID", "Image", "Command", "RunningFor", "Status", "Ports", "Names", "Size" };
	cli_print_table(heads, keys, size ? 8 : 7, rows);
}

/* docker ps -s: "12B (virtual 2.05MB)" */
static void add_size(struct hull_cli *cli, const struct hull_container *c, json_t *row)
{
	unsigned long long rw = 0, total = 0;
	hull_engine_container_size(&cli->ctx, c, &rw, &total, NULL);
	char a[32], b[32];
	cli_human_size(rw, a, sizeof(a));
	cli_human_size(total, b, sizeof(b));
	_cleanup_free_ char *text = hull_strdup_printf("%s (virtual %s)", a, b);
	json_object_set_new(row, "Size", json_string(text));
}

int cmd_engine_ps(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },       { "quiet", no_argument, NULL, 'q' },
		{ "last", required_argument, NULL, 'n' }, { "latest", no_argument, NULL, 'l' },
		{ "no-trunc", no_argument, NULL, 'T' },  { "format", required_argument, NULL, 'F' },
		{ "filter", required_argument, NULL, 'f' }, { "size", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'H' },      { 0 },
	};
	bool all = false, quiet = false, no_trunc = false, size = false;
	long last = -1;
	const char *format = NULL;
	char *filters[16] = { 0 };
	int nf = 0, c;
	while ((c = getopt_long(argc, argv, "+aqn:lf:s", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'q': quiet = true; break;
		case 'n': last = atol(optarg); all = true; break;
		case 'l': last = 1; all = true; break;
		case 'T': no_trunc = true; break;
		case 'F': format = optarg; break;
		case 's': size = true; break;
		case 'f':
			if (nf < 15)
				filters[nf++] = optarg;
			break;
		case 'H':
			printf("Usage: hull ps [-a] [-q] [-s] [-n N] [-l] [--no-trunc] [--format json|TEMPLATE] [-f KEY=VALUE]\n\n"
			       "List containers (running ones; -a for all)\n");
			return 0;
		default: return cli_usage_error("ps", "unknown flag");
		}
	}
	struct hull_error *err = NULL;
	struct hull_container **cs = NULL;
	size_t n = 0;
	if (hull_container_list(&cli->ctx, &cs, &n, &err) < 0)
		return cli_fail(cli, err);
	_cleanup_json_ json_t *rows = json_array();
	long shown = 0;
	/* newest first, as docker lists them */
	for (size_t i = n; i-- > 0;) {
		bool live = cs[i]->state.status == HULL_ENGINE_RUNNING || cs[i]->state.status == HULL_ENGINE_PAUSED ||
			    cs[i]->state.status == HULL_ENGINE_RESTARTING;
		if ((all || live) && matches(cs[i], filters) && (last < 0 || shown < last)) {
			json_t *r = row(cs[i], no_trunc);
			if (size && !quiet)
				add_size(cli, cs[i], r);
			json_array_append_new(rows, r);
			shown++;
		}
	}
	for (size_t i = 0; i < n; i++)
		hull_container_free(cs[i]);
	free(cs);
	size_t i;
	json_t *r;
	if (quiet) {
		json_array_foreach(rows, i, r)
			printf("%s\n", json_string_value(json_object_get(r, "ID")));
	} else if (!format || !strcmp(format, "table")) {
		print_table(rows, size);
	} else {
		json_array_foreach(rows, i, r)
		{
			int st = cli_format_row("ps", format, r);
			if (st)
				return st;
		}
	}
	return 0;
}
