/* manifest.c - image manifests and indexes (OCI image-spec manifest.md,
 * image-index.md, descriptor.md; docker manifest v2 schema 2). */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/oci_image.h"

void hull_platform_clear(struct hull_platform *p)
{
	free(p->os);
	free(p->architecture);
	free(p->variant);
	p->os = p->architecture = p->variant = NULL;
}

static void descriptor_clear(struct hull_descriptor *d)
{
	free(d->media_type);
	free(d->digest);
	hull_platform_clear(&d->platform);
}

static char *dup_or_null(const char *s)
{
	return s ? hull_xstrdup(s) : NULL;
}

/* descriptor.md: mediaType, digest and size are required. */
static int parse_descriptor(json_t *j, struct hull_descriptor *d, const char *where, const char *field,
			    struct hull_error **err)
{
	const char *mt = NULL, *digest = NULL;
	long long size = -1;
	if (!json_is_object(j))
		return hull_error_msg(err, EINVAL, "%s: %s: must be an object", where, field);
	int ret = hull_json_get_string(j, "mediaType", &mt, true, where, field, err);
	if (ret >= 0)
		ret = hull_json_get_string(j, "digest", &digest, true, where, field, err);
	if (ret >= 0)
		ret = hull_json_get_int(j, "size", &size, true, where, field, err);
	if (ret < 0)
		return ret;
	if (hull_digest_validate(digest, err) < 0)
		return hull_error_wrap(err, -EINVAL, "%s: %s.digest", where, field);
	if (size < 0)
		return hull_error_msg(err, EINVAL, "%s: %s.size: must not be negative", where, field);
	d->media_type = hull_xstrdup(mt);
	d->digest = hull_xstrdup(digest);
	d->size = size;
	json_t *plat = json_object_get(j, "platform");
	if (json_is_object(plat)) {
		d->platform.os = dup_or_null(json_string_value(json_object_get(plat, "os")));
		d->platform.architecture = dup_or_null(json_string_value(json_object_get(plat, "architecture")));
		d->platform.variant = dup_or_null(json_string_value(json_object_get(plat, "variant")));
	}
	json_t *ann = json_object_get(j, "annotations");
	const char *ref_type = json_string_value(json_object_get(ann, "vnd.docker.reference.type"));
	d->attestation = ref_type && !strcmp(ref_type, "attestation-manifest");
	return 0;
}

int hull_layer_compression(const char *mt, struct hull_error **err)
{
	static const struct {
		const char *type;
		int compression;
	} table[] = {
		{ HULL_MT_OCI_LAYER, HULL_COMPRESSION_NONE },        { HULL_MT_OCI_LAYER_ND, HULL_COMPRESSION_NONE },
		{ HULL_MT_DOCKER_LAYER, HULL_COMPRESSION_NONE },     { HULL_MT_OCI_LAYER_GZIP, HULL_COMPRESSION_GZIP },
		{ HULL_MT_OCI_LAYER_ND_GZIP, HULL_COMPRESSION_GZIP }, { HULL_MT_DOCKER_LAYER_GZIP, HULL_COMPRESSION_GZIP },
		{ HULL_MT_DOCKER_FOREIGN, HULL_COMPRESSION_GZIP },   { HULL_MT_OCI_LAYER_ZSTD, HULL_COMPRESSION_ZSTD },
		{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", HULL_COMPRESSION_ZSTD },
	};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(table); i++)
		if (mt && !strcmp(mt, table[i].type))
			return table[i].compression;
	return hull_error_msg(err, EINVAL, "layer media type `%s` is not a tar layer (plain, gzip or zstd)",
			      mt ? mt : "(none)");
}

int hull_manifest_kind(const char *buf, size_t len, const char *content_type, struct hull_error **err)
{
	_cleanup_json_ json_t *j = hull_json_load_str(buf, len, "manifest", err);
	if (!j)
		return -EINVAL;
	const char *mt = json_string_value(json_object_get(j, "mediaType"));
	if (!mt || !*mt)
		mt = content_type;
	if (mt && (!strcmp(mt, HULL_MT_OCI_INDEX) || !strcmp(mt, HULL_MT_DOCKER_LIST)))
		return 1;
	if (mt && (!strcmp(mt, HULL_MT_OCI_MANIFEST) || !strcmp(mt, HULL_MT_DOCKER_MANIFEST)))
		return 0;
	json_t *sv = json_object_get(j, "schemaVersion");
	if (json_integer_value(sv) == 1)
		return hull_error_msg(err, ENOTSUP,
				      "docker schema 1 manifests are deprecated and not supported; re-push the image");
	/* image-spec: mediaType is optional in older OCI documents; tell by shape. */
	if (json_is_array(json_object_get(j, "manifests")))
		return 1;
	if (json_is_object(json_object_get(j, "config")))
		return 0;
	return hull_error_msg(err, EINVAL, "manifest media type `%s` is neither an image manifest nor an index",
			      mt ? mt : "(none)");
}

void hull_manifest_free(struct hull_manifest *m)
{
	if (!m)
		return;
	free(m->media_type);
	descriptor_clear(&m->config);
	for (size_t i = 0; i < m->n_layers; i++)
		descriptor_clear(&m->layers[i]);
	free(m->layers);
	free(m);
}

int hull_manifest_parse(const char *buf, size_t len, const char *where, struct hull_manifest **out,
			struct hull_error **err)
{
	*out = NULL;
	_cleanup_json_ json_t *j = hull_json_load_str(buf, len, where, err);
	if (!j)
		return -EINVAL;
	_cleanup_(hull_manifest_freep) struct hull_manifest *m = hull_xcalloc(1, sizeof(*m));
	const char *mt = NULL;
	json_t *config = NULL, *layers = NULL;
	int ret = hull_json_get_string(j, "mediaType", &mt, false, where, "mediaType", err);
	if (ret >= 0)
		ret = hull_json_get_object(j, "config", &config, true, where, "config", err);
	if (ret >= 0)
		ret = hull_json_get_array(j, "layers", &layers, true, where, "layers", err);
	if (ret < 0)
		return ret;
	m->media_type = hull_xstrdup(mt ? mt : HULL_MT_OCI_MANIFEST);
	if ((ret = parse_descriptor(config, &m->config, where, "config", err)) < 0)
		return ret;
	m->layers = hull_xcalloc(json_array_size(layers) + 1, sizeof(*m->layers));
	size_t i;
	json_t *l;
	json_array_foreach (layers, i, l) {
		char field[32];
		snprintf(field, sizeof(field), "layers[%zu]", i);
		if ((ret = parse_descriptor(l, &m->layers[i], where, field, err)) < 0)
			return ret;
		m->n_layers++;
		if (hull_layer_compression(m->layers[i].media_type, err) < 0)
			return hull_error_wrap(err, -EINVAL, "%s: %s", where, field);
	}
	*out = steal_ptr(m);
	return 0;
}

void hull_index_free(struct hull_index *ix)
{
	if (!ix)
		return;
	free(ix->media_type);
	for (size_t i = 0; i < ix->n_manifests; i++)
		descriptor_clear(&ix->manifests[i]);
	free(ix->manifests);
	free(ix);
}

int hull_index_parse(const char *buf, size_t len, const char *where, struct hull_index **out,
		     struct hull_error **err)
{
	*out = NULL;
	_cleanup_json_ json_t *j = hull_json_load_str(buf, len, where, err);
	if (!j)
		return -EINVAL;
	_cleanup_(hull_index_freep) struct hull_index *ix = hull_xcalloc(1, sizeof(*ix));
	const char *mt = NULL;
	json_t *list = NULL;
	int ret = hull_json_get_string(j, "mediaType", &mt, false, where, "mediaType", err);
	if (ret >= 0)
		ret = hull_json_get_array(j, "manifests", &list, true, where, "manifests", err);
	if (ret < 0)
		return ret;
	ix->media_type = hull_xstrdup(mt ? mt : HULL_MT_OCI_INDEX);
	ix->manifests = hull_xcalloc(json_array_size(list) + 1, sizeof(*ix->manifests));
	size_t i;
	json_t *e;
	json_array_foreach (list, i, e) {
		char field[32];
		snprintf(field, sizeof(field), "manifests[%zu]", i);
		if ((ret = parse_descriptor(e, &ix->manifests[i], where, field, err)) < 0)
			return ret;
		ix->n_manifests++;
		const struct hull_platform *p = &ix->manifests[i].platform;
		if (p->os && !strcmp(p->os, "unknown") && p->architecture && !strcmp(p->architecture, "unknown"))
			ix->manifests[i].attestation = true;
	}
	*out = steal_ptr(ix);
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

const struct hull_descriptor *hull_index_select(const struct hull_index *ix, const struct hull_platform *want,
						 struct hull_error **err)
{
	const struct hull_descriptor *best = NULL;
	const char *pref_variant = want->variant;
	if (!pref_variant && str_eq(want->architecture, "arm64"))
		pref_variant = "v8";
	for (size_t i = 0; i < ix->n_manifests; i++) {
		const struct hull_descriptor *d = &ix->manifests[i];
		if (d->attestation || !str_eq(d->platform.os, want->os) ||
		    !str_eq(d->platform.architecture, want->architecture))
			continue;
		if (want->variant && !str_eq(d->platform.variant, want->variant))
			continue;
		if (!best || (pref_variant && str_eq(d->platform.variant, pref_variant) &&
			      !str_eq(best->platform.variant, pref_variant)))
			best = d;
	}
	if (best)
		return best;
	_cleanup_free_ char *offered = hull_xstrdup("");
	for (size_t i = 0; i < ix->n_manifests; i++) {
		const struct hull_descriptor *d = &ix->manifests[i];
		if (d->attestation)
			continue;
		char *next = hull_strdup_printf("%s%s%s/%s%s%s", offered, *offered ? ", " : "",
						d->platform.os ? d->platform.os : "?",
						d->platform.architecture ? d->platform.architecture : "?",
						d->platform.variant ? "/" : "", d->platform.variant ? d->platform.variant : "");
		free(offered);
		offered = next;
	}
	hull_error_msg(err, ENOENT, "no image for platform %s/%s%s%s in the index (it offers: %s); choose one with --platform",
		       want->os, want->architecture, want->variant ? "/" : "", want->variant ? want->variant : "",
		       *offered ? offered : "nothing");
	return NULL;
}

int hull_platform_parse(const char *s, struct hull_platform *out, struct hull_error **err)
{
	memset(out, 0, sizeof(*out));
	_cleanup_free_ char *copy = hull_xstrdup(s);
	char *parts[4] = { 0 };
	int n = 0;
	for (char *save = NULL, *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (n == 3)
			return hull_error_msg(err, EINVAL, "platform `%s`: expected os/arch[/variant]", s);
		parts[n++] = t;
	}
	if (n == 0)
		return hull_error_msg(err, EINVAL, "platform `%s`: expected os/arch[/variant]", s);
	if (n == 1) {
		out->os = hull_xstrdup("linux");
		out->architecture = hull_xstrdup(parts[0]);
	} else {
		out->os = hull_xstrdup(parts[0]);
		out->architecture = hull_xstrdup(parts[1]);
		out->variant = dup_or_null(parts[2]);
	}
	return 0;
}

void hull_platform_host(struct hull_platform *out)
{
	struct utsname u;
	const char *arch = "amd64";
	memset(out, 0, sizeof(*out));
	if (uname(&u) == 0) {
		if (!strcmp(u.machine, "aarch64")) {
			arch = "arm64";
		} else if (!strncmp(u.machine, "arm", 3)) {
			arch = "arm";
		} else if (!strcmp(u.machine, "i686") || !strcmp(u.machine, "i386")) {
			arch = "386";
		} else if (!strcmp(u.machine, "ppc64le") || !strcmp(u.machine, "s390x") || !strcmp(u.machine, "riscv64")) {
			arch = u.machine;
		}
	}
	out->os = hull_xstrdup("linux");
	out->architecture = hull_xstrdup(arch);
	/* variant stays NULL: hull_index_select prefers v8 on arm64 itself. */
}
