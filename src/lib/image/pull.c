/* pull.c - hull_image_pull: manifest (index -> platform), config, then
 * layers in parallel threads, each downloaded, verified and unpacked once.
 * Nothing is tagged until every layer is in place. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "blob.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "store.h"
#include "stream.h"

struct pull_job {
	const struct hull_descriptor *desc;
	const char *diff_id;
	int index;
	long long unpacked;
	int ret;
	struct hull_error *err;
};

struct pull_state {
	struct registry *r;
	const struct hull_registry_options *o;
	struct pull_job *jobs;
	size_t n, next;
	bool failed;
	pthread_mutex_t lock;     /* next, failed */
	pthread_mutex_t progress; /* serialises o->progress */
};

struct job_progress {
	struct pull_state *ps;
	struct pull_job *job;
};

static void report(struct pull_state *ps, struct pull_job *j, enum hull_pull_state state, long long done,
		   long long total)
{
	if (!ps->o || !ps->o->progress)
		return;
	struct hull_pull_progress p = { .digest = j->desc->digest, .index = j->index, .state = state,
					.done = done, .total = total };
	pthread_mutex_lock(&ps->progress);
	ps->o->progress(ps->o->progress_opaque, &p);
	pthread_mutex_unlock(&ps->progress);
}

static void on_bytes(void *opaque, long long done, long long total)
{
	struct job_progress *jp = opaque;
	report(jp->ps, jp->job, done < total ? HULL_PULL_DOWNLOADING : HULL_PULL_EXTRACTING, done, total);
}

static int run_job(struct pull_state *ps, struct pull_job *j, struct hull_error **err)
{
	struct hull_image_store *s = ps->r->s;
	int ret;
	if (store_has_blob(s, j->desc->digest) && (ret = blob_check_stored_size(s, j->desc, err)) < 0)
		return ret;
	if (store_has_layer(s, j->diff_id) && store_has_blob(s, j->desc->digest)) {
		j->unpacked = store_layer_size(s, j->diff_id);
		report(ps, j, HULL_PULL_EXISTS, j->desc->size, j->desc->size);
		return 0;
	}
	if (!store_has_blob(s, j->desc->digest)) {
		struct job_progress jp = { .ps = ps, .job = j };
		if ((ret = stream_layer(ps->r, j->desc, j->diff_id, on_bytes, &jp, &j->unpacked, err)) < 0)
			return hull_error_wrap(err, ret, "layer %s", j->desc->digest);
		if (!j->unpacked)
			j->unpacked = store_layer_size(s, j->diff_id);
		report(ps, j, HULL_PULL_DONE, j->desc->size, j->desc->size);
		return 0;
	}
	report(ps, j, HULL_PULL_EXTRACTING, j->desc->size, j->desc->size);
	_cleanup_free_ char *path = store_blob_path(s, j->desc->digest);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open blob %s", j->desc->digest);
	int compression = hull_layer_compression(j->desc->media_type, NULL);
	if ((ret = store_unpack_layer_fd(s, fd, compression, j->diff_id, NULL, &j->unpacked, err)) < 0)
		return hull_error_wrap(err, ret, "layer %s", j->desc->digest);
	if (!j->unpacked)
		j->unpacked = store_layer_size(s, j->diff_id);
	report(ps, j, HULL_PULL_DONE, j->desc->size, j->desc->size);
	return 0;
}

static void *worker(void *opaque)
{
	struct pull_state *ps = opaque;
	for (;;) {
		pthread_mutex_lock(&ps->lock);
		struct pull_job *j = ps->failed || ps->next == ps->n ? NULL : &ps->jobs[ps->next++];
		pthread_mutex_unlock(&ps->lock);
		if (!j)
			return NULL;
		j->ret = run_job(ps, j, &j->err);
		if (j->ret < 0) {
			pthread_mutex_lock(&ps->lock);
			ps->failed = true;
			pthread_mutex_unlock(&ps->lock);
		}
	}
}

static int fetch_layers(struct pull_state *ps, struct hull_error **err)
{
	int parallel = ps->o && ps->o->parallel > 0 ? ps->o->parallel : 3;
	if ((size_t)parallel > ps->n)
		parallel = (int)ps->n;
	for (size_t i = 0; i < ps->n; i++)
		report(ps, &ps->jobs[i], HULL_PULL_WAITING, 0, ps->jobs[i].desc->size);
	pthread_t threads[64];
	int started = 0;
	if (parallel > 64)
		parallel = 64;
	for (; started < parallel - 1; started++)
		if (pthread_create(&threads[started], NULL, worker, ps) != 0)
			break;
	worker(ps); /* this thread works too */
	for (int i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	int ret = 0;
	for (size_t i = 0; i < ps->n; i++) {
		if (ps->jobs[i].ret < 0 && ret == 0) {
			ret = ps->jobs[i].ret;
			if (err)
				*err = steal_ptr(ps->jobs[i].err);
		}
		hull_error_free(ps->jobs[i].err);
	}
	return ret;
}

/* Follow an index to the manifest for the wanted platform. */
static int resolve_manifest(struct registry *r, const struct hull_reference *ref, const struct hull_registry_options *o,
			    struct fetched_manifest *top, struct fetched_manifest *m, struct hull_error **err)
{
	int ret = blob_fetch_manifest(r, ref->digest ? ref->digest : ref->tag, top, err);
	if (ret < 0)
		return ret;
	int kind = hull_manifest_kind(top->body, top->len, top->content_type, err);
	if (kind < 0)
		return kind;
	if (kind == 0) {
		*m = *top;
		m->body = hull_xstrdup(top->body);
		m->content_type = top->content_type ? hull_xstrdup(top->content_type) : NULL;
		return 0;
	}
	_cleanup_(hull_index_freep) struct hull_index *ix = NULL;
	if ((ret = hull_index_parse(top->body, top->len, "image index", &ix, err)) < 0)
		return ret;
	struct hull_platform want = { 0 };
	if (o && o->platform)
		ret = hull_platform_parse(o->platform, &want, err);
	else
		hull_platform_host(&want);
	const struct hull_descriptor *d = ret < 0 ? NULL : hull_index_select(ix, &want, err);
	hull_platform_clear(&want);
	if (!d)
		return -ENOENT;
	if ((ret = blob_fetch_manifest(r, d->digest, m, err)) < 0)
		return ret;
	/* the digest matched; the index's size claim must too */
	if ((long long)m->len != d->size)
		return hull_error_msg(err, EINVAL, "manifest %s is %zu bytes, the index says %lld; refusing it",
				      d->digest, m->len, d->size);
	kind = hull_manifest_kind(m->body, m->len, m->content_type, err);
	if (kind != 0)
		return kind < 0 ? kind : hull_error_msg(err, EINVAL, "index entry %s is itself an index", d->digest);
	return 0;
}

static int check_platform(struct hull_image_store *s, const struct hull_image_config *c,
			  const struct hull_registry_options *o, const char *ref, struct hull_error **err)
{
	if (!o || !o->platform) {
		/* docker pulls a foreign single-platform image too, with a warning */
		struct hull_platform host;
		hull_platform_host(&host);
		if (c->architecture && strcmp(c->architecture, host.architecture))
			hull_warn(s->ctx, "`%s` is for %s/%s; this machine is %s/%s", ref, c->os ? c->os : "?",
				  c->architecture, host.os, host.architecture);
		hull_platform_clear(&host);
		return 0;
	}
	struct hull_platform want;
	int ret = hull_platform_parse(o->platform, &want, err);
	if (ret < 0)
		return ret;
	bool ok = c->os && c->architecture && !strcmp(c->os, want.os) && !strcmp(c->architecture, want.architecture);
	if (!ok)
		ret = hull_error_msg(err, ENOENT, "`%s` is a single-platform image for %s/%s, not %s", ref,
				     c->os ? c->os : "?", c->architecture ? c->architecture : "?", o->platform);
	hull_platform_clear(&want);
	return ret;
}

static int pull_layers(struct registry *r, const struct hull_registry_options *o, const struct hull_manifest *man,
		       const struct hull_image_config *config, long long *size, struct hull_error **err)
{
	if (man->n_layers != config->n_diff_ids)
		return hull_error_msg(err, EINVAL, "the manifest lists %zu layers but the config %zu diff_ids",
				      man->n_layers, config->n_diff_ids);
	struct pull_state ps = { .r = r, .o = o, .n = man->n_layers };
	ps.jobs = hull_xcalloc(ps.n + 1, sizeof(*ps.jobs));
	for (size_t i = 0; i < ps.n; i++) {
		ps.jobs[i].desc = &man->layers[i];
		ps.jobs[i].diff_id = config->diff_ids[i];
		ps.jobs[i].index = (int)i;
	}
	pthread_mutex_init(&ps.lock, NULL);
	pthread_mutex_init(&ps.progress, NULL);
	int ret = fetch_layers(&ps, err);
	*size = 0;
	for (size_t i = 0; i < ps.n; i++)
		*size += ps.jobs[i].unpacked;
	pthread_mutex_destroy(&ps.lock);
	pthread_mutex_destroy(&ps.progress);
	free(ps.jobs);
	return ret;
}

static int pull(struct hull_image_store *s, const struct hull_reference *ref, const struct hull_registry_options *o,
		char **id_out, struct hull_error **err)
{
	_cleanup_(registry_freep) struct registry *r = NULL;
	int ret = registry_open(s, ref, o, false, &r, err);
	if (ret < 0)
		return ret;
	struct fetched_manifest top = { 0 }, mf = { 0 };
	_cleanup_(hull_manifest_freep) struct hull_manifest *man = NULL;
	_cleanup_(hull_image_config_freep) struct hull_image_config *config = NULL;
	_cleanup_free_ char *cbuf = NULL;
	size_t clen = 0;
	_cleanup_free_ char *full = hull_reference_string(ref);
	_cleanup_close_ int gc_lock = store_lock(s, "gc", false, err);
	ret = gc_lock < 0 ? gc_lock : resolve_manifest(r, ref, o, &top, &mf, err);
	if (ret >= 0)
		ret = hull_manifest_parse(mf.body, mf.len, "manifest", &man, err);
	if (ret >= 0)
		ret = blob_fetch_small(r, &man->config, &cbuf, &clen, err);
	if (ret >= 0 && (ret = hull_image_config_parse(cbuf, clen, "image config", &config, err)) >= 0)
		ret = check_platform(s, config, o, full, err);
	long long size = 0;
	if (ret >= 0)
		ret = pull_layers(r, o, man, config, &size, err);
	if (ret >= 0)
		ret = store_put_blob(s, mf.body, mf.len, mf.digest, NULL, err);
	if (ret >= 0) {
		_cleanup_free_ char *name = hull_reference_name(ref);
		_cleanup_free_ char *repo_digest = hull_strdup_printf("%s@%s", name, top.digest);
		_cleanup_free_ char *tagged = ref->tag ? hull_strdup_printf("%s:%s", name, ref->tag) : NULL;
		char *names[] = { tagged, NULL };
		ret = store_add_image(s, mf.digest, man->config.digest, size, names, repo_digest, err);
	}
	if (ret >= 0)
		*id_out = hull_xstrdup(man->config.digest);
	fetched_manifest_clear(&top);
	fetched_manifest_clear(&mf);
	return ret;
}

int hull_image_pull(struct hull_image_store *s, const char *refstr, const struct hull_registry_options *o,
		    struct hull_image **out, struct hull_error **err)
{
	if (out)
		*out = NULL;
	_cleanup_(hull_reference_freep) struct hull_reference *ref = NULL;
	int ret = hull_reference_parse(refstr, &ref, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *id = NULL;
	_cleanup_free_ char *full = hull_reference_string(ref);
	if ((ret = pull(s, ref, o, &id, err)) < 0)
		return hull_error_wrap(err, ret, "pull `%s`", full);
	if (!out)
		return 0;
	return hull_image_get(s, id, out, err);
}
