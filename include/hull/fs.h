/* hull/fs.h - file, directory and path helpers shared by every room. */
#ifndef HULL_FS_H
#define HULL_FS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hull/error.h"

/* hull_read_file: read a whole file (relative to dirfd, AT_FDCWD for cwd)
 * into a NUL-terminated malloc'd buffer owned by the caller; *len gets its
 * size (may be NULL). Fails with an error naming the path. */
int hull_read_file_at(int dirfd, const char *path, char **out, size_t *len, struct hull_error **err);
int hull_read_file(const char *path, char **out, size_t *len, struct hull_error **err);

/* hull_read_file_max: hull_read_file for input a user names (--env-file,
 * a seccomp profile): at most `max` bytes are read, whatever the file is
 * (a FIFO, /dev/zero, a file that grows), and more is an EFBIG error
 * naming the path and the limit. A directory is refused. */
int hull_read_file_max(const char *path, size_t max, char **out, size_t *len, struct hull_error **err);

/* hull_write_file_atomic: write data to `path.tmp.<pid>` in the same
 * directory (created with O_EXCL: whatever was at that name, a symlink
 * included, is removed, never written through), fsync it, rename over
 * path, fsync the directory when `durable`. A crash leaves either the old file or the new one, never a
 * half-written one; the temp file is removed on every failure path. */
int hull_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool durable,
			   struct hull_error **err);

/* hull_write_file: open(O_WRONLY|O_TRUNC|O_CREAT) and write; for /proc and
 * /sys knobs where atomic rename makes no sense. */
int hull_write_file(const char *path, const void *data, size_t len, struct hull_error **err);

/* hull_write_all: write the whole buffer, retrying on EINTR and short writes.
 * Returns 0 or -errno (no error object: callers add the path). */
int hull_write_all(int fd, const void *data, size_t len);

/* hull_read_all: read until EOF into a malloc'd NUL-terminated buffer. */
int hull_read_all(int fd, char **out, size_t *len);

/* hull_read_all_max: the same, but -EFBIG (nothing returned) once more than
 * `max` bytes came. */
int hull_read_all_max(int fd, size_t max, char **out, size_t *len);

/* hull_mkdir_p: mkdir -p with mode for the created components. */
int hull_mkdir_p(const char *path, mode_t mode, struct hull_error **err);

/* hull_rm_rf: remove a tree, not crossing mount points; ENOENT is success. */
int hull_rm_rf(const char *path, struct hull_error **err);

/* hull_path_join: malloc'd "a/b" with exactly one slash between; never NULL
 * except on ENOMEM (aborts: allocation failure is not recoverable here). */
char *hull_path_join(const char *a, const char *b);

/* hull_strdup_printf: asprintf that aborts on ENOMEM and returns the string. */
char *hull_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* hull_strdup_vprintf: the same from a va_list. */
char *hull_strdup_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* hull_xmalloc family: abort on ENOMEM (like redis' zmalloc). */
void *hull_xmalloc(size_t n);
void *hull_xcalloc(size_t n, size_t size);
void *hull_xrealloc(void *p, size_t n);
char *hull_xstrdup(const char *s);

/* hull_array_grow: make room for item n of array v (items of `size` bytes,
 * *cap slots): when n == *cap the array doubles (to `first` slots when
 * empty) and *cap is updated. Returns the possibly moved array; aborts on
 * ENOMEM or overflow like hull_xrealloc. Usage:
 *     list->v = hull_array_grow(list->v, list->n, &list->cap, sizeof(*list->v), 64); */
void *hull_array_grow(void *v, size_t n, size_t *cap, size_t size, size_t first);

/* hull_path_clean: the lexical shortest form of a path, as Go's
 * filepath.Clean: repeated slashes, `.` components and a trailing slash go,
 * `..` removes the component before it (at the root of an absolute path it
 * is dropped; a relative path keeps its leading `..`). "" becomes ".".
 * Returns a malloc'd string (aborts on ENOMEM). No symlink is looked at:
 * this is for comparing paths (mount destinations), not for opening them. */
char *hull_path_clean(const char *path);

/* hull_path_is_or_under: the cleaned `path` is the cleaned `dir` or below it
 * ("/proc/self" is under "/proc", "/procfs" is not). */
bool hull_path_is_or_under(const char *path, const char *dir);

/* hull_is_absolute: path starts with '/'. */
static inline bool hull_is_absolute(const char *p)
{
	return p && p[0] == '/';
}

/* hull_copy_tree: copy the contents of directory src into directory dst
 * (which exists), keeping modes, owners, times and symlinks, never
 * following a symlink out of either tree. Used to fill a new volume from
 * the image's content at its mount point, as docker does. */
int hull_copy_tree(const char *src, const char *dst, struct hull_error **err);

/* hull_dir_is_empty: true when path is an empty directory (or missing). */
bool hull_dir_is_empty(const char *path);

/* hull_du: bytes used by the tree at path (st_blocks * 512), 0 on error. */
unsigned long long hull_du(const char *path);

#endif
