/* fuzz_config.c - libFuzzer target for config.json: the bytes are parsed as
 * JSON and, when that works, validated as a whole config.json and as an
 * `exec --process` file. Any crash, leak or sanitizer report is a bug; a
 * rejected input must come with an error message. Built by ./run. */
#include <stdint.h>
#include <stdlib.h>

#include "hull/json.h"
#include "hull/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hull_error *err = NULL;
	json_t *doc = hull_json_load_str((const char *)data, size, "config.json", &err);
	if (!doc) {
		if (!err || !err->msg)
			abort();
		hull_error_free(err);
		return 0;
	}
	struct hull_oci_config *cfg = hull_oci_config_parse(doc, NULL, "config.json", &err);
	if (!cfg && (!err || !err->msg))
		abort();
	hull_oci_config_free(cfg);
	hull_error_release(&err);
	struct hull_oci_process *p = hull_oci_process_parse(doc, "process.json", NULL, &err);
	if (!p && (!err || !err->msg))
		abort();
	hull_oci_process_free(p);
	hull_error_release(&err);
	json_decref(doc);
	return 0;
}
