/* store.c - the content-addressed blob store and its locks. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "store.h"

void hull_image_store_free(struct hull_image_store *s)
{
	if (!s)
		return;
	free(s->root);
	free(s->data_root);
	free(s->blobs);
	free(s->layers);
	free(s->records);
	free(s->ingest);
	free(s->tmp);
	free(s->locks);
	free(s->sizes);
	free(s);
}

int hull_image_store_open(struct hull_ctx *ctx, struct hull_image_store **out, struct hull_error **err)
{
	*out = NULL;
	const char *data_root = ctx->data_root ? ctx->data_root : "/var/lib/hull";
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = hull_xcalloc(1, sizeof(*s));
	s->ctx = ctx;
	s->data_root = hull_xstrdup(data_root);
	s->root = hull_path_join(data_root, "images");
	s->blobs = hull_path_join(s->root, "blobs/sha256");
	s->layers = hull_path_join(s->root, "layers");
	s->records = hull_path_join(s->root, "images");
	s->ingest = hull_path_join(s->root, "ingest");
	s->tmp = hull_path_join(s->root, "tmp");
	s->locks = hull_path_join(s->root, "locks");
	s->sizes = hull_path_join(s->root, "layer-sizes");
	const char *dirs[] = { s->blobs, s->layers, s->records, s->ingest, s->tmp, s->locks, s->sizes };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(dirs); i++) {
		int ret = hull_mkdir_p(dirs[i], 0700, err);
		if (ret < 0)
			return hull_error_wrap(err, ret, "open image store `%s`", s->root);
	}
	*out = steal_ptr(s);
	return 0;
}

void hull_image_store_set_in_use(struct hull_image_store *s, bool (*fn)(void *, const char *), void *opaque)
{
	s->in_use = fn;
	s->in_use_opaque = opaque;
}

char *store_blob_path(struct hull_image_store *s, const char *digest)
{
	return hull_strdup_printf("%s/%s", s->blobs, hull_digest_hex(digest));
}

char *store_layer_path(struct hull_image_store *s, const char *diff_id)
{
	return hull_strdup_printf("%s/%s", s->layers, hull_digest_hex(diff_id));
}

bool store_has_blob(struct hull_image_store *s, const char *digest)
{
	_cleanup_free_ char *p = store_blob_path(s, digest);
	return access(p, F_OK) == 0;
}

bool store_has_layer(struct hull_image_store *s, const char *diff_id)
{
	_cleanup_free_ char *p = store_layer_path(s, diff_id);
	return access(p, F_OK) == 0;
}

int store_lock(struct hull_image_store *s, const char *name, bool exclusive, struct hull_error **err)
{
	_cleanup_free_ char *p = hull_path_join(s->locks, name);
	_cleanup_close_ int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_set(err, errno, "open lock `%s`", p);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "lock `%s`", p);
	return take_fd(fd);
}

char *store_tmp_name(struct hull_image_store *s, const char *what)
{
	static atomic_uint counter;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return hull_strdup_printf("%s/%s-%d-%u-%ld", s->tmp, what, getpid(), atomic_fetch_add(&counter, 1),
				  (long)ts.tv_nsec);
}

int store_commit_file(struct hull_image_store *s, const char *tmp_path, const char *digest, struct hull_error **err)
{
	_cleanup_free_ char *dst = store_blob_path(s, digest);
	/* Content-addressed: when another pull stored it first, the bytes are
	 * the same; keep theirs. */
	if (access(dst, F_OK) == 0) {
		unlink(tmp_path);
		return 0;
	}
	if (rename(tmp_path, dst) < 0) {
		int e = errno;
		unlink(tmp_path);
		return hull_error_set(err, e, "store blob %s", digest);
	}
	return 0;
}

int store_put_blob(struct hull_image_store *s, const void *data, size_t len, const char *expected,
		   char digest_out[HULL_DIGEST_BUF_LEN], struct hull_error **err)
{
	char digest[HULL_DIGEST_BUF_LEN];
	hull_sha256_buffer(data, len, digest);
	if (expected && strcmp(expected, digest))
		return hull_error_msg(err, EINVAL, "digest mismatch: expected %s, content hashes to %s", expected,
				      digest);
	if (digest_out)
		memcpy(digest_out, digest, sizeof(digest));
	if (store_has_blob(s, digest))
		return 0;
	_cleanup_free_ char *dst = store_blob_path(s, digest);
	return hull_write_file_atomic(dst, data, len, 0644, false, err);
}

int store_read_blob(struct hull_image_store *s, const char *digest, char **out, size_t *len,
		    struct hull_error **err)
{
	_cleanup_free_ char *p = store_blob_path(s, digest);
	struct stat st;
	if (stat(p, &st) < 0)
		return hull_error_set(err, errno, "blob %s", digest);
	if (st.st_size > HULL_MAX_MANIFEST_SIZE)
		return hull_error_msg(err, EFBIG, "blob %s: %lld bytes is too large for a manifest or config", digest,
				      (long long)st.st_size);
	return hull_read_file(p, out, len, err);
}
