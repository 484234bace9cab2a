/* logread.c - read json-file logs back: --tail, --since/--until, -f.
 *
 * Rotation renames NAME to NAME.1 under a follower's feet: the follower
 * keeps its fd on the old file, drains it, then opens the new NAME (the
 * inode changed). inotify on the directory wakes it without busy polling. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/logs.h"
#include "hull/timefmt.h"

#define MAX_ROTATED 100

struct reader {
	const struct hull_logs_options *opts;
	int (*emit)(const struct hull_log_record *rec, void *data);
	void *data;
	char **ring;      /* last `tail` raw lines (tail mode) */
	size_t ring_next; /* total lines seen */
	char *pending;    /* bytes after the last newline of a followed file */
	size_t pending_len;
};

static int emit_line(struct reader *r, const char *line, size_t len)
{
	json_error_t je;
	_cleanup_json_ json_t *j = json_loadb(line, len, 0, &je);
	if (!j)
		return 0; /* a torn line from a crash: skip it, as docker does */
	const char *text = json_string_value(json_object_get(j, "log"));
	const char *stream = json_string_value(json_object_get(j, "stream"));
	const char *time = json_string_value(json_object_get(j, "time"));
	if (!text)
		return 0;
	int64_t t = hull_time_parse_ns(time);
	if (r->opts->since_ns && t < r->opts->since_ns)
		return 0;
	if (r->opts->until_ns && t >= r->opts->until_ns)
		return 0;
	struct hull_log_record rec = {
		.stream = stream && !strcmp(stream, "stderr") ? HULL_STREAM_STDERR : HULL_STREAM_STDOUT,
		.time = time ? time : "",
		.text = text,
		.len = json_string_length(json_object_get(j, "log")),
	};
	return r->emit(&rec, r->data);
}

/* A complete line: emit it now, or keep it in the tail ring. */
static int take_line(struct reader *r, const char *line, size_t len, bool buffering)
{
	if (!buffering || r->opts->tail < 0)
		return emit_line(r, line, len);
	if (r->opts->tail == 0)
		return 0;
	size_t slot = r->ring_next++ % (size_t)r->opts->tail;
	free(r->ring[slot]);
	r->ring[slot] = strndup(line, len);
	return 0;
}

/* Read fd from its offset to EOF, handing complete lines to take_line. */
static int drain(struct reader *r, int fd, bool buffering)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		r->pending = hull_xrealloc(r->pending, r->pending_len + (size_t)n);
		memcpy(r->pending + r->pending_len, buf, (size_t)n);
		r->pending_len += (size_t)n;
		size_t start = 0;
		for (size_t i = 0; i < r->pending_len; i++) {
			if (r->pending[i] != '\n')
				continue;
			int rc = take_line(r, r->pending + start, i - start, buffering);
			if (rc < 0)
				return rc;
			start = i + 1;
		}
		memmove(r->pending, r->pending + start, r->pending_len - start);
		r->pending_len -= start;
	}
}

static int flush_ring(struct reader *r)
{
	if (r->opts->tail <= 0)
		return 0;
	size_t n = r->ring_next < (size_t)r->opts->tail ? r->ring_next : (size_t)r->opts->tail;
	size_t first = r->ring_next - n;
	for (size_t i = first; i < r->ring_next; i++) {
		char *line = r->ring[i % (size_t)r->opts->tail];
		int rc = emit_line(r, line, strlen(line));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int follow(struct reader *r, const char *path, int fd, struct hull_error **err)
{
	_cleanup_free_ char *dir = hull_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	_cleanup_close_ int ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ino >= 0)
		inotify_add_watch(ino, slash ? dir : ".", IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE);
	_cleanup_close_ int cur = fd;
	for (;;) {
		int rc = drain(r, cur, false);
		if (rc < 0)
			return rc == -EPIPE ? 0 : hull_error_set(err, -rc, "read log `%s`", path);
		struct stat a, b;
		if (fstat(cur, &a) == 0 && stat(path, &b) == 0 && a.st_ino != b.st_ino) {
			int nfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nfd >= 0) {
				rc = drain(r, cur, false); /* what was written before the rename */
				close(cur);
				cur = nfd;
				r->pending_len = 0;
				continue;
			}
		}
		if (r->opts->still_running && !r->opts->still_running(r->opts->data)) {
			rc = drain(r, cur, false);
			return rc < 0 && rc != -EPIPE ? hull_error_set(err, -rc, "read log `%s`", path) : 0;
		}
		struct pollfd p = { .fd = ino, .events = POLLIN };
		poll(&p, ino >= 0 ? 1 : 0, 200);
		char evbuf[4096];
		while (ino >= 0 && read(ino, evbuf, sizeof(evbuf)) > 0)
			;
	}
}

static void reader_free(struct reader *r)
{
	if (r->ring)
		for (long i = 0; i < r->opts->tail; i++)
			free(r->ring[i]);
	free(r->ring);
	free(r->pending);
}

int hull_logs_read(const char *path, const struct hull_logs_options *opts,
		   int (*emit)(const struct hull_log_record *rec, void *data), void *data, struct hull_error **err)
{
	struct reader r = { .opts = opts, .emit = emit, .data = data };
	if (opts->tail > 0)
		r.ring = hull_xcalloc((size_t)opts->tail, sizeof(char *));
	int rotated = 0;
	for (; rotated < MAX_ROTATED; rotated++) {
		_cleanup_free_ char *p = hull_strdup_printf("%s.%d", path, rotated + 1);
		if (access(p, F_OK) < 0)
			break;
	}
	int rc = 0;
	for (int i = rotated; i >= 1 && rc >= 0; i--) {
		_cleanup_free_ char *p = hull_strdup_printf("%s.%d", path, i);
		_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
			rc = drain(&r, fd, true);
		r.pending_len = 0;
	}
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT) {
		reader_free(&r);
		return hull_error_set(err, errno, "open log `%s`", path);
	}
	if (fd >= 0 && rc >= 0)
		rc = drain(&r, fd, true);
	if (rc >= 0)
		rc = flush_ring(&r);
	if (rc >= 0 && opts->follow && fd >= 0)
		rc = follow(&r, path, take_fd(fd), err);
	reader_free(&r);
	if (rc == -EPIPE)
		return 0;
	if (rc < 0 && err && !*err)
		return hull_error_set(err, -rc, "read log `%s`", path);
	return rc < 0 ? rc : 0;
}
