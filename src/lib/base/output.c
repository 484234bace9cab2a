/* output.c - open, commit or discard a command's output file (see
 * include/hull/output.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/output.h"

static void release(struct hull_output *o)
{
	if (o->owned && o->fd >= 0)
		close(o->fd);
	free(o->tmp);
	free(o->target);
	*o = (struct hull_output)HULL_OUTPUT_INIT;
}

static mode_t current_umask(void)
{
	mode_t u = umask(022);
	umask(u);
	return u;
}

/* A new file beside target, with a name nobody can have planted (O_EXCL:
 * a symlink at a guessable temp name in a shared directory is not
 * followed). */
static int open_temp(struct hull_output *o, const char *path, mode_t mode, struct hull_error **err)
{
	o->tmp = hull_strdup_printf("%s.tmp.XXXXXX", o->target);
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		int r = hull_error_set(err, errno, "create a temp file beside `%s`", path);
		free(o->tmp);
		o->tmp = NULL;
		return r;
	}
	o->owned = true;
	if (fchmod(o->fd, mode & ~current_umask()) < 0) {
		int r = hull_error_set(err, errno, "chmod `%s`", o->tmp);
		hull_output_discard(o);
		return r;
	}
	return 0;
}

int hull_output_open(struct hull_output *o, const char *path, mode_t mode, struct hull_error **err)
{
	*o = (struct hull_output)HULL_OUTPUT_INIT;
	if (!strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	struct stat st, lst;
	bool exists = stat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode))
		return hull_error_msg(err, EISDIR, "`%s` is a directory: give a file name", path);
	if (exists && !S_ISREG(st.st_mode)) {
		/* a device, a FIFO, /dev/stdout: written into, never replaced */
		o->fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (o->fd < 0)
			return hull_error_set(err, errno, "open `%s`", path);
		o->owned = true;
		o->target = hull_xstrdup(path);
		return 0;
	}
	char resolved[PATH_MAX];
	if (exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && realpath(path, resolved))
		o->target = hull_xstrdup(resolved); /* the file the link names is replaced, the link stays */
	else
		o->target = hull_xstrdup(path);
	int r = open_temp(o, path, mode, err);
	if (r < 0)
		release(o);
	return r;
}

int hull_output_commit(struct hull_output *o, struct hull_error **err)
{
	int r = 0;
	if (o->tmp) {
		if (fsync(o->fd) < 0)
			r = hull_error_set(err, errno, "fsync `%s`", o->tmp);
		if (close(o->fd) < 0 && r == 0)
			r = hull_error_set(err, errno, "write `%s`", o->tmp);
		o->fd = -1;
		if (r == 0 && rename(o->tmp, o->target) < 0)
			r = hull_error_set(err, errno, "rename `%s` to `%s`", o->tmp, o->target);
		if (r < 0)
			unlink(o->tmp);
	} else if (o->owned) {
		if (close(o->fd) < 0)
			r = hull_error_set(err, errno, "write `%s`", o->target);
		o->fd = -1;
	}
	release(o);
	return r;
}

void hull_output_discard(struct hull_output *o)
{
	if (o->tmp) {
		if (o->fd >= 0)
			close(o->fd);
		o->fd = -1;
		unlink(o->tmp);
	}
	release(o);
}
