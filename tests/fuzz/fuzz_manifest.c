/* fuzz_manifest.c - fuzz target for image-spec documents: manifests,
 * indexes / docker manifest lists and image configs (src/lib/oci/
 * manifest.c, image_config.c), and platform strings. Input: the document
 * bytes, given to every parser (a registry may send anything under any
 * media type); short inputs without `{` are also tried as a --platform
 * value. Each parser must accept or refuse with a message; accepted
 * documents must hold what include/hull/oci_image.h promises (validated
 * digests, non-negative sizes, tar layers). Corpus: tests/fuzz/corpus/manifest. */
#include <string.h>

#include "fuzz_common.h"
#include "hull/digest.h"
#include "hull/oci_image.h"

static void check_descriptor(const struct hull_descriptor *d)
{
	if (!d->media_type || !d->digest || d->size < 0 || hull_digest_validate(d->digest, NULL) < 0)
		abort();
}

static void fuzz_manifest(const char *buf, size_t len)
{
	struct hull_error *err = NULL;
	struct hull_manifest *m = NULL;
	int ret = hull_manifest_parse(buf, len, "manifest", &m, &err);
	fuzz_check_error(ret, err);
	if (ret < 0)
		return;
	check_descriptor(&m->config);
	for (size_t i = 0; i < m->n_layers; i++) {
		check_descriptor(&m->layers[i]);
		if (hull_layer_compression(m->layers[i].media_type, NULL) < 0)
			abort();
	}
	hull_manifest_free(m);
}

static void fuzz_index(const char *buf, size_t len)
{
	struct hull_error *err = NULL;
	struct hull_index *ix = NULL;
	int ret = hull_index_parse(buf, len, "index", &ix, &err);
	fuzz_check_error(ret, err);
	if (ret < 0)
		return;
	struct hull_platform host;
	hull_platform_host(&host);
	const struct hull_platform *wants[] = { &host, ix->n_manifests ? &ix->manifests[0].platform : &host };
	for (size_t w = 0; w < 2; w++) {
		if (!wants[w]->os || !wants[w]->architecture)
			continue;
		err = NULL;
		const struct hull_descriptor *d = hull_index_select(ix, wants[w], &err);
		fuzz_check_error(d ? 0 : -1, err);
		if (d) {
			check_descriptor(d);
			if (d->attestation)
				abort();
		}
	}
	hull_platform_clear(&host);
	hull_index_free(ix);
}

static void fuzz_image_config(const char *buf, size_t len)
{
	struct hull_error *err = NULL;
	struct hull_image_config *c = NULL;
	int ret = hull_image_config_parse(buf, len, "config", &c, &err);
	fuzz_check_error(ret, err);
	if (ret < 0)
		return;
	if (!c->env || !c->exposed_ports || !c->volumes || !c->labels || (c->n_diff_ids && !c->diff_ids))
		abort();
	for (size_t i = 0; i < c->n_diff_ids; i++)
		if (hull_digest_validate(c->diff_ids[i], NULL) < 0)
			abort();
	hull_image_config_free(c);
}

static void fuzz_platform(const char *buf, size_t len)
{
	if (len > 256 || memchr(buf, '{', len))
		return;
	char *s = strndup(buf, len);
	struct hull_platform p;
	struct hull_error *err = NULL;
	int ret = hull_platform_parse(s, &p, &err);
	fuzz_check_error(ret, err);
	if (ret == 0) {
		if (!p.os || !p.architecture)
			abort();
		hull_platform_clear(&p);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct hull_error *err = NULL;
	int kind = hull_manifest_kind(buf, size, size % 2 ? HULL_MT_OCI_INDEX : NULL, &err);
	fuzz_check_error(kind < 0 ? kind : 0, err);
	if (kind > 1)
		abort();
	fuzz_manifest(buf, size);
	fuzz_index(buf, size);
	fuzz_image_config(buf, size);
	fuzz_platform(buf, size);
	return 0;
}
