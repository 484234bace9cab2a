/* image_transfer.c - images in and out: POST /images/create (a pull from
 * a registry, its progress streamed as docker's JSON lines), POST
 * /images/{name}/push, GET /images/{name}/get and /images/get (docker
 * save) and POST /images/load (docker load). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/oci_image.h"

static const char *after_path(const char *msg, const char *path);

/* A pull or a push, run by a job (job.c). */
struct transfer {
	struct hull_image_store *store;
	char *ref;  /* what is pulled, or pushed */
	char *dest; /* push: where, NULL: ref */
	char *platform;
	int out; /* the job's stream, for the progress callback */
};

static void transfer_free(void *data)
{
	struct transfer *t = data;
	hull_image_store_free(t->store);
	free(t->ref);
	free(t->dest);
	free(t->platform);
	free(t);
}

static void on_progress(void *opaque, const struct hull_pull_progress *p)
{
	static const char *const names[] = {"Waiting", "Downloading", "Extracting", "Already exists", "Pull complete"};
	struct transfer *t = opaque;
	if (p->index < 0 || !p->digest || strlen(p->digest) < 19)
		return;
	char id[13];
	snprintf(id, sizeof(id), "%.12s", p->digest + 7);
	json_t *line = json_pack("{s:s,s:s,s:{}}", "status", names[p->state], "id", id, "progressDetail");
	if (p->state == HULL_PULL_DOWNLOADING && p->total > 0)
		json_object_set_new(
		    line, "progressDetail",
		    json_pack("{s:I,s:I}", "current", (json_int_t)p->done, "total", (json_int_t)p->total));
	api_json_line(t->out, line);
}

static void pull_run(void *data, int out)
{
	struct transfer *t = data;
	t->out = out;
	_cleanup_(hull_reference_freep) struct hull_reference *parsed = NULL;
	struct hull_error *err = NULL;
	if (hull_reference_parse(t->ref, &parsed, &err) < 0) {
		api_json_error_line(out, err->msg);
		hull_error_free(err);
		return;
	}
	_cleanup_free_ char *full = hull_reference_string(parsed);
	_cleanup_free_ char *familiar = hull_reference_familiar(full);
	char line[1024];
	snprintf(line, sizeof(line), "Pulling from %s", parsed->repository);
	api_json_line(out, json_pack("{s:s,s:s}", "status", line, "id",
				     parsed->tag      ? parsed->tag
				     : parsed->digest ? parsed->digest
						      : ""));
	struct hull_registry_options o = {.platform = t->platform, .progress = on_progress, .progress_opaque = t};
	_cleanup_(hull_image_freep) struct hull_image *before = NULL;
	hull_image_get(t->store, t->ref, &before, NULL);
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_pull(t->store, t->ref, &o, &img, &err) < 0) {
		api_json_error_line(out, err->msg);
		hull_error_free(err);
		return;
	}
	const char *digest = img->repo_digests && img->repo_digests[0] ? strchr(img->repo_digests[0], '@') : NULL;
	if (digest) {
		snprintf(line, sizeof(line), "Digest: %s", digest + 1);
		api_json_line(out, json_pack("{s:s}", "status", line));
	}
	snprintf(line, sizeof(line), "Status: %s for %s",
		 before && !strcmp(before->id, img->id) ? "Image is up to date" : "Downloaded newer image",
		 familiar ? familiar : t->ref);
	api_json_line(out, json_pack("{s:s}", "status", line));
}

/* fromSrc=- (docker import): the body, a root filesystem tar, becomes a
 * one-layer image named repo[:tag]; a URL to fetch is not served. */
static void image_import(struct api_request *req, struct api_response *resp, const char *src)
{
	if (strcmp(src, "-") || req->body_fd < 0) {
		api_error(resp, 501, "images/create fromSrc=%s: only an uploaded tar (fromSrc=-) is imported", src);
		return;
	}
	const char *repo = api_query(req, "repo"), *tag = api_query(req, "tag");
	_cleanup_free_ char *name =
	    repo && *repo ? hull_strdup_printf("%s%s%s", repo, tag && *tag ? ":" : "", tag && *tag ? tag : "") : NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", req->body_fd);
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	struct hull_error *err = NULL;
	if (hull_image_store_open(&req->cli->ctx, &s, &err) < 0 ||
	    hull_image_import(s, path, name, NULL, &img, &err) < 0) {
		api_error(resp, 400, "import the uploaded archive: %s",
			  err && err->msg ? after_path(err->msg, path) : "failed");
		hull_error_free(err);
		return;
	}
	_cleanup_json_ json_t *line = json_pack("{s:s}", "status", img->id);
	_cleanup_free_ char *text = json_dumps(line, JSON_COMPACT);
	resp->raw = hull_strdup_printf("%s\n", text ? text : "{}");
	resp->raw_len = strlen(resp->raw);
	resp->content_type = "application/json";
}

/* POST /images/create?fromImage=NAME&tag=TAG|DIGEST[&platform=P]; an
 * import (fromSrc) is not served. */
void api_image_create(struct api_request *req, struct api_response *resp)
{
	const char *from = api_query(req, "fromImage");
	const char *tag = api_query(req, "tag");
	const char *src = api_query(req, "fromSrc");
	if (src) {
		image_import(req, resp, src);
		return;
	}
	if (!from || !*from) {
		api_error(resp, 400, "images/create: fromImage is required");
		return;
	}
	struct transfer *t = hull_xcalloc(1, sizeof(*t));
	if (tag && *tag)
		t->ref = hull_strdup_printf("%s%c%s", from, !strncmp(tag, "sha256:", 7) ? '@' : ':', tag);
	else
		t->ref = hull_xstrdup(from);
	const char *platform = api_query(req, "platform");
	t->platform = platform && *platform ? hull_xstrdup(platform) : NULL;
	struct hull_error *err = NULL;
	if (hull_image_store_open(&req->cli->ctx, &t->store, &err) < 0) {
		transfer_free(t);
		api_fail(resp, err);
		return;
	}
	api_job_stream(resp, pull_run, transfer_free, t);
}

static void push_run(void *data, int out)
{
	struct transfer *t = data;
	_cleanup_(hull_reference_freep) struct hull_reference *parsed = NULL;
	struct hull_error *err = NULL;
	if (hull_reference_parse(t->dest ? t->dest : t->ref, &parsed, &err) < 0) {
		api_json_error_line(out, err->msg);
		hull_error_free(err);
		return;
	}
	char line[1024];
	snprintf(line, sizeof(line), "The push refers to repository [%s/%s]", parsed->registry, parsed->repository);
	api_json_line(out, json_pack("{s:s}", "status", line));
	struct hull_registry_options o = {0};
	if (hull_image_push(t->store, t->ref, t->dest, &o, &err) < 0) {
		api_json_error_line(out, err->msg);
		hull_error_free(err);
		return;
	}
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_get(t->store, t->ref, &img, NULL) == 0 && img->manifest_digest) {
		snprintf(line, sizeof(line), "%s: digest: %s", parsed->tag ? parsed->tag : "latest",
			 img->manifest_digest);
		api_json_line(out, json_pack("{s:s,s:{},s:{s:s}}", "status", line, "progressDetail", "aux", "Digest",
					     img->manifest_digest));
	}
}

/* POST /images/{name}/push?tag=TAG: the local image NAME[:TAG] to the
 * registry its name names. Credentials come from hull's store (hull
 * login), not from the X-Registry-Auth header. */
void api_image_push(struct api_request *req, struct api_response *resp)
{
	const char *tag = api_query(req, "tag");
	struct transfer *t = hull_xcalloc(1, sizeof(*t));
	t->ref = tag && *tag ? hull_strdup_printf("%s:%s", req->params[0], tag) : hull_xstrdup(req->params[0]);
	struct hull_error *err = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_store_open(&req->cli->ctx, &t->store, &err) < 0 ||
	    hull_image_get(t->store, t->ref, &img, &err) < 0) {
		api_not_found(resp, err, "No such image: %s", t->ref);
		transfer_free(t);
		return;
	}
	api_job_stream(resp, push_run, transfer_free, t);
}

/* ---------------------------------------------------------- save, load -- */

static long file_read(void *data, char *buf, size_t max)
{
	ssize_t n;
	do
		n = read((int)(intptr_t)data, buf, max);
	while (n < 0 && errno == EINTR);
	return n > 0 ? n : -1;
}

static void file_done(void *data)
{
	close((int)(intptr_t)data);
}

/* The images of refs as a docker-archive, written to a private directory
 * of the data root and opened; the file is unlinked once open. */
static int save_to_fd(struct api_request *req, char *const *refs, struct hull_error **err)
{
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = NULL;
	int r = hull_image_store_open(&req->cli->ctx, &s, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *dir = hull_strdup_printf("%s/.api-save.XXXXXX", req->cli->ctx.data_root);
	if (!mkdtemp(dir))
		return hull_error_set(err, errno, "mkdtemp `%s`", dir);
	_cleanup_free_ char *path = hull_strdup_printf("%s/images.tar", dir);
	int fd = -1;
	r = hull_image_save(s, refs, path, HULL_ARCHIVE_DOCKER, err);
	if (r == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			r = hull_error_set(err, errno, "open `%s`", path);
	}
	unlink(path);
	rmdir(dir);
	return r < 0 ? r : fd;
}

static void save_refs(struct api_request *req, struct api_response *resp, json_t *names)
{
	size_t n = json_array_size(names);
	if (!n) {
		api_error(resp, 400, "images/get: give at least one names= argument");
		return;
	}
	_cleanup_free_ char **refs = hull_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		refs[i] = (char *)json_string_value(json_array_get(names, i));
	struct hull_error *err = NULL;
	int fd = save_to_fd(req, refs, &err);
	if (fd < 0) {
		api_fail(resp, err); /* ENOENT, an image that is not here: 404 */
		return;
	}
	resp->has_stream = true;
	resp->stream = (struct api_stream){.read = file_read, .done = file_done, .data = (void *)(intptr_t)fd};
	resp->content_type = "application/x-tar";
}

void api_image_get(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *names = json_pack("[s]", req->params[0]);
	save_refs(req, resp, names);
}

void api_images_get(struct api_request *req, struct api_response *resp)
{
	_cleanup_json_ json_t *names = api_query_all(req, "names");
	save_refs(req, resp, names);
}

/* msg past its last mention of path (and the ": " after it), which names
 * the server's spool file, not anything the client knows. */
static const char *after_path(const char *msg, const char *path)
{
	const char *p = msg, *hit;
	while ((hit = strstr(p, path)))
		p = hit + strlen(path);
	if (p == msg)
		return msg;
	while (*p && strchr("`': ", *p))
		p++;
	return *p ? p : msg;
}

/* POST /images/load: the body (spooled to disk by the server) is a
 * docker-archive or an OCI archive; docker's answer is JSON lines. */
void api_images_load(struct api_request *req, struct api_response *resp)
{
	if (req->body_fd < 0) {
		api_error(resp, 400, "images/load: the body is the archive");
		return;
	}
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = NULL;
	struct hull_error *err = NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", req->body_fd);
	_cleanup_strv_ char **loaded = NULL;
	if (hull_image_store_open(&req->cli->ctx, &s, &err) < 0 || hull_image_load(s, path, &loaded, &err) < 0) {
		api_error(resp, err && err->code == ENOENT ? 404 : 400, "load the uploaded archive: %s",
			  err && err->msg ? after_path(err->msg, path) : "failed");
		hull_error_free(err);
		return;
	}
	_cleanup_free_ char *text = hull_xstrdup("");
	for (char **l = loaded; l && *l; l++) {
		_cleanup_json_ json_t *line = json_pack("{s:s+}", "stream", *l, "\n");
		_cleanup_free_ char *dumped = json_dumps(line, JSON_COMPACT);
		char *joined = hull_strdup_printf("%s%s\n", text, dumped ? dumped : "");
		free(text);
		text = joined;
	}
	resp->raw_len = strlen(text);
	resp->raw = steal_ptr(text);
	resp->content_type = "application/json";
}
