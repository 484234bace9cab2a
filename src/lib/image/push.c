/* push.c - hull_image_push: blobs the registry lacks (HEAD, then
 * POST + monolithic PUT: distribution-spec spec.md#pushing-blobs), then
 * the manifest under the tag. */
#include <errno.h>
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
	for (size_t i = 0; i < man->n_layers && ret >= 0; i++)
		ret = push_blob(r, man->layers[i].digest, err);
	if (ret >= 0)
		ret = push_blob(r, man->config.digest, err);
	if (ret >= 0)
		ret = push_manifest(r, ref->tag ? ref->tag : img->manifest_digest, mbuf, mlen, man->media_type, err);
	return ret < 0 ? hull_error_wrap(err, ret, "push `%s`", target) : 0;
}
