/* unpack_pool.h - worker threads that create small regular files for the
 * unpacker (private). Creating a file costs far more kernel time than
 * reading it from the tar; a few threads do it in parallel while the
 * reader decompresses. Paths were resolved safely by the reader: a job
 * holds its parent's O_PATH fd and a single name component. */
#ifndef HULL_IMAGE_UNPACK_POOL_H
#define HULL_IMAGE_UNPACK_POOL_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "hull/ctx.h"
#include "hull/error.h"

struct job_xattr {
	char *name;
	void *value;
	size_t size;
};

struct file_job {
	struct file_job *next;
	struct hull_ctx *ctx;
	int dfd;     /* owned: the parent directory (O_PATH) */
	char *name;  /* one component */
	char *entry; /* the tar member name, for messages */
	char *data;
	size_t size;
	mode_t perm;
	uid_t uid;
	gid_t gid;
	bool chown, chmod; /* needed: owner differs / umask trimmed or set-id bits */
	bool chown_errors_ok; /* rootless: an unmapped id leaves the file root's (EINVAL/EPERM) */
	struct timespec times[2];
	struct job_xattr *xattrs;
	size_t n_xattrs;
};
void file_job_free(struct file_job *j);

/* file_job_run: create (O_EXCL|O_NOFOLLOW) and fill the file. Returns
 * -EEXIST without an error object when something is already there. */
int file_job_run(struct file_job *j, struct hull_error **err);

struct unpack_pool;

/* unpack_pool_new: n worker threads (none started: NULL). */
struct unpack_pool *unpack_pool_new(int n);

/* unpack_pool_submit: queue a job (ownership moves); blocks while the
 * queue is full. Fails when a job already failed (the first error). */
int unpack_pool_submit(struct unpack_pool *p, struct file_job *j, struct hull_error **err);

/* unpack_pool_drain: wait until every queued job ran. Returns the first
 * failure; *conflicts gets the jobs that found their name taken (to be
 * redone by the caller after clearing the slot), in submission order. */
int unpack_pool_drain(struct unpack_pool *p, struct file_job **conflicts, struct hull_error **err);

/* unpack_pool_free: drain, stop and join the workers. */
void unpack_pool_free(struct unpack_pool *p);

#endif
