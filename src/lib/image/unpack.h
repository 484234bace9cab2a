/* unpack.h - safe extraction of one layer tar into a directory. */
#ifndef HULL_IMAGE_UNPACK_H
#define HULL_IMAGE_UNPACK_H

#include <archive.h>

#include "hull/ctx.h"
#include "hull/error.h"

/* unpack_archive: extract every entry of an open libarchive reader into the
 * directory root_fd, as an overlayfs layer (OCI image-spec layer.md):
 * `.wh.NAME` becomes a 0:0 character device NAME, `.wh..wh..opq` sets
 * trusted.overlay.opaque=y on its directory. Paths are resolved inside
 * root_fd with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS): absolute
 * names, `..`, writes through symlinks and hardlinks to outside are
 * refused with an error naming the entry. *bytes gets the file data size.
 * Device nodes that cannot be made are skipped with a warning on ctx. */
int unpack_archive(struct hull_ctx *ctx, struct archive *a, int root_fd, long long *bytes, struct hull_error **err);

/* unpack_clean_path: normalise a tar member name in place ("./a//b/" ->
 * "a/b"); fails for absolute names and `..` components. An empty result
 * means the root itself. Exposed for tests and the fuzz target. */
int unpack_clean_path(char *path, struct hull_error **err);

#endif
