/* mounts.c - a container's Mounts: -v, --mount and the image's VOLUMEs,
 * resolved to volumes (made now) and bind sources (checked now), in
 * docker's MountPoint shape. Filling a new volume from the image happens
 * at start, when the rootfs is mounted (start.c). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci.h"
#include "hull/run_options.h"
#include "hull/volume.h"
#include "engine_internal.h"

static bool has_destination(json_t *mounts, const char *dst)
{
	size_t i;
	json_t *m;
	json_array_foreach(mounts, i, m)
	{
		const char *d = json_string_value(json_object_get(m, "Destination"));
		if (d && !strcmp(d, dst))
			return true;
	}
	return false;
}

static int add_volume(const struct hull_ctx *ctx, json_t *mounts, const struct hull_mount_spec *m, const char *spec,
		      struct hull_error **err)
{
	bool created = false;
	_cleanup_volume_ struct hull_volume *v = hull_volume_create_locked(ctx, m->source, NULL, &created, err);
	if (!v)
		return hull_error_wrap(err, -EINVAL, "%s", spec);
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "volume", "Name", v->name, "Source",
			      v->mountpoint, "Destination", m->destination, "Driver", "local", "Mode",
			      m->readonly ? "ro" : "z", "RW", !m->readonly, "Propagation", "");
	/* docker copies the image's files into a volume only when the volume
	 * is empty and nocopy was not asked for; remember the choice */
	json_object_set_new(j, "HullCopyUp", json_boolean(!m->nocopy));
	json_object_set_new(j, "HullAnonymous", json_boolean(v->anonymous));
	json_array_append_new(mounts, j);
	return 0;
}

static int add_bind(json_t *mounts, const struct hull_mount_spec *m, bool create_source, const char *spec,
		    struct hull_error **err)
{
	struct stat st;
	if (stat(m->source, &st) < 0) {
		if (errno != ENOENT || !create_source)
			return hull_error_set(err, errno, "%s: bind source path `%s`", spec, m->source);
		/* -v creates a missing host directory (docker's legacy rule);
		 * --mount refuses, as docker does */
		if (hull_mkdir_p(m->source, 0755, err) < 0)
			return hull_error_wrap(err, -EIO, "%s", spec);
	}
	json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "bind", "Source", m->source,
						"Destination", m->destination, "Mode", m->readonly ? "ro" : "", "RW",
						!m->readonly, "Propagation",
						m->options ? m->options : "rprivate"));
	return 0;
}

static int add_spec(const struct hull_ctx *ctx, json_t *mounts, struct hull_mount_spec *m, bool from_v,
		    const char *spec, struct hull_error **err)
{
	if (has_destination(mounts, m->destination))
		return hull_error_msg(err, EINVAL, "Duplicate mount point: %s", m->destination);
	if (!strcmp(m->type, "volume"))
		return add_volume(ctx, mounts, m, spec, err);
	if (!strcmp(m->type, "bind"))
		return add_bind(mounts, m, from_v, spec, err);
	json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:s,s:b,s:s}", "Type", "tmpfs", "Source", "",
						"Destination", m->destination, "Mode", "", "RW", !m->readonly,
						"HullOptions", m->options ? m->options : ""));
	return 0;
}

int engine_resolve_mounts(const struct hull_ctx *ctx, json_t *record, struct hull_error **err)
{
	_cleanup_record_ struct hull_container_record rec;
	int r = hull_container_record_parse(record, "container.json", &rec, err);
	if (r < 0)
		return r;
	const struct hull_record_host_config *hc = &rec.host_config;
	json_t *mounts = json_array();
	json_object_set_new(record, "Mounts", mounts);
	for (char **b = hc->binds; b && *b; b++) {
		struct hull_mount_spec m;
		const char *spec = *b;
		if ((r = hull_parse_volume_flag(spec, &m, err)) < 0)
			return r;
		r = add_spec(ctx, mounts, &m, true, spec, err);
		hull_mount_spec_clear(&m);
		if (r < 0)
			return r;
	}
	for (char **f = hc->hull_mount_flags; f && *f; f++) {
		struct hull_mount_spec m;
		const char *spec = *f;
		if ((r = hull_parse_mount_flag(spec, &m, err)) < 0)
			return r;
		r = add_spec(ctx, mounts, &m, false, spec, err);
		hull_mount_spec_clear(&m);
		if (r < 0)
			return r;
	}
	for (char **vol = rec.config.volumes; vol && *vol; vol++) {
		const char *raw = *vol;
		if (raw[0] != '/' || strstr(raw, "/../") ||
		    !strcmp(raw + strlen(raw) - (strlen(raw) > 2 ? 3 : 0), "/.."))
			return hull_error_msg(err, EINVAL, "the image's VOLUME `%s` is not an absolute path", raw);
		/* compared cleaned, as the flags' destinations are kept */
		_cleanup_free_ char *dst = hull_path_clean(raw);
		/* the image's VOLUME gets an anonymous volume unless the user
		 * put something there (or a --tmpfs covers it) */
		if (has_destination(mounts, dst) || hull_record_strmap_get(&hc->tmpfs, dst))
			continue;
		const char *refusal = hull_oci_proc_mount_refusal(dst, false);
		if (!strcmp(dst, "/") || refusal)
			return hull_error_msg(err, EINVAL, "the image's VOLUME `%s` %s", raw,
					      refusal ? refusal : "is the root `/`");
		struct hull_mount_spec m = { .type = "volume", .destination = dst };
		if ((r = add_volume(ctx, mounts, &m, dst, err)) < 0)
			return r;
	}
	return 0;
}
