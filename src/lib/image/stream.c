/* stream.c - download and unpack one layer at once: a thread downloads
 * the blob into its partial file while the unpacker reads the same file
 * behind it, so the layer is unpacked by the time the last byte lands.
 * The unpacker only reaches its end (and installs the layer) after the
 * download has finished AND verified the blob digest; its own diff_id
 * check covers every byte it read. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "stream.h"

struct follow {
	struct blob_progress base; /* first: the download's progress hook */
	struct registry *r;
	const struct hull_descriptor *desc;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	long long written; /* bytes in the partial file */
	bool done, cancel;
	int ret; /* the download's result */
	struct hull_error *err;
	int fd;
	long long offset; /* next byte for the unpacker */
	void (*progress)(void *opaque, long long done, long long total);
	void *progress_opaque;
};

static int on_written(struct blob_progress *bp, long long done, long long total)
{
	struct follow *f = (struct follow *)bp;
	pthread_mutex_lock(&f->lock);
	f->written = done;
	bool cancel = f->cancel;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	if (f->progress)
		f->progress(f->progress_opaque, done, total);
	return cancel ? -ECANCELED : 0;
}

static void *download(void *opaque)
{
	struct follow *f = opaque;
	struct hull_error *err = NULL;
	int ret = blob_download(f->r, f->desc, &f->base, &err);
	pthread_mutex_lock(&f->lock);
	f->ret = ret;
	f->err = err;
	f->done = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* Open the partial file once it has bytes, or the stored blob once done. */
static void try_open(struct follow *f)
{
	if (f->fd >= 0)
		return;
	if (f->written > 0 && !f->done) {
		_cleanup_free_ char *p = blob_partial_path(f->r->s, f->desc->digest);
		f->fd = open(p, O_RDONLY | O_CLOEXEC);
	}
	if (f->fd < 0 && f->done && f->ret >= 0) {
		_cleanup_free_ char *p = store_blob_path(f->r->s, f->desc->digest);
		f->fd = open(p, O_RDONLY | O_CLOEXEC);
	}
}

static ssize_t follow_read(void *opaque, void *buf, size_t len, char *errbuf, size_t errlen)
{
	struct follow *f = opaque;
	pthread_mutex_lock(&f->lock);
	for (;;) {
		try_open(f);
		if (f->done && f->ret < 0) {
			pthread_mutex_unlock(&f->lock);
			snprintf(errbuf, errlen, "the download of %s failed", f->desc->digest);
			errno = EIO;
			return -1;
		}
		if (f->fd >= 0 && (f->done || f->offset < f->written))
			break;
		pthread_cond_wait(&f->cond, &f->lock);
	}
	size_t avail = len;
	if (!f->done && (long long)len > f->written - f->offset)
		avail = (size_t)(f->written - f->offset);
	int fd = f->fd;
	long long off = f->offset;
	pthread_mutex_unlock(&f->lock);
	ssize_t n = pread(fd, buf, avail, off);
	if (n < 0) {
		snprintf(errbuf, errlen, "read %s: %s", f->desc->digest, strerror(errno));
		return -1;
	}
	pthread_mutex_lock(&f->lock);
	f->offset += n;
	pthread_mutex_unlock(&f->lock);
	/* A short read before the end: the partial was restarted; wait for more. */
	if (n == 0 && !f->done)
		return follow_read(opaque, buf, len, errbuf, errlen);
	return n;
}

int stream_layer(struct registry *r, const struct hull_descriptor *desc, const char *diff_id,
		 void (*progress)(void *opaque, long long done, long long total), void *opaque, long long *unpacked,
		 struct hull_error **err)
{
	struct follow f = { .base.fn = on_written, .r = r, .desc = desc, .fd = -1, .progress = progress,
			    .progress_opaque = opaque };
	pthread_mutex_init(&f.lock, NULL);
	pthread_cond_init(&f.cond, NULL);
	pthread_t t;
	if (pthread_create(&t, NULL, download, &f) != 0)
		return hull_error_set(err, EAGAIN, "start the download thread");
	struct layer_source src = { .read = follow_read, .opaque = &f };
	_cleanup_error_ struct hull_error *unpack_err = NULL;
	int ret = store_unpack_layer(r->s, &src, diff_id, NULL, unpacked, &unpack_err);
	if (ret < 0) {
		pthread_mutex_lock(&f.lock);
		f.cancel = true;
		pthread_mutex_unlock(&f.lock);
	}
	pthread_join(t, NULL);
	if (f.fd >= 0)
		close(f.fd);
	pthread_mutex_destroy(&f.lock);
	pthread_cond_destroy(&f.cond);
	/* The root cause first: a failed download explains a failed unpack. */
	if (f.ret < 0 && !(ret < 0 && f.ret == -ECANCELED)) {
		if (err)
			*err = steal_ptr(f.err);
		hull_error_free(f.err);
		return f.ret;
	}
	hull_error_free(f.err);
	if (ret < 0 && err)
		*err = steal_ptr(unpack_err);
	return ret;
}
