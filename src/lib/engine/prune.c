/* prune.c - docker container prune and system df: stopped containers go,
 * and what images, containers and volumes take on disk (sizes are du of
 * the trees: a container's is its overlay upper directory, an image's its
 * unpacked layers, each shared layer counted once). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/container_lifecycle.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/prune.h"
#include "hull/timefmt.h"
#include "hull/volume.h"

static bool is_live(const struct hull_container *c)
{
	return c->state.status == HULL_ENGINE_RUNNING || c->state.status == HULL_ENGINE_PAUSED ||
	       c->state.status == HULL_ENGINE_RESTARTING;
}

static unsigned long long container_size(const struct hull_container *c)
{
	json_t *g = json_object_get(json_object_get(c->record, "GraphDriver"), "Data");
	const char *upper = json_string_value(json_object_get(g, "UpperDir"));
	return upper ? hull_du(upper) : 0;
}

static void free_containers(struct hull_container **cs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hull_container_free(cs[i]);
	free(cs);
}

/* until=: docker's time filter forms (hull/timefmt.h), as nanoseconds
 * since the epoch; -1 when v is none of them. */
static int64_t until_ns(const char *v, struct hull_error **err)
{
	struct timespec now, t;
	clock_gettime(CLOCK_REALTIME, &now);
	if (hull_time_parse_filter(v, &now, &t, err) < 0)
		return -1;
	return hull_time_ns(&t);
}

/* label=K, label=K=V, label!=K[=V] against the record's Config.Labels */
static bool label_matches(const struct hull_container *c, const char *spec)
{
	_cleanup_record_ struct hull_container_record rec;
	hull_container_record_parse(c->record, "container.json", &rec, NULL); /* a bad member reads as absent */
	const char *eq = strchr(spec, '=');
	_cleanup_free_ char *key = eq ? strndup(spec, (size_t)(eq - spec)) : hull_xstrdup(spec);
	const char *v = hull_record_strmap_get(&rec.config.labels, key);
	return v && (!eq || !strcmp(v, eq + 1));
}

/* Does c pass every filter? Unknown keys were refused before. */
static bool passes(const struct hull_container *c, char *const *filters)
{
	for (char *const *f = filters; f && *f; f++) {
		if (!strncmp(*f, "until=", 6)) {
			int64_t created =
			    hull_time_parse_ns(json_string_value(json_object_get(c->record, "Created")));
			if (created >= until_ns(*f + 6, NULL))
				return false;
		} else if (!strncmp(*f, "label!=", 7)) {
			if (label_matches(c, *f + 7))
				return false;
		} else if (!strncmp(*f, "label=", 6) && !label_matches(c, *f + 6)) {
			return false;
		}
	}
	return true;
}

int hull_engine_prune_filters_check(char *const *filters, struct hull_error **err)
{
	for (char *const *f = filters; f && *f; f++) {
		if (!strncmp(*f, "until=", 6) && until_ns(*f + 6, err) < 0)
			return hull_error_wrap(err, -EINVAL, "invalid filter 'until=%s'", *f + 6);
		if (strncmp(*f, "until=", 6) && strncmp(*f, "label=", 6) && strncmp(*f, "label!=", 7))
			return hull_error_msg(err, EINVAL, "invalid filter '%s' (container prune takes until= and label=)",
					      *f);
	}
	return 0;
}

int hull_engine_container_prune(struct hull_ctx *ctx, char *const *filters, char ***removed,
				unsigned long long *reclaimed, struct hull_error **err)
{
	*removed = NULL;
	*reclaimed = 0;
	int r = hull_engine_prune_filters_check(filters, err);
	if (r < 0)
		return r;
	struct hull_container **cs;
	size_t n;
	if ((r = hull_container_list(ctx, &cs, &n, err)) < 0)
		return r;
	size_t count = 0;
	char **ids = hull_xcalloc(n + 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++) {
		if (is_live(cs[i]) || !passes(cs[i], filters))
			continue;
		unsigned long long size = container_size(cs[i]);
		/* one that started meanwhile is refused by remove: it stays */
		if (hull_engine_remove(ctx, cs[i], false, false, NULL) < 0)
			continue;
		ids[count++] = hull_xstrdup(cs[i]->id);
		*reclaimed += size;
	}
	free_containers(cs, n);
	*removed = ids;
	return 0;
}

int hull_engine_container_size(struct hull_ctx *ctx, const struct hull_container *c, unsigned long long *rw,
			       unsigned long long *virtual_size, struct hull_error **err)
{
	*rw = container_size(c);
	*virtual_size = *rw;
	const char *image = json_string_value(json_object_get(c->record, "Image"));
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	int r = hull_image_store_open(ctx, &store, err);
	if (r < 0)
		return r;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	/* an image removed with rmi --force: the container's own bytes alone */
	if (image && hull_image_get(store, image, &img, NULL) == 0 && img->size > 0)
		*virtual_size += (unsigned long long)img->size;
	return 0;
}

static void add_image_layers(struct hull_image *img, json_t *seen, bool active)
{
	for (char **l = img->layer_dirs; l && *l; l++) {
		json_t *v = json_object_get(seen, *l);
		/* a layer any active image holds is not reclaimable */
		if (!v)
			json_object_set_new(seen, *l, json_boolean(active));
		else if (active && !json_is_true(v))
			json_object_set_new(seen, *l, json_true());
	}
}

static int images_usage(struct hull_ctx *ctx, struct hull_container **cs, size_t n, struct hull_disk_row *u,
			struct hull_error **err)
{
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	int r = hull_image_store_open(ctx, &store, err);
	if (r < 0)
		return r;
	struct hull_image **imgs;
	if ((r = hull_image_list(store, &imgs, err)) < 0)
		return r;
	_cleanup_json_ json_t *seen = json_object();
	for (struct hull_image **i = imgs; *i; i++) {
		bool active = false;
		for (size_t k = 0; k < n && !active; k++)
			active = !strcmp((*i)->id, json_string_value(json_object_get(cs[k]->record, "Image")) ?: "");
		u->total++;
		u->active += active;
		add_image_layers(*i, seen, active);
	}
	hull_image_list_free(imgs);
	const char *dir;
	json_t *v;
	json_object_foreach(seen, dir, v)
	{
		unsigned long long size = hull_du(dir);
		u->size += size;
		if (!json_is_true(v))
			u->reclaimable += size;
	}
	return 0;
}

static int volumes_usage(struct hull_ctx *ctx, struct hull_disk_row *u, struct hull_error **err)
{
	struct hull_volume **vs;
	size_t n;
	int r = hull_volume_list(ctx, &vs, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_ char **users = NULL;
		bool used = hull_volume_users(ctx, vs[i]->name, &users, NULL) == 0 && users && users[0];
		unsigned long long size = hull_du(vs[i]->mountpoint);
		u->total++;
		u->active += used;
		u->size += size;
		if (!used)
			u->reclaimable += size;
		hull_volume_free(vs[i]);
	}
	free(vs);
	return 0;
}

int hull_engine_disk_usage(struct hull_ctx *ctx, struct hull_disk_usage *out, struct hull_error **err)
{
	memset(out, 0, sizeof(*out));
	struct hull_container **cs;
	size_t n;
	int r = hull_container_list(ctx, &cs, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		unsigned long long size = container_size(cs[i]);
		out->containers.total++;
		out->containers.size += size;
		if (is_live(cs[i]))
			out->containers.active++;
		else
			out->containers.reclaimable += size;
	}
	r = images_usage(ctx, cs, n, &out->images, err);
	free_containers(cs, n);
	if (r < 0)
		return r;
	return volumes_usage(ctx, &out->volumes, err);
}
