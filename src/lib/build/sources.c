/* sources.c - what a COPY or ADD reads, by docker's rules (reference
 * "COPY"): each source is a path of the context (or of --from's image),
 * `..` never leaving it, or a pattern (Go's filepath.Match: `*` `?` `[...]`
 * within one path element) matched against every path there; a directory
 * copies its contents, a file goes into dest when dest is a directory
 * (ends with '/', or is one in the image) and becomes dest otherwise;
 * paths .dockerignore leaves out are not seen; a heredoc (<<EOF) is a
 * file of its own name. Nothing below a source is followed when it is a
 * symlink. The same walk feeds the cache's digest and the copy. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "builder_internal.h"
#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "hull/inroot.h"

#define MAX_DEPTH 128

static bool ignored(struct copy_job *j, const char *rel)
{
	return !j->from_image && hull_ignore_match(j->b->ignore, rel);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in directory fd. */
static char **names_of(int fd)
{
	char **v = hull_xcalloc(1, sizeof(char *));
	size_t n = 0;
	int dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		return v;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		v = hull_xrealloc(v, (n + 2) * sizeof(char *));
		v[n++] = hull_xstrdup(de->d_name);
		v[n] = NULL;
	}
	closedir(d);
	qsort(v, n, sizeof(char *), by_name);
	return v;
}

static char *child_path(const char *dir, const char *name)
{
	return !strcmp(dir, ".") || !*dir ? hull_xstrdup(name) : hull_strdup_printf("%s/%s", dir, name);
}

/* Every entry below the source directory dirfd (rel: its path in the
 * source root) to dst/... */
static int walk(struct copy_job *j, int dirfd, const char *rel, const char *dst, int depth, copy_emit emit,
		struct hull_error **err)
{
	if (depth > MAX_DEPTH)
		return hull_error_msg(err, ELOOP, "`%s`: more than %d directory levels", rel, MAX_DEPTH);
	_cleanup_strv_ char **names = names_of(dirfd);
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *crel = child_path(rel, names[i]);
		_cleanup_free_ char *cdst = hull_strdup_printf("%s/%s", strcmp(dst, "/") ? dst : "", names[i]);
		struct stat st;
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			return hull_error_set(err, errno, "stat `%s`", crel);
		bool skip = ignored(j, crel);
		if (skip && !(S_ISDIR(st.st_mode) && hull_ignore_has_exceptions(j->b->ignore)))
			continue;
		int r = 0;
		if (S_ISDIR(st.st_mode)) {
			_cleanup_close_ int fd =
			    openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0)
				return hull_error_set(err, errno, "open `%s`", crel);
			if (!skip)
				r = emit(j, cdst, &st, fd, NULL, err);
			if (r == 0)
				r = walk(j, fd, crel, cdst, depth + 1, emit, err);
		} else if (S_ISREG(st.st_mode)) {
			_cleanup_close_ int fd =
			    openat(dirfd, names[i], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0)
				return hull_error_set(err, errno, "open `%s`", crel);
			r = emit(j, cdst, &st, fd, NULL, err);
		} else if (S_ISLNK(st.st_mode)) {
			char target[4096];
			ssize_t n = readlinkat(dirfd, names[i], target, sizeof(target) - 1);
			if (n < 0)
				return hull_error_set(err, errno, "readlink `%s`", crel);
			target[n] = '\0';
			r = emit(j, cdst, &st, -1, target, err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Paths under dirfd (rel) that match pattern, appended to *out. */
static void glob_walk(struct copy_job *j, int dirfd, const char *rel, const char *pattern, int depth, char ***out,
		      size_t *n)
{
	if (depth > MAX_DEPTH)
		return;
	_cleanup_strv_ char **names = names_of(dirfd);
	for (size_t i = 0; names[i]; i++) {
		_cleanup_free_ char *crel = child_path(rel, names[i]);
		if (ignored(j, crel))
			continue;
		if (fnmatch(pattern, crel, FNM_PATHNAME) == 0) {
			*out = hull_xrealloc(*out, (*n + 2) * sizeof(char *));
			(*out)[(*n)++] = hull_xstrdup(crel);
			(*out)[*n] = NULL;
		}
		_cleanup_close_ int fd = openat(dirfd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			glob_walk(j, fd, crel, pattern, depth + 1, out, n);
	}
}

static bool is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* A source word, cleaned and made relative to the source root. */
static char *relative(const char *word)
{
	_cleanup_free_ char *abs = hull_strdup_printf("/%s", word);
	_cleanup_free_ char *clean = hull_path_clean(abs);
	return hull_xstrdup(strcmp(clean, "/") ? clean + 1 : ".");
}

static const struct hull_heredoc *heredoc_of(struct copy_job *j, const char *word)
{
	if (strncmp(word, "<<", 2))
		return NULL;
	const char *name = word + 2 + (word[2] == '-');
	size_t n = strlen(name);
	for (size_t h = 0; h < j->in->n_heredocs; h++) {
		const char *hn = j->in->heredocs[h].name;
		size_t hl = strlen(hn);
		if ((n == hl && !strncmp(name, hn, hl)) ||
		    (n == hl + 2 && (name[0] == '"' || name[0] == '\'') && !strncmp(name + 1, hn, hl)))
			return &j->in->heredocs[h];
	}
	return NULL;
}

static char *file_dest(struct copy_job *j, const char *name, bool (*dst_exists_dir)(struct copy_job *, const char *))
{
	if (j->dest_dir || (dst_exists_dir && dst_exists_dir(j, j->dest))) {
		_cleanup_free_ char *copy = hull_xstrdup(name);
		return hull_strdup_printf("%s/%s", strcmp(j->dest, "/") ? j->dest : "", basename(copy));
	}
	return hull_xstrdup(j->dest);
}

static int heredoc_source(struct copy_job *j, const struct hull_heredoc *h, copy_emit emit,
			  bool (*dst_exists_dir)(struct copy_job *, const char *), struct hull_error **err)
{
	_cleanup_free_ char *body = NULL;
	if (h->expand) {
		int r = build_expand(j->b, j->st, h->body, &body, err);
		if (r < 0)
			return r;
	} else
		body = hull_xstrdup(h->body);
	_cleanup_close_ int fd = memfd_create("heredoc", MFD_CLOEXEC);
	if (fd < 0 || hull_write_all(fd, body, strlen(body)) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return hull_error_set(err, errno, "heredoc `%s`", h->name);
	struct stat st = {.st_mode = S_IFREG | 0644, .st_size = (off_t)strlen(body)};
	_cleanup_free_ char *dst = file_dest(j, h->name, dst_exists_dir);
	j->top_files++;
	return emit(j, dst, &st, fd, NULL, err);
}

static bool is_archive(int fd)
{
	unsigned char m[512];
	ssize_t n = pread(fd, m, sizeof(m), 0);
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		return true; /* gzip */
	if (n >= 3 && !memcmp(m, "BZh", 3))
		return true;
	if (n >= 6 && !memcmp(m,
			      "\xfd"
			      "7zXZ",
			      6))
		return true;
	if (n >= 4 && !memcmp(m, "\x28\xb5\x2f\xfd", 4))
		return true; /* zstd */
	return n >= 262 && !memcmp(m + 257, "ustar", 5);
}

static int one_source(struct copy_job *j, const char *rel, copy_emit emit,
		      bool (*dst_exists_dir)(struct copy_job *, const char *),
		      int (*unpack)(struct copy_job *, int, const char *, struct hull_error **),
		      struct hull_error **err)
{
	if (strcmp(rel, ".") && ignored(j, rel))
		return hull_error_msg(err, ENOENT,
				      "file not found in build context or excluded by .dockerignore: "
				      "stat %s: file does not exist",
				      rel);
	_cleanup_close_ int fd = hull_open_in_root(j->src_root, rel, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0 && errno == ENOENT)
		return hull_error_msg(err, ENOENT,
				      "file not found in build context or excluded by .dockerignore: "
				      "stat %s: file does not exist",
				      rel);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", rel);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "stat `%s`", rel);
	if (S_ISDIR(st.st_mode)) {
		j->top_dirs++;
		/* the directory itself is dest: made (or kept) by the emit of its contents' parent */
		int r = emit(j, j->dest, &st, fd, NULL, err);
		return r < 0 ? r : walk(j, fd, rel, j->dest, 0, emit, err);
	}
	if (!S_ISREG(st.st_mode))
		return hull_error_msg(err, EINVAL, "`%s` is not a regular file or a directory", rel);
	j->top_files++;
	if (j->add && unpack && is_archive(fd))
		return unpack(j, fd, j->dest, err);
	_cleanup_free_ char *dst = file_dest(j, rel, dst_exists_dir);
	return emit(j, dst, &st, fd, NULL, err);
}

int sources_each(struct copy_job *j, copy_emit emit, bool (*dst_exists_dir)(struct copy_job *j, const char *path),
		 int (*unpack)(struct copy_job *j, int fd, const char *dir, struct hull_error **err),
		 struct hull_error **err)
{
	j->top_files = j->top_dirs = 0;
	for (size_t i = 0; j->sources[i]; i++) {
		const struct hull_heredoc *h = heredoc_of(j, j->sources[i]);
		int r;
		if (h) {
			if ((r = heredoc_source(j, h, emit, dst_exists_dir, err)) < 0)
				return r;
			continue;
		}
		_cleanup_free_ char *rel = relative(j->sources[i]);
		if (!is_glob(rel)) {
			if ((r = one_source(j, rel, emit, dst_exists_dir, unpack, err)) < 0)
				return r;
			continue;
		}
		_cleanup_strv_ char **matches = hull_xcalloc(1, sizeof(char *));
		size_t n = 0;
		glob_walk(j, j->src_root, ".", rel, 0, &matches, &n);
		if (n == 0)
			return hull_error_msg(err, ENOENT, "no source files were specified (`%s` matches nothing)",
					      j->sources[i]);
		if (n > 1 && !j->dest_dir)
			return hull_error_msg(err, EINVAL,
					      "When using %s with more than one source file, the "
					      "destination must be a directory and end with a /",
					      j->in->keyword);
		for (size_t m = 0; m < n; m++)
			if ((r = one_source(j, matches[m], emit, dst_exists_dir, unpack, err)) < 0)
				return r;
	}
	return 0;
}

/* The hashing pass: path, type, mode, owner (the --chown text), size,
 * link target and content of each entry; not times. */
static int hash_entry(struct copy_job *j, const char *dst, const struct stat *st, int fd, const char *link,
		      struct hull_error **err)
{
	mode_t mode = j->has_chmod && !S_ISLNK(st->st_mode) ? j->chmod : st->st_mode & 07777;
	_cleanup_free_ char *head =
	    hull_strdup_printf("%s\n%o %o %lld %s\n", dst, (unsigned)(st->st_mode & S_IFMT), (unsigned)mode,
			       S_ISREG(st->st_mode) ? (long long)st->st_size : 0, link ? link : "");
	hull_sha256_update(j->hash, head, strlen(head) + 1);
	if (!S_ISREG(st->st_mode))
		return 0;
	char d[HULL_DIGEST_BUF_LEN];
	if (lseek(fd, 0, SEEK_SET) < 0 || hull_sha256_fd(fd, d, NULL, err) < 0)
		return hull_error_wrap(err, -EIO, "read `%s`", dst);
	hull_sha256_update(j->hash, d, strlen(d));
	return lseek(fd, 0, SEEK_SET) < 0 ? hull_error_set(err, errno, "seek `%s`", dst) : 0;
}

char *sources_digest(struct copy_job *j, struct hull_error **err)
{
	j->hash = hull_sha256_new();
	j->hashing = true;
	int r = sources_each(j, hash_entry, NULL, NULL, err);
	j->hashing = false;
	char d[HULL_DIGEST_BUF_LEN];
	hull_sha256_digest(j->hash, d);
	hull_sha256_free(j->hash);
	j->hash = NULL;
	if (r < 0)
		return NULL;
	const char *kind = j->top_files + j->top_dirs > 1 ? "multi" : j->top_dirs ? "dir" : "file";
	return hull_strdup_printf("%s:%s", kind, hull_digest_hex(d));
}
