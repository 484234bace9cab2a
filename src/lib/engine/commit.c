/* commit.c - docker commit: the container's overlay upper directory
 * becomes one more layer over its image (the image room turns overlay
 * whiteouts into tar whiteouts), with the container's run config. */
#include <errno.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/commit_export.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include <unistd.h>

int hull_engine_commit(struct hull_ctx *ctx, struct hull_image_store *store, struct hull_container *c,
		       const char *name, const char *author, const char *comment, char **image_id,
		       struct hull_error **err)
{
	json_t *config = json_object_get(c->record, "Config");
	_cleanup_record_ struct hull_container_record rec;
	hull_container_record_parse(c->record, "container.json", &rec, NULL); /* a bad member reads as absent */
	const char *upper = rec.graph_driver.data.upper_dir;
	const char *parent = rec.image;
	if (!upper || !parent)
		return hull_error_msg(err, EINVAL, "container %s: record has no image or upper directory", c->name);
	if (access(upper, F_OK) < 0)
		hull_mkdir_p(upper, 0755, NULL); /* never started: an empty change set */
	static const char *const kept[] = { "Entrypoint", "Cmd", "Env", "WorkingDir", "User", "ExposedPorts",
					    "Volumes", "Labels", "StopSignal", "Healthcheck" };
	json_t *run = json_object();
	for (size_t i = 0; i < HULL_ARRAY_SIZE(kept); i++) {
		json_t *v = json_object_get(config, kept[i]);
		if (v && !json_is_null(v))
			json_object_set(run, kept[i], v);
	}
	struct hull_image_config ic = { .raw = json_pack("{s:o}", "config", run) };
	struct hull_commit_options o = { .parent = parent, .diff_dir = upper, .name = name, .author = author,
					 .comment = comment, .config = &ic };
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	int r = hull_image_commit(store, &o, &img, err);
	json_decref(ic.raw);
	if (r < 0)
		return hull_error_wrap(err, r, "commit %s", c->name);
	if (image_id)
		*image_id = hull_xstrdup(img->id);
	return 0;
}
