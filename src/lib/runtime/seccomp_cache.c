/* seccomp_cache.c - compiled seccomp filters kept between runs.
 *
 * libseccomp needs a few milliseconds per architecture to turn a profile
 * such as docker's default into BPF, on every container start. The result
 * depends only on the profile, the native architecture and libseccomp's
 * version: seccomp.c writes them down as one canonical text, the key. A
 * cache file holds a header, the classic BPF program ready for seccomp(2)
 * and the key text itself; it is named by a 64-bit FNV-1a hash of the key.
 * A file is used only when its key text equals ours byte for byte (a hash
 * collision can never load another profile's filter) and its checksum
 * matches; any file failing a check is ignored, never loaded, and the
 * caller rewrites it after a fresh compile. The directory must be ours and
 * writable by nobody else, the file ours and a regular file: whoever can
 * replace it is root already.
 *
 * Why not sha256: hull's digest is OpenSSL, whose loading and configuration
 * cost ~2 ms on this path, more than the compile the cache saves. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "seccomp_internal.h"

#define CACHE_MAGIC "HULLBPF2"
#define MAX_KEY_LEN (1u << 24)

struct cache_header {
	char magic[8];
	uint32_t flags;   /* SECCOMP_FILTER_FLAG_* */
	uint32_t len;     /* instructions that follow the header */
	uint32_t key_len; /* bytes of key text after the instructions */
	uint32_t reserved;
	uint64_t sum; /* FNV-1a of the header (sum 0) and all that follows */
};

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_BASIS 0xcbf29ce484222325ull

static char *cache_path(const char *dir, const char *key, size_t key_len)
{
	char name[32];
	snprintf(name, sizeof(name), "%016llx", (unsigned long long)fnv1a(FNV_BASIS, key, key_len));
	return hull_path_join(dir, name);
}

/* The directory may hold a filter we load into containers: it must be a
 * real directory of ours that nobody else can write to. */
static bool dir_trusted(const char *dir)
{
	struct stat st;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static uint64_t checksum(const char *data, size_t len)
{
	struct cache_header h;
	memcpy(&h, data, sizeof(h));
	h.sum = 0;
	return fnv1a(fnv1a(FNV_BASIS, &h, sizeof(h)), data + sizeof(h), len - sizeof(h));
}

int seccomp_cache_read(const char *dir, const char *key, size_t key_len, struct hull_seccomp_prog **out)
{
	*out = NULL;
	if (key_len > MAX_KEY_LEN || !dir_trusted(dir))
		return -ENOENT;
	_cleanup_free_ char *path = cache_path(dir, key, key_len);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -ENOENT; /* whatever kept it from being read, the program is not cached */
	size_t body_max = BPF_MAXINSNS * sizeof(struct sock_filter);
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    st.st_size < (off_t)sizeof(struct cache_header) ||
	    (size_t)st.st_size > sizeof(struct cache_header) + body_max + key_len)
		return -EBADMSG;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (hull_read_all(fd, &data, &len) < 0 || len != (size_t)st.st_size || len < sizeof(struct cache_header))
		return -EBADMSG;
	struct cache_header h;
	memcpy(&h, data, sizeof(h));
	size_t body = (size_t)h.len * sizeof(struct sock_filter);
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) || h.len == 0 || h.len > BPF_MAXINSNS ||
	    h.key_len != key_len || len != sizeof(h) + body + key_len ||
	    memcmp(data + sizeof(h) + body, key, key_len) || checksum(data, len) != h.sum)
		return -EBADMSG;
	struct hull_seccomp_prog *p = hull_xcalloc(1, sizeof(*p));
	p->flags = h.flags;
	p->len = h.len;
	p->filter = hull_xmalloc(body);
	memcpy(p->filter, data + sizeof(h), body);
	*out = p;
	return 0;
}

int seccomp_cache_write(const char *dir, const char *key, size_t key_len, const struct hull_seccomp_prog *p)
{
	if (key_len > MAX_KEY_LEN)
		return -EINVAL;
	_cleanup_error_ struct hull_error *e = NULL;
	if (hull_mkdir_p(dir, 0700, &e) < 0 || !dir_trusted(dir))
		return -EPERM;
	size_t body = (size_t)p->len * sizeof(struct sock_filter), len = sizeof(struct cache_header) + body + key_len;
	_cleanup_free_ char *data = hull_xmalloc(len);
	struct cache_header h = { .flags = p->flags, .len = p->len, .key_len = (uint32_t)key_len };
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	memcpy(data, &h, sizeof(h));
	memcpy(data + sizeof(h), p->filter, body);
	memcpy(data + sizeof(h) + body, key, key_len);
	h.sum = checksum(data, len);
	memcpy(data, &h, sizeof(h));
	_cleanup_free_ char *path = cache_path(dir, key, key_len);
	/* not durable: a file lost in a crash is only a compile next time */
	return hull_write_file_atomic(path, data, len, 0600, false, &e);
}
