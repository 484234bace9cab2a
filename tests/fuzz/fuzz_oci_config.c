/* fuzz_oci_config.c - fuzz target for the runtime-spec config.json parser
 * and validator (hull_oci_config_parse, src/lib/oci/config*.c) and for
 * `exec --process FILE` documents (hull_oci_process_parse). Input: any
 * bytes; those jansson accepts as JSON go through both. A rejected document
 * must come with an error message; an accepted one must hold the
 * invariants include/hull/oci.h promises. Corpus: tests/fuzz/corpus/oci-config. */
#include <jansson.h>
#include <string.h>

#include "fuzz_common.h"
#include "hull/oci.h"

static void check_config(const struct hull_oci_config *c)
{
	if (!c->oci_version || !c->root_path || !c->masked_paths || !c->readonly_paths)
		abort();
	if (c->process) {
		if (!c->process->args || !c->process->args[0] || !c->process->env || !c->process->cwd ||
		    c->process->cwd[0] != '/')
			abort();
	}
	for (size_t i = 0; i < c->n_mounts; i++)
		if (!c->mounts[i].destination)
			abort();
	for (size_t i = 0; i < c->n_devices; i++)
		if (!c->devices[i].path || c->devices[i].path[0] != '/' || !strchr("cbup", c->devices[i].type))
			abort();
	for (size_t i = 0; i < c->n_namespaces; i++)
		if (!hull_oci_namespace_name(c->namespaces[i].type))
			abort();
	size_t keys = 0, values = 0;
	while (c->sysctl_keys && c->sysctl_keys[keys])
		keys++;
	while (c->sysctl_values && c->sysctl_values[values])
		values++;
	if (keys != values)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!doc)
		return 0;
	struct hull_error *err = NULL;
	struct hull_oci_config *cfg = hull_oci_config_parse(doc, NULL, "config.json", &err);
	fuzz_check_error(cfg ? 0 : -1, err);
	if (cfg)
		check_config(cfg);
	hull_oci_config_free(cfg);

	/* the same bytes as an exec --process file, and the config's own process */
	err = NULL;
	struct hull_oci_process *p = hull_oci_process_parse(doc, "process.json", NULL, &err);
	fuzz_check_error(p ? 0 : -1, err);
	hull_oci_process_free(p);
	json_t *proc = json_is_object(doc) ? json_object_get(doc, "process") : NULL;
	if (proc) {
		err = NULL;
		p = hull_oci_process_parse(proc, "config.json", "process", &err);
		fuzz_check_error(p ? 0 : -1, err);
		hull_oci_process_free(p);
	}
	json_decref(doc);
	return 0;
}
