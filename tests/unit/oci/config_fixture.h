/* config_fixture.h - a minimal valid config.json and ways to break it. */
#ifndef HULL_TEST_CONFIG_FIXTURE_H
#define HULL_TEST_CONFIG_FIXTURE_H

#include <string.h>

#include "hull/json.h"
#include "hull/oci.h"

static const char base_config[] =
	"{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"hostname\":\"h\","
	"\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"],\"user\":{\"uid\":0,\"gid\":0}},"
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}],"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"network\"}]}}";

/* Set (value != NULL, JSON text) or delete (value == NULL) the member at a
 * dotted path of object keys; intermediate objects are created. */
static inline void fixture_set(json_t *doc, const char *path, const char *value)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *o = doc;
	char *save = NULL, *key = strtok_r(buf, ".", &save), *next;
	while ((next = strtok_r(NULL, ".", &save))) {
		json_t *child = json_object_get(o, key);
		if (!child) {
			child = json_object();
			json_object_set_new(o, key, child);
		}
		o = child;
		key = next;
	}
	if (value)
		json_object_set_new(o, key, json_loads(value, JSON_DECODE_ANY, NULL));
	else
		json_object_del(o, key);
}

/* Parse base_config changed at one path; returns the error message (or
 * NULL when it parsed). Caller frees. */
static inline char *fixture_error(const char *path, const char *value)
{
	json_t *doc = json_loads(base_config, 0, NULL);
	if (path)
		fixture_set(doc, path, value);
	struct hull_error *err = NULL;
	struct hull_oci_config *cfg = hull_oci_config_parse(doc, NULL, "config.json", &err);
	json_decref(doc);
	hull_oci_config_free(cfg);
	char *msg = err ? strdup(err->msg) : NULL;
	hull_error_free(err);
	return msg;
}

#endif
