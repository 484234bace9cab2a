/* hull/cp.h - docker cp: copying between a container and the host, and tar into a tree. */
#ifndef HULL_CP_H
#define HULL_CP_H

#include <stdbool.h>

#include "hull/error.h"

struct hull_container;

/* docker cp's destination, as found before copying. */
enum hull_cp_dest {
	HULL_CP_DEST_MISSING,
	HULL_CP_DEST_FILE,
	HULL_CP_DEST_DIR,
};

/* hull_cp_plan: docker cp's path rules. A source file goes into an
 * existing directory under its own name, else replaces or becomes dst (a
 * missing dst ending in '/' is an error); a directory source goes into an
 * existing directory under its own name, or only its contents when src
 * ends in "/.", or becomes a missing dst; onto a file it is an error.
 * *dir (malloc'd) is the directory the copy goes into, *name (malloc'd)
 * the name the top entry takes there, NULL when only contents go. */
int hull_cp_plan(const char *src, bool src_is_dir, const char *dst, enum hull_cp_dest dst_kind, char **dir,
		 char **name, struct hull_error **err);

struct hull_cp_opts {
	bool archive;              /* -a: keep the source's uid/gid */
	bool follow_link;          /* -L: follow a symlink that SRC itself is */
	unsigned long long copied; /* out: bytes of file data copied */
	/* called for each device node, FIFO or socket of the container that a
	 * copy to a host directory leaves out (name: its path in the
	 * container; kind: "a block device"...); may be NULL */
	void (*skipped)(void *data, const char *name, const char *kind);
	void *skipped_data;
};

/* hull_engine_cp_from: copy `src` of container c (running or not) to the
 * host path dst by hull_cp_plan's rules, or, when dst is NULL, write it as
 * a tar to out_fd. Container paths resolve inside its root only. Files
 * made on the host belong to the caller unless opts->archive; none is
 * setuid or setgid, and device nodes, FIFOs and sockets are left out
 * (opts->skipped is told; a src that is one fails with ENODEV): only the
 * tar keeps them. A dst that is a symlink is followed, as docker does; one
 * that exists and is a character device or a FIFO (/dev/null, a pipe) gets
 * a regular file's data written into it. May move the calling process into
 * a private mount namespace (stopped c). */
int hull_engine_cp_from(struct hull_container *c, const char *src, const char *dst, int out_fd,
			struct hull_cp_opts *opts, struct hull_error **err);

/* hull_engine_cp_to: copy host path src into container c at dst by
 * hull_cp_plan's rules, or, when src is NULL, extract the tar read from
 * in_fd into the container directory dst. Every path written is resolved
 * inside the container's root (a symlink there to / or /etc stays in the
 * container); entries belong to the container's root unless
 * opts->archive. May move the caller into a private mount namespace. */
int hull_engine_cp_to(struct hull_container *c, const char *src, int in_fd, const char *dst,
		      struct hull_cp_opts *opts, struct hull_error **err);

/* hull_engine_root_private: for a process that writes into a stopped
 * container and then exits (the build's COPY, ADD and WORKDIR): move the
 * caller into a private mount namespace, mount the container's overlay
 * there (no volumes) and return an O_PATH fd of its root, or -errno. The
 * mount goes with the namespace, when the process ends. */
int hull_engine_root_private(const struct hull_container *c, struct hull_error **err);

/* hull_engine_tar_into: extract the tar (any compression) read from in_fd
 * under directory dir of the tree at root (an O_PATH fd; every path is
 * resolved inside it), keeping the tar's owners, modes and times; with
 * host, device nodes, FIFOs, sockets and setuid/setgid bits are left out. */
int hull_engine_tar_into(int root, const char *dir, int in_fd, bool host, struct hull_error **err);

#endif
