/* fuzz_security.c - fuzz target for the parts of config.json the runtime
 * interprets itself: process.capabilities (hull_caps_parse), linux.seccomp
 * (hull_seccomp_check: the whole profile is built with libseccomp but not
 * loaded) and hooks (hull_hooks_check); and for the cgroup layout read from
 * /proc/self/mountinfo and /proc/self/cgroup (hull_cgroup_layout_parse).
 * Input: a JSON object, given to the three config parsers; anything else is
 * mountinfo text, then optionally "\n--\n" and the cgroup file's text.
 * Corpus: tests/fuzz/corpus/security. */
#include <jansson.h>
#include <string.h>

#include "fuzz_common.h"
#include "hull/cgroup.h"
#include "hull/security.h"

static void fuzz_config_parts(json_t *doc)
{
	struct hull_caps caps = { 0 };
	struct hull_error *err = NULL;
	int ret = hull_caps_parse(doc, "config.json", "process.capabilities", &caps, &err);
	fuzz_check_error(ret, err);
	err = NULL;
	ret = hull_seccomp_check(doc, &err);
	fuzz_check_error(ret, err);
	err = NULL;
	ret = hull_hooks_check(doc, &err);
	fuzz_check_error(ret, err);
	hull_seccomp_uses_notify(doc);
}

static void fuzz_cgroup_layout(char *text)
{
	char *own = strstr(text, "\n--\n");
	if (own) {
		*own = '\0';
		own += 4;
	}
	struct hull_cgroup_layout *layout = NULL;
	struct hull_error *err = NULL;
	int ret = hull_cgroup_layout_parse(text, own, &layout, &err);
	fuzz_check_error(ret, err);
	hull_cgroup_layout_free(layout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	if (json_is_object(doc)) {
		fuzz_config_parts(doc);
	} else {
		char *text = strndup((const char *)data, size);
		fuzz_cgroup_layout(text);
		free(text);
	}
	json_decref(doc);
	return 0;
}
