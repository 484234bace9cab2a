/* lazy_crypto.c - the libcrypto functions hull calls (digests, base64),
 * loading libcrypto on first use (see lazy.h). */
#include <openssl/evp.h>

#include <stddef.h>

#include "lazy.h"

HULL_LAZY(HULL_LIB_CRYPTO, const EVP_MD *, EVP_sha256, (void), ())
HULL_LAZY(HULL_LIB_CRYPTO, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
HULL_LAZY_VOID(HULL_LIB_CRYPTO, EVP_MD_CTX_free, (EVP_MD_CTX *c), (c))
HULL_LAZY(HULL_LIB_CRYPTO, int, EVP_MD_CTX_copy_ex, (EVP_MD_CTX *out, const EVP_MD_CTX *in), (out, in))
HULL_LAZY(HULL_LIB_CRYPTO, int, EVP_DigestInit_ex, (EVP_MD_CTX *c, const EVP_MD *t, ENGINE *e), (c, t, e))
HULL_LAZY(HULL_LIB_CRYPTO, int, EVP_DigestUpdate, (EVP_MD_CTX *c, const void *d, size_t n), (c, d, n))
HULL_LAZY(HULL_LIB_CRYPTO, int, EVP_DigestFinal_ex, (EVP_MD_CTX *c, unsigned char *md, unsigned int *s), (c, md, s))
HULL_LAZY(HULL_LIB_CRYPTO, int, EVP_Digest,
	  (const void *d, size_t n, unsigned char *md, unsigned int *s, const EVP_MD *t, ENGINE *e),
	  (d, n, md, s, t, e))
HULL_LAZY(HULL_LIB_CRYPTO, int, EVP_EncodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))
HULL_LAZY(HULL_LIB_CRYPTO, int, EVP_DecodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))
