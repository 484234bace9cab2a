/* hull/inspect.h - docker inspect's view of a container, with its health. */
#ifndef HULL_INSPECT_H
#define HULL_INSPECT_H

#include <jansson.h>

struct hull_container;

/* hull_engine_health_json: docker's State.Health of c (new ref: Status
 * starting|healthy|unhealthy, FailingStreak, Log of the last 5 probes), or
 * NULL when c has no health check (none, or Test NONE). */
json_t *hull_engine_health_json(const struct hull_container *c);

/* hull_engine_inspect_json: docker's inspect object (new ref): the record
 * with the live State, and a loud HullSecurity note when privileged. */
json_t *hull_engine_inspect_json(const struct hull_container *c);

#endif
