/* hull/image.h - the image store: pull, import, commit, resolve.
 *
 * On-disk layout, under ctx->data_root (default /var/lib/hull; tests set
 * HULL_DATA_ROOT):
 *
 *   images/blobs/sha256/<hex>      content-addressed blobs: manifests, configs,
 *                                  layer archives as the registry served them
 *   images/layers/<diffid-hex>/    each layer unpacked ONCE, keyed by its
 *                                  uncompressed digest (diff_id), shared by
 *                                  every image; overlayfs format: whiteouts are
 *                                  0:0 character devices, opaque directories
 *                                  carry trusted.overlay.opaque=y. Use these
 *                                  directories read-only, as overlay lowerdirs.
 *   images/images/<id-hex>.json    one record per image (id = config digest):
 *                                  {"manifest": "sha256:..", "size": N, ...}
 *   images/repositories.json       {"docker.io/library/busybox:latest": "sha256:<id>"}
 *   images/layer-sizes/<diffid-hex> unpacked bytes of each layer
 *   images/ingest/<hex>.partial    downloads in progress or interrupted, resumed with Range
 *   images/tmp/                    layers being unpacked (renamed into layers/);
 *                                  entries of dead processes are swept on open
 *   images/unsynced/<boot-id>/     "layer-<hex>" / "blob-<hex>" markers, fsynced before
 *                                  what they name becomes visible; after a reboot the
 *                                  store drops such layers and re-hashes such blobs
 *   images/locks/                  flock(2) files: "store" (metadata + gc),
 *                                  "<hex>" (one pull unpacks a layer, others wait)
 *   certs.d/<host:port>/ca.crt     extra CA for one registry (like docker's
 *                                  /etc/docker/certs.d, which is read too)
 *   auth.json                      `hull login` credentials, mode 0600, docker's
 *                                  config.json "auths" format
 *
 * Every write lands under a temporary name and is renamed into place, so a
 * crashed process leaves whole blobs, whole layers and whole records, never
 * parts; records and names are fsynced; a crashed kernel is covered by the
 * unsynced/ markers (a syncfs per pull would cost more than the unpack).
 * Functions below never print; progress is reported through callbacks.
 */
#ifndef HULL_IMAGE_H
#define HULL_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "hull/ctx.h"
#include "hull/error.h"
#include "hull/oci_image.h"

struct hull_image_store; /* opaque */

/* hull_image_store_open: open (creating when missing) the store under
 * ctx->data_root. ctx must outlive the store (it is used for logging). */
int hull_image_store_open(struct hull_ctx *ctx, struct hull_image_store **out, struct hull_error **err);
void hull_image_store_free(struct hull_image_store *s);
static inline void hull_image_store_freep(struct hull_image_store **s)
{
	hull_image_store_free(*s);
	*s = NULL;
}

/* hull_image_store_set_in_use: the engine tells the store which images
 * containers still use; rmi refuses (without force) and gc/prune keep such
 * images and their layers. fn returns true when image_id is in use. */
void hull_image_store_set_in_use(struct hull_image_store *s, bool (*fn)(void *opaque, const char *image_id),
				 void *opaque);

/* An image as found in the store. Everything is owned by the struct. */
struct hull_image {
	char *id;                        /* "sha256:<hex>" of the config blob */
	char *manifest_digest;           /* "sha256:<hex>" of the manifest blob */
	char **names;                    /* full references tagged to it, NULL-terminated (maybe empty) */
	char **repo_digests;             /* "registry/repo@sha256:..", NULL-terminated (maybe empty) */
	struct hull_image_config *config; /* Entrypoint, Cmd, Env, WorkingDir, User, ... diff_ids */
	char **layer_dirs;               /* absolute unpacked layer dirs, BOTTOM FIRST, NULL-terminated */
	size_t n_layers;
	long long size;                  /* unpacked bytes, all layers */
	long long created;               /* when the image entered this store (unix seconds) */
};
void hull_image_free(struct hull_image *img);
static inline void hull_image_freep(struct hull_image **img)
{
	hull_image_free(*img);
	*img = NULL;
}

/* hull_image_get: find a local image by reference ("busybox" is normalised
 * to docker.io/library/busybox:latest), full or short id (at least 4 hex
 * digits, "sha256:" optional) or name@digest. Fails with ENOENT and a
 * message suggesting `hull pull` when absent. */
int hull_image_get(struct hull_image_store *s, const char *ref_or_id, struct hull_image **out,
		   struct hull_error **err);

/* hull_image_list: every image, newest first. *out is a NULL-terminated
 * array; free with hull_image_list_free. */
int hull_image_list(struct hull_image_store *s, struct hull_image ***out, struct hull_error **err);
void hull_image_list_free(struct hull_image **list);

/* Pull progress, one call per change of one blob. Called from the pulling
 * threads, serialised by the store (never two calls at once). */
enum hull_pull_state {
	HULL_PULL_WAITING,     /* queued */
	HULL_PULL_DOWNLOADING, /* done/total bytes */
	HULL_PULL_EXTRACTING,
	HULL_PULL_EXISTS,      /* already in the store */
	HULL_PULL_DONE,
};
struct hull_pull_progress {
	const char *digest; /* the blob */
	int index;          /* layer index, bottom first; -1 for config/manifest */
	enum hull_pull_state state;
	long long done, total;
};

/* Options shared by pull, push and login. Zeroed means the defaults. */
struct hull_registry_options {
	const char *platform;  /* "os/arch[/variant]"; NULL: this machine */
	bool insecure;         /* --tls-verify=false: skip certificate checks, allow plain HTTP
				  (loopback registries may always fall back to HTTP, as docker does) */
	int parallel;          /* layers transferred at once; 0: 3 */
	const char *auth_file; /* credentials file instead of data_root/auth.json */
	const char *username;  /* --creds user:pass (overrides stored credentials) */
	const char *password;
	bool quiet;
	void (*progress)(void *opaque, const struct hull_pull_progress *p);
	void *progress_opaque;
};

/* hull_image_pull: fetch ref from its registry (OCI distribution spec),
 * verify every digest while streaming (manifest, config, each blob, each
 * layer's diff_id), unpack each layer once, tag the image as the normalised
 * ref. Concurrent pulls of the same layer wait for one another; an
 * interrupted download resumes with Range on the next pull. On failure
 * nothing is tagged and no partial layer is left. *out (may be NULL) gets
 * the image. */
int hull_image_pull(struct hull_image_store *s, const char *ref, const struct hull_registry_options *o,
		    struct hull_image **out, struct hull_error **err);

/* hull_image_push: upload a local image (src) to dest (NULL: src's own
 * name): blobs the registry lacks, then the manifest. */
int hull_image_push(struct hull_image_store *s, const char *src, const char *dest,
		    const struct hull_registry_options *o, struct hull_error **err);

/* hull_image_import: make a one-layer image from a root filesystem tar
 * (plain, gzip or zstd; path "-" reads stdin) and tag it `name` when not
 * NULL. The config records linux/<host arch>, no Cmd unless `cmd` is given. */
int hull_image_import(struct hull_image_store *s, const char *tar_path, const char *name, char *const *cmd,
		      struct hull_image **out, struct hull_error **err);

/* hull_image_commit: a new image = parent's layers + one layer made from
 * diff_dir, an overlayfs upper directory (0:0 character devices become
 * `.wh.` whiteouts, trusted.overlay.opaque=y becomes `.wh..wh..opq`).
 * parent may be NULL (scratch). config (may be NULL: the parent's is kept)
 * gives the run configuration to record: only config->raw is read, and its
 * "config" member ({"Cmd": [...], "Env": [...], "WorkingDir": ...}, the
 * image-spec config.md#properties object) replaces the parent's whole. A
 * struct from hull_image_get()->config passes through as is. Tagged `name`
 * when not NULL. The build's steps set created_by, and empty_layer for a
 * step that changes only the config (ENV, CMD...), as docker's builder. */
struct hull_commit_options {
	const char *parent;                     /* ref or id, or NULL */
	const char *diff_dir;                   /* overlay upperdir */
	const char *name;                       /* tag or NULL */
	const char *author, *comment;           /* recorded in history; may be NULL */
	const struct hull_image_config *config; /* run config or NULL */
	const char *created_by;                 /* history's created_by; NULL: "hull commit" (a parent-less
						   commit with it starts an empty history: a build FROM scratch) */
	bool empty_layer;                       /* no new layer (diff_dir unused): a config-only step */
};
int hull_image_commit(struct hull_image_store *s, const struct hull_commit_options *o, struct hull_image **out,
		      struct hull_error **err);

/* hull_image_build_default: the offline image. Builds a one-layer image
 * from Debian's busybox-static (busybox_path, NULL: /bin/busybox): every
 * applet linked in /bin, /etc/passwd (root, nobody), /etc/group, /tmp
 * 1777, Cmd ["sh"]; tags it `name` (NULL: docker.io/library/busybox:latest,
 * so `hull run busybox` works offline). Idempotent: the same busybox gives
 * the same image id. */
int hull_image_build_default(struct hull_image_store *s, const char *busybox_path, const char *name,
			     struct hull_image **out, struct hull_error **err);

/* hull_image_tag: add name `target` to the image `src` resolves to. */
int hull_image_tag(struct hull_image_store *s, const char *src, const char *target, struct hull_error **err);

/* hull_image_remove: docker rmi. A name removes that name (and the image
 * when it was the last); an id removes the image and every name (refused
 * when it has several names and !force). Refused while a container uses the
 * image unless force (then only names go). *removed gets lines "Untagged:
 * X" / "Deleted: ID" (NULL-terminated, caller frees). Unreferenced layers
 * and blobs are collected afterwards. */
int hull_image_remove(struct hull_image_store *s, const char *ref_or_id, bool force, char ***removed,
		      struct hull_error **err);

/* hull_image_prune: remove dangling images (no name, and not an
 * intermediate image of a build whose result is named or used: one whose
 * history such an image's begins with, as docker keeps parents), or every
 * image not in use when all; then gc. With until (docker's `--filter until=`), only
 * images created before it go: created is the config's "created" (RFC 3339),
 * else the time the image entered the store. *removed as above; *freed
 * bytes reclaimed. */
int hull_image_prune(struct hull_image_store *s, bool all, const struct timespec *until, char ***removed,
		     long long *freed, struct hull_error **err);

/* hull_image_gc: delete blobs, layers, stale temp files and partial
 * downloads that no image references. *freed (may be NULL) gets bytes. */
int hull_image_gc(struct hull_image_store *s, long long *freed, struct hull_error **err);

/* Archive formats for save/load. */
enum hull_archive_format {
	HULL_ARCHIVE_DOCKER,  /* docker-archive tar: manifest.json + OCI layout (docker >= 25 writes both) */
	HULL_ARCHIVE_OCI,     /* oci-archive tar: oci-layout + index.json + blobs/ */
	HULL_ARCHIVE_OCI_DIR, /* an OCI layout directory */
};

/* hull_image_save: write images (refs or ids) to path ("-" = stdout for
 * the tar formats), atomically (temp name + rename). */
int hull_image_save(struct hull_image_store *s, char *const *refs, const char *path, enum hull_archive_format fmt,
		    struct hull_error **err);

/* hull_image_load: read a docker-archive, OCI archive or OCI layout
 * directory (detected), verify every blob, store the images and their
 * names. *loaded gets "Loaded image: NAME" / "Loaded image ID: ID" lines. */
int hull_image_load(struct hull_image_store *s, const char *path, char ***loaded, struct hull_error **err);

/* hull_registry_login: check user/password against the registry (via its
 * /v2/ endpoint and token service) and store them in the credentials file
 * (o->auth_file or data_root/auth.json, mode 0600). */
int hull_registry_login(struct hull_image_store *s, const char *registry, const char *user, const char *password,
			const struct hull_registry_options *o, struct hull_error **err);

/* hull_registry_logout: forget the stored credentials of registry;
 * ENOENT when there were none. */
int hull_registry_logout(struct hull_image_store *s, const char *registry, const struct hull_registry_options *o,
			 struct hull_error **err);

#endif
