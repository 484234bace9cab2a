/* cp_internal.h - the source and sink ends of `hull cp` (cp_tree.c). */
#ifndef HULL_ENGINE_CP_INTERNAL_H
#define HULL_ENGINE_CP_INTERNAL_H

#include <stdbool.h>
#include <sys/stat.h>

#include "hull/error.h"

struct archive;

/* One entry to copy: its path relative to the sink's base, and its data
 * from fd (a walked tree) or ar (a tar being read). */
struct cp_entry {
	const char *name;     /* relative, '/'-separated */
	struct stat st;       /* type, mode, owner, times, rdev */
	const char *link;     /* a symlink's target */
	const char *hardlink; /* a tar's hard link target (relative to base) */
	int fd;               /* a regular file's data, or -1 */
	struct archive *ar;   /* or the tar to read it from */
};

enum cp_owner {
	CP_OWN_NONE,   /* leave what we make owned by us (docker cp to the host) */
	CP_OWN_FIXED,  /* uid/gid below (root in the container: docker cp into it) */
	CP_OWN_SOURCE, /* the source's ids (-a) */
};

/* Where entries go: a tar writer, or entries made under base resolved
 * inside root (hull_open_in_root), never outside it. */
struct cp_sink {
	struct archive *tar; /* a tar writer, or NULL for a directory */
	int root;            /* directory sink: the root fd paths resolve in */
	const char *base;    /* the directory under root entries go into */
	enum cp_owner owner;
	bool host; /* a host directory: no device, FIFO, socket, setuid or setgid */
	void (*skipped)(void *data, const char *name, const char *kind); /* told of each one left out */
	void *skipped_data;
	uid_t uid;
	gid_t gid;
	unsigned long long copied; /* bytes of file data put so far */
	struct cp_link *links;     /* files with several links walked so far */
	size_t n_links;
};

/* A walked file with st_nlink > 1: its later names become hard links to
 * the first, as in a tar (and as docker cp keeps them). */
struct cp_link {
	dev_t dev;
	ino_t ino;
	char *name;
};

/* cp_sink_put: write one entry (a directory before its children). */
int cp_sink_put(struct cp_sink *s, const struct cp_entry *e, struct hull_error **err);

/* cp_walk: put the tree at the O_PATH fd `fd` into s, named `name`, its
 * children `name/...`; with `contents`, only the children (a source ending
 * in "/."), named without the prefix. No symlink below fd is followed. */
int cp_walk(int fd, const char *name, bool contents, struct cp_sink *s, struct hull_error **err);

/* cp_read_tar: put every entry of the tar (any compression) read from in. */
int cp_read_tar(int in, struct cp_sink *s, struct hull_error **err);

#endif
