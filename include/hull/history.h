/* hull/history.h - docker history: an image's build steps. */
#ifndef HULL_HISTORY_H
#define HULL_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "hull/error.h"

struct hull_image;

/* One row of docker history. */
struct hull_history_entry {
	long long created; /* unix seconds, 0 when unknown */
	char *created_by;  /* the step ("/bin/sh -c #(nop) CMD ...") */
	char *comment;
	long long size;    /* bytes of the layer it made; 0 for an empty_layer step */
	bool empty_layer;
};

/* hull_engine_image_history: img's build steps from its config's
 * "history" (OCI image-spec config.md), newest first; the steps that made
 * layers get those layers' sizes in order. An image without history gives
 * one unnamed row per layer. *out malloc'd (hull_history_free). */
int hull_engine_image_history(const struct hull_image *img, struct hull_history_entry **out, size_t *n,
			      struct hull_error **err);
void hull_history_free(struct hull_history_entry *h, size_t n);

#endif
