/* stream.h - download + unpack of one layer in one pass (private). */
#ifndef HULL_IMAGE_STREAM_H
#define HULL_IMAGE_STREAM_H

#include "registry.h"

/* stream_layer: fetch desc into the store and unpack it as diff_id at the
 * same time; the layer is installed only when the blob digest and the
 * diff_id both check out. progress (may be NULL) gets downloaded bytes. */
int stream_layer(struct registry *r, const struct hull_descriptor *desc, const char *diff_id,
		 void (*progress)(void *opaque, long long done, long long total), void *opaque, long long *unpacked,
		 struct hull_error **err);

#endif
