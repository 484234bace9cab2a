/* flags.c - --label and --help as the engine's commands take them. */
#include <stdlib.h>
#include <string.h>

#include "flags.h"
#include "hull/cleanup.h"

bool engine_parse_label(json_t *obj, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (eq == kv || !*kv)
		return false;
	if (!eq) {
		json_object_set_new(obj, kv, json_string(""));
		return true;
	}
	_cleanup_free_ char *key = strndup(kv, (size_t)(eq - kv));
	json_object_set_new(obj, key, json_string(eq + 1));
	return true;
}

bool engine_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return false;
		if (!strcmp(argv[i], "--help"))
			return true;
	}
	return false;
}
