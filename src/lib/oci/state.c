/* state.c - a container's state.json (runtime.md#state, plus runc's
 * rootfs/created/owner and the init's start time). */
#include <errno.h>
#include <string.h>

#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci.h"

static char *dup_field(json_t *doc, const char *key)
{
	const char *s = json_string_value(json_object_get(doc, key));
	return hull_xstrdup(s ? s : "");
}

struct hull_oci_state *hull_oci_state_load(const char *path, struct hull_error **err)
{
	_cleanup_json_ json_t *doc = hull_json_load_file(path, path, err);
	if (!doc)
		return NULL;
	const char *id = NULL;
	long long pid = 0, start = 0;
	if (hull_json_get_string(doc, "id", &id, true, path, "id", err) < 0 ||
	    hull_json_get_int(doc, "pid", &pid, true, path, "pid", err) < 0 ||
	    hull_json_get_int(doc, "pid_start", &start, false, path, "pid_start", err) < 0)
		return NULL;
	struct hull_oci_state *st = hull_xcalloc(1, sizeof(*st));
	st->oci_version = dup_field(doc, "ociVersion");
	st->id = hull_xstrdup(id);
	st->pid = (pid_t)pid;
	st->pid_start = (unsigned long long)start;
	st->bundle = dup_field(doc, "bundle");
	st->rootfs = dup_field(doc, "rootfs");
	st->created = dup_field(doc, "created");
	st->owner = dup_field(doc, "owner");
	json_t *ann = json_object_get(doc, "annotations");
	st->annotations = json_is_object(ann) ? json_incref(ann) : NULL;
	st->json = json_incref(doc);
	return st;
}

int hull_oci_state_save(struct hull_oci_state *st, const char *path, struct hull_error **err)
{
	if (!st->json)
		st->json = json_object();
	json_t *d = st->json;
	json_object_set_new(d, "ociVersion", json_string(st->oci_version ? st->oci_version : HULL_OCI_VERSION));
	json_object_set_new(d, "id", json_string(st->id));
	json_object_set_new(d, "pid", json_integer(st->pid));
	json_object_set_new(d, "pid_start", json_integer((json_int_t)st->pid_start));
	json_object_set_new(d, "bundle", json_string(st->bundle ? st->bundle : ""));
	json_object_set_new(d, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
	json_object_set_new(d, "created", json_string(st->created ? st->created : ""));
	json_object_set_new(d, "owner", json_string(st->owner ? st->owner : ""));
	if (st->annotations)
		json_object_set(d, "annotations", st->annotations);
	return hull_json_dump_file(d, path, 0600, err);
}

json_t *hull_oci_state_to_json(const struct hull_oci_state *st, const char *status)
{
	json_t *o = json_object();
	json_object_set_new(o, "ociVersion", json_string(st->oci_version ? st->oci_version : HULL_OCI_VERSION));
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "bundle", json_string(st->bundle ? st->bundle : ""));
	json_object_set_new(o, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
	json_object_set_new(o, "created", json_string(st->created ? st->created : ""));
	json_object_set_new(o, "owner", json_string(st->owner ? st->owner : ""));
	if (st->annotations && json_object_size(st->annotations))
		json_object_set(o, "annotations", st->annotations);
	return o;
}

void hull_oci_state_free(struct hull_oci_state *st)
{
	if (!st)
		return;
	free(st->oci_version);
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->owner);
	if (st->annotations)
		json_decref(st->annotations);
	if (st->json)
		json_decref(st->json);
	free(st);
}
