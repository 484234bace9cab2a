/* image_config.c - the image configuration (OCI image-spec config.md;
 * docker's image JSON has the same fields). */
#include <errno.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci_image.h"

void hull_image_config_free(struct hull_image_config *c)
{
	if (!c)
		return;
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->created);
	free(c->author);
	free(c->user);
	hull_strv_free(c->env);
	hull_strv_free(c->entrypoint);
	hull_strv_free(c->cmd);
	free(c->working_dir);
	hull_strv_free(c->exposed_ports);
	hull_strv_free(c->volumes);
	hull_strv_free(c->labels);
	free(c->stop_signal);
	hull_strv_free(c->diff_ids);
	if (c->raw)
		json_decref(c->raw);
	free(c);
}

static char *opt_string(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s && *s ? hull_xstrdup(s) : NULL;
}

/* Object keys ({"80/tcp": {}}) or "key=value" pairs when with_values. */
static int object_strv(json_t *obj, const char *key, bool with_values, char ***out, const char *where,
		       struct hull_error **err)
{
	json_t *o = json_object_get(obj, key);
	*out = hull_xcalloc(json_is_object(o) ? json_object_size(o) + 1 : 1, sizeof(char *));
	if (!o || json_is_null(o))
		return 0;
	if (!json_is_object(o))
		return hull_error_msg(err, EINVAL, "%s: config.%s: must be an object", where, key);
	const char *k;
	json_t *v;
	size_t n = 0;
	json_object_foreach (o, k, v) {
		if (with_values && !json_is_string(v))
			return hull_error_msg(err, EINVAL, "%s: config.%s.%s: must be a string", where, key, k);
		(*out)[n++] = with_values ? hull_strdup_printf("%s=%s", k, json_string_value(v)) : hull_xstrdup(k);
	}
	return 0;
}

static int opt_strv(json_t *obj, const char *key, char ***out, bool never_null, const char *where,
		    struct hull_error **err)
{
	json_t *a = json_object_get(obj, key);
	char field[64];
	snprintf(field, sizeof(field), "config.%s", key);
	if (a && !json_is_null(a)) {
		if (!json_is_array(a))
			return hull_error_msg(err, EINVAL, "%s: %s: must be an array of strings", where, field);
		int ret = hull_json_strv(a, out, where, field, err);
		if (ret < 0)
			return ret;
	}
	if (!*out && never_null)
		*out = hull_xcalloc(1, sizeof(char *));
	return 0;
}

static int parse_run_config(json_t *cc, struct hull_image_config *c, const char *where, struct hull_error **err)
{
	int ret;
	if (cc && !json_is_object(cc))
		return hull_error_msg(err, EINVAL, "%s: config: must be an object", where);
	c->user = opt_string(cc, "User");
	c->working_dir = opt_string(cc, "WorkingDir");
	c->stop_signal = opt_string(cc, "StopSignal");
	if ((ret = opt_strv(cc, "Env", &c->env, true, where, err)) < 0 ||
	    (ret = opt_strv(cc, "Entrypoint", &c->entrypoint, false, where, err)) < 0 ||
	    (ret = opt_strv(cc, "Cmd", &c->cmd, false, where, err)) < 0 ||
	    (ret = object_strv(cc, "ExposedPorts", false, &c->exposed_ports, where, err)) < 0 ||
	    (ret = object_strv(cc, "Volumes", false, &c->volumes, where, err)) < 0 ||
	    (ret = object_strv(cc, "Labels", true, &c->labels, where, err)) < 0)
		return ret;
	return 0;
}

static int parse_rootfs(json_t *j, struct hull_image_config *c, const char *where, struct hull_error **err)
{
	json_t *rootfs = NULL, *ids = NULL;
	const char *type = NULL;
	int ret = hull_json_get_object(j, "rootfs", &rootfs, true, where, "rootfs", err);
	if (ret >= 0)
		ret = hull_json_get_string(rootfs, "type", &type, true, where, "rootfs.type", err);
	if (ret >= 0)
		ret = hull_json_get_array(rootfs, "diff_ids", &ids, true, where, "rootfs.diff_ids", err);
	if (ret < 0)
		return ret;
	if (strcmp(type, "layers"))
		return hull_error_msg(err, EINVAL, "%s: rootfs.type: must be \"layers\", not \"%s\"", where, type);
	if ((ret = hull_json_strv(ids, &c->diff_ids, where, "rootfs.diff_ids", err)) < 0)
		return ret;
	for (char **d = c->diff_ids; *d; d++, c->n_diff_ids++)
		if (hull_digest_validate(*d, err) < 0)
			return hull_error_wrap(err, -EINVAL, "%s: rootfs.diff_ids[%zu]", where, c->n_diff_ids);
	return 0;
}

int hull_image_config_parse(const char *buf, size_t len, const char *where, struct hull_image_config **out,
			    struct hull_error **err)
{
	*out = NULL;
	_cleanup_json_ json_t *j = hull_json_load_str(buf, len, where, err);
	if (!j)
		return -EINVAL;
	if (!json_is_object(j))
		return hull_error_msg(err, EINVAL, "%s: must be a JSON object", where);
	_cleanup_(hull_image_config_freep) struct hull_image_config *c = hull_xcalloc(1, sizeof(*c));
	c->architecture = opt_string(j, "architecture");
	c->os = opt_string(j, "os");
	c->variant = opt_string(j, "variant");
	c->created = opt_string(j, "created");
	c->author = opt_string(j, "author");
	int ret = parse_run_config(json_object_get(j, "config"), c, where, err);
	if (ret >= 0)
		ret = parse_rootfs(j, c, where, err);
	if (ret < 0)
		return ret;
	c->raw = json_incref(j);
	*out = steal_ptr(c);
	return 0;
}
