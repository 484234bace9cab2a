/* seccomp_cache.c - compiled seccomp filters kept between runs.
 *
 * libseccomp needs a few milliseconds per architecture to turn a profile
 * such as docker's default into BPF, on every container start. The result
 * depends only on the profile, the native architecture and libseccomp's
 * version (seccomp.c folds them into the key), so it is kept in a file named
 * by that key: a header, the classic BPF program ready for seccomp(2) and a
 * sha256 of both. A file that fails any check is ignored (and rewritten by
 * the caller after a fresh compile), never loaded: the directory must be
 * ours and not writable by others, the file ours, a regular file, of the
 * exact size its header announces, and its checksum must match. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "seccomp_internal.h"

#define CACHE_MAGIC "HULLBPF1"
#define KEY_LEN 64

struct cache_header {
	char magic[8];
	uint32_t flags;    /* SECCOMP_FILTER_FLAG_* */
	uint32_t len;      /* instructions that follow */
	char key[KEY_LEN]; /* the key the file is named by */
};

/* The directory may hold a filter we load into containers: it must be a
 * real directory of ours that nobody else can write to. */
static bool dir_trusted(const char *dir)
{
	struct stat st;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static void checksum(const void *data, size_t len, char out[KEY_LEN])
{
	char digest[HULL_DIGEST_BUF_LEN];
	hull_sha256_buffer(data, len, digest);
	memcpy(out, hull_digest_hex(digest), KEY_LEN);
}

int seccomp_cache_read(const char *dir, const char *key, struct hull_seccomp_prog **out)
{
	*out = NULL;
	if (strlen(key) != KEY_LEN || !dir_trusted(dir))
		return -ENOENT;
	_cleanup_free_ char *path = hull_path_join(dir, key);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return -ENOENT;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) ||
	    st.st_size < (off_t)(sizeof(struct cache_header) + KEY_LEN) ||
	    st.st_size > (off_t)(sizeof(struct cache_header) + BPF_MAXINSNS * sizeof(struct sock_filter) + KEY_LEN))
		return -EBADMSG;
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (hull_read_all(fd, &data, &len) < 0 || len != (size_t)st.st_size)
		return -EBADMSG;
	struct cache_header h;
	memcpy(&h, data, sizeof(h));
	size_t body = (size_t)h.len * sizeof(struct sock_filter);
	char sum[KEY_LEN];
	if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) || memcmp(h.key, key, KEY_LEN) || h.len == 0 ||
	    h.len > BPF_MAXINSNS || len != sizeof(h) + body + KEY_LEN)
		return -EBADMSG;
	checksum(data, sizeof(h) + body, sum);
	if (memcmp(sum, data + sizeof(h) + body, KEY_LEN))
		return -EBADMSG;
	struct hull_seccomp_prog *p = hull_xcalloc(1, sizeof(*p));
	p->flags = h.flags;
	p->len = h.len;
	p->filter = hull_xmalloc(body);
	memcpy(p->filter, data + sizeof(h), body);
	*out = p;
	return 0;
}

int seccomp_cache_write(const char *dir, const char *key, const struct hull_seccomp_prog *p)
{
	if (strlen(key) != KEY_LEN)
		return -EINVAL;
	_cleanup_error_ struct hull_error *e = NULL;
	if (hull_mkdir_p(dir, 0700, &e) < 0 || !dir_trusted(dir))
		return -EPERM;
	size_t body = (size_t)p->len * sizeof(struct sock_filter);
	_cleanup_free_ char *data = hull_xmalloc(sizeof(struct cache_header) + body + KEY_LEN);
	struct cache_header h = { .flags = p->flags, .len = p->len };
	memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
	memcpy(h.key, key, KEY_LEN);
	memcpy(data, &h, sizeof(h));
	memcpy(data + sizeof(h), p->filter, body);
	checksum(data, sizeof(h) + body, data + sizeof(h) + body);
	_cleanup_free_ char *path = hull_path_join(dir, key);
	/* not durable: a file lost in a crash is only a compile next time */
	return hull_write_file_atomic(path, data, sizeof(h) + body + KEY_LEN, 0600, false, &e);
}
