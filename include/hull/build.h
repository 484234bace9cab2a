/* hull/build.h - docker build: images from a Dockerfile and a context.
 *
 * The room (src/lib/build/) has four parts, each usable alone:
 *   parser.c       Dockerfile text -> instructions (directives, continuations,
 *                  comments, heredocs, flags, JSON forms)
 *   expand.c       docker's word expansion ($VAR, ${VAR:-x}, ${VAR:+x}, quotes)
 *   dockerignore.c .dockerignore patterns and matching
 *   builder.c      the steps: each RUN runs in an engine container, each
 *                  COPY/ADD writes into one, and the overlay's upper directory
 *                  becomes the step's layer (hull_image_commit); config-only
 *                  steps commit an empty layer; every step's image is cached
 *                  under data_root/build-cache (docs/build.md).
 * The library never prints: progress goes through a callback.
 */
#ifndef HULL_BUILD_H
#define HULL_BUILD_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "hull/ctx.h"
#include "hull/error.h"

/* ---------------------------------------------------------------- parser -- */

/* A heredoc of a RUN, COPY or ADD (<<EOF ... EOF). */
struct hull_heredoc {
	char *name;  /* the delimiter word, unquoted */
	char *body;  /* the lines between, each with its newline */
	bool expand; /* unquoted delimiter: the body is subject to expansion */
};

/* One instruction, continuation lines joined. */
struct hull_instruction {
	char *keyword; /* upper case: "RUN" */
	char *text;    /* the instruction as written, continuations joined (for messages) */
	char *args;    /* after the keyword and its flags, trimmed */
	char **flags;  /* leading "--name=value" words, NULL-ended (never NULL) */
	bool json;     /* args is a JSON array of strings (exec form): argv */
	char **argv;   /* the array when json, else NULL */
	struct hull_heredoc *heredocs;
	size_t n_heredocs;
	int line; /* 1-based line of the keyword */
};

struct hull_dockerfile {
	struct hull_instruction *instrs;
	size_t n;
	char escape;  /* '\\' or '`' (the escape directive) */
	char **notes; /* what the parser ignored and a user may want to know, NULL-ended */
};

/* hull_dockerfile_parse: parse text (len bytes, NUL not needed) as docker's
 * reference defines a Dockerfile: parser directives (escape; syntax noted
 * and ignored), comments, line continuations, heredocs for RUN/COPY/ADD.
 * Keywords are checked: an unknown one fails with EINVAL, "dockerfile parse
 * error line N: unknown instruction: X". *out is owned by the caller. */
int hull_dockerfile_parse(const char *text, size_t len, struct hull_dockerfile **out, struct hull_error **err);
void hull_dockerfile_free(struct hull_dockerfile *df);
static inline void hull_dockerfile_freep(struct hull_dockerfile **df)
{
	hull_dockerfile_free(*df);
	*df = NULL;
}

/* hull_dockerfile_words: split s at unquoted, unescaped whitespace, keeping
 * quotes and escapes in the words (docker's parseWords, for ENV/LABEL/ARG
 * name=value lists). Malloc'd NULL-ended strv. */
char **hull_dockerfile_words(const char *s, char escape);

/* -------------------------------------------------------------- expansion -- */

/* Variable lookup: the value of name (borrowed) or NULL when unset. */
typedef const char *(*hull_build_lookup)(void *data, const char *name);

/* hull_build_expand: docker's ProcessWord: $NAME, ${NAME}, ${NAME:-word},
 * ${NAME-word}, ${NAME:+word}, ${NAME+word}, ${NAME:?msg}; single quotes
 * keep text literal, double quotes group and still expand; the escape
 * character escapes the next one (inside double quotes only before `"`,
 * `$` and itself). Quotes are removed. *out malloc'd; EINVAL names a bad
 * substitution ("missing '}'") or a ${NAME:?msg} whose NAME is unset. */
int hull_build_expand(const char *word, char escape, hull_build_lookup lookup, void *data, char **out,
		      struct hull_error **err);

/* hull_build_expand_words: docker's ProcessWords: expand, then split the
 * result at unquoted whitespace (EXPOSE $PORTS gives several ports). */
int hull_build_expand_words(const char *text, char escape, hull_build_lookup lookup, void *data, char ***out,
			    struct hull_error **err);

/* ---------------------------------------------------------- .dockerignore -- */

struct hull_ignore; /* compiled patterns */

/* hull_ignore_parse: .dockerignore text: one pattern a line, `#` comments,
 * `!` exceptions, paths cleaned and made relative; `*` `?` `[...]` within
 * a path element, `**` across any number of them. NULL text: empty. */
int hull_ignore_parse(const char *text, size_t len, struct hull_ignore **out, struct hull_error **err);
void hull_ignore_free(struct hull_ignore *ig);
static inline void hull_ignore_freep(struct hull_ignore **ig)
{
	hull_ignore_free(*ig);
	*ig = NULL;
}

/* hull_ignore_match: is path (relative to the context, '/'-separated) left
 * out? The last pattern that matches the path or one of its parent
 * directories decides, as docker's PatternMatcher. */
bool hull_ignore_match(const struct hull_ignore *ig, const char *path);

/* hull_ignore_has_exceptions: some pattern starts with `!` (an excluded
 * directory must then still be walked). */
bool hull_ignore_has_exceptions(const struct hull_ignore *ig);

/* ------------------------------------------------------------ RUN --mount -- */

/* One RUN --mount=... (BuildKit's options; type cache, bind or secret). */
struct hull_build_mount {
	char *type;	     /* "cache", "bind" (the default) or "secret" */
	char *target;	     /* as written; a secret's defaults to /run/secrets/ID */
	char *source, *from; /* bind: a path in the context, or in the root of stage/image `from` */
	char *id, *sharing;  /* cache: id (NULL: the target), sharing shared|private|locked */
	bool rw, required;   /* bind: rw (writes go to a dropped copy); secret: required */
	long mode, uid, gid; /* cache and secret: -1 when not given */
};

/* hull_build_mount_parse: the text after `--mount=`: comma-separated
 * key=value (target/dst/destination, source/src, from, id, sharing, type,
 * mode (octal), uid, gid) and flags (rw/readwrite, ro/readonly, required).
 * EINVAL names an unknown key, a missing value or target, an unsupported
 * type or sharing. *m is cleared with hull_build_mount_clear, also on
 * failure. */
int hull_build_mount_parse(const char *spec, struct hull_build_mount *m, struct hull_error **err);
void hull_build_mount_clear(struct hull_build_mount *m);

/* ---------------------------------------------------------------- builder -- */

struct hull_image_store;

struct hull_build_options {
	const char *context;	/* a directory (a tar from stdin is extracted to one first) */
	const char *dockerfile; /* path; NULL: CONTEXT/Dockerfile */
	char **tags;		/* -t, NULL-ended, may be NULL */
	char **build_args;	/* --build-arg K=V or K (from our environment) */
	char **labels;		/* --label K=V: a LABEL step at the end, as docker's */
	const char *target;	/* --target STAGE */
	char **secrets;		/* --secret id=X,src=FILE: for RUN --mount=type=secret,id=X */
	const char *network;	/* RUN containers' --network; NULL: the engine's default */
	bool no_cache;
	/* --scan SEVERITY: the image is scanned before it is tagged (as `hull
	 * scan`: vulnerabilities and the configuration audit); a finding at or
	 * above scan_severity (an enum hull_scan_severity) fails the build */
	bool scan;
	int scan_severity;
	const char *scan_db; /* the vulnerability database; NULL: hull scan's default */
	bool quiet;	     /* RUN output is dropped */
	/* set (by a signal handler) to stop: the running step's container is
	 * killed and the build fails with EINTR; may be NULL */
	volatile sig_atomic_t *interrupted;
	/* progress: each line of docker's classic output (with its newline) */
	void (*say)(void *data, const char *line);
	void *data;
};

/* hull_build: run the Dockerfile's steps over the context; *image_id
 * (malloc'd "sha256:...") gets the target stage's image, tagged with
 * every tag. On failure every container made is removed and no mount
 * stays; the error names the Dockerfile line and instruction (a RUN that
 * fails: docker's "The command '...' returned a non-zero code: N", code
 * ECHILD). Run-time warnings (unused build args) go through say. */
int hull_build(struct hull_ctx *ctx, struct hull_image_store *store, const struct hull_build_options *o,
	       char **image_id, struct hull_error **err);

/* hull_build_extract_context: extract the tar read from fd (a build context
 * as `docker build -` takes it) into a new directory under data_root;
 * *dir (malloc'd) names it, for the caller to remove (hull_rm_rf). */
int hull_build_extract_context(struct hull_ctx *ctx, int fd, char **dir, struct hull_error **err);

#endif
