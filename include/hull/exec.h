/* hull/exec.h - run another process in a running container (runc exec).
 *
 * The new process joins every namespace of the container's init and its
 * cgroup, and gets the container's seccomp filter, its own capabilities,
 * user, cwd, env and rlimits, like runc's setns init does.
 * Reference: runc-exec(8); OCI runtime-spec config.md#process.
 */
#ifndef HULL_EXEC_H
#define HULL_EXEC_H

#include <stdbool.h>

#include "hull/ctx.h"
#include "hull/error.h"
#include "hull/oci.h"

struct hull_exec_opts {
	const struct hull_oci_process *process; /* what to run (borrowed) */
	const char *console_socket; /* with process->terminal: send the pty master there */
	const char *pid_file;       /* write the process' host pid here (atomically) */
	bool detach;                /* return once it runs; else wait for it */
	int preserve_fds;           /* pass fds 3 .. 3+N-1 through */
	bool ignore_paused;         /* allow exec into a paused container (runc --ignore-paused) */
	char **sub_cgroups;         /* runc exec --cgroup: "PATH" or "CTRL[,CTRL]:PATH" below the
				     * container's cgroup; NULL = the container's cgroup itself */
};

/* hull_runtime_exec: start opts->process in container id (created or
 * running; paused and stopped are refused with the status named). With
 * detach, returns once the process has exec'd (*exit_status = 0). Otherwise
 * waits (proxying the terminal when process.terminal is set and no console
 * socket was given) and stores its exit status (128+signal when killed). */
int hull_runtime_exec(struct hull_ctx *ctx, const char *id, const struct hull_exec_opts *opts, int *exit_status,
		      struct hull_error **err);

/* hull_exec_process: build the process of `exec` from the container's
 * config.json process the way runc does: args replace, env is appended,
 * cwd/user/additional gids/terminal/noNewPrivileges/apparmorProfile/
 * selinuxLabel replace when given, caps are added to every set. A field
 * that is NULL/0 is not overridden. The caller frees the result with
 * hull_oci_process_free. */
struct hull_exec_overrides {
	char **args;          /* NULL-terminated, required */
	char **env;           /* appended */
	const char *cwd;
	const char *user;     /* "UID[:GID]" */
	char **additional_gids; /* numbers as strings */
	char **caps;          /* "CAP_X" names added */
	bool tty;
	bool no_new_privs;
	const char *apparmor_profile; /* --apparmor: replaces process.apparmorProfile, or NULL */
	const char *selinux_label;    /* --process-label: replaces process.selinuxLabel, or NULL */
};
struct hull_oci_process *hull_exec_process(const struct hull_oci_config *cfg, const struct hull_exec_overrides *o,
					   struct hull_error **err);

#endif
