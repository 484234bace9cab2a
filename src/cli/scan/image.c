/* image.c - scanning an image reference: its layers from the store. */
#include <errno.h>

#include "hull/scan.h"
#include "scan_cli.h"

int scan_cli_open_image(const char *ref, struct hull_scan_root **root, struct hull_error **err)
{
	(void)root;
	return hull_error_msg(err, ENOENT, "`%s` is not a directory, and this build has no image store to look it up in",
			      ref);
}
