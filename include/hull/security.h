/* hull/security.h - what a container's process may do: capabilities,
 * seccomp, and the OCI hooks run around its life.
 *
 * Reference: OCI runtime-spec 1.1 config.md#linux-process (capabilities),
 * config-linux.md#seccomp, config.md#posix-platform-hooks.
 * Only src/lib/runtime/seccomp.c includes seccomp.h; callers see
 * plain C and jansson here.
 */
#ifndef HULL_SECURITY_H
#define HULL_SECURITY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hull/error.h"

/* process.capabilities as bit masks (bit n = capability n). */
struct hull_caps {
	bool present;          /* process.capabilities was given */
	uint64_t bounding, effective, inheritable, permitted, ambient;
};

/* hull_caps_parse: read process.capabilities (NULL = absent: present stays
 * false and nothing is changed later). Names are "CAP_SYS_ADMIN" style;
 * a name libcap knows but this kernel lacks is dropped silently (clients send
 * their newest list); an unknown name is an error naming the field:
 * `config.json: process.capabilities.bounding[2]: unknown capability "CAP_FOO"`.
 * `where` is the file name, `prefix` the dotted path of the object. */
int hull_caps_parse(json_t *caps, const char *where, const char *prefix, struct hull_caps *out,
		    struct hull_error **err);

/* hull_caps_parse_names: add names (NULL-terminated, "CAP_X" or "X") to
 * every set (exec --cap). */
int hull_caps_add_names(struct hull_caps *caps, char *const *names, struct hull_error **err);

/* hull_caps_drop_bounding: drop from the bounding set what caps->bounding
 * lacks, and set PR_SET_KEEPCAPS so that permitted survives a change of uid.
 * Call before switching to the container's user (needs CAP_SETPCAP). */
int hull_caps_drop_bounding(const struct hull_caps *caps, struct hull_error **err);

/* hull_caps_apply: after the user switch: set effective, permitted and
 * inheritable with capset(2), then raise the ambient set. Clears
 * PR_SET_KEEPCAPS. */
int hull_caps_apply(const struct hull_caps *caps, struct hull_error **err);

/* hull_caps_name: "CAP_SYS_ADMIN" for 21 into buf ("?" if unknown). */
void hull_caps_name(int cap, char *buf, size_t len);

/* hull_seccomp_load: build the filter linux.seccomp describes with
 * libseccomp (every action, architectures, argument conditions, flags) and
 * load it into the calling process. When the profile uses SCMP_ACT_NOTIFY,
 * *notify_fd gets the listener fd (O_CLOEXEC), else -1. seccomp NULL: no
 * filter. Call last before execve: afterwards the filter applies to the
 * runtime's own remaining syscalls too. */
int hull_seccomp_load(json_t *seccomp, int *notify_fd, struct hull_error **err);

/* A compiled seccomp filter (classic BPF and seccomp(2) flags), opaque. */
struct hull_seccomp_prog;

/* hull_seccomp_prepare: compile linux.seccomp ahead of the container's
 * init, for hull_seccomp_load_prepared. With cache_dir (a directory only
 * this uid can write; created 0700), the program is taken from or stored in
 * the cache there, keyed by the profile, libseccomp's version and the
 * native arch (seccomp_cache.c). *out stays NULL when there is nothing to
 * prepare: no profile, an SCMP_ACT_NOTIFY profile (its listener fd comes
 * from hull_seccomp_load), or a default action without the ENOSYS stub;
 * the caller then uses hull_seccomp_load. Profile errors are those of
 * hull_seccomp_load. Free *out with hull_seccomp_prog_free. */
int hull_seccomp_prepare(json_t *seccomp, const char *cache_dir, struct hull_seccomp_prog **out,
			 struct hull_error **err);

/* hull_seccomp_load_prepared: load a prepared filter into this thread
 * (the same filter and flags hull_seccomp_load would have loaded). */
int hull_seccomp_load_prepared(const struct hull_seccomp_prog *prog, struct hull_error **err);

/* hull_seccomp_prog_free: free a prepared filter (NULL is fine). */
void hull_seccomp_prog_free(struct hull_seccomp_prog *prog);
static inline void hull_seccomp_prog_freep(struct hull_seccomp_prog **prog)
{
	hull_seccomp_prog_free(*prog);
}

/* hull_seccomp_uses_notify: does the profile have an SCMP_ACT_NOTIFY rule? */
bool hull_seccomp_uses_notify(json_t *seccomp);

/* hull_seccomp_check: validate a profile without loading it (for create,
 * so that a bad profile fails before any process is made). */
int hull_seccomp_check(json_t *seccomp, struct hull_error **err);

/* hull_seccomp_send_listener: connect to linux.seccomp.listenerPath and
 * send the container process state (runtime-spec config-linux.md#the-
 * container-process-state: ociVersion, fds ["seccompFd"], pid, metadata,
 * state) with the notify fd attached by SCM_RIGHTS, as runc does. */
int hull_seccomp_send_listener(json_t *seccomp, int notify_fd, pid_t pid, json_t *state, struct hull_error **err);

/* hull_seccomp_features: what `features` reports for seccomp (runc's shape):
 * {"enabled", "actions", "operators", "archs"} plus the libseccomp version
 * in *version ("2.5.4"); the caller owns the object. */
json_t *hull_seccomp_features(char *version, size_t len);

/* hull_fd_send / hull_fd_recv: one message with one fd over an AF_UNIX
 * socket (SCM_RIGHTS). recv returns the fd (O_CLOEXEC) in *fd. */
int hull_fd_send(int sock, int fd, const void *data, size_t len, struct hull_error **err);
int hull_fd_recv(int sock, int *fd, void *data, size_t len, struct hull_error **err);

/* Hook kinds (config.md#posix-platform-hooks). */
enum hull_hook_kind {
	HULL_HOOK_PRESTART = 0,
	HULL_HOOK_CREATE_RUNTIME,
	HULL_HOOK_CREATE_CONTAINER,
	HULL_HOOK_START_CONTAINER,
	HULL_HOOK_POSTSTART,
	HULL_HOOK_POSTSTOP,
};

/* hull_hook_kind_name: "prestart", "createRuntime", ... */
const char *hull_hook_kind_name(enum hull_hook_kind kind);

/* hull_hooks_run: run every hook of `kind` in config.json's hooks object (NULL
 * or no such hooks: nothing to do), in order, each with the state JSON on
 * stdin, its args and env, and its timeout (seconds; killed with SIGKILL when
 * it expires). A hook that exits without reading stdin is fine. A hook
 * failing (non-zero exit, signal, timeout) stops the sequence; the error
 * names the kind, the index, the path, and carries the hook's stderr. */
int hull_hooks_run(json_t *hooks, enum hull_hook_kind kind, json_t *state, struct hull_error **err);

/* hull_hooks_run_all: as hull_hooks_run, but a failing hook does not stop
 * the others: its error message goes to warn(data, message) and the next
 * hook runs (config.md#poststart and #poststop: the runtime logs a warning
 * and the lifecycle goes on as if the hook had succeeded). Returns 0, or
 * -errno with *err only for a malformed hooks entry. */
int hull_hooks_run_all(json_t *hooks, enum hull_hook_kind kind, json_t *state, void (*warn)(void *, const char *),
		       void *data, struct hull_error **err);

/* hull_hooks_check: validate the hooks object (paths absolute, args/env
 * string arrays, timeout > 0). */
int hull_hooks_check(json_t *hooks, struct hull_error **err);

/* --- hooks of a container (container_hooks.c) --- */
struct hull_ctx;
struct hull_oci_config;

/* hull_hook_state: the state a hook reads on stdin (runtime.md#state):
 * ociVersion, id, status, pid (0 = left out), bundle, annotations. */
json_t *hull_hook_state(const struct hull_oci_config *cfg, const char *id, const char *bundle, const char *status,
			pid_t pid);

/* hull_hooks_needs_parent: does config.json have prestart, createRuntime,
 * createContainer or startContainer hooks (the init must ask its parent
 * for the state before running them)? */
bool hull_hooks_needs_state(const struct hull_oci_config *cfg);

/* hull_container_hooks_save: keep what poststart and poststop need (hooks,
 * bundle, annotations) in the state dir as hooks.json; nothing when the
 * config has neither. */
int hull_container_hooks_save(struct hull_ctx *ctx, const char *id, const struct hull_oci_config *cfg,
			      const char *bundle, struct hull_error **err);

/* hull_container_hooks_run: run the saved poststart or poststop hooks of
 * container id (none saved: nothing to do) with the given status and pid.
 * Every hook runs: one that fails is a warning on ctx's log (the spec's
 * "log a warning, continue as if the hook had succeeded"); an error is
 * returned only when hooks.json cannot be read or holds a malformed hook. */
int hull_container_hooks_run(struct hull_ctx *ctx, const char *id, enum hull_hook_kind kind, const char *status,
			     pid_t pid, struct hull_error **err);

#endif
