/* health.c - docker's HEALTHCHECK: a process the monitor forks runs the
 * container's test command inside it (as `hull exec` does) every interval,
 * kills it after the timeout, and keeps State.Health (moby's
 * daemon/health.go: starting -> healthy on a success, unhealthy after
 * Retries failures in a row, failures in the start period not counted,
 * the last 5 probes in Log) in health.json of the container directory. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/exec.h"
#include "hull/fs.h"
#include "hull/inspect.h"
#include "hull/json.h"
#include "hull/runtime.h"
#include "hull/timefmt.h"
#include "engine_internal.h"
#include "store_internal.h"

#define HEALTH_LOG_MAX 5
#define HEALTH_OUTPUT_MAX 4096 /* moby's maxOutputLen */
#define NS_PER_S 1000000000LL

struct health_config {
	char **test;				   /* argv run in the container */
	long long interval, timeout, start_period; /* ns */
	int retries;
};

/* The test's argv (NULL: none, or NONE); docker's CMD-SHELL runs /bin/sh -c. */
static char **test_argv(char **test)
{
	size_t n = 0;
	while (test && test[n])
		n++;
	const char *kind = n ? test[0] : NULL;
	if (!kind || !strcmp(kind, "NONE") || n < 2)
		return NULL;
	if (!strcmp(kind, "CMD-SHELL")) {
		char **v = hull_xcalloc(4, sizeof(*v));
		v[0] = hull_xstrdup("/bin/sh");
		v[1] = hull_xstrdup("-c");
		v[2] = hull_xstrdup(test[1]);
		return v;
	}
	if (strcmp(kind, "CMD"))
		return NULL;
	char **v = hull_xcalloc(n, sizeof(*v));
	for (size_t i = 1; i < n; i++)
		v[i - 1] = hull_xstrdup(test[i]);
	return v;
}

static long long ns_or(long long v, long long dflt)
{
	return v > 0 ? v : dflt;
}

/* Config.Healthcheck of the record, with docker's defaults; false: none. */
static bool health_config(const struct hull_container *c, struct health_config *hc)
{
	_cleanup_record_ struct hull_container_record r;
	hull_container_record_parse(c->record, "container.json", &r, NULL); /* a bad member reads as absent */
	const struct hull_record_healthcheck *h = &r.config.healthcheck;
	hc->test = test_argv(h->test);
	if (!hc->test)
		return false;
	hc->interval = ns_or(h->interval, 30 * NS_PER_S);
	hc->timeout = ns_or(h->timeout, 30 * NS_PER_S);
	hc->start_period = ns_or(h->start_period, 0);
	hc->retries = (int)ns_or(h->retries, 3);
	return true;
}

static long long now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (long long)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void rfc3339_now(char *buf, size_t size)
{
	char now[HULL_TIME_BUF_LEN];
	snprintf(buf, size, "%s", hull_time_now_rfc3339(now));
}

/* The probe's child: run argv in the container, its stdout and stderr to
 * out_fd; exits with its status (126: could not start it). */
static void probe_child(struct hull_ctx *rt, const struct hull_container *c, char **argv, int out_fd,
			const char *pid_file)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, 0);
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	struct hull_error *err = NULL;
	_cleanup_(hull_oci_config_freep) struct hull_oci_config *cfg = hull_oci_config_load(c->dir, &err);
	char *caps_none[] = {NULL};
	struct hull_exec_overrides o = {.args = argv, .caps = caps_none};
	struct hull_oci_process *proc = cfg ? hull_exec_process(cfg, &o, &err) : NULL;
	int status = 126;
	if (proc) {
		struct hull_exec_opts eo = {.process = proc, .pid_file = pid_file};
		int r = hull_runtime_exec(rt, c->id, &eo, &status, &err);
		if (r < 0)
			status = r == -ENOENT ? 127 : 126;
	}
	if (err)
		dprintf(2, "%s\n", err->msg);
	_exit(status);
}

/* ns as Go prints a duration, as docker's message has it: 300ms, 30s, 1m30s */
static void go_duration(long long ns, char *buf, size_t size)
{
	if (ns % NS_PER_S && ns < 60 * NS_PER_S) {
		if (ns % 1000000 == 0)
			snprintf(buf, size, "%lldms", ns / 1000000);
		else
			snprintf(buf, size, "%gs", (double)ns / NS_PER_S);
		return;
	}
	long long s = ns / NS_PER_S;
	if (s < 60)
		snprintf(buf, size, "%llds", s);
	else if (s < 3600)
		snprintf(buf, size, "%lldm%llds", s / 60, s % 60);
	else
		snprintf(buf, size, "%lldh%lldm%llds", s / 3600, s / 60 % 60, s % 60);
}

/* One probe: its exit code (-1 on the timeout) and output into entry. */
static void probe(struct hull_ctx *rt, const struct hull_container *c, const struct health_config *hc, json_t *entry)
{
	char start[64], end[64], out[HEALTH_OUTPUT_MAX + 1];
	size_t len = 0;
	int code = -1;
	rfc3339_now(start, sizeof(start));
	_cleanup_free_ char *pid_file = hull_path_join(c->dir, "health.pid");
	unlink(pid_file);
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return;
	pid_t child = fork();
	if (child == 0) {
		close(pipefd[0]);
		probe_child(rt, c, hc->test, pipefd[1], pid_file);
	}
	close(pipefd[1]);
	long long deadline = now_ns(CLOCK_MONOTONIC) + hc->timeout;
	bool timed_out = false;
	for (;;) {
		long long left = deadline - now_ns(CLOCK_MONOTONIC);
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd p = {.fd = pipefd[0], .events = POLLIN};
		int n = poll(&p, 1, (int)(left / 1000000 + 1));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		char buf[1024];
		ssize_t got = read(pipefd[0], buf, sizeof(buf));
		if (got <= 0)
			break; /* every writer closed: the probe ended */
		size_t take = (size_t)got < HEALTH_OUTPUT_MAX - len ? (size_t)got : HEALTH_OUTPUT_MAX - len;
		memcpy(out + len, buf, take);
		len += take;
	}
	close(pipefd[0]);
	if (timed_out) {
		_cleanup_free_ char *pid = NULL;
		if (hull_read_file(pid_file, &pid, NULL, NULL) == 0 && atoi(pid) > 0)
			kill(atoi(pid), SIGKILL);
		if (child > 0)
			kill(child, SIGKILL);
		char d[32];
		go_duration(hc->timeout, d, sizeof(d));
		len = (size_t)snprintf(out, sizeof(out), "Health check exceeded timeout (%s)", d);
	}
	int status = 0;
	if (child > 0 && waitpid(child, &status, 0) == child && !timed_out)
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	unlink(pid_file);
	out[len] = '\0';
	rfc3339_now(end, sizeof(end));
	json_object_set_new(entry, "Start", json_string(start));
	json_object_set_new(entry, "End", json_string(end));
	json_object_set_new(entry, "ExitCode", json_integer(code));
	json_object_set_new(entry, "Output", json_stringn_nocheck(out, len));
}

/* Fold a probe into the health state: docker's status machine. */
static void record(json_t *health, json_t *entry, const struct health_config *hc, bool in_start_period)
{
	json_t *log = json_object_get(health, "Log");
	json_array_append(log, entry);
	while (json_array_size(log) > HEALTH_LOG_MAX)
		json_array_remove(log, 0);
	long long streak = (long long)json_integer_value(json_object_get(health, "FailingStreak"));
	const char *status = json_string_value(json_object_get(health, "Status"));
	if (json_integer_value(json_object_get(entry, "ExitCode")) == 0) {
		json_object_set_new(health, "Status", json_string("healthy"));
		json_object_set_new(health, "FailingStreak", json_integer(0));
		return;
	}
	/* a failure while still starting within the start period is not counted */
	if (in_start_period && status && !strcmp(status, "starting"))
		return;
	json_object_set_new(health, "FailingStreak", json_integer(++streak));
	if (streak >= hc->retries)
		json_object_set_new(health, "Status", json_string("unhealthy"));
}

static void save(const struct hull_container *c, json_t *health)
{
	_cleanup_free_ char *p = hull_path_join(c->dir, "health.json");
	hull_json_dump_file(health, p, 0644, NULL);
}

static void sleep_ns(long long ns)
{
	struct timespec ts = {.tv_sec = ns / NS_PER_S, .tv_nsec = ns % NS_PER_S};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void health_main(struct hull_ctx *rt, struct hull_container *c, const struct health_config *hc)
{
	_cleanup_json_ json_t *health = json_pack("{s:s,s:i,s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
	save(c, health);
	long long started = now_ns(CLOCK_MONOTONIC);
	for (;;) {
		sleep_ns(hc->interval);
		/* docker runs no probe in a paused container (an exec would be refused) */
		if (hull_container_load_state(c, NULL) == 0 && c->state.status == HULL_ENGINE_PAUSED)
			continue;
		_cleanup_json_ json_t *entry = json_object();
		bool in_start = now_ns(CLOCK_MONOTONIC) - started < hc->start_period;
		probe(rt, c, hc, entry);
		if (!json_object_get(entry, "Start"))
			continue;
		record(health, entry, hc, in_start);
		save(c, health);
	}
}

pid_t engine_health_start(struct hull_ctx *rt, struct hull_container *c)
{
	struct health_config hc = {0};
	_cleanup_free_ char *p = hull_path_join(c->dir, "health.json");
	unlink(p);
	if (!health_config(c, &hc))
		return -1;
	pid_t pid = fork();
	if (pid != 0) {
		hull_strv_free(hc.test);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGTERM, SIG_DFL);
	/* the monitor's pipes (the container's stdin, the CLI's) must not stay
	 * open here: their readers would never see an end */
	close_range(3, ~0U, 0);
	health_main(rt, c, &hc);
	_exit(0);
}

void engine_health_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

json_t *hull_engine_health_json(const struct hull_container *c)
{
	_cleanup_record_ struct hull_container_record r;
	hull_container_record_parse(c->record, "container.json", &r, NULL); /* a bad member reads as absent */
	char **test = test_argv(r.config.healthcheck.test);
	if (!test)
		return NULL;
	hull_strv_free(test);
	_cleanup_free_ char *p = hull_path_join(c->dir, "health.json");
	json_t *h = hull_json_load_file(p, "health.json", NULL);
	if (!h)
		h = json_pack("{s:s,s:i,s:[]}", "Status", "starting", "FailingStreak", 0, "Log");
	return h;
}
