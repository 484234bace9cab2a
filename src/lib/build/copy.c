/* copy.c - COPY, ADD and WORKDIR: the step's container (never started)
 * has its overlay mounted in a child process of its own mount namespace,
 * which writes the sources into it (every path resolved inside its root,
 * nothing there followed out of it); the overlay's upper directory then
 * becomes the step's layer, so a file that replaces one of the image's is
 * stored as overlayfs made it. Owners are 0:0 unless --chown, modes the
 * source's unless --chmod, times kept. ADD unpacks a local tar archive
 * (plain, gzip, bzip2, xz, zstd) into dest; ADD of a URL is refused. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder_internal.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/cp.h"
#include "hull/digest.h"
#include "hull/engine_spec.h"
#include "hull/fs.h"
#include "hull/inroot.h"
#include "hull/json.h"

/* mkdir -p path inside root; made directories belong to uid:gid. */
static int mkdir_in_root(int root, const char *path, uid_t uid, gid_t gid, struct hull_error **err)
{
	_cleanup_free_ char *copy = hull_xstrdup(path);
	_cleanup_free_ char *cur = hull_xstrdup("/");
	char *save = NULL;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		_cleanup_free_ char *next = hull_strdup_printf("%s%s%s", cur, strcmp(cur, "/") ? "/" : "", c);
		_cleanup_close_ int fd = hull_open_in_root(root, next, O_PATH | O_DIRECTORY, 0);
		if (fd < 0 && errno == ENOENT) {
			_cleanup_close_ int parent = hull_open_in_root(root, cur, O_PATH | O_DIRECTORY, 0);
			if (parent < 0 || (mkdirat(parent, c, 0755) < 0 && errno != EEXIST))
				return hull_error_set(err, errno, "mkdir `%s`", next);
			if (fchownat(parent, c, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
				return hull_error_set(err, errno, "chown `%s`", next);
		} else if (fd < 0)
			return hull_error_set(err, errno, "`%s`", next);
		free(cur);
		cur = steal_ptr(next);
	}
	return 0;
}

static bool exists_dir(struct copy_job *j, const char *path)
{
	_cleanup_close_ int fd = hull_open_in_root(j->dst_root, path, O_PATH | O_DIRECTORY, 0);
	return fd >= 0;
}

static int copy_data(int in, int out, const char *what, struct hull_error **err)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_set(err, errno, "read `%s`", what);
		if (n == 0)
			return 0;
		if (hull_write_all(out, buf, (size_t)n) < 0)
			return hull_error_set(err, errno, "write `%s`", what);
	}
}

static int write_entry(struct copy_job *j, const char *dst, const struct stat *st, int fd, const char *link,
		       struct hull_error **err)
{
	if (S_ISDIR(st->st_mode) && !strcmp(dst, j->dest))
		return mkdir_in_root(j->dst_root, dst, j->uid, j->gid, err); /* a directory source's dest */
	_cleanup_free_ char *d1 = hull_xstrdup(dst), *d2 = hull_xstrdup(dst);
	const char *leaf = basename(d1), *dir = dirname(d2);
	int r = mkdir_in_root(j->dst_root, dir, j->uid, j->gid, err);
	if (r < 0)
		return r;
	_cleanup_close_ int parent = hull_open_in_root(j->dst_root, dir, O_PATH | O_DIRECTORY, 0);
	if (parent < 0)
		return hull_error_set(err, errno, "open `%s`", dir);
	mode_t mode = j->has_chmod ? j->chmod : st->st_mode & 07777;
	struct stat old;
	bool exists = fstatat(parent, leaf, &old, AT_SYMLINK_NOFOLLOW) == 0;
	if (exists && !(S_ISDIR(old.st_mode) && S_ISDIR(st->st_mode)) &&
	    unlinkat(parent, leaf, S_ISDIR(old.st_mode) ? AT_REMOVEDIR : 0) < 0)
		return hull_error_set(err, errno, "replace `%s`", dst);
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	if (S_ISLNK(st->st_mode)) {
		if (symlinkat(link, parent, leaf) < 0 ||
		    fchownat(parent, leaf, j->uid, j->gid, AT_SYMLINK_NOFOLLOW) < 0)
			return hull_error_set(err, errno, "symlink `%s`", dst);
		utimensat(parent, leaf, times, AT_SYMLINK_NOFOLLOW);
		return 0;
	}
	_cleanup_close_ int out = -1;
	if (S_ISDIR(st->st_mode)) {
		if (!exists && mkdirat(parent, leaf, 0700) < 0)
			return hull_error_set(err, errno, "mkdir `%s`", dst);
		out = openat(parent, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	} else {
		out = openat(parent, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out >= 0 && (r = copy_data(fd, out, dst, err)) < 0)
			return r;
	}
	if (out < 0)
		return hull_error_set(err, errno, "create `%s`", dst);
	if (fchown(out, j->uid, j->gid) < 0 || fchmod(out, mode) < 0)
		return hull_error_set(err, errno, "set the owner and mode of `%s`", dst);
	futimens(out, times);
	return 0;
}

static int unpack(struct copy_job *j, int fd, const char *dir, struct hull_error **err)
{
	int r = mkdir_in_root(j->dst_root, dir, j->uid, j->gid, err);
	if (r < 0)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return hull_error_set(err, errno, "seek the archive for `%s`", dir);
	return hull_engine_tar_into(j->dst_root, dir, fd, false, err);
}

static int numeric_owner(const char *spec, uid_t *uid, gid_t *gid)
{
	char *end;
	unsigned long u = strtoul(spec, &end, 10);
	if (end == spec || (*end && *end != ':'))
		return -1;
	unsigned long g = u;
	if (*end == ':') {
		const char *gs = end + 1;
		g = strtoul(gs, &end, 10);
		if (end == gs || *end)
			return -1;
	}
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return 0;
}

static const char *merged_dir(const struct hull_container *c)
{
	return json_string_value(
	    json_object_get(json_object_get(json_object_get(c->record, "GraphDriver"), "Data"), "MergedDir"));
}

/* In the child: mount, resolve --chown, copy. */
static int copy_child(void *data, struct hull_error **err)
{
	struct copy_job *j = data;
	j->dst_root = j->target ? hull_engine_root_private(j->target, err)
				: open(j->scratch_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (j->dst_root < 0)
		return j->target ? j->dst_root : hull_error_set(err, errno, "open `%s`", j->scratch_dir);
	if (j->from && (j->src_root = hull_engine_root_private(j->from, err)) < 0)
		return j->src_root;
	if (j->chown && numeric_owner(j->chown, &j->uid, &j->gid) < 0) {
		_cleanup_free_ gid_t *gids = NULL;
		size_t n = 0;
		if (!j->target)
			return hull_error_msg(err, EINVAL,
					      "--chown=%s: no /etc/passwd in an image FROM scratch: use "
					      "numeric ids",
					      j->chown);
		int r =
		    hull_engine_resolve_user(merged_dir(j->target), j->chown, NULL, &j->uid, &j->gid, &gids, &n, err);
		if (r < 0)
			return hull_error_wrap(err, r, "--chown=%s", j->chown);
	}
	if (!strcmp(j->in->keyword, "WORKDIR"))
		return mkdir_in_root(j->dst_root, j->dest, 0, 0, err);
	return sources_each(j, write_entry, exists_dir, j->add ? unpack : NULL, err);
}

/* Make the step's container (or scratch directory), run copy_child, commit. */
static int apply(struct build *b, struct stage *st, struct copy_job *j, const char *created_by, struct hull_error **err)
{
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	int r = 0;
	if (st->image_id && (r = hull_image_get(b->store, st->image_id, &img, err)) < 0)
		return r;
	if (img && img->n_layers) {
		if (!(j->target = build_container(b, st->image_id, err)))
			return -EIO;
	} else {
		_cleanup_free_ char *tmp = hull_path_join(b->ctx->data_root, "build-tmp");
		hull_mkdir_p(tmp, 0700, NULL);
		j->scratch_dir = hull_strdup_printf("%s/diff.XXXXXX", tmp);
		if (!mkdtemp(j->scratch_dir))
			return hull_error_set(err, errno, "mkdtemp `%s`", j->scratch_dir);
	}
	if (j->from_image && !(j->from = build_container(b, j->from_image, err)))
		r = -EIO;
	if (r == 0)
		r = build_in_child(copy_child, j, err);
	if (r == 0) {
		const char *upper = j->scratch_dir;
		if (j->target)
			upper = json_string_value(json_object_get(
			    json_object_get(json_object_get(j->target->record, "GraphDriver"), "Data"), "UpperDir"));
		r = build_commit(b, st, upper, created_by, err);
	}
	build_container_remove(b, j->target);
	build_container_remove(b, j->from);
	hull_container_free(j->target);
	hull_container_free(j->from);
	j->target = j->from = NULL;
	if (j->scratch_dir)
		hull_rm_rf(j->scratch_dir, NULL);
	return r;
}

/* dest against WORKDIR; *is_dir when it ends with '/' (or "/."). */
static char *absolute_dest(struct stage *st, const char *dest, bool *is_dir)
{
	size_t n = strlen(dest);
	*is_dir = (n && dest[n - 1] == '/') || !strcmp(dest, ".") || (n >= 2 && !strcmp(dest + n - 2, "/."));
	const char *wd = json_string_value(json_object_get(st->config, "WorkingDir"));
	_cleanup_free_ char *joined =
	    dest[0] == '/' ? hull_xstrdup(dest) : hull_strdup_printf("%s/%s", wd && *wd ? wd : "/", dest);
	return hull_path_clean(joined);
}

/* --from=: a stage's image (name or index) or an image of the store. */
static int resolve_from(struct build *b, struct stage *st, const char *from, char **id, struct hull_error **err)
{
	char *end;
	unsigned long idx = strtoul(from, &end, 10);
	for (size_t i = 0; i < st->index; i++) {
		struct stage *s = &b->stages[i];
		if ((s->name && !strcasecmp(s->name, from)) || (!*end && end != from && idx == i)) {
			if (!s->image_id)
				return hull_error_msg(err, EINVAL, "--from=%s: that stage made no image", from);
			*id = hull_xstrdup(s->image_id);
			return 0;
		}
	}
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	int r = hull_image_get(b->store, from, &img, err);
	if (r < 0)
		return hull_error_wrap(err, r, "--from=%s", from);
	*id = hull_xstrdup(img->id);
	return 0;
}

static int parse_flags(struct build *b, struct stage *st, const struct hull_instruction *in, struct copy_job *j,
		       struct hull_error **err)
{
	for (size_t i = 0; in->flags[i]; i++) {
		const char *f = in->flags[i];
		int r = 0;
		if (!strncmp(f, "--from=", 7) && strcmp(in->keyword, "ADD"))
			r = resolve_from(b, st, f + 7, &j->from_image, err);
		else if (!strncmp(f, "--chown=", 8))
			r = build_expand(b, st, f + 8, &j->chown, err);
		else if (!strncmp(f, "--chmod=", 8)) {
			char *end;
			unsigned long m = strtoul(f + 8, &end, 8);
			if (end == f + 8 || *end || m > 07777)
				return hull_error_msg(err, EINVAL, "--chmod=%s: not an octal mode", f + 8);
			j->has_chmod = true;
			j->chmod = (mode_t)m;
		} else
			return hull_error_msg(err, EINVAL, "Unknown flag: %s", f + 2);
		if (r < 0)
			return r;
	}
	return 0;
}

static int plan(struct build *b, struct stage *st, const struct hull_instruction *in, struct copy_job *j,
		struct hull_error **err)
{
	_cleanup_strv_ char **raw = NULL;
	if (in->json) {
		json_t *a = json_array();
		for (size_t i = 0; in->argv[i]; i++)
			json_array_append_new(a, json_string(in->argv[i]));
		hull_json_strv(a, &raw, in->keyword, "arguments", NULL);
		json_decref(a);
	} else
		raw = hull_dockerfile_words(in->args, '\0');
	size_t n = 0;
	while (raw[n])
		n++;
	if (n < 2)
		return hull_error_msg(err, EINVAL,
				      "%s requires at least two arguments, but only one was provided. "
				      "Destination could not be determined.",
				      in->keyword);
	j->sources = hull_xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		char *v = NULL;
		if (!strncmp(raw[i], "<<", 2) && i + 1 < n)
			v = hull_xstrdup(raw[i]);
		else if (build_expand(b, st, raw[i], &v, err) < 0)
			return -EINVAL;
		if (j->add && (!strncmp(v, "http://", 7) || !strncmp(v, "https://", 8) || !strncmp(v, "git@", 4))) {
			free(v);
			return hull_error_msg(err, ENOTSUP,
					      "ADD of a URL is not supported by hull build (no network "
					      "fetches): download it into the context and COPY it");
		}
		if (i + 1 < n)
			j->sources[i] = v;
		else {
			j->dest = absolute_dest(st, v, &j->dest_dir);
			free(v);
		}
	}
	if (n > 2 && !j->dest_dir)
		return hull_error_msg(err, EINVAL,
				      "When using %s with more than one source file, the destination must "
				      "be a directory and end with a /",
				      in->keyword);
	return parse_flags(b, st, in, j, err);
}

static void job_clear(struct copy_job *j)
{
	hull_strv_free(j->sources);
	free(j->dest);
	free(j->chown);
	free(j->from_image);
	free(j->scratch_dir);
}

/* The step's layer from the cache (keyed by the parent, created_by and
 * extra), or made by apply and remembered; j is cleared either way. */
static int cached_apply(struct build *b, struct stage *st, struct copy_job *j, const char *created_by,
			const char *extra, struct hull_error **err)
{
	char key[65];
	cache_key(st->image_id ? st->image_id : "scratch", created_by, extra, key);
	if (cache_try(b, st, key)) {
		job_clear(j);
		return 0;
	}
	int r = apply(b, st, j, created_by, err);
	job_clear(j);
	if (r < 0)
		return r;
	build_say(b, " ---> %.12s", hull_digest_hex(st->image_id));
	cache_put(b, key, st->image_id);
	return 0;
}

int step_copy(struct build *b, struct stage *st, const struct hull_instruction *in, bool add, struct hull_error **err)
{
	struct copy_job j = {.b = b, .st = st, .in = in, .add = add, .src_root = b->context_fd};
	int r = plan(b, st, in, &j, err);
	_cleanup_free_ char *digest = NULL, *created_by = NULL, *extra = NULL;
	if (r == 0 && !j.from_image && !(digest = sources_digest(&j, err)))
		r = -EIO;
	if (r < 0) {
		job_clear(&j);
		return r;
	}
	if (j.from_image) {
		_cleanup_free_ char *what = hull_strdup_printf("%s\n%s", j.from_image, in->args);
		char d[HULL_DIGEST_BUF_LEN];
		hull_sha256_buffer(what, strlen(what), d);
		digest = hull_strdup_printf("dir:%s", hull_digest_hex(d));
	}
	_cleanup_strv_ char **sh = build_shell(st);
	created_by = hull_strdup_printf("%s %s #(nop) %s %s in %s%s ", sh[0], sh[1] ? sh[1] : "", in->keyword, digest,
					j.dest, j.dest_dir && strcmp(j.dest, "/") ? "/" : "");
	extra = hull_strdup_printf("chown=%s chmod=%o", j.chown ? j.chown : "", j.has_chmod ? (unsigned)j.chmod : 0);
	return cached_apply(b, st, &j, created_by, extra, err);
}

int step_workdir(struct build *b, struct stage *st, const struct hull_instruction *in, struct hull_error **err)
{
	_cleanup_free_ char *v = NULL;
	int r = build_expand(b, st, in->args, &v, err);
	if (r < 0)
		return r;
	bool ignored;
	struct copy_job j = {.b = b, .st = st, .in = in, .src_root = -1};
	j.dest = absolute_dest(st, v, &ignored);
	json_object_set_new(st->config, "WorkingDir", json_string(j.dest));
	_cleanup_strv_ char **sh = build_shell(st);
	_cleanup_free_ char *created_by =
	    hull_strdup_printf("%s %s #(nop) WORKDIR %s", sh[0], sh[1] ? sh[1] : "", j.dest);
	_cleanup_free_ char *conf = json_dumps(st->config, JSON_COMPACT | JSON_SORT_KEYS);
	return cached_apply(b, st, &j, created_by, conf, err);
}
