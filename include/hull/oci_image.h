/* hull/oci_image.h - OCI image-spec documents and image references.
 *
 * Parsing only: these functions read bytes and fill structs; fetching and
 * storing belong to the image room (hull/image.h). Field names follow the
 * image-spec (manifest.md, image-index.md, config.md) and docker's
 * distribution/reference grammar for names.
 */
#ifndef HULL_OCI_IMAGE_H
#define HULL_OCI_IMAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hull/error.h"

/* Media types (image-spec media-types.md; docker image-manifest-v2-2). */
#define HULL_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define HULL_MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define HULL_MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define HULL_MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define HULL_MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define HULL_MT_OCI_LAYER_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define HULL_MT_OCI_LAYER_ND "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define HULL_MT_OCI_LAYER_ND_GZIP "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define HULL_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define HULL_MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define HULL_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define HULL_MT_DOCKER_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define HULL_MT_DOCKER_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define HULL_MT_DOCKER_FOREIGN "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* The Accept header every manifest request sends: the distribution registry
 * answers 404 for an OCI manifest when its type is not listed. */
#define HULL_MANIFEST_ACCEPT                                                                    \
	"Accept: " HULL_MT_OCI_MANIFEST ", " HULL_MT_OCI_INDEX ", " HULL_MT_DOCKER_MANIFEST ", " \
		HULL_MT_DOCKER_LIST

/* Refuse documents bigger than this (containerd uses 4 MiB too): a hostile
 * registry must not make hull buffer gigabytes of "manifest". */
#define HULL_MAX_MANIFEST_SIZE (4 << 20)

/* ---- references ---------------------------------------------------------- */

/* A normalised image reference, as docker resolves names:
 * `busybox` -> registry "docker.io", repository "library/busybox", tag
 * "latest"; `localhost:5000/a/b@sha256:..` keeps its registry and digest. */
struct hull_reference {
	char *registry;   /* "docker.io", "127.0.0.1:5100", "quay.io" */
	char *repository; /* "library/busybox" (lowercase path components) */
	char *tag;        /* "latest" when neither tag nor digest was given; NULL with a bare digest */
	char *digest;     /* "sha256:<hex>" or NULL */
};

/* hull_reference_parse: parse and normalise a reference. Errors name the
 * string and the rule it breaks ("repository names must be lowercase"). */
int hull_reference_parse(const char *s, struct hull_reference **out, struct hull_error **err);
void hull_reference_free(struct hull_reference *r);
static inline void hull_reference_freep(struct hull_reference **r)
{
	hull_reference_free(*r);
	*r = NULL;
}

/* hull_reference_name: "registry/repository" (malloc'd). */
char *hull_reference_name(const struct hull_reference *r);

/* hull_reference_string: the full normalised form
 * "registry/repository[:tag][@digest]" (malloc'd). */
char *hull_reference_string(const struct hull_reference *r);

/* hull_reference_familiar: docker's short display form of a full name:
 * "docker.io/library/busybox" -> "busybox", "docker.io/a/b" -> "a/b";
 * other registries unchanged. Returns malloc'd text. */
char *hull_reference_familiar(const char *full_name);

/* hull_reference_api_host: the host to contact for a registry name
 * ("docker.io" -> "registry-1.docker.io"); a pointer to a constant or into r. */
const char *hull_reference_api_host(const struct hull_reference *r);

/* ---- descriptors, manifests, indexes ------------------------------------ */

struct hull_platform {
	char *os;           /* "linux" */
	char *architecture; /* "amd64" */
	char *variant;      /* "v8" or NULL */
};

struct hull_descriptor {
	char *media_type;
	char *digest; /* validated "sha256:<hex>" */
	long long size;
	struct hull_platform platform; /* index entries only; fields NULL otherwise */
	bool attestation;              /* docker's attestation-manifest entries: never selected */
};

struct hull_manifest {
	char *media_type;
	struct hull_descriptor config;
	struct hull_descriptor *layers;
	size_t n_layers;
};

struct hull_index {
	char *media_type;
	struct hull_descriptor *manifests;
	size_t n_manifests;
};

/* hull_manifest_kind: given the document bytes and the Content-Type the
 * registry sent (may be NULL), say whether it is an index (1), a manifest
 * (0), or neither (negative, error naming the media type). Docker schema1
 * manifests are refused with a message saying so. */
int hull_manifest_kind(const char *buf, size_t len, const char *content_type, struct hull_error **err);

/* hull_manifest_parse: parse an image manifest (OCI or docker schema2).
 * Every digest is validated; layer media types must be a tar (plain, gzip
 * or zstd). `where` names the document in errors. */
int hull_manifest_parse(const char *buf, size_t len, const char *where, struct hull_manifest **out,
			struct hull_error **err);
void hull_manifest_free(struct hull_manifest *m);
static inline void hull_manifest_freep(struct hull_manifest **m)
{
	hull_manifest_free(*m);
	*m = NULL;
}

/* hull_index_parse: parse an image index / docker manifest list. */
int hull_index_parse(const char *buf, size_t len, const char *where, struct hull_index **out,
		     struct hull_error **err);
void hull_index_free(struct hull_index *ix);
static inline void hull_index_freep(struct hull_index **ix)
{
	hull_index_free(*ix);
	*ix = NULL;
}

/* hull_index_select: the entry matching platform `want` (os/architecture
 * must match; variant matches when given, else the host's default is
 * preferred: "v8" for arm64). Attestation entries are skipped. Returns the
 * entry or NULL with an error listing the platforms the index offers. */
const struct hull_descriptor *hull_index_select(const struct hull_index *ix, const struct hull_platform *want,
						 struct hull_error **err);

/* hull_platform_parse: "os/arch[/variant]" ("linux/arm64/v8"); missing os
 * defaults to linux. hull_platform_host fills the running machine's. */
int hull_platform_parse(const char *s, struct hull_platform *out, struct hull_error **err);
void hull_platform_host(struct hull_platform *out);
void hull_platform_clear(struct hull_platform *p);

/* hull_layer_compression: 0 none, 1 gzip, 2 zstd for a layer media type;
 * negative (error) for what is not a layer. */
enum hull_compression { HULL_COMPRESSION_NONE = 0, HULL_COMPRESSION_GZIP, HULL_COMPRESSION_ZSTD };
int hull_layer_compression(const char *media_type, struct hull_error **err);

/* ---- image configuration (config.md) ------------------------------------ */

struct hull_image_config {
	char *architecture, *os, *variant;
	char *created; /* RFC 3339 or NULL */
	char *author;
	/* config.config */
	char *user;
	char **env;           /* "K=V", NULL-terminated (never NULL itself) */
	char **entrypoint;    /* NULL when unset */
	char **cmd;           /* NULL when unset */
	char *working_dir;    /* NULL when unset */
	char **exposed_ports; /* "80/tcp" keys, NULL-terminated (never NULL) */
	char **volumes;       /* paths, NULL-terminated (never NULL) */
	char **labels;        /* "key=value", NULL-terminated (never NULL) */
	char *stop_signal;    /* "SIGTERM" or NULL */
	/* rootfs */
	char **diff_ids;      /* "sha256:<hex>" of each uncompressed layer, bottom first */
	size_t n_diff_ids;
	json_t *raw;          /* the whole document (owned reference) */
};

/* hull_image_config_parse: parse a config blob; diff_ids are validated and
 * rootfs.type must be "layers". */
int hull_image_config_parse(const char *buf, size_t len, const char *where, struct hull_image_config **out,
			    struct hull_error **err);
void hull_image_config_free(struct hull_image_config *c);
static inline void hull_image_config_freep(struct hull_image_config **c)
{
	hull_image_config_free(*c);
	*c = NULL;
}

#endif
