/* history.c - docker history: an image's build steps from the "history"
 * of its config (OCI image-spec config.md "history"), newest first, each
 * step that made a layer (not empty_layer) given that layer's size. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hull/fs.h"
#include "hull/history.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/oci_image.h"
#include "hull/timefmt.h"

void hull_history_free(struct hull_history_entry *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].created_by);
		free(h[i].comment);
	}
	free(h);
}

int hull_engine_image_history(const struct hull_image *img, struct hull_history_entry **out, size_t *n,
			      struct hull_error **err)
{
	*out = NULL;
	*n = 0;
	json_t *hist = json_object_get(img->config->raw, "history");
	if (hist && !json_is_array(hist))
		return hull_error_msg(err, EINVAL, "image %.19s: config: history: must be an array", img->id);
	size_t count = json_array_size(hist);
	/* an image without history still has layers: one row each, as docker shows */
	size_t rows = count ? count : img->n_layers;
	struct hull_history_entry *h = hull_xcalloc(rows ? rows : 1, sizeof(*h));
	size_t layer = 0;
	for (size_t i = 0; i < rows; i++) {
		struct hull_history_entry *e = &h[rows - 1 - i]; /* newest first */
		json_t *step = json_array_get(hist, i);
		e->created = hull_time_parse_seconds(json_string_value(json_object_get(step, "created")));
		e->created_by = hull_xstrdup(json_string_value(json_object_get(step, "created_by")) ?: "");
		e->comment = hull_xstrdup(json_string_value(json_object_get(step, "comment")) ?: "");
		e->empty_layer = json_is_true(json_object_get(step, "empty_layer"));
		if (!e->empty_layer && layer < img->n_layers)
			e->size = (long long)hull_du(img->layer_dirs[layer++]);
	}
	*out = h;
	*n = rows;
	return 0;
}
