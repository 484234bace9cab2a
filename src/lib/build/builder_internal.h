/* builder_internal.h - the build room's private interface between its files. */
#ifndef HULL_BUILD_INTERNAL_H
#define HULL_BUILD_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hull/build.h"
#include "hull/container_store.h"
#include "hull/image.h"

/* One FROM ... up to the next FROM. */
struct stage {
	size_t index;	   /* position among the stages */
	char *name;	   /* `AS name`, lower case, or NULL */
	size_t first, end; /* its instructions: [first, end), first is the FROM */
	bool needed;	   /* --target needs it */
	char *image_id;	   /* the image its steps have made so far (NULL: scratch, nothing yet) */
	json_t *config;	   /* the run config being made (image-spec config.md "config") */
	json_t *args;	   /* ARGs in scope: name -> value string or null */
	bool cmd_set;	   /* a CMD in this stage: ENTRYPOINT keeps it */
	char *author;	   /* MAINTAINER: the image's author */
};

struct build {
	struct hull_ctx *ctx;
	struct hull_image_store *store;
	const struct hull_build_options *o;
	struct hull_dockerfile *df;
	struct stage *stages;
	size_t n_stages;
	json_t *meta_args;  /* ARGs before the first FROM: name -> value or null */
	json_t *build_args; /* --build-arg: name -> value */
	json_t *used_args;  /* names of build args some ARG declared */
	char *context;	    /* the context directory */
	int context_fd;	    /* O_PATH of it */
	struct hull_ignore *ignore;
	char *dockerfile_rel; /* the Dockerfile's path within the context, or NULL */
	int step, steps;      /* "Step N/M" */
	char *cache_dir;      /* data_root/build-cache */
};

/* build_scan: with --scan, scan image id and fail (ECHILD, the findings
 * listed) when a finding reaches the threshold (scan.c). */
int build_scan(struct build *b, const char *id, struct hull_error **err);

/* say: one line of progress (printf-style; the newline is added). */
void build_say(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* build_lookup: the lookup of expansion in stage st: its config's Env
 * first, then the ARGs in scope (docker's order). data is the stage. */
const char *build_lookup(void *data, const char *name);

/* build_expand: expand word in st (err names the instruction). */
int build_expand(struct build *b, struct stage *st, const char *word, char **out, struct hull_error **err);

/* build_commit: a new image over st->image_id: a layer from diff_dir
 * (NULL: an empty_layer step) with st->config and history created_by;
 * st->image_id becomes it. */
int build_commit(struct build *b, struct stage *st, const char *diff_dir, const char *created_by,
		 struct hull_error **err);

/* ---- cache.c ---- */

/* cache_key: the key of a step: parent image id, the step's created_by
 * (the instruction with its expanded arguments), extra (content digests,
 * the config the step makes). *key: sha256 hex (65 bytes). */
void cache_key(const char *parent, const char *created_by, const char *extra, char key[65]);

/* cache_get: the image a previous build made for key, still in the store:
 * malloc'd id, or NULL. */
char *cache_get(struct build *b, const char *key);

/* cache_put: remember key -> image id (failures only lose the cache). */
void cache_put(struct build *b, const char *key, const char *image_id);

/* cache_try: with the cache on, a hit sets st->image_id, prints docker's
 * " ---> Using cache" and returns true. */
bool cache_try(struct build *b, struct stage *st, const char *key);

/* ---- dispatch.c: the instructions that change only the config ---- */

/* dispatch_config: ENV, LABEL, CMD, ENTRYPOINT, EXPOSE, VOLUME, USER,
 * STOPSIGNAL, SHELL, HEALTHCHECK, ONBUILD, ARG, MAINTAINER: update
 * st->config (or st->args) and commit an empty layer (or take it from the
 * cache). */
int dispatch_config(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err);

/* build_shell: the stage's SHELL (or ["/bin/sh","-c"]) as a new strv. */
char **build_shell(struct stage *st);

/* go_quote_list: docker's %q of a string slice: ["a" "b c"] (malloc'd). */
char *go_quote_list(char *const *v);

/* ---- run.c ---- */

/* step_run: RUN in a container of the engine over st->image_id, its
 * changes committed as a layer. */
int step_run(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err);

/* ---- run_mount.c: RUN --mount=type=cache|bind|secret ---- */

struct run_mounts {
	char **specs;	/* the engine's --mount strings, NULL-ended */
	char **targets; /* their container paths, cleaned */
	size_t n;
	char *key;  /* what the mounts add to the step's cache key */
	int *locks; /* flocks held on cache directories until release */
	size_t n_locks;
	char **tmp;	/* files and directories to remove at release */
	char **mounted; /* from= roots mounted here, unmounted at release */
};

/* run_mounts_setup: the RUN's --mount flags (others refused) made ready:
 * cache directories created and locked, secrets copied, from= roots
 * mounted. On failure the caller still calls run_mounts_release. */
int run_mounts_setup(struct build *b, struct stage *st, const struct hull_instruction *in, struct run_mounts *rm,
		     struct hull_error **err);
void run_mounts_release(struct run_mounts *rm);

/* run_mounts_clean_upper: remove from the RUN's upper directory the mount
 * points the engine made (and their empty parents) that the parent image
 * did not have. */
int run_mounts_clean_upper(struct build *b, const char *parent, const struct run_mounts *rm, const char *upper,
			   struct hull_error **err);

/* stage_named: the stage a name (or index) refers to, before `before`;
 * -1 when none (builder.c). */
long stage_named(struct build *b, const char *name, size_t before);

/* ---- copy.c ---- */

/* step_copy: COPY and ADD (add: local archives unpack), and WORKDIR's
 * directory (in->keyword "WORKDIR"). */
int step_copy(struct build *b, struct stage *st, const struct hull_instruction *in, bool add, struct hull_error **err);
int step_workdir(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err);

/* ---- sources.c: what a COPY or ADD reads ---- */

struct copy_job;
struct stat;

/* copy_emit: one entry for dst (absolute, in the image): a directory (fd
 * of it), a regular file (fd readable at offset 0) or a symlink (link). */
typedef int (*copy_emit)(struct copy_job *j, const char *dst, const struct stat *st, int fd, const char *link,
			 struct hull_error **err);

struct copy_job {
	struct build *b;
	struct stage *st;
	const struct hull_instruction *in;
	bool add;	/* ADD: local archives unpack */
	char **sources; /* expanded source words */
	char *dest;	/* absolute; a trailing '/' kept */
	bool dest_dir;	/* dest names a directory */
	char *chown;	/* --chown, expanded, or NULL */
	bool has_chmod;
	mode_t chmod;	  /* --chmod */
	char *from_image; /* --from: that image's id; NULL: the context */
	struct hull_container *target, *from;
	char *scratch_dir; /* the diff directory when the image has no layer to mount */
	int src_root, dst_root;
	uid_t uid;
	gid_t gid;
	struct hull_sha256 *hash; /* the hashing pass */
	size_t top_files, top_dirs;
	bool hashing;
};

/* sources_each: for every source of j (globs matched against src_root,
 * .dockerignore'd entries left out when from the context, heredocs as
 * files), call emit for every entry it copies, directories before what they
 * hold, names sorted. dst_exists_dir (may be NULL) says whether a path is a
 * directory in the image (a file source then goes into it). Archives of
 * ADD go to unpack instead (NULL: treated as files). */
int sources_each(struct copy_job *j, copy_emit emit, bool (*dst_exists_dir)(struct copy_job *j, const char *path),
		 int (*unpack)(struct copy_job *j, int fd, const char *dir, struct hull_error **err),
		 struct hull_error **err);

/* sources_digest: the digest of what j reads from the context ("file:",
 * "dir:" or "multi:" and hex, as docker's history shows it); malloc'd. */
char *sources_digest(struct copy_job *j, struct hull_error **err);

/* ---- container.c ---- */

struct hull_container;

/* build_container: a container (not started) of the engine over image_id,
 * with --network none: the overlay a COPY or WORKDIR writes into. */
struct hull_container *build_container(struct build *b, const char *image_id, struct hull_error **err);

/* build_container_remove: remove c and its volumes; never fails. */
void build_container_remove(struct build *b, struct hull_container *c);

/* build_in_child: run fn(data, err) in a child process (its own mount
 * namespace when it mounts anything); its error comes back here. */
int build_in_child(int (*fn)(void *data, struct hull_error **err), void *data, struct hull_error **err);

#endif
