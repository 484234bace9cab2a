/* fs.c - file and directory helpers (see include/hull/fs.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"

void *hull_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *hull_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		abort();
	return p;
}

void *hull_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *hull_array_grow(void *v, size_t n, size_t *cap, size_t size, size_t first)
{
	if (n < *cap)
		return v;
	size_t want = *cap ? *cap * 2 : (first ? first : 1);
	size_t bytes;
	if (want < *cap || __builtin_mul_overflow(want, size, &bytes))
		abort();
	*cap = want;
	return hull_xrealloc(v, bytes);
}

char *hull_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

char *hull_strdup_vprintf(const char *fmt, va_list ap)
{
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

char *hull_strdup_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = hull_strdup_vprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *hull_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (la == 1 && a[0] == '/')
		return hull_strdup_printf("/%s", b);
	return hull_strdup_printf("%.*s/%s", (int)la, a, b);
}

int hull_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int hull_read_all(int fd, char **out, size_t *len)
{
	return hull_read_all_max(fd, SIZE_MAX - 1, out, len);
}

int hull_read_all_max(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *buf = hull_xmalloc(cap);
	for (;;) {
		if (cap - used < 2) {
			cap *= 2;
			buf = hull_xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			free(buf);
			return -e;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			free(buf);
			return -EFBIG;
		}
	}
	buf[used] = '\0';
	*out = buf;
	if (len)
		*len = used;
	return 0;
}

int hull_read_file_at(int dirfd, const char *path, char **out, size_t *len, struct hull_error **err)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", path);
	int r = hull_read_all(fd, out, len);
	if (r < 0)
		return hull_error_set(err, -r, "read `%s`", path);
	return 0;
}

int hull_read_file_max(const char *path, size_t max, char **out, size_t *len, struct hull_error **err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "stat `%s`", path);
	if (S_ISDIR(st.st_mode))
		return hull_error_msg(err, EISDIR, "`%s` is a directory, not a file", path);
	/* a regular file says its size up front; a pipe or a device (/dev/zero)
	 * is read up to the cap and no further */
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max)
		return hull_error_msg(err, EFBIG, "`%s` is %lld bytes, more than the %zu allowed", path,
				      (long long)st.st_size, max);
	int r = hull_read_all_max(fd, max, out, len);
	if (r == -EFBIG)
		return hull_error_msg(err, EFBIG, "`%s` gives more than the %zu bytes allowed (%s)", path, max,
				      S_ISREG(st.st_mode) ? "it grew while read" : "not a regular file");
	if (r < 0)
		return hull_error_set(err, -r, "read `%s`", path);
	return 0;
}

int hull_read_file(const char *path, char **out, size_t *len, struct hull_error **err)
{
	return hull_read_file_at(AT_FDCWD, path, out, len, err);
}

int hull_write_file(const char *path, const void *data, size_t len, struct hull_error **err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", path);
	int r = hull_write_all(fd, data, len);
	if (r < 0)
		return hull_error_set(err, -r, "write `%s`", path);
	return 0;
}

static int fsync_parent(const char *path)
{
	_cleanup_free_ char *dir = hull_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return fsync(fd) < 0 ? -errno : 0;
}

int hull_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable,
			   struct hull_error **err)
{
	_cleanup_free_ char *tmp = hull_strdup_printf("%s.tmp.%d", path, (int)getpid());
	/* O_EXCL: the temp name is guessable, and a symlink planted there (a
	 * pid file in /tmp) must not be written through; a stale one, or one
	 * planted, is removed (never followed) and the name tried once more */
	const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	_cleanup_close_ int fd = open(tmp, flags, mode);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, flags, mode);
	if (fd < 0)
		return hull_error_set(err, errno, "create `%s`", tmp);
	int r = hull_write_all(fd, data, len);
	if (r < 0) {
		unlink(tmp);
		return hull_error_set(err, -r, "write `%s`", tmp);
	}
	if (durable && fsync(fd) < 0) {
		int e = errno;
		unlink(tmp);
		return hull_error_set(err, e, "fsync `%s`", tmp);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return hull_error_set(err, e, "rename `%s` to `%s`", tmp, path);
	}
	if (durable) {
		r = fsync_parent(path);
		if (r < 0)
			return hull_error_set(err, -r, "fsync directory of `%s`", path);
	}
	return 0;
}

static int mkdir_p_once(char *p, mode_t mode)
{
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		int r = mkdir(p, mode) < 0 && errno != EEXIST ? -errno : 0;
		*s = '/';
		if (r < 0)
			return r;
	}
	return mkdir(p, mode) < 0 && errno != EEXIST ? -errno : 0;
}

int hull_mkdir_p(const char *path, mode_t mode, struct hull_error **err)
{
	_cleanup_free_ char *p = hull_xstrdup(path);
	int r;
	/* ENOENT: a concurrent rmdir of an empty ancestor (another container's
	 * cgroup cleanup) between two of our mkdirs; walk again. */
	for (int attempt = 0; (r = mkdir_p_once(p, mode)) == -ENOENT && attempt < 3; attempt++)
		;
	if (r < 0)
		return hull_error_set(err, -r, "mkdir `%s`", path);
	return 0;
}

static int rm_rf_at(int parent, const char *name, dev_t dev, struct hull_error **err)
{
	struct stat st;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : hull_error_set(err, errno, "stat `%s`", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) < 0 && errno != ENOENT)
			return hull_error_set(err, errno, "unlink `%s`", name);
		return 0;
	}
	if (st.st_dev != dev)
		return hull_error_msg(err, EBUSY, "`%s` is a mount point; not removing across it", name);
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", name);
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return hull_error_set(err, errno, "opendir `%s`", name);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int r = rm_rf_at(dirfd(d), de->d_name, dev, err);
		if (r < 0)
			return hull_error_wrap(err, r, "in `%s`", name);
	}
	if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return hull_error_set(err, errno, "rmdir `%s`", name);
	return 0;
}

int hull_rm_rf(const char *path, struct hull_error **err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : hull_error_set(err, errno, "stat `%s`", path);
	return rm_rf_at(AT_FDCWD, path, st.st_dev, err);
}

char *hull_path_clean(const char *path)
{
	bool absolute = path[0] == '/';
	size_t n = strlen(path);
	char *out = hull_xmalloc(n + 2);
	size_t used = 0, floor = 0; /* out[0..floor) is a run of leading ".." a relative path keeps */
	if (absolute)
		out[used++] = '/';
	floor = used;
	for (const char *c = path; *c;) {
		while (*c == '/')
			c++;
		size_t len = strcspn(c, "/");
		if (len == 0)
			break;
		if (len == 1 && c[0] == '.') {
			/* nothing */
		} else if (len == 2 && c[0] == '.' && c[1] == '.') {
			if (used > floor) {
				while (used > floor && out[used - 1] != '/')
					used--;
				if (used > floor)
					used--; /* the slash before the dropped component */
				else if (absolute)
					used = 1;
			} else if (!absolute) {
				if (used)
					out[used++] = '/';
				out[used++] = '.';
				out[used++] = '.';
				floor = used;
			}
		} else {
			if (used > (absolute ? 1u : 0u))
				out[used++] = '/';
			memcpy(out + used, c, len);
			used += len;
		}
		c += len;
	}
	if (used == 0)
		out[used++] = '.';
	out[used] = '\0';
	return out;
}

bool hull_path_is_or_under(const char *path, const char *dir)
{
	_cleanup_free_ char *p = hull_path_clean(path), *d = hull_path_clean(dir);
	size_t n = strlen(d);
	if (!strcmp(d, "/"))
		return p[0] == '/';
	return !strncmp(p, d, n) && (p[n] == '\0' || p[n] == '/');
}
