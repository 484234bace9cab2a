/* Manifests, indexes, platform selection and image configs. */
#include <criterion/criterion.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/oci_image.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char oci_manifest[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	"\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":10},"
	"\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" D2 "\",\"size\":20},"
	"{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"digest\":\"" D3 "\",\"size\":30}]}";

Test(manifest, parses_layers_and_kinds)
{
	struct hull_manifest *m = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_manifest_parse(oci_manifest, strlen(oci_manifest), "m", &m, &err), 0);
	cr_expect_eq(m->n_layers, 2);
	cr_expect_str_eq(m->config.digest, D1);
	cr_expect_eq(m->layers[1].size, 30);
	cr_expect_eq(hull_layer_compression(m->layers[0].media_type, NULL), HULL_COMPRESSION_ZSTD);
	cr_expect_eq(hull_layer_compression(m->layers[1].media_type, NULL), HULL_COMPRESSION_GZIP);
	cr_expect_eq(hull_manifest_kind(oci_manifest, strlen(oci_manifest), NULL, NULL), 0);
	hull_manifest_free(m);
}

static void refused(const char *doc, const char *text)
{
	struct hull_manifest *m = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_lt(hull_manifest_parse(doc, strlen(doc), "manifest.json", &m, &err), 0, "accepted: %s", doc);
	cr_expect(strstr(err->msg, text) != NULL, "%s", err->msg);
}

Test(manifest, refuses_what_is_not_an_image)
{
	refused("{\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:12\",\"size\":1},\"layers\":[]}",
		"manifest.json: config.digest");
	refused("{\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}", "must not be negative");
	refused("{\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":1},"
		"\"layers\":[{\"mediaType\":\"text/plain\",\"digest\":\"" D2 "\",\"size\":1}]}",
		"is not a tar layer");
	refused("{\"layers\":[]}", "config");
	refused("[1,2", "manifest.json");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_expect_lt(hull_manifest_kind("{\"schemaVersion\":1}", 19, NULL, &err), 0);
	cr_expect(strstr(err->msg, "schema 1") != NULL);
}

static const char index_doc[] =
	"{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":1,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\",\"size\":1,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\",\"variant\":\"v8\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3 "\",\"size\":1,"
	"\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":1,"
	"\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\"},"
	"\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}";

Test(manifest, index_selects_platform)
{
	struct hull_index *ix = NULL;
	cr_assert_eq(hull_index_parse(index_doc, strlen(index_doc), "index", &ix, NULL), 0);
	cr_expect_eq(hull_manifest_kind(index_doc, strlen(index_doc), NULL, NULL), 1);
	struct hull_platform p = { 0 };
	cr_assert_eq(hull_platform_parse("linux/arm64", &p, NULL), 0);
	const struct hull_descriptor *d = hull_index_select(ix, &p, NULL);
	cr_assert_not_null(d);
	cr_expect_str_eq(d->digest, D2);
	hull_platform_clear(&p);
	cr_assert_eq(hull_platform_parse("amd64", &p, NULL), 0);
	cr_expect_str_eq(p.os, "linux");
	cr_expect_str_eq(hull_index_select(ix, &p, NULL)->digest, D3);
	hull_platform_clear(&p);
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_platform_parse("linux/s390x", &p, NULL), 0);
	cr_expect_null(hull_index_select(ix, &p, &err));
	cr_expect(strstr(err->msg, "linux/arm/v7, linux/arm64/v8, linux/amd64") != NULL, "%s", err->msg);
	cr_expect(strstr(err->msg, "unknown") == NULL, "attestations are not offered: %s", err->msg);
	hull_platform_clear(&p);
	hull_index_free(ix);
}

Test(manifest, image_config_fields)
{
	const char *doc = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\"1000\","
			  "\"Env\":[\"A=1\"],\"Entrypoint\":[\"/e\"],\"Cmd\":[\"c\"],\"WorkingDir\":\"/w\","
			  "\"ExposedPorts\":{\"80/tcp\":{}},\"Volumes\":{\"/data\":{}},\"Labels\":{\"k\":\"v\"},"
			  "\"StopSignal\":\"SIGINT\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}}";
	struct hull_image_config *c = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_image_config_parse(doc, strlen(doc), "config", &c, &err), 0, "%s", err ? err->msg : "");
	cr_expect_str_eq(c->user, "1000");
	cr_expect_str_eq(c->env[0], "A=1");
	cr_expect_str_eq(c->entrypoint[0], "/e");
	cr_expect_str_eq(c->cmd[0], "c");
	cr_expect_str_eq(c->working_dir, "/w");
	cr_expect_str_eq(c->exposed_ports[0], "80/tcp");
	cr_expect_str_eq(c->volumes[0], "/data");
	cr_expect_str_eq(c->labels[0], "k=v");
	cr_expect_str_eq(c->stop_signal, "SIGINT");
	cr_expect_eq(c->n_diff_ids, 1);
	hull_image_config_free(c);
	const char *bad = "{\"config\":{\"Cmd\":\"sh\"},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
	cr_expect_lt(hull_image_config_parse(bad, strlen(bad), "config", &c, &err), 0);
	cr_expect(strstr(err->msg, "config.Cmd: must be an array") != NULL, "%s", err->msg);
}
