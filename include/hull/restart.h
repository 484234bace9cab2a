/* hull/restart.h - restart policies (--restart) and the monitor's back-off between runs. */
#ifndef HULL_RESTART_H
#define HULL_RESTART_H

#include <stdbool.h>

#include "hull/error.h"

struct hull_container;

/* docker's --restart policies. always and unless-stopped only differ when
 * a daemon restarts; hull has none, so here they behave the same. */
enum hull_restart_kind {
	HULL_RESTART_NO = 0,
	HULL_RESTART_ALWAYS,
	HULL_RESTART_ON_FAILURE,
	HULL_RESTART_UNLESS_STOPPED,
};

struct hull_restart_policy {
	enum hull_restart_kind kind;
	int max_retries; /* on-failure:N; 0: no limit */
};

/* hull_restart_policy_parse: "no" | "always" | "unless-stopped" |
 * "on-failure[:N]" (NULL or "": no). EINVAL naming the flag otherwise, and
 * for a count on anything but on-failure, as docker refuses it. */
int hull_restart_policy_parse(const char *spec, struct hull_restart_policy *out, struct hull_error **err);

/* hull_restart_kind_name: docker's name for kind ("on-failure"...). */
const char *hull_restart_kind_name(enum hull_restart_kind kind);

/* What the monitor remembers between runs; zero it at start. */
struct hull_restart_tracker {
	unsigned count;    /* restarts so far: docker's RestartCount */
	unsigned delay_ms; /* the last back-off */
};

/* hull_restart_next: the process exited with exit_code after ran_ms: true
 * when the policy runs it again (t->count grows), after *delay_ms (moby's
 * restartmanager: 100 ms doubling up to 1 minute, back to 100 ms once a
 * run lasted 10 s). Never after a stop or kill by the user; on-failure only
 * on a non-zero code and at most max_retries times. */
bool hull_restart_next(const struct hull_restart_policy *p, struct hull_restart_tracker *t, int exit_code,
		       bool stopped_by_user, unsigned long long ran_ms, unsigned *delay_ms);

/* hull_engine_update_restart: docker update --restart: set the container's
 * RestartPolicy (under its lock, in the record as it is on disk, c->record
 * refreshed). A running container's monitor follows it from the next exit
 * of the process. Refused, as docker does, for a --rm container. */
int hull_engine_update_restart(struct hull_container *c, const char *spec, struct hull_error **err);

#endif
