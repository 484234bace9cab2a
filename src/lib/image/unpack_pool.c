/* unpack_pool.c - parallel creation of small files for the unpacker. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "unpack_pool.h"

#define MAX_QUEUED 256
#define MAX_QUEUED_BYTES (32u << 20) /* file data held by queued jobs */
#define MAX_WORKERS 8

struct unpack_pool {
	pthread_mutex_t lock;
	pthread_cond_t work, space, idle;
	struct file_job *head, *tail;
	size_t queued, running;
	size_t queued_bytes;
	struct file_job *conflicts, *conflicts_tail;
	struct hull_error *error;
	int ret;
	bool stop;
	pthread_t threads[MAX_WORKERS];
	int n;
};

void file_job_free(struct file_job *j)
{
	if (!j)
		return;
	if (j->dfd >= 0)
		close(j->dfd);
	free(j->name);
	free(j->entry);
	free(j->data);
	for (size_t i = 0; i < j->n_xattrs; i++) {
		free(j->xattrs[i].name);
		free(j->xattrs[i].value);
	}
	free(j->xattrs);
	free(j);
}

static int fill(struct file_job *j, int fd, struct hull_error **err)
{
	for (size_t off = 0; off < j->size;) {
		ssize_t n = write(fd, j->data + off, j->size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_set(err, errno, "entry `%s`: write", j->entry);
		off += (size_t)n;
	}
	if (j->chown && fchown(fd, j->uid, j->gid) < 0 && !(j->chown_errors_ok && (errno == EINVAL || errno == EPERM)))
		return hull_error_set(err, errno, "entry `%s`: chown %u:%u", j->entry, j->uid, j->gid);
	if (j->chmod && fchmod(fd, j->perm) < 0)
		return hull_error_set(err, errno, "entry `%s`: chmod", j->entry);
	for (size_t i = 0; i < j->n_xattrs; i++) {
		if (fsetxattr(fd, j->xattrs[i].name, j->xattrs[i].value, j->xattrs[i].size, 0) == 0)
			continue;
		if (errno != ENOTSUP && errno != EPERM)
			return hull_error_set(err, errno, "entry `%s`: set xattr %s", j->entry, j->xattrs[i].name);
		hull_warn(j->ctx, "entry `%s`: xattr %s not kept: %s", j->entry, j->xattrs[i].name, strerror(errno));
	}
	if (futimens(fd, j->times) < 0)
		return hull_error_set(err, errno, "entry `%s`: set times", j->entry);
	return 0;
}

int file_job_run(struct file_job *j, struct hull_error **err)
{
	_cleanup_close_ int fd =
		openat(j->dfd, j->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, j->perm & 0777);
	if (fd < 0 && errno == EEXIST)
		return -EEXIST;
	if (fd < 0)
		return hull_error_set(err, errno, "entry `%s`: create", j->entry);
	return fill(j, fd, err);
}

static void *worker(void *opaque)
{
	struct unpack_pool *p = opaque;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->work, &p->lock);
		if (!p->head)
			break;
		struct file_job *j = p->head;
		p->head = j->next;
		if (!p->head)
			p->tail = NULL;
		j->next = NULL;
		p->queued--;
		p->queued_bytes -= j->size;
		p->running++;
		pthread_cond_signal(&p->space);
		bool skip = p->ret < 0;
		pthread_mutex_unlock(&p->lock);
		struct hull_error *e = NULL;
		int ret = skip ? 0 : file_job_run(j, &e);
		pthread_mutex_lock(&p->lock);
		p->running--;
		if (ret == -EEXIST) {
			/* Kept in order for the caller; a later job never depends on it
			 * (the caller drains before touching a path it dispatched). */
			if (p->conflicts_tail)
				p->conflicts_tail->next = j;
			else
				p->conflicts = j;
			p->conflicts_tail = j;
			j = NULL;
		} else if (ret < 0 && p->ret == 0) {
			p->ret = ret;
			p->error = e;
			e = NULL;
		}
		hull_error_free(e);
		file_job_free(j);
		if (!p->head && p->running == 0)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct unpack_pool *unpack_pool_new(int n)
{
	struct unpack_pool *p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->space, NULL);
	pthread_cond_init(&p->idle, NULL);
	for (int i = 0; i < n && i < MAX_WORKERS; i++)
		if (pthread_create(&p->threads[p->n], NULL, worker, p) == 0)
			p->n++;
	if (p->n == 0) {
		unpack_pool_free(p);
		return NULL;
	}
	return p;
}

int unpack_pool_submit(struct unpack_pool *p, struct file_job *j, struct hull_error **err)
{
	pthread_mutex_lock(&p->lock);
	while ((p->queued >= MAX_QUEUED || (p->queued && p->queued_bytes + j->size > MAX_QUEUED_BYTES)) &&
	       p->ret == 0)
		pthread_cond_wait(&p->space, &p->lock);
	if (p->ret < 0) {
		int ret = p->ret;
		if (err && p->error) {
			hull_error_free(*err);
			*err = steal_ptr(p->error);
		}
		pthread_mutex_unlock(&p->lock);
		file_job_free(j);
		return ret;
	}
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	p->queued_bytes += j->size;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

int unpack_pool_drain(struct unpack_pool *p, struct file_job **conflicts, struct hull_error **err)
{
	pthread_mutex_lock(&p->lock);
	while (p->head || p->running)
		pthread_cond_wait(&p->idle, &p->lock);
	*conflicts = p->conflicts;
	p->conflicts = p->conflicts_tail = NULL;
	int ret = p->ret;
	if (ret < 0 && err && p->error) {
		hull_error_free(*err);
		*err = steal_ptr(p->error);
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void unpack_pool_free(struct unpack_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->n; i++)
		pthread_join(p->threads[i], NULL);
	for (struct file_job *j = p->conflicts, *next; j; j = next) {
		next = j->next;
		file_job_free(j);
	}
	hull_error_free(p->error);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->space);
	pthread_cond_destroy(&p->idle);
	free(p);
}
