/* store_internal.h - between store.c and state.c. */
#ifndef HULL_ENGINE_STORE_INTERNAL_H
#define HULL_ENGINE_STORE_INTERNAL_H

#include "hull/container_store.h"

/* Read state.json into c->state (absent: created) and correct it against
 * /proc: a running container whose monitor is gone is reported exited. */
int hull_container_load_state(struct hull_container *c, struct hull_error **err);

#endif
