/* state.c - a container's State (state.json) and the truth check.
 *
 * The monitor writes state.json at each transition (running, exited). If
 * the monitor dies (crash, kill -9, host reboot), nothing would ever write
 * "exited": so every reader checks that the recorded monitor still runs,
 * using its pid and start time (a reused pid has another start time), and
 * reports the container exited when it does not.
 *
 * state.json is rewritten whole (temp + rename), which needs free space: on
 * a full disk the monitor's last write, the exit code, would fail and the
 * reader would take the dead monitor for a crash. So the monitor also
 * keeps the exit code in exit-status, a file of a fixed size it writes at
 * start (where the space is claimed) and overwrites in place at the end
 * (no new blocks on tmpfs or ext4): readers that find state.json still
 * "running" after the monitor is gone look there before saying 255. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/proc.h"
#include "hull/timefmt.h"
#include "engine_internal.h"
#include "store_internal.h"

static const char *const status_names[] = {
	[HULL_ENGINE_CREATED] = "created", [HULL_ENGINE_RUNNING] = "running", [HULL_ENGINE_PAUSED] = "paused",
	[HULL_ENGINE_EXITED] = "exited",   [HULL_ENGINE_REMOVING] = "removing", [HULL_ENGINE_DEAD] = "dead",
	[HULL_ENGINE_RESTARTING] = "restarting",
};

const char *hull_engine_status_name(enum hull_engine_status s)
{
	return (unsigned)s < HULL_ARRAY_SIZE(status_names) ? status_names[s] : "unknown";
}

static enum hull_engine_status status_from_name(const char *s)
{
	for (size_t i = 0; s && i < HULL_ARRAY_SIZE(status_names); i++)
		if (!strcmp(s, status_names[i]))
			return (enum hull_engine_status)i;
	return HULL_ENGINE_DEAD;
}

static void copy_str(char *dst, size_t size, json_t *v)
{
	const char *s = json_string_value(v);
	snprintf(dst, size, "%s", s ? s : "");
}

#define EXIT_STATUS_FILE "exit-status"
#define EXIT_STATUS_SIZE 4096

/* Write j at the start of the exit-status file, padded with spaces to
 * EXIT_STATUS_SIZE (JSON allows them), in place. */
static int write_exit_status(const struct hull_container *c, json_t *j, bool create, struct hull_error **err)
{
	_cleanup_free_ char *p = hull_path_join(c->dir, EXIT_STATUS_FILE);
	_cleanup_free_ char *text = json_dumps(j, JSON_COMPACT);
	if (!text || strlen(text) >= EXIT_STATUS_SIZE)
		return hull_error_msg(err, EOVERFLOW, "exit status of container %.12s: record too long", c->id);
	char buf[EXIT_STATUS_SIZE];
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, text, strlen(text));
	buf[sizeof(buf) - 1] = '\n';
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", p);
	ssize_t n = pwrite(fd, buf, sizeof(buf), 0);
	if (n != (ssize_t)sizeof(buf))
		return hull_error_set(err, n < 0 ? errno : ENOSPC,
				      "no space to keep the exit status of container %.12s (`%s`); free space "
				      "in the data root",
				      c->id, p);
	return 0;
}

int engine_exit_status_prepare(const struct hull_container *c, struct hull_error **err)
{
	_cleanup_json_ json_t *j = json_pack("{s:i,s:I}", "HullMonitorPid", (int)getpid(), "HullMonitorStart",
					     (json_int_t)hull_proc_start_time(getpid()));
	return write_exit_status(c, j, true, err);
}

void engine_exit_status_record(const struct hull_container *c)
{
	const struct hull_engine_state *s = &c->state;
	_cleanup_json_ json_t *j = json_pack("{s:i,s:I,s:i,s:s,s:s}", "HullMonitorPid", (int)s->monitor_pid,
					     "HullMonitorStart", (json_int_t)s->monitor_start, "ExitCode", s->exit_code,
					     "FinishedAt", s->finished_at, "Error", s->error);
	write_exit_status(c, j, false, NULL);
}

/* The exit the monitor kept in exit-status for this run (its pid and start
 * time match state.json's), into s; false when there is none. */
static bool read_exit_status(const struct hull_container *c, struct hull_engine_state *s)
{
	_cleanup_free_ char *p = hull_path_join(c->dir, EXIT_STATUS_FILE);
	_cleanup_json_ json_t *j = access(p, F_OK) == 0 ? hull_json_load_file(p, EXIT_STATUS_FILE, NULL) : NULL;
	json_t *code = json_object_get(j, "ExitCode");
	if (!json_is_integer(code) || json_integer_value(json_object_get(j, "HullMonitorPid")) != s->monitor_pid ||
	    (unsigned long long)json_integer_value(json_object_get(j, "HullMonitorStart")) != s->monitor_start)
		return false;
	s->status = HULL_ENGINE_EXITED;
	s->pid = 0;
	s->exit_code = (int)json_integer_value(code);
	copy_str(s->finished_at, sizeof(s->finished_at), json_object_get(j, "FinishedAt"));
	copy_str(s->error, sizeof(s->error), json_object_get(j, "Error"));
	return true;
}

int hull_container_load_state(struct hull_container *c, struct hull_error **err)
{
	struct hull_engine_state *s = &c->state;
	memset(s, 0, sizeof(*s));
	_cleanup_free_ char *p = hull_path_join(c->dir, "state.json");
	if (access(p, F_OK) < 0 && errno == ENOENT) {
		s->status = HULL_ENGINE_CREATED;
		return 0;
	}
	_cleanup_free_ char *display = hull_strdup_printf("container %.12s: state.json", c->id);
	_cleanup_json_ json_t *j = hull_json_load_file(p, display, err);
	if (!j)
		return -EINVAL;
	s->status = status_from_name(json_string_value(json_object_get(j, "Status")));
	s->pid = (pid_t)json_integer_value(json_object_get(j, "Pid"));
	s->pid_start = (unsigned long long)json_integer_value(json_object_get(j, "HullPidStart"));
	s->monitor_pid = (pid_t)json_integer_value(json_object_get(j, "HullMonitorPid"));
	s->monitor_start = (unsigned long long)json_integer_value(json_object_get(j, "HullMonitorStart"));
	s->exit_code = (int)json_integer_value(json_object_get(j, "ExitCode"));
	s->oom_killed = json_is_true(json_object_get(j, "OOMKilled"));
	copy_str(s->started_at, sizeof(s->started_at), json_object_get(j, "StartedAt"));
	copy_str(s->finished_at, sizeof(s->finished_at), json_object_get(j, "FinishedAt"));
	copy_str(s->error, sizeof(s->error), json_object_get(j, "Error"));
	if ((s->status == HULL_ENGINE_RUNNING || s->status == HULL_ENGINE_PAUSED ||
	     s->status == HULL_ENGINE_RESTARTING) &&
	    !hull_proc_alive(s->monitor_pid, s->monitor_start) && !read_exit_status(c, s)) {
		s->status = HULL_ENGINE_EXITED;
		s->exit_code = 255;
		snprintf(s->error, sizeof(s->error), "%s",
			 "the container's monitor is gone (host reboot or crash): exit status unknown");
		if (!s->finished_at[0])
			hull_time_now_rfc3339_into(s->finished_at, sizeof(s->finished_at));
	}
	return 0;
}

json_t *hull_engine_state_json(const struct hull_engine_state *s)
{
	json_t *j = json_object();
	json_object_set_new(j, "Status", json_string(hull_engine_status_name(s->status)));
	/* docker says Running while it restarts: the container is not stopped */
	json_object_set_new(j, "Running", json_boolean(s->status == HULL_ENGINE_RUNNING || s->status == HULL_ENGINE_PAUSED ||
						       s->status == HULL_ENGINE_RESTARTING));
	json_object_set_new(j, "Paused", json_boolean(s->status == HULL_ENGINE_PAUSED));
	json_object_set_new(j, "Restarting", json_boolean(s->status == HULL_ENGINE_RESTARTING));
	json_object_set_new(j, "OOMKilled", json_boolean(s->oom_killed));
	json_object_set_new(j, "Dead", json_boolean(s->status == HULL_ENGINE_DEAD));
	bool live = s->status == HULL_ENGINE_RUNNING || s->status == HULL_ENGINE_PAUSED;
	json_object_set_new(j, "Pid", json_integer(live ? s->pid : 0));
	json_object_set_new(j, "ExitCode", json_integer(s->exit_code));
	json_object_set_new(j, "Error", json_string(s->error));
	json_object_set_new(j, "StartedAt", json_string(s->started_at[0] ? s->started_at : "0001-01-01T00:00:00Z"));
	json_object_set_new(j, "FinishedAt",
			    json_string(s->finished_at[0] ? s->finished_at : "0001-01-01T00:00:00Z"));
	return j;
}

int hull_container_save_state(const struct hull_container *c, struct hull_error **err)
{
	const struct hull_engine_state *s = &c->state;
	_cleanup_json_ json_t *j = hull_engine_state_json(s);
	json_object_set_new(j, "Pid", json_integer(s->pid));
	json_object_set_new(j, "HullPidStart", json_integer((json_int_t)s->pid_start));
	json_object_set_new(j, "HullMonitorPid", json_integer(s->monitor_pid));
	json_object_set_new(j, "HullMonitorStart", json_integer((json_int_t)s->monitor_start));
	if (!s->started_at[0])
		json_object_set_new(j, "StartedAt", json_string(""));
	if (!s->finished_at[0])
		json_object_set_new(j, "FinishedAt", json_string(""));
	_cleanup_free_ char *p = hull_path_join(c->dir, "state.json");
	return hull_json_dump_file(j, p, 0600, err);
}
