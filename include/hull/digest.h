/* hull/digest.h - content digests (OCI image-spec descriptor.md#digests).
 *
 * Only sha256 is produced; "sha256:<64 lowercase hex>" is the one algorithm
 * every registry and runtime accepts. Hashing is streaming: feed bytes as
 * they arrive from the network or a decompressor, never buffer a blob.
 */
#ifndef HULL_DIGEST_H
#define HULL_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "hull/error.h"

#define HULL_SHA256_HEX_LEN 64
/* "sha256:" + 64 hex + NUL */
#define HULL_DIGEST_BUF_LEN (7 + HULL_SHA256_HEX_LEN + 1)

struct hull_sha256; /* opaque streaming state (an OpenSSL EVP_MD_CTX) */

/* hull_sha256_new: a fresh streaming sha256; aborts on ENOMEM. Free with
 * hull_sha256_free (NULL is fine). */
struct hull_sha256 *hull_sha256_new(void);
void hull_sha256_free(struct hull_sha256 *h);
static inline void hull_sha256_freep(struct hull_sha256 **h)
{
	hull_sha256_free(*h);
	*h = NULL;
}

/* hull_sha256_update: hash len more bytes. */
void hull_sha256_update(struct hull_sha256 *h, const void *data, size_t len);

/* hull_sha256_digest: write "sha256:<hex>" of everything hashed so far into
 * out (HULL_DIGEST_BUF_LEN bytes). The state stays usable: more bytes may be
 * added afterwards (the digest is taken on a copy). */
void hull_sha256_digest(const struct hull_sha256 *h, char out[HULL_DIGEST_BUF_LEN]);

/* hull_sha256_buffer: one-shot digest of a buffer, "sha256:<hex>". */
void hull_sha256_buffer(const void *data, size_t len, char out[HULL_DIGEST_BUF_LEN]);

/* hull_sha256_fd: digest of everything readable from fd (from its current
 * offset); *size (may be NULL) gets the byte count. */
int hull_sha256_fd(int fd, char out[HULL_DIGEST_BUF_LEN], long long *size, struct hull_error **err);

/* hull_digest_validate: check that s is "sha256:" followed by exactly 64
 * lowercase hex digits (the only form hull stores). Any other algorithm or
 * shape fails with an error naming the string. */
int hull_digest_validate(const char *s, struct hull_error **err);

/* hull_digest_hex: the hex part of a validated digest (pointer into s). */
static inline const char *hull_digest_hex(const char *s)
{
	return s + 7;
}

#endif
