/* fs_tree.c - copy a directory tree (volume copy-up), size a tree.
 *
 * Both trees are walked with openat(O_NOFOLLOW) relative to directory fds,
 * so a symlink inside the image (hostile or not) is copied as a symlink and
 * never followed out of either tree. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"

static int copy_dir_fd(int src, int dst, const char *path, int depth, struct hull_error **err);

static int copy_file(int src_dir, int dst_dir, const char *name, const struct stat *st, const char *path,
		     struct hull_error **err)
{
	_cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return hull_error_set(err, errno, "copy `%s`: open", path);
	_cleanup_close_ int out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
					 st->st_mode & 07777);
	if (out < 0)
		return hull_error_set(err, errno, "copy `%s`: create", path);
	off_t left = st->st_size;
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP))
			n = sendfile(out, in, NULL, (size_t)left);
		if (n < 0)
			return hull_error_set(err, errno, "copy `%s`: write", path);
		if (n == 0)
			break; /* file shrank while we copied */
		left -= n;
	}
	if (fchown(out, st->st_uid, st->st_gid) < 0 && errno != EPERM)
		return hull_error_set(err, errno, "copy `%s`: chown", path);
	fchmod(out, st->st_mode & 07777); /* chown cleared setuid bits */
	struct timespec times[2] = { st->st_atim, st->st_mtim };
	futimens(out, times);
	return 0;
}

static int copy_entry(int src, int dst, const char *name, const char *parent, int depth, struct hull_error **err)
{
	_cleanup_free_ char *path = hull_path_join(parent, name);
	struct stat st;
	if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return hull_error_set(err, errno, "copy `%s`: stat", path);
	int r = 0;
	if (S_ISREG(st.st_mode))
		return copy_file(src, dst, name, &st, path, err);
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(src, name, target, sizeof(target) - 1);
		if (n < 0)
			return hull_error_set(err, errno, "copy `%s`: readlink", path);
		target[n] = '\0';
		if (symlinkat(target, dst, name) < 0 && errno != EEXIST)
			return hull_error_set(err, errno, "copy `%s`: symlink", path);
	} else if (S_ISDIR(st.st_mode)) {
		if (mkdirat(dst, name, st.st_mode & 07777) < 0 && errno != EEXIST)
			return hull_error_set(err, errno, "copy `%s`: mkdir", path);
		_cleanup_close_ int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		_cleanup_close_ int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return hull_error_set(err, errno, "copy `%s`: open directory", path);
		if ((r = copy_dir_fd(s, d, path, depth + 1, err)) < 0)
			return r;
		if (fchown(d, st.st_uid, st.st_gid) < 0 && errno != EPERM)
			return hull_error_set(err, errno, "copy `%s`: chown", path);
		fchmod(d, st.st_mode & 07777);
		struct timespec times[2] = { st.st_atim, st.st_mtim };
		futimens(d, times);
		return 0;
	} else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISSOCK(st.st_mode)) {
		if (mknodat(dst, name, st.st_mode, st.st_rdev) < 0 && errno != EEXIST && errno != EPERM)
			return hull_error_set(err, errno, "copy `%s`: mknod", path);
	}
	if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM && errno != ENOENT)
		return hull_error_set(err, errno, "copy `%s`: chown", path);
	return 0;
}

static int copy_dir_fd(int src, int dst, const char *path, int depth, struct hull_error **err)
{
	if (depth > 256)
		return hull_error_msg(err, ELOOP, "copy `%s`: directory tree deeper than 256 levels", path);
	int fd = dup(src);
	if (fd < 0)
		return hull_error_set(err, errno, "copy `%s`: dup", path);
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return hull_error_set(err, errno, "copy `%s`: opendir", path);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int r = copy_entry(src, dst, de->d_name, path, depth, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int hull_copy_tree(const char *src, const char *dst, struct hull_error **err)
{
	_cleanup_close_ int s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0)
		return hull_error_set(err, errno, "copy from `%s`", src);
	_cleanup_close_ int d = open(dst, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return hull_error_set(err, errno, "copy into `%s`", dst);
	return copy_dir_fd(s, d, src, 0, err);
}

bool hull_dir_is_empty(const char *path)
{
	_cleanup_closedir_ DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return false;
	return true;
}

static unsigned long long du_fd(int dirfd, int depth)
{
	unsigned long long total = 0;
	int fd = dup(dirfd);
	if (fd < 0 || depth > 256) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		total += (unsigned long long)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				total += du_fd(sub, depth + 1);
		}
	}
	return total;
}

unsigned long long hull_du(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? 0 : du_fd(fd, 0);
}
