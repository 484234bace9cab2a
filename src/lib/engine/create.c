/* create.c - docker create: image, name, record, volumes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/run_options.h"
#include "hull/volume.h"
#include "engine_internal.h"

static struct hull_image *find_image(struct hull_image_store *store, const struct hull_run_options *o,
				     const struct hull_engine_pull_hooks *hooks, struct hull_error **err)
{
	struct hull_image *img = NULL;
	bool always = o->pull && !strcmp(o->pull, "always");
	bool never = o->pull && !strcmp(o->pull, "never");
	if (!always) {
		struct hull_error *miss = NULL;
		if (hull_image_get(store, o->image, &img, &miss) == 0) {
			hull_error_free(miss);
			return img;
		}
		if (never || miss->code != ENOENT) {
			if (err)
				*err = miss;
			else
				hull_error_free(miss);
			return NULL;
		}
		hull_error_free(miss);
		if (hooks && hooks->pulling)
			hooks->pulling(hooks->opaque, o->image);
	}
	struct hull_registry_options ro = { .platform = o->platform };
	if (hooks) {
		ro.progress = hooks->progress;
		ro.progress_opaque = hooks->opaque;
	}
	if (hull_image_pull(store, o->image, &ro, &img, err) < 0)
		return NULL;
	return img;
}

static void add_paths(struct hull_container *c, struct hull_image *img)
{
	json_t *r = c->record;
	json_object_set_new(r, "Image", json_string(img->id));
	_cleanup_free_ char *p = NULL;
#define SET_PATH(key, file)                                \
	p = hull_path_join(c->dir, file);                  \
	json_object_set_new(r, key, json_string(p));       \
	free(steal_ptr(p));
	SET_PATH("ResolvConfPath", "resolv.conf");
	SET_PATH("HostnamePath", "hostname");
	SET_PATH("HostsPath", "hosts");
	_cleanup_free_ char *logname = hull_strdup_printf("%s-json.log", c->id);
	SET_PATH("LogPath", logname);
#undef SET_PATH
	json_t *lower = json_array();
	/* overlayfs lists the top layer first; the store gives bottom first */
	for (size_t i = img->n_layers; i-- > 0;)
		json_array_append_new(lower, json_string(img->layer_dirs[i]));
	_cleanup_free_ char *upper = hull_path_join(c->dir, "diff");
	_cleanup_free_ char *work = hull_path_join(c->dir, "work");
	_cleanup_free_ char *merged = hull_path_join(c->dir, "rootfs");
	json_object_set_new(r, "GraphDriver", json_pack("{s:s,s:{s:o,s:s,s:s,s:s}}", "Name", "overlay", "Data",
						       "HullLowerDirs", lower, "UpperDir", upper, "WorkDir", work,
						       "MergedDir", merged));
}

static void add_warnings(const struct hull_ctx *ctx, json_t *record, char ***warnings)
{
	/* the record was just built from checked flags: it parses */
	_cleanup_record_ struct hull_container_record r;
	hull_container_record_parse(record, "container.json", &r, NULL);
	const struct hull_record_host_config *hc = &r.host_config;
	json_t *list = json_array();
	if (hc->privileged && ctx->rootless)
		json_array_append_new(list, json_string("PRIVILEGED (rootless): this container gets every capability "
							"of your user namespace, your view of the host's devices and "
							"no seccomp filter; it stays you on the host"));
	else if (hc->privileged)
		json_array_append_new(list, json_string("PRIVILEGED: this container gets every capability, every host "
							"device, no seccomp filter and a writable /sys: root in it is "
							"root on this host"));
	const char *user = r.config.user;
	const char *userns = hc->userns_mode;
	/* in a micro-VM, root escapes to the guest's kernel, not to this host's */
	bool vm = hull_record_host_config_is_vm(hc);
	if (!vm &&
	    (!user || !*user || !strcmp(user, "root") || !strcmp(user, "0") || !strncmp(user, "0:", 2) ||
	     !strncmp(user, "root:", 5)) &&
	    !ctx->rootless && geteuid() == 0 && !(userns && *userns && strcmp(userns, "host")))
		json_array_append_new(list, json_string("the container's process runs as root (uid 0) with no user "
							"namespace: root inside is root on the host if it escapes; "
							"use -u UID or an image with USER"));
	json_object_set_new(record, "HullWarnings", list);
	if (!warnings)
		return;
	*warnings = hull_xcalloc(json_array_size(list) + 1, sizeof(char *));
	size_t i;
	json_t *w;
	json_array_foreach(list, i, w)
		(*warnings)[i] = hull_xstrdup(json_string_value(w));
}

struct hull_container *hull_engine_create(struct hull_ctx *ctx, struct hull_image_store *store,
					  const struct hull_run_options *o, const struct hull_engine_pull_hooks *hooks,
					  char ***warnings, struct hull_error **err)
{
	if (warnings)
		*warnings = NULL;
	struct hull_run_options own = *o;
	if (engine_rootless_prepare(ctx, &own, err) < 0)
		return NULL;
	o = &own;
	_cleanup_(hull_image_freep) struct hull_image *img = find_image(store, o, hooks, err);
	if (!img)
		return NULL;
	if (engine_scan_policy_check(ctx, img, o, err) < 0)
		return NULL;
	_cleanup_container_ struct hull_container *c = hull_container_reserve(ctx, o->name, err);
	if (!c)
		return NULL;
	json_t *image_config = json_object_get(img->config->raw, "config");
	int r = hull_engine_build_record(c->record, o, image_config, err);
	if (r == 0 && o->vm)
		r = engine_vm_record(o, c->record, err);
	if (r == 0)
		r = engine_share_resolve(ctx, c->record, err);
	if (r == 0) {
		add_paths(c, img);
		add_warnings(ctx, c->record, warnings);
		int lock = hull_volume_lock(ctx, err);
		r = lock < 0 ? lock : engine_resolve_mounts(ctx, c->record, err);
		if (r == 0 && o->vm)
			r = engine_vm_check_mounts(c->record, err);
		/* saved under the volume lock: `volume rm` sees the user */
		if (r == 0)
			r = hull_container_save(c, err);
		if (lock >= 0)
			close(lock);
	}
	if (r == 0)
		r = hull_container_save_state(c, err);
	if (r < 0) {
		hull_container_remove_files(ctx, c, NULL);
		return NULL;
	}
	hull_container_created(c);
	return steal_ptr(c);
}

bool hull_engine_image_in_use(void *opaque, const char *image_id)
{
	const struct hull_ctx *ctx = opaque;
	struct hull_container **cs = NULL;
	size_t n = 0;
	bool used = false;
	if (hull_container_list(ctx, &cs, &n, NULL) < 0)
		return true; /* cannot tell: keep the image */
	for (size_t i = 0; i < n; i++) {
		const char *id = json_string_value(json_object_get(cs[i]->record, "Image"));
		used |= id && !strcmp(id, image_id);
		hull_container_free(cs[i]);
	}
	free(cs);
	return used;
}
