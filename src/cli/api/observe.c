/* observe.c - GET /containers/{id}/top (the host's ps(1), rows of the
 * container's processes) and GET /containers/{id}/stats (docker's stats
 * object, once or every second). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/container_proc.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"
#include "hull/json.h"

/* ---------------------------------------------------------------- top -- */

/* ps's output with args (a ps_args string: words split on spaces); NULL
 * with *err set when it could not run or failed. */
static char *run_ps(const char *ps_args, struct hull_error **err)
{
	_cleanup_free_ char *copy = hull_xstrdup(ps_args && *ps_args ? ps_args : "-ef");
	char *argv[34] = {"ps"};
	int k = 1;
	for (char *save = NULL, *w = strtok_r(copy, " \t", &save); w && k < 33; w = strtok_r(NULL, " \t", &save))
		argv[k++] = w;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		hull_error_set(err, errno, "top: pipe");
		return NULL;
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		execvp("ps", argv);
		_exit(127);
	}
	close(fds[1]);
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	char buf[8192];
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0 && f)
			fwrite(buf, 1, (size_t)n, f);
	close(fds[0]);
	if (f)
		fclose(f);
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(out);
		hull_error_msg(err, EINVAL, "top: ps %s failed", ps_args && *ps_args ? ps_args : "-ef");
		return NULL;
	}
	return out;
}

/* A line's words, the last one keeping the rest of the line (the command). */
static json_t *words(char *line, size_t columns)
{
	json_t *row = json_array();
	char *p = line;
	for (size_t i = 0; *p && (columns == 0 || i < columns); i++) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t len = columns && i == columns - 1 ? strlen(p) : strcspn(p, " ");
		json_array_append_new(row, json_stringn(p, len));
		p += len;
	}
	return row;
}

void api_container_top(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	if (c->state.status != HULL_ENGINE_RUNNING && c->state.status != HULL_ENGINE_PAUSED) {
		api_error(resp, 409, "Container %s is not running", c->id);
		return;
	}
	struct hull_error *err = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (hull_engine_pids(c, &pids, &n, &err) < 0) {
		api_fail(resp, err);
		return;
	}
	_cleanup_free_ char *out = run_ps(api_query(req, "ps_args"), &err);
	if (!out) {
		api_fail(resp, err);
		return;
	}
	char *save = NULL, *line = strtok_r(out, "\n", &save);
	json_t *titles = line ? words(line, 0) : json_array();
	size_t pid_col = json_array_size(titles);
	for (size_t i = 0; i < json_array_size(titles); i++)
		if (!strcmp(json_string_value(json_array_get(titles, i)), "PID"))
			pid_col = i;
	if (pid_col == json_array_size(titles)) {
		json_decref(titles);
		api_error(resp, 400, "top: ps's output has no PID column");
		return;
	}
	json_t *procs = json_array();
	while ((line = strtok_r(NULL, "\n", &save))) {
		json_t *row = words(line, json_array_size(titles));
		long pid = strtol(json_string_value(json_array_get(row, pid_col)) ?: "", NULL, 10);
		bool ours = false;
		for (size_t i = 0; i < n && !ours; i++)
			ours = pids[i] == (pid_t)pid;
		if (ours)
			json_array_append_new(procs, row);
		else
			json_decref(row);
	}
	resp->json = json_pack("{s:o,s:o}", "Titles", titles, "Processes", procs);
}

/* -------------------------------------------------------------- stats -- */

/* The host's CPU time in ns, all CPUs (docker's system_cpu_usage). */
static unsigned long long host_cpu_ns(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/stat", "re");
	unsigned long long v[8] = {0}, sum = 0;
	if (!f || fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			 &v[6], &v[7]) != 8)
		return 0;
	for (int i = 0; i < 8; i++)
		sum += v[i];
	return sum * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
}

struct sample {
	struct hull_usage u;
	unsigned long long host_ns;
	char read[40];
};

static void take(const struct hull_container *c, struct sample *s)
{
	memset(s, 0, sizeof(*s));
	hull_engine_usage(c, &s->u, NULL);
	s->host_ns = host_cpu_ns();
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	gmtime_r(&now.tv_sec, &tm);
	char base[24];
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(s->read, sizeof(s->read), "%s.%09ldZ", base, now.tv_nsec);
}

static json_t *cpu_json(const struct sample *s)
{
	return json_pack("{s:{s:I,s:I,s:I},s:I,s:i,s:{s:i,s:i,s:i}}", "cpu_usage", "total_usage",
			 (json_int_t)s->u.cpu_ns, "usage_in_kernelmode", (json_int_t)0, "usage_in_usermode",
			 (json_int_t)0, "system_cpu_usage", (json_int_t)s->host_ns, "online_cpus",
			 (int)sysconf(_SC_NPROCESSORS_ONLN), "throttling_data", "periods", 0, "throttled_periods", 0,
			 "throttled_time", 0);
}

static json_t *stats_json(const struct hull_container *c, const struct sample *pre, const struct sample *now)
{
	long long limit = json_integer_value(json_object_get(json_object_get(c->record, "HostConfig"), "Memory"));
	if (limit <= 0)
		limit = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
	return json_pack("{s:s,s:s,s:{s:I},s:{s:[{s:i,s:i,s:s,s:I},{s:i,s:i,s:s,s:I}]},s:i,s:o,s:o,s:{s:I,s:I,s:{}},"
			 "s:s+,s:s,s:{s:{s:I,s:I,s:i,s:i,s:i,s:i,s:i,s:i}}}",
			 "read", now->read, "preread", pre->read, "pids_stats", "current", (json_int_t)now->u.pids,
			 "blkio_stats", "io_service_bytes_recursive", "major", 0, "minor", 0, "op", "Read", "value",
			 (json_int_t)now->u.block_read, "major", 0, "minor", 0, "op", "Write", "value",
			 (json_int_t)now->u.block_write, "num_procs", 0, "cpu_stats", cpu_json(now), "precpu_stats",
			 cpu_json(pre), "memory_stats", "usage", (json_int_t)now->u.memory, "limit", (json_int_t)limit,
			 "stats", "name", "/", c->name, "id", c->id, "networks", "eth0", "rx_bytes",
			 (json_int_t)now->u.net_rx, "tx_bytes", (json_int_t)now->u.net_tx, "rx_packets", 0,
			 "tx_packets", 0, "rx_errors", 0, "tx_errors", 0, "rx_dropped", 0, "tx_dropped", 0);
}

struct stats_stream {
	struct hull_cli *cli;
	char id[HULL_ID_LEN + 1];
	bool stream, one_shot, done;
	struct sample pre;
};

static long stats_read(void *data, char *buf, size_t max)
{
	struct stats_stream *s = data;
	if (s->done)
		return -1;
	_cleanup_container_ struct hull_container *c = hull_container_load(&s->cli->ctx, s->id, NULL);
	if (!c || (c->state.status != HULL_ENGINE_RUNNING && c->state.status != HULL_ENGINE_PAUSED && s->pre.read[0]))
		return -1;
	if (!s->one_shot || s->stream) {
		/* a second between samples: docker's CLI reads CPU% from their difference */
		struct timespec second = {1, 0};
		if (s->pre.read[0] || !s->stream)
			nanosleep(&second, NULL);
	}
	struct sample now;
	take(c, &now);
	_cleanup_json_ json_t *j = stats_json(c, &s->pre, &now);
	s->pre = now;
	s->done = !s->stream;
	_cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
	int n = text ? snprintf(buf, max, "%s\n", text) : -1;
	return n > 0 && (size_t)n < max ? n : -1;
}

/* ?stream=false: one object (after a second, unless one-shot); else one a second. */
void api_container_stats(struct api_request *req, struct api_response *resp)
{
	_cleanup_container_ struct hull_container *c = api_container_get(req, resp);
	if (!c)
		return;
	struct stats_stream *s = hull_xcalloc(1, sizeof(*s));
	const char *stream = api_query(req, "stream");
	s->cli = req->cli;
	snprintf(s->id, sizeof(s->id), "%s", c->id);
	s->stream = !stream || api_query_bool(req, "stream");
	s->one_shot = api_query_bool(req, "one-shot");
	if (c->state.status == HULL_ENGINE_RUNNING || c->state.status == HULL_ENGINE_PAUSED)
		take(c, &s->pre);
	resp->has_stream = true;
	resp->stream = (struct api_stream){.read = stats_read, .done = free, .data = s};
	resp->content_type = "application/json";
}
