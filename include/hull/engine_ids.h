/* hull/engine_ids.h - container ids and the names of containers, volumes and networks. */
#ifndef HULL_ENGINE_IDS_H
#define HULL_ENGINE_IDS_H

#include <stdbool.h>

#include "hull/error.h"

#define HULL_ID_LEN 64      /* docker's ids: 64 lowercase hex digits */
#define HULL_SHORT_ID_LEN 12 /* what ps shows */

/* hull_engine_new_id: 64 random lowercase hex digits into out (65 bytes with
 * the NUL); never all digits, as docker ensures, so a short id can never be
 * mistaken for a number. Returns 0 or -errno when getrandom fails. */
int hull_engine_new_id(char out[HULL_ID_LEN + 1], struct hull_error **err);

/* hull_engine_random_name: a malloc'd "adjective_surname" name, the shape
 * docker gives unnamed containers; retry picks a fresh pair. */
char *hull_engine_random_name(void);

/* hull_engine_valid_name: docker's rule for container, volume and network
 * names: [a-zA-Z0-9][a-zA-Z0-9_.-]* (up to 128 chars). */
bool hull_engine_valid_name(const char *name);

#endif
