/* digest.c - streaming sha256 on OpenSSL's EVP interface. */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/digest.h"

struct hull_sha256 {
	EVP_MD_CTX *md;
};

struct hull_sha256 *hull_sha256_new(void)
{
	struct hull_sha256 *h = malloc(sizeof(*h));
	if (!h)
		abort();
	h->md = EVP_MD_CTX_new();
	if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1)
		abort();
	return h;
}

void hull_sha256_free(struct hull_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->md);
	free(h);
}

void hull_sha256_update(struct hull_sha256 *h, const void *data, size_t len)
{
	if (len)
		EVP_DigestUpdate(h->md, data, len);
}

static void to_hex(const unsigned char *bin, unsigned len, char out[HULL_DIGEST_BUF_LEN])
{
	static const char hex[] = "0123456789abcdef";
	memcpy(out, "sha256:", 7);
	for (unsigned i = 0; i < len; i++) {
		out[7 + 2 * i] = hex[bin[i] >> 4];
		out[7 + 2 * i + 1] = hex[bin[i] & 15];
	}
	out[7 + 2 * len] = '\0';
}

void hull_sha256_digest(const struct hull_sha256 *h, char out[HULL_DIGEST_BUF_LEN])
{
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	EVP_MD_CTX *copy = EVP_MD_CTX_new();
	if (!copy || EVP_MD_CTX_copy_ex(copy, h->md) != 1)
		abort();
	EVP_DigestFinal_ex(copy, bin, &len);
	EVP_MD_CTX_free(copy);
	to_hex(bin, len, out);
}

void hull_sha256_buffer(const void *data, size_t len, char out[HULL_DIGEST_BUF_LEN])
{
	unsigned char bin[EVP_MAX_MD_SIZE];
	unsigned blen = 0;
	EVP_Digest(data, len, bin, &blen, EVP_sha256(), NULL);
	to_hex(bin, blen, out);
}

int hull_sha256_fd(int fd, char out[HULL_DIGEST_BUF_LEN], long long *size, struct hull_error **err)
{
	_cleanup_(hull_sha256_freep) struct hull_sha256 *h = hull_sha256_new();
	_cleanup_free_ char *buf = malloc(1 << 20);
	long long total = 0;
	if (!buf)
		abort();
	for (;;) {
		ssize_t n = read(fd, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_set(err, errno, "read for sha256");
		if (n == 0)
			break;
		hull_sha256_update(h, buf, (size_t)n);
		total += n;
	}
	hull_sha256_digest(h, out);
	if (size)
		*size = total;
	return 0;
}

int hull_digest_validate(const char *s, struct hull_error **err)
{
	if (!s || strncmp(s, "sha256:", 7) != 0) {
		if (s && strchr(s, ':'))
			return hull_error_msg(err, EINVAL, "digest `%s`: unsupported algorithm (hull handles sha256)", s);
		return hull_error_msg(err, EINVAL, "digest `%s`: not of the form sha256:<64 hex digits>", s ? s : "");
	}
	size_t n = 0;
	for (const char *p = s + 7; *p; p++, n++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return hull_error_msg(err, EINVAL, "digest `%s`: not of the form sha256:<64 hex digits>", s);
	if (n != HULL_SHA256_HEX_LEN)
		return hull_error_msg(err, EINVAL, "digest `%s`: not of the form sha256:<64 hex digits>", s);
	return 0;
}
