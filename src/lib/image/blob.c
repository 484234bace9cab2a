/* blob.c - fetch manifests and blobs: digests verified while streaming,
 * sizes enforced, interrupted downloads resumed with Range (RFC 9110
 * 14.2), registry errors turned into sentences (distribution-spec
 * spec.md#error-codes). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "blob.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

char *blob_registry_error(struct registry *r, const struct http_response *resp)
{
	_cleanup_json_ json_t *j = resp->body ? json_loadb(resp->body, resp->body_len, 0, NULL) : NULL;
	json_t *first = json_array_get(json_object_get(j, "errors"), 0);
	const char *code = json_string_value(json_object_get(first, "code"));
	const char *msg = json_string_value(json_object_get(first, "message"));
	if (code)
		return hull_strdup_printf("HTTP %ld %s: %s", resp->status, code, msg ? msg : "");
	return hull_strdup_printf("HTTP %ld", resp->status);
}

static int status_error(struct registry *r, const struct http_response *resp, const char *what,
			struct hull_error **err)
{
	_cleanup_free_ char *detail = blob_registry_error(r, resp);
	if (resp->status == 404)
		return hull_error_msg(err, ENOENT, "%s: not found in %s/%s (%s)", what, r->name, r->repository, detail);
	if (resp->status == 401 || resp->status == 403)
		return hull_error_msg(err, EACCES,
				      "%s: access to %s/%s denied (%s); check the name, or log in with `hull login %s`",
				      what, r->name, r->repository, detail, r->name);
	return hull_error_msg(err, EIO, "%s: registry %s answered %s", what, r->name, detail);
}

int blob_fetch_manifest(struct registry *r, const char *reference, struct fetched_manifest *out,
			struct hull_error **err)
{
	memset(out, 0, sizeof(*out));
	_cleanup_free_ char *path = hull_strdup_printf("/v2/%s/manifests/%s", r->repository, reference);
	const char *headers[] = { HULL_MANIFEST_ACCEPT, NULL };
	struct http_response resp = { 0 };
	int ret = registry_request(r, "GET", path, headers, NULL, 0, NULL, HULL_MAX_MANIFEST_SIZE, &resp, err);
	if (ret >= 0 && resp.status != 200) {
		_cleanup_free_ char *what = hull_strdup_printf("manifest `%s`", reference);
		ret = status_error(r, &resp, what, err);
	}
	if (ret < 0) {
		http_response_clear(&resp);
		return ret;
	}
	hull_sha256_buffer(resp.body ? resp.body : "", resp.body_len, out->digest);
	/* Content addressing: a manifest asked for by digest must hash to it. */
	if (!strncmp(reference, "sha256:", 7) && strcmp(reference, out->digest))
		ret = hull_error_msg(err, EINVAL, "manifest %s from %s does not match its digest (content hashes to %s)",
				     reference, r->name, out->digest);
	else if (resp.docker_digest && !strncmp(resp.docker_digest, "sha256:", 7) && strcmp(resp.docker_digest, out->digest))
		ret = hull_error_msg(err, EINVAL, "manifest `%s` from %s: Docker-Content-Digest %s does not match the content (%s)",
				     reference, r->name, resp.docker_digest, out->digest);
	if (ret >= 0) {
		out->body = steal_ptr(resp.body);
		out->len = resp.body_len;
		out->content_type = steal_ptr(resp.content_type);
	}
	http_response_clear(&resp);
	return ret;
}

void fetched_manifest_clear(struct fetched_manifest *m)
{
	free(m->body);
	free(m->content_type);
	memset(m, 0, sizeof(*m));
}

struct download {
	int fd;
	struct hull_sha256 *hash;
	long long offset; /* bytes already in the partial file */
	long long done;
	long long expected;
	struct http_response *resp;
	bool started;
	const char *digest;
	struct blob_progress *progress;
};

static int download_write(void *opaque, const void *data, size_t len, struct hull_error **err)
{
	struct download *d = opaque;
	if (!d->started) {
		d->started = true;
		if (d->resp->status != 206 && d->offset > 0) {
			/* The server ignored Range: start over. */
			if (ftruncate(d->fd, 0) < 0 || lseek(d->fd, 0, SEEK_SET) < 0)
				return hull_error_set(err, errno, "blob %s: restart download", d->digest);
			hull_sha256_free(d->hash);
			d->hash = hull_sha256_new();
			d->offset = d->done = 0;
		}
	}
	if (d->done + (long long)len > d->expected)
		return hull_error_msg(err, EFBIG, "blob %s is larger than the %lld bytes its descriptor says; refusing it",
				      d->digest, d->expected);
	int ret = hull_write_all(d->fd, data, len);
	if (ret < 0)
		return hull_error_set(err, -ret, "blob %s: write", d->digest);
	hull_sha256_update(d->hash, data, len);
	d->done += (long long)len;
	if (d->progress && d->progress->fn && d->progress->fn(d->progress, d->done, d->expected) < 0)
		return hull_error_msg(err, ECANCELED, "blob %s: download cancelled", d->digest);
	return 0;
}

/* Hash what an earlier, interrupted pull left, to continue from there. */
static int resume_partial(struct download *d, struct hull_error **err)
{
	struct stat st;
	hull_sha256_free(d->hash);
	d->hash = hull_sha256_new();
	d->offset = d->done = 0;
	d->started = false;
	if (fstat(d->fd, &st) < 0)
		return hull_error_set(err, errno, "stat partial blob");
	if (st.st_size == 0 || st.st_size > d->expected) {
		if (st.st_size && ftruncate(d->fd, 0) < 0)
			return hull_error_set(err, errno, "truncate partial blob");
		if (lseek(d->fd, 0, SEEK_SET) < 0)
			return hull_error_set(err, errno, "seek partial blob");
		return 0;
	}
	long long size = 0;
	_cleanup_free_ char *buf = hull_xmalloc(1 << 20);
	if (lseek(d->fd, 0, SEEK_SET) < 0)
		return hull_error_set(err, errno, "seek partial blob");
	for (;;) {
		ssize_t n = read(d->fd, buf, 1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_set(err, errno, "read partial blob");
		if (n == 0)
			break;
		hull_sha256_update(d->hash, buf, (size_t)n);
		size += n;
	}
	d->offset = d->done = size;
	return 0;
}

static int check_space(struct hull_image_store *s, const struct hull_descriptor *desc, struct hull_error **err)
{
	struct statvfs v;
	if (statvfs(s->ingest, &v) < 0)
		return 0;
	unsigned long long free_bytes = (unsigned long long)v.f_bavail * v.f_frsize;
	if ((unsigned long long)desc->size > free_bytes)
		return hull_error_msg(err, ENOSPC, "blob %s claims %lld bytes, more than the %llu free in %s; refusing it",
				      desc->digest, desc->size, free_bytes, s->ingest);
	return 0;
}

static int transfer(struct registry *r, struct download *d, const struct hull_descriptor *desc,
		    struct hull_error **err)
{
	_cleanup_free_ char *path = hull_strdup_printf("/v2/%s/blobs/%s", r->repository, desc->digest);
	_cleanup_free_ char *range = d->offset > 0 ? hull_strdup_printf("Range: bytes=%lld-", d->offset) : NULL;
	const char *headers[] = { range, NULL };
	struct http_response resp = { 0 };
	d->resp = &resp;
	struct http_sink sink = { .write = download_write, .opaque = d };
	int ret = registry_request(r, "GET", path, headers, NULL, 0, &sink, 65536, &resp, err);
	if (ret >= 0 && resp.status == 416 && d->offset > 0) {
		/* Our partial is as long as the blob (or the server forgot it): verify below. */
		d->done = d->offset;
	} else if (ret >= 0 && resp.status != 200 && resp.status != 206) {
		ret = status_error(r, &resp, desc->digest, err);
	}
	http_response_clear(&resp);
	if (ret < 0 && d->done > 0 && d->done < d->expected && ret != -EFBIG)
		hull_error_wrap(err, ret, "download of %s interrupted after %lld of %lld bytes (run the pull again to resume)",
				desc->digest, d->done, d->expected);
	return ret;
}

char *blob_partial_path(struct hull_image_store *s, const char *digest)
{
	return hull_strdup_printf("%s/%s.partial", s->ingest, hull_digest_hex(digest));
}

int blob_download(struct registry *r, const struct hull_descriptor *desc, struct blob_progress *progress,
		  struct hull_error **err)
{
	struct hull_image_store *s = r->s;
	int ret = check_space(s, desc, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *lock_name = hull_strdup_printf("blob-%s", hull_digest_hex(desc->digest));
	/* Two pulls of one blob: the second waits, then finds it stored. */
	_cleanup_close_ int lock = store_lock(s, lock_name, true, err);
	if (lock < 0)
		return lock;
	if (store_has_blob(s, desc->digest))
		return blob_check_stored_size(s, desc, err);
	_cleanup_free_ char *partial = blob_partial_path(s, desc->digest);
	struct download d = { .expected = desc->size, .digest = desc->digest, .progress = progress };
	d.fd = open(partial, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (d.fd < 0)
		return hull_error_set(err, errno, "create `%s`", partial);
	/* A dropped connection that got somewhere is retried from where it
	 * stopped (Range), as docker does; one that got nowhere is reported. */
	for (int attempt = 0;; attempt++) {
		ret = resume_partial(&d, err);
		long long before = d.done;
		if (ret >= 0 && d.offset < d.expected)
			ret = transfer(r, &d, desc, err);
		if (ret >= 0 || ret == -EFBIG || ret == -ECANCELED || d.done <= before || attempt == 4)
			break;
		hull_debug(s->ctx, "blob %s: retrying after %lld bytes: %s", desc->digest, d.done,
			   err && *err ? (*err)->msg : "");
		if (err)
			hull_error_release(err);
	}
	char got[HULL_DIGEST_BUF_LEN];
	hull_sha256_digest(d.hash, got);
	hull_sha256_free(d.hash);
	close(d.fd);
	if (ret < 0) {
		if (ret == -EFBIG || ret == -ECANCELED || d.done == 0)
			unlink(partial);
		return ret;
	}
	if (d.done < d.expected) {
		unlink(partial);
		return hull_error_msg(err, EIO, "blob %s from %s is truncated: %lld of %lld bytes", desc->digest, r->name,
				      d.done, d.expected);
	}
	if (strcmp(got, desc->digest)) {
		unlink(partial);
		return hull_error_msg(err, EINVAL,
				      "blob %s from %s does not match its digest (content hashes to %s): the registry served "
				      "corrupt data; nothing was stored",
				      desc->digest, r->name, got);
	}
	return store_commit_file(s, partial, desc->digest, err);
}

int blob_check_stored_size(struct hull_image_store *s, const struct hull_descriptor *desc, struct hull_error **err)
{
	_cleanup_free_ char *path = store_blob_path(s, desc->digest);
	struct stat st;
	if (stat(path, &st) < 0)
		return hull_error_set(err, errno, "blob %s", desc->digest);
	if (st.st_size != desc->size)
		return hull_error_msg(err, EINVAL, "blob %s is %lld bytes, its descriptor says %lld; refusing it",
				      desc->digest, (long long)st.st_size, desc->size);
	return 0;
}

int blob_fetch_small(struct registry *r, const struct hull_descriptor *desc, char **out, size_t *len,
		     struct hull_error **err)
{
	if (desc->size > HULL_MAX_MANIFEST_SIZE)
		return hull_error_msg(err, EFBIG, "config %s claims %lld bytes; refusing more than %d", desc->digest,
				      desc->size, HULL_MAX_MANIFEST_SIZE);
	int ret = store_has_blob(r->s, desc->digest) ? blob_check_stored_size(r->s, desc, err)
						     : blob_download(r, desc, NULL, err);
	if (ret < 0)
		return ret;
	return store_read_blob(r->s, desc->digest, out, len, err);
}
