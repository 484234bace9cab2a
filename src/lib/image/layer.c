/* layer.c - one pass over a layer blob: read -> decompress (gzip, zstd or
 * none, told by the magic bytes as docker does) -> hash the tar stream for
 * the diff_id -> unpack. Layers unpack into tmp/ and are renamed into
 * layers/<diff_id hex> only once complete and verified. */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/lazy.h"
#include "store.h"
#include "unpack.h"

#define IN_SIZE (256 << 10)
#define OUT_SIZE (1 << 20)

struct layer_reader {
	const struct layer_source *src;
	int compression; /* enum hull_compression, found from the magic bytes */
	z_stream z;
	ZSTD_DStream *zs;
	unsigned char *in, *out;
	size_t in_len, in_pos;
	bool in_eof, stream_end;
	struct hull_sha256 *hash; /* over the uncompressed tar = the diff_id */
	char error[256];
};

static int fill_input(struct layer_reader *r)
{
	if (r->in_pos < r->in_len || r->in_eof)
		return 0;
	for (;;) {
		ssize_t n = r->src->read(r->src->opaque, r->in, IN_SIZE, r->error, sizeof(r->error));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		r->in_len = (size_t)n;
		r->in_pos = 0;
		r->in_eof = n == 0;
		return 0;
	}
}

static ssize_t inflate_some(struct layer_reader *r)
{
	r->z.next_out = r->out;
	r->z.avail_out = OUT_SIZE;
	while (r->z.avail_out == OUT_SIZE) {
		if (fill_input(r) < 0)
			return -1;
		if (r->in_eof && r->in_pos == r->in_len) {
			if (!r->stream_end) {
				snprintf(r->error, sizeof(r->error), "layer is truncated (gzip stream ends early)");
				return -1;
			}
			break;
		}
		if (r->stream_end) {
			/* RFC 1952 2.2: a gzip file may hold several members. */
			inflateReset(&r->z);
			r->stream_end = false;
		}
		r->z.next_in = r->in + r->in_pos;
		r->z.avail_in = (uInt)(r->in_len - r->in_pos);
		int zr = inflate(&r->z, Z_NO_FLUSH);
		r->in_pos = r->in_len - r->z.avail_in;
		if (zr == Z_STREAM_END)
			r->stream_end = true;
		else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			snprintf(r->error, sizeof(r->error), "layer is not valid gzip: %s",
				 r->z.msg ? r->z.msg : "inflate failed");
			return -1;
		}
	}
	return (ssize_t)(OUT_SIZE - r->z.avail_out);
}

static ssize_t zstd_some(struct layer_reader *r)
{
	ZSTD_outBuffer out = { r->out, OUT_SIZE, 0 };
	while (out.pos == 0) {
		if (fill_input(r) < 0)
			return -1;
		if (r->in_eof && r->in_pos == r->in_len) {
			if (!r->stream_end) {
				snprintf(r->error, sizeof(r->error), "layer is truncated (zstd stream ends early)");
				return -1;
			}
			break;
		}
		ZSTD_inBuffer in = { r->in, r->in_len, r->in_pos };
		size_t zr = ZSTD_decompressStream(r->zs, &out, &in);
		r->in_pos = in.pos;
		if (ZSTD_isError(zr)) {
			snprintf(r->error, sizeof(r->error), "layer is not valid zstd: %s", ZSTD_getErrorName(zr));
			return -1;
		}
		/* 0 = a frame ended; more frames may follow (zstd format 3.1). */
		r->stream_end = zr == 0;
	}
	return (ssize_t)out.pos;
}

static ssize_t plain_some(struct layer_reader *r)
{
	if (fill_input(r) < 0)
		return -1;
	size_t n = r->in_len - r->in_pos;
	if (n > OUT_SIZE)
		n = OUT_SIZE;
	memcpy(r->out, r->in + r->in_pos, n);
	r->in_pos += n;
	return (ssize_t)n;
}

/* reader_next: the next chunk of uncompressed tar, hashed; 0 at the end. */
static ssize_t reader_next(struct layer_reader *r)
{
	ssize_t n = r->compression == HULL_COMPRESSION_GZIP   ? inflate_some(r)
		    : r->compression == HULL_COMPRESSION_ZSTD ? zstd_some(r)
							      : plain_some(r);
	if (n > 0)
		hull_sha256_update(r->hash, r->out, (size_t)n);
	return n;
}

static la_ssize_t archive_read_cb(struct archive *a, void *opaque, const void **buf)
{
	struct layer_reader *r = opaque;
	ssize_t n = reader_next(r);
	*buf = r->out;
	if (n < 0) {
		archive_set_error(a, EIO, "%s", r->error);
		return -1;
	}
	return n;
}

static int reader_init(struct layer_reader *r, const struct layer_source *src, struct hull_error **err)
{
	memset(r, 0, sizeof(*r));
	r->src = src;
	r->in = hull_xmalloc(IN_SIZE);
	r->out = hull_xmalloc(OUT_SIZE);
	r->hash = hull_sha256_new();
	if (fill_input(r) < 0)
		return hull_error_msg(err, EIO, "%s", r->error);
	const unsigned char *m = r->in;
	if (r->in_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
		int lr = hull_lazy_require(HULL_LIB_ZLIB, err);
		if (lr < 0)
			return hull_error_wrap(err, lr, "gzip layer");
		r->compression = HULL_COMPRESSION_GZIP;
		if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK)
			return hull_error_msg(err, ENOMEM, "zlib init failed");
	} else if (r->in_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
		int lr = hull_lazy_require(HULL_LIB_ZSTD, err);
		if (lr < 0)
			return hull_error_wrap(err, lr, "zstd layer");
		r->compression = HULL_COMPRESSION_ZSTD;
		r->zs = ZSTD_createDStream();
		if (!r->zs)
			return hull_error_msg(err, ENOMEM, "zstd init failed");
	} else {
		r->compression = HULL_COMPRESSION_NONE;
	}
	return 0;
}

static void reader_fini(struct layer_reader *r)
{
	if (r->compression == HULL_COMPRESSION_GZIP)
		inflateEnd(&r->z);
	if (r->zs)
		ZSTD_freeDStream(r->zs);
	free(r->in);
	free(r->out);
	hull_sha256_free(r->hash);
}

/* Unpack fd into dir; *diff gets the digest of the whole uncompressed stream. */
static int unpack_into(struct hull_image_store *s, const struct layer_source *src, const char *dir,
		       char diff[HULL_DIGEST_BUF_LEN], long long *bytes, struct hull_error **err)
{
	int ret = hull_lazy_require(HULL_LIB_ARCHIVE, err);
	if (ret < 0)
		return ret;
	struct layer_reader r;
	ret = reader_init(&r, src, err);
	_cleanup_close_ int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct archive *a = archive_read_new();
	if (ret >= 0 && root < 0)
		ret = hull_error_set(err, errno, "open `%s`", dir);
	if (ret >= 0) {
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
		archive_read_support_filter_none(a);
		if (archive_read_open(a, &r, NULL, archive_read_cb, NULL) != ARCHIVE_OK)
			ret = hull_error_msg(err, EIO, "read layer: %s", archive_error_string(a));
	}
	if (ret >= 0)
		ret = unpack_archive(s->ctx, a, root, bytes, err);
	/* The diff_id covers every byte, also the padding after the end-of-archive
	 * blocks that libarchive does not read. */
	while (ret >= 0) {
		ssize_t n = reader_next(&r);
		if (n < 0)
			ret = hull_error_msg(err, EIO, "%s", r.error);
		if (n <= 0)
			break;
	}
	if (ret >= 0)
		hull_sha256_digest(r.hash, diff);
	archive_read_free(a);
	reader_fini(&r);
	return ret;
}

long long store_layer_size(struct hull_image_store *s, const char *diff_id)
{
	_cleanup_free_ char *p = hull_path_join(s->sizes, hull_digest_hex(diff_id));
	_cleanup_free_ char *buf = NULL;
	if (hull_read_file(p, &buf, NULL, NULL) < 0)
		return 0;
	return strtoll(buf, NULL, 10);
}

static void record_size(struct hull_image_store *s, const char *diff_id, long long bytes)
{
	_cleanup_free_ char *p = hull_path_join(s->sizes, hull_digest_hex(diff_id));
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld\n", bytes);
	hull_write_file_atomic(p, buf, (size_t)n, 0644, false, NULL);
}

/* Put a finished layer in place; another pull may have won the race. */
static int install_layer(struct hull_image_store *s, const char *tmp, const char *diff, struct hull_error **err)
{
	_cleanup_free_ char *dst = store_layer_path(s, diff);
	_cleanup_close_ int lock = store_lock(s, hull_digest_hex(diff), true, err);
	if (lock < 0)
		return lock;
	if (access(dst, F_OK) == 0)
		return hull_rm_rf(tmp, err);
	int ret = store_mark_unsynced(s, "layer", diff, err);
	if (ret < 0) {
		hull_rm_rf(tmp, NULL);
		return ret;
	}
	if (rename(tmp, dst) < 0) {
		int e = errno;
		hull_rm_rf(tmp, NULL);
		return hull_error_set(err, e, "install layer %s", diff);
	}
	return 0;
}

static ssize_t fd_read(void *opaque, void *buf, size_t len, char *errbuf, size_t errlen)
{
	ssize_t n = read(*(int *)opaque, buf, len);
	if (n < 0)
		snprintf(errbuf, errlen, "read layer: %s", strerror(errno));
	return n;
}

int store_unpack_layer_fd(struct hull_image_store *s, int fd, int compression, const char *diff_id,
			  char diff_out[HULL_DIGEST_BUF_LEN], long long *unpacked, struct hull_error **err)
{
	(void)compression; /* the magic bytes decide, as docker's DecompressStream does */
	struct layer_source src = { .read = fd_read, .opaque = &fd };
	return store_unpack_layer(s, &src, diff_id, diff_out, unpacked, err);
}

int store_unpack_layer(struct hull_image_store *s, const struct layer_source *src, const char *diff_id,
		       char diff_out[HULL_DIGEST_BUF_LEN], long long *unpacked, struct hull_error **err)
{
	_cleanup_close_ int lock = -1;
	if (diff_id) {
		/* Concurrent pulls of one layer: the first unpacks, the others wait. */
		lock = store_lock(s, hull_digest_hex(diff_id), true, err);
		if (lock < 0)
			return lock;
		if (store_has_layer(s, diff_id)) {
			if (unpacked)
				*unpacked = store_layer_size(s, diff_id);
			if (diff_out)
				memcpy(diff_out, diff_id, HULL_DIGEST_BUF_LEN);
			return 0;
		}
	}
	_cleanup_free_ char *tmp = store_tmp_name(s, "layer");
	if (mkdir(tmp, 0755) < 0)
		return hull_error_set(err, errno, "create `%s`", tmp);
	char diff[HULL_DIGEST_BUF_LEN];
	int ret = unpack_into(s, src, tmp, diff, unpacked, err);
	if (ret >= 0 && diff_id && strcmp(diff, diff_id))
		ret = hull_error_msg(err, EINVAL,
				     "layer content does not match the image config: diff_id %s expected, got %s",
				     diff_id, diff);
	if (ret < 0) {
		hull_rm_rf(tmp, NULL);
		return ret;
	}
	if (diff_out)
		memcpy(diff_out, diff, sizeof(diff));
	record_size(s, diff, unpacked ? *unpacked : 0);
	if (diff_id) {
		/* We hold the layer's lock already: install directly. No syncfs
		 * here (it costs more than the unpack): the marker, durable, makes
		 * the store drop the layer after a reboot that may have lost it. */
		_cleanup_free_ char *dst = store_layer_path(s, diff);
		if ((ret = store_mark_unsynced(s, "layer", diff, err)) < 0) {
			hull_rm_rf(tmp, NULL);
			return ret;
		}
		if (rename(tmp, dst) < 0) {
			int e = errno;
			hull_rm_rf(tmp, NULL);
			return hull_error_set(err, e, "install layer %s", diff);
		}
		return 0;
	}
	return install_layer(s, tmp, diff, err);
}
