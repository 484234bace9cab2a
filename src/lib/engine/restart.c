/* restart.c - docker's restart policies (docker-run(1) --restart; moby's
 * restartmanager): when a container's process exits, whether its monitor
 * runs it again and after how long. hull has no daemon: the monitor that
 * keeps the container is the one that restarts it, so nothing restarts a
 * container after a host reboot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/restart.h"

#define RESTART_FIRST_DELAY_MS 100u     /* moby's defaultTimeout */
#define RESTART_MAX_DELAY_MS 60000u     /* maxRestartTimeout: 1 minute */
#define RESTART_RESET_AFTER_MS 10000u   /* ran >= 10 s: the back-off starts over */

static const char *const kind_names[] = {
	[HULL_RESTART_NO] = "no",
	[HULL_RESTART_ALWAYS] = "always",
	[HULL_RESTART_ON_FAILURE] = "on-failure",
	[HULL_RESTART_UNLESS_STOPPED] = "unless-stopped",
};

const char *hull_restart_kind_name(enum hull_restart_kind kind)
{
	return (unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[kind] : "no";
}

static int parse_count(const char *spec, const char *s, int *out, struct hull_error **err)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (!*s || *end || errno || n > 1000000)
		return hull_error_msg(err, EINVAL, "--restart %s: the maximum retry count must be a number", spec);
	if (n < 0)
		return hull_error_msg(err, EINVAL, "--restart %s: the maximum retry count cannot be negative", spec);
	*out = (int)n;
	return 0;
}

int hull_restart_policy_parse(const char *spec, struct hull_restart_policy *out, struct hull_error **err)
{
	*out = (struct hull_restart_policy){ HULL_RESTART_NO, 0 };
	if (!spec || !*spec)
		return 0;
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (strlen(kind_names[i]) != len || strncmp(spec, kind_names[i], len))
			continue;
		out->kind = (enum hull_restart_kind)i;
		if (!colon)
			return 0;
		if (out->kind != HULL_RESTART_ON_FAILURE)
			return hull_error_msg(err, EINVAL,
					      "--restart %s: a maximum retry count can only be given to on-failure "
					      "(on-failure:N)",
					      spec);
		return parse_count(spec, colon + 1, &out->max_retries, err);
	}
	return hull_error_msg(err, EINVAL, "--restart %s: expected no, always, on-failure[:N] or unless-stopped", spec);
}

bool hull_restart_next(const struct hull_restart_policy *p, struct hull_restart_tracker *t, int exit_code,
		       bool stopped_by_user, unsigned long long ran_ms, unsigned *delay_ms)
{
	if (ran_ms >= RESTART_RESET_AFTER_MS || t->delay_ms == 0)
		t->delay_ms = RESTART_FIRST_DELAY_MS;
	else if (t->delay_ms < RESTART_MAX_DELAY_MS)
		t->delay_ms *= 2;
	if (t->delay_ms > RESTART_MAX_DELAY_MS)
		t->delay_ms = RESTART_MAX_DELAY_MS;
	bool restart = false;
	if (!stopped_by_user) {
		switch (p->kind) {
		case HULL_RESTART_ALWAYS:
		case HULL_RESTART_UNLESS_STOPPED: restart = true; break;
		case HULL_RESTART_ON_FAILURE:
			restart = exit_code != 0 && (p->max_retries == 0 || t->count < (unsigned)p->max_retries);
			break;
		case HULL_RESTART_NO: break;
		}
	}
	if (restart)
		t->count++;
	*delay_ms = t->delay_ms;
	return restart;
}

int hull_engine_update_restart(struct hull_container *c, const char *spec, struct hull_error **err)
{
	struct hull_restart_policy policy;
	if (hull_restart_policy_parse(spec, &policy, err) < 0)
		return -EINVAL;
	_cleanup_close_ int lock = hull_container_lock(c, err);
	if (lock < 0)
		return lock;
	/* the record as it is now, under the lock: the monitor writes it too */
	_cleanup_free_ char *p = hull_path_join(c->dir, "container.json");
	_cleanup_json_ json_t *record = hull_json_load_file(p, "container.json", err);
	if (!record)
		return -EINVAL;
	_cleanup_record_ struct hull_container_record rec;
	if (hull_container_record_parse(record, p, &rec, err) < 0)
		return -EINVAL;
	if (!rec.host_config.obj.here)
		return hull_error_msg(err, EINVAL, "container %s: its record has no HostConfig", c->name);
	if (policy.kind != HULL_RESTART_NO && rec.host_config.auto_remove)
		return hull_error_msg(err, EINVAL, "Restart policy cannot be updated because AutoRemove is enabled for "
						   "the container");
	json_object_set_new(json_object_get(record, "HostConfig"), "RestartPolicy",
			    json_pack("{s:s,s:i}", "Name", hull_restart_kind_name(policy.kind), "MaximumRetryCount",
				      policy.max_retries));
	int r = hull_json_dump_file(record, p, 0600, err);
	if (r < 0)
		return r;
	json_decref(c->record);
	c->record = json_incref(record);
	return 0;
}
