/* ps.h - a container as `hull ps` shows it; the Docker API's container
 * list (api/containers.c) builds its summaries from the same row. */
#ifndef HULL_CLI_ENGINE_PS_H
#define HULL_CLI_ENGINE_PS_H

#include <jansson.h>
#include <stdbool.h>

#include "hull/container_store.h"

/* engine_ps_row: one container as `ps` shows it (ID, Image, Command,
 * CreatedAt, RunningFor, Status, State, Ports, Names, Labels, Networks,
 * as docker's formatter names them); unless no_trunc the id is cut to 12
 * characters and the quoted command to 20. A new reference. */
json_t *engine_ps_row(const struct hull_container *c, bool no_trunc);

#endif
