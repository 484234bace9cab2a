/* image.c - scanning an image reference: its layers from the store, merged
 * as overlayfs merges them, and its config's User for the root check. */
#include <errno.h>

#include "hull/cleanup.h"
#include "hull/image.h"
#include "hull/scan.h"
#include "scan_cli.h"

int scan_cli_open_image(struct hull_ctx *ctx, const char *ref, struct hull_scan_root **root,
			struct hull_error **err)
{
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	int ret = hull_image_store_open(ctx, &store, err);
	if (ret < 0)
		return ret;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	ret = hull_image_get(store, ref, &img, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "`%s` is neither a directory nor an image in the store", ref);
	ret = hull_scan_root_open_layers((const char *const *)img->layer_dirs, img->n_layers, root, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "image `%s`", ref);
	hull_scan_root_set_user(*root, img->config && img->config->user ? img->config->user : "");
	return 0;
}
