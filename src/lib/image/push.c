/* push.c - hull_image_push: blobs the registry lacks (HEAD, then
 * POST + monolithic PUT: distribution-spec spec.md#pushing-blobs), then
 * the manifest under the tag. */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "store.h"

static int blob_exists(struct registry *r, const char *digest, bool *exists, struct hull_error **err)
{
	_cleanup_free_ char *path = hull_strdup_printf("/v2/%s/blobs/%s", r->repository, digest);
	struct http_response resp = { 0 };
	int ret = registry_request(r, "HEAD", path, NULL, NULL, 0, NULL, 65536, &resp, err);
	*exists = ret >= 0 && resp.status == 200;
	http_response_clear(&resp);
	return ret;
}

static char *upload_url(const char *location, const char *digest)
{
	return hull_strdup_printf("%s%sdigest=%s", location, strchr(location, '?') ? "&" : "?", digest);
}

static int put_blob(struct registry *r, const char *digest, const void *data, size_t len, struct hull_error **err)
{
	_cleanup_free_ char *path = hull_strdup_printf("/v2/%s/blobs/uploads/", r->repository);
	struct http_response resp = { 0 };
	int ret = registry_request(r, "POST", path, NULL, NULL, 0, NULL, 65536, &resp, err);
	if (ret >= 0 && (resp.status != 202 || !resp.location)) {
		_cleanup_free_ char *detail = blob_registry_error(r, &resp);
		ret = hull_error_msg(err, resp.status == 401 || resp.status == 403 ? EACCES : EIO,
				     "start upload of %s to %s/%s: %s%s", digest, r->name, r->repository, detail,
				     resp.status == 401 || resp.status == 403 ? " (log in with `hull login`)" : "");
	}
	_cleanup_free_ char *url = ret >= 0 ? upload_url(resp.location, digest) : NULL;
	http_response_clear(&resp);
	if (ret < 0)
		return ret;
	const char *headers[] = { "Content-Type: application/octet-stream", NULL };
	ret = registry_request(r, "PUT", url, headers, data, len, NULL, 65536, &resp, err);
	if (ret >= 0 && resp.status != 201) {
		_cleanup_free_ char *detail = blob_registry_error(r, &resp);
		ret = hull_error_msg(err, EIO, "upload %s to %s/%s: %s", digest, r->name, r->repository, detail);
	}
	http_response_clear(&resp);
	return ret;
}

/* Upload one stored blob unless the registry has it (mmap: no copy in memory). */
static int push_blob(struct registry *r, const char *digest, struct hull_error **err)
{
	bool exists = false;
	int ret = blob_exists(r, digest, &exists, err);
	if (ret < 0 || exists)
		return ret;
	_cleanup_free_ char *p = store_blob_path(r->s, digest);
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "blob %s is not in the store", digest);
	void *map = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : (void *)"";
	if (map == MAP_FAILED)
		return hull_error_set(err, errno, "map blob %s", digest);
	ret = put_blob(r, digest, map, (size_t)st.st_size, err);
	if (st.st_size)
		munmap(map, (size_t)st.st_size);
	return ret;
}

struct push_state {
	struct registry *r;
	char **digests; /* layers, then the config */
	size_t n, next;
	int ret;
	struct hull_error *err;
	pthread_mutex_t lock;
};

static void *push_worker(void *opaque)
{
	struct push_state *ps = opaque;
	for (;;) {
		pthread_mutex_lock(&ps->lock);
		const char *d = ps->ret < 0 || ps->next == ps->n ? NULL : ps->digests[ps->next++];
		pthread_mutex_unlock(&ps->lock);
		if (!d)
			return NULL;
		struct hull_error *e = NULL;
		int ret = push_blob(ps->r, d, &e);
		pthread_mutex_lock(&ps->lock);
		if (ret < 0 && ps->ret == 0) {
			ps->ret = ret;
			ps->err = steal_ptr(e);
		}
		pthread_mutex_unlock(&ps->lock);
		hull_error_free(e);
	}
}

/* Blobs go up in parallel (o->parallel at once), the manifest after all. */
static int push_blobs(struct registry *r, const struct hull_manifest *m, int parallel, struct hull_error **err)
{
	struct push_state ps = { .r = r, .n = m->n_layers + 1 };
	ps.digests = hull_xcalloc(ps.n, sizeof(char *));
	for (size_t i = 0; i < m->n_layers; i++)
		ps.digests[i] = m->layers[i].digest;
	ps.digests[m->n_layers] = m->config.digest;
	pthread_mutex_init(&ps.lock, NULL);
	pthread_t threads[16];
	int started = 0;
	if (parallel <= 0)
		parallel = 3;
	for (; started < parallel - 1 && started < 16 && (size_t)started + 1 < ps.n; started++)
		if (pthread_create(&threads[started], NULL, push_worker, &ps) != 0)
			break;
	push_worker(&ps);
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&ps.lock);
	free(ps.digests);
	if (ps.ret < 0 && err)
		*err = steal_ptr(ps.err);
	hull_error_free(ps.err);
	return ps.ret;
}

static int push_manifest(struct registry *r, const char *tag, const char *buf, size_t len, const char *media_type,
			 struct hull_error **err)
{
	_cleanup_free_ char *path = hull_strdup_printf("/v2/%s/manifests/%s", r->repository, tag);
	_cleanup_free_ char *ct = hull_strdup_printf("Content-Type: %s", media_type);
	const char *headers[] = { ct, NULL };
	struct http_response resp = { 0 };
	int ret = registry_request(r, "PUT", path, headers, buf, len, NULL, 65536, &resp, err);
	if (ret >= 0 && resp.status != 201) {
		_cleanup_free_ char *detail = blob_registry_error(r, &resp);
		ret = hull_error_msg(err, EIO, "put manifest %s/%s:%s: %s", r->name, r->repository, tag, detail);
	}
	http_response_clear(&resp);
	return ret;
}

static char *default_dest(const struct hull_image *img, const char *src)
{
	_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
	if (hull_reference_parse(src, &ref, NULL) == 0 && !ref->digest)
		return hull_reference_string(ref);
	return img->names[0] ? hull_xstrdup(img->names[0]) : NULL;
}

int hull_image_push(struct hull_image_store *s, const char *src, const char *dest,
		    const struct hull_registry_options *o, struct hull_error **err)
{
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	int ret = hull_image_get(s, src, &img, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "push `%s`", src);
	_cleanup_free_ char *target = dest ? hull_xstrdup(dest) : default_dest(img, src);
	if (!target)
		return hull_error_msg(err, EINVAL, "push `%s`: the image has no name; give a destination", src);
	_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
	if ((ret = hull_reference_parse(target, &ref, err)) < 0)
		return ret;
	_cleanup_free_ char *mbuf = NULL;
	size_t mlen = 0;
	_cleanup_(hull_manifest_freep) struct hull_manifest *man = NULL;
	if ((ret = store_read_blob(s, img->manifest_digest, &mbuf, &mlen, err)) < 0 ||
	    (ret = hull_manifest_parse(mbuf, mlen, "manifest", &man, err)) < 0)
		return hull_error_wrap(err, ret, "push `%s`", src);
	_cleanup_(registry_freep) struct registry *r = NULL;
	if ((ret = registry_open(s, ref, o, true, &r, err)) < 0)
		return hull_error_wrap(err, ret, "push `%s`", target);
	ret = push_blobs(r, man, o ? o->parallel : 0, err);
	if (ret >= 0)
		ret = push_manifest(r, ref->tag ? ref->tag : img->manifest_digest, mbuf, mlen, man->media_type, err);
	return ret < 0 ? hull_error_wrap(err, ret, "push `%s`", target) : 0;
}
