/* run_mount.c - RUN --mount: what a RUN sees besides its image, never part
 * of a layer.
 *
 *   type=cache,target=P[,id=][,sharing=shared|private|locked][,mode=][,uid=][,gid=]
 *       data_root/build-mounts/cache/<sha256 of id> (id defaults to the
 *       target), kept between builds; locked: one RUN at a time; private: a
 *       RUN that finds it busy gets a fresh directory, dropped afterwards.
 *   type=bind,target=P[,source=S][,from=STAGE|IMAGE][,rw]
 *       S from the context (or the stage's or image's root, mounted
 *       read-only for the RUN); read-only unless rw, and then the RUN writes
 *       into a copy that is dropped.
 *   type=secret,id=X[,target=P][,required][,mode=][,uid=][,gid=]
 *       the file `--secret id=X,src=FILE` names, copied to a private file
 *       (mode 0400 by default) and bound read-only at /run/secrets/X.
 *
 * The engine binds each one (--mount type=bind); after the RUN the mount
 * points it had to create in the container's upper directory (and their
 * parents the image did not have) are removed, so the layer holds none of
 * them. A secret's content and path never reach the cache key or history. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builder_internal.h"
#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "hull/inroot.h"

#define SECRET_MAX (500u * 1024) /* BuildKit's limit on a secret */

void hull_build_mount_clear(struct hull_build_mount *m)
{
	free(m->type), free(m->target), free(m->source), free(m->from), free(m->id), free(m->sharing);
}

static int parse_number(const char *key, const char *v, int base, long *out, struct hull_error **err)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, base);
	if (errno || !*v || *end || n < 0 || n > 0x7fffffffL)
		return hull_error_msg(err, EINVAL, "--mount: bad %s `%s`", key, v);
	*out = n;
	return 0;
}

int hull_build_mount_parse(const char *spec, struct hull_build_mount *m, struct hull_error **err)
{
	*m = (struct hull_build_mount){.mode = -1, .uid = -1, .gid = -1};
	_cleanup_free_ char *copy = hull_xstrdup(spec);
	char *save = NULL;
	for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		const char *v = eq ? eq + 1 : NULL;
		if (eq)
			*eq = '\0';
		char **slot = NULL;
		if (!strcmp(kv, "type"))
			slot = &m->type;
		else if (!strcmp(kv, "target") || !strcmp(kv, "dst") || !strcmp(kv, "destination"))
			slot = &m->target;
		else if (!strcmp(kv, "source") || !strcmp(kv, "src"))
			slot = &m->source;
		else if (!strcmp(kv, "from"))
			slot = &m->from;
		else if (!strcmp(kv, "id"))
			slot = &m->id;
		else if (!strcmp(kv, "sharing"))
			slot = &m->sharing;
		else if (!strcmp(kv, "rw") || !strcmp(kv, "readwrite"))
			m->rw = !v || !strcmp(v, "true");
		else if (!strcmp(kv, "ro") || !strcmp(kv, "readonly"))
			m->rw = v && strcmp(v, "true");
		else if (!strcmp(kv, "required"))
			m->required = !v || !strcmp(v, "true");
		else if (!strcmp(kv, "mode") && v) {
			if (parse_number("mode", v, 8, &m->mode, err) < 0)
				return -EINVAL;
		} else if (!strcmp(kv, "uid") && v) {
			if (parse_number("uid", v, 10, &m->uid, err) < 0)
				return -EINVAL;
		} else if (!strcmp(kv, "gid") && v) {
			if (parse_number("gid", v, 10, &m->gid, err) < 0)
				return -EINVAL;
		} else
			return hull_error_msg(err, EINVAL,
					      "--mount: unknown option `%s` (type, target, source, from, id, "
					      "sharing, rw, required, mode, uid, gid)",
					      kv);
		if (slot) {
			if (!v || !*v)
				return hull_error_msg(err, EINVAL, "--mount: %s needs a value", kv);
			free(*slot);
			*slot = hull_xstrdup(v);
		}
	}
	if (!m->type)
		m->type = hull_xstrdup("bind");
	if (strcmp(m->type, "cache") && strcmp(m->type, "bind") && strcmp(m->type, "secret"))
		return hull_error_msg(err, EINVAL, "--mount: type `%s` is not supported (cache, bind, secret)",
				      m->type);
	if (!m->target && !strcmp(m->type, "secret")) {
		if (!m->id)
			return hull_error_msg(err, EINVAL, "--mount: a secret needs an id or a target");
		m->target = hull_strdup_printf("/run/secrets/%s", m->id);
	}
	if (!m->target)
		return hull_error_msg(err, EINVAL, "--mount: type=%s needs a target", m->type);
	if (m->sharing && strcmp(m->sharing, "shared") && strcmp(m->sharing, "private") && strcmp(m->sharing, "locked"))
		return hull_error_msg(err, EINVAL, "--mount: sharing `%s` (shared, private, locked)", m->sharing);
	return 0;
}

/* The paths the engine gets travel in a --mount string: no commas. */
static int check_path(const char *what, const char *p, struct hull_error **err)
{
	if (strchr(p, ','))
		return hull_error_msg(err, EINVAL, "--mount: %s `%s` has a comma", what, p);
	return 0;
}

static void add_bind(struct run_mounts *rm, const char *source, const char *target, bool ro)
{
	rm->specs = hull_xrealloc(rm->specs, (rm->n + 2) * sizeof(char *));
	rm->targets = hull_xrealloc(rm->targets, (rm->n + 2) * sizeof(char *));
	rm->specs[rm->n] = hull_strdup_printf("type=bind,source=%s,target=%s%s", source, target, ro ? ",readonly" : "");
	rm->targets[rm->n] = hull_xstrdup(target);
	rm->n++;
	rm->specs[rm->n] = rm->targets[rm->n] = NULL;
}

static char *tmp_path(struct build *b, const char *what)
{
	_cleanup_free_ char *dir = hull_path_join(b->ctx->data_root, "build-tmp");
	hull_mkdir_p(dir, 0700, NULL);
	return hull_strdup_printf("%s/%s.XXXXXX", dir, what);
}

static void push_tmp(char ***v, char *path)
{
	size_t n = 0;
	while (*v && (*v)[n])
		n++;
	*v = hull_xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = path;
	(*v)[n + 1] = NULL;
}

/* ---------------------------------------------------------------- cache -- */

static int mount_cache(struct build *b, struct run_mounts *rm, const struct hull_build_mount *m,
		       struct hull_error **err)
{
	char digest[HULL_DIGEST_BUF_LEN];
	const char *id = m->id ? m->id : m->target;
	hull_sha256_buffer(id, strlen(id), digest);
	_cleanup_free_ char *base = hull_path_join(b->ctx->data_root, "build-mounts/cache");
	_cleanup_free_ char *dir = hull_strdup_printf("%s/%s", base, hull_digest_hex(digest));
	_cleanup_free_ char *lock = hull_strdup_printf("%s.lock", dir);
	int r = hull_mkdir_p(base, 0700, err);
	if (r < 0)
		return r;
	if (mkdir(dir, m->mode >= 0 ? (mode_t)m->mode : 0755) == 0) {
		if ((m->uid >= 0 || m->gid >= 0) &&
		    chown(dir, (uid_t)(m->uid >= 0 ? m->uid : 0), (gid_t)(m->gid >= 0 ? m->gid : 0)) < 0)
			return hull_error_set(err, errno, "chown the cache directory `%s`", dir);
		if (m->mode >= 0)
			chmod(dir, (mode_t)m->mode);
	} else if (errno != EEXIST)
		return hull_error_set(err, errno, "create the cache directory `%s`", dir);
	const char *sharing = m->sharing ? m->sharing : "shared";
	if (strcmp(sharing, "shared")) {
		int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return hull_error_set(err, errno, "open `%s`", lock);
		bool locked = !strcmp(sharing, "locked");
		if (flock(fd, locked ? LOCK_EX : LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(fd);
			if (locked || e != EWOULDBLOCK)
				return hull_error_set(err, e, "lock the cache `%s`", id);
			/* private and busy: a fresh directory for this RUN only */
			char *fresh = tmp_path(b, "cache");
			if (!mkdtemp(fresh)) {
				r = hull_error_set(err, errno, "mkdtemp `%s`", fresh);
				free(fresh);
				return r;
			}
			chmod(fresh, m->mode >= 0 ? (mode_t)m->mode : 0755);
			add_bind(rm, fresh, m->target, false);
			push_tmp(&rm->tmp, fresh);
			return 0;
		}
		rm->locks = hull_xrealloc(rm->locks, (rm->n_locks + 1) * sizeof(int));
		rm->locks[rm->n_locks++] = fd;
	}
	add_bind(rm, dir, m->target, false);
	return 0;
}

/* --------------------------------------------------------------- secret -- */

/* The FILE of `--secret id=X,src=FILE` (or `source=`), or NULL. */
static char *secret_source(struct build *b, const char *id, struct hull_error **err)
{
	for (char **s = b->o->secrets; s && *s; s++) {
		_cleanup_free_ char *copy = hull_xstrdup(*s);
		char *save = NULL, *sid = NULL, *src = NULL;
		for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
			if (!strncmp(kv, "id=", 3))
				sid = kv + 3;
			else if (!strncmp(kv, "src=", 4))
				src = kv + 4;
			else if (!strncmp(kv, "source=", 7))
				src = kv + 7;
			else if (strcmp(kv, "type=file")) {
				hull_error_msg(err, EINVAL, "--secret `%s`: unknown field `%s` (id=, src=)", *s, kv);
				return NULL;
			}
		}
		if (!sid || !src) {
			hull_error_msg(err, EINVAL, "--secret `%s`: give id=ID,src=FILE", *s);
			return NULL;
		}
		if (!strcmp(sid, id))
			return hull_xstrdup(src);
	}
	return NULL;
}

static int mount_secret(struct build *b, struct run_mounts *rm, const struct hull_build_mount *m,
			struct hull_error **err)
{
	const char *id = m->id;
	_cleanup_free_ char *from_target = NULL;
	if (!id) {
		const char *slash = strrchr(m->target, '/');
		id = from_target = hull_xstrdup(slash ? slash + 1 : m->target);
	}
	struct hull_error *e = NULL;
	_cleanup_free_ char *src = secret_source(b, id, &e);
	if (e) {
		*err = e;
		return -EINVAL;
	}
	if (!src) {
		if (m->required)
			return hull_error_msg(err, ENOENT,
					      "secret `%s` is required: give it with --secret id=%s,src=FILE", id, id);
		return 0; /* BuildKit: an optional secret that is not given is not mounted */
	}
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	if (hull_read_file_max(src, SECRET_MAX, &data, &len, err) < 0)
		return hull_error_wrap(err, -EIO, "secret `%s`", id);
	char *copy = tmp_path(b, "secret");
	int fd = mkstemp(copy);
	int r = 0;
	if (fd < 0 || hull_write_all(fd, data, len) < 0 ||
	    fchown(fd, (uid_t)(m->uid >= 0 ? m->uid : 0), (gid_t)(m->gid >= 0 ? m->gid : 0)) < 0 ||
	    fchmod(fd, m->mode >= 0 ? (mode_t)m->mode : 0400) < 0)
		r = hull_error_set(err, errno, "copy secret `%s`", id);
	if (fd >= 0)
		close(fd);
	push_tmp(&rm->tmp, copy);
	if (r < 0)
		return r;
	add_bind(rm, copy, m->target, true);
	return 0;
}

/* ----------------------------------------------------------------- bind -- */

static struct hull_sha256 *walk_hash; /* nftw has no user data */
static size_t walk_prefix;

static int hash_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)flag, (void)f;
	char line[128];
	int n = snprintf(line, sizeof line, "%o %lld\n", (unsigned)sb->st_mode, (long long)sb->st_size);
	hull_sha256_update(walk_hash, path + walk_prefix, strlen(path + walk_prefix) + 1);
	hull_sha256_update(walk_hash, line, (size_t)n);
	if (S_ISREG(sb->st_mode)) {
		_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		char d[HULL_DIGEST_BUF_LEN] = "";
		if (fd >= 0 && hull_sha256_fd(fd, d, NULL, NULL) == 0)
			hull_sha256_update(walk_hash, d, strlen(d));
	} else if (S_ISLNK(sb->st_mode)) {
		char t[4096];
		ssize_t k = readlink(path, t, sizeof t);
		if (k > 0)
			hull_sha256_update(walk_hash, t, (size_t)k);
	}
	return 0;
}

/* The content of a bind source from the context, for the cache key. */
static void hash_tree(const char *path, char out[HULL_DIGEST_BUF_LEN])
{
	walk_hash = hull_sha256_new();
	walk_prefix = strlen(path);
	nftw(path, hash_entry, 16, FTW_PHYS);
	hull_sha256_digest(walk_hash, out);
	hull_sha256_free(walk_hash);
	walk_hash = NULL;
}

/* The root of from=: a stage's or an image's layers, mounted read-only
 * (one layer: a bind of it; more: an overlay of them all). */
static int mount_from(struct build *b, struct stage *st, struct run_mounts *rm, const char *from, char **root,
		      struct hull_error **err)
{
	long dep = stage_named(b, from, st->index);
	const char *ref = dep >= 0 ? b->stages[dep].image_id : from;
	if (!ref)
		return hull_error_msg(err, EINVAL, "--mount from=%s: that stage is FROM scratch with no layer", from);
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_get(b->store, ref, &img, err) < 0)
		return hull_error_wrap(err, -ENOENT, "--mount from=%s (a stage or an image in the store)", from);
	if (!img->n_layers)
		return hull_error_msg(err, EINVAL, "--mount from=%s: the image has no layer", from);
	char *dir = tmp_path(b, "from");
	if (!mkdtemp(dir)) {
		int e = hull_error_set(err, errno, "mkdtemp `%s`", dir);
		free(dir);
		return e;
	}
	int r;
	if (img->n_layers == 1)
		r = mount(img->layer_dirs[0], dir, NULL, MS_BIND, NULL);
	else {
		_cleanup_free_ char *lower = hull_xstrdup("lowerdir=");
		for (size_t i = img->n_layers; i-- > 0;) {
			char *t =
			    hull_strdup_printf("%s%s%s", lower, i + 1 == img->n_layers ? "" : ":", img->layer_dirs[i]);
			free(lower);
			lower = t;
		}
		r = mount("overlay", dir, "overlay", MS_RDONLY, lower);
	}
	if (r < 0) {
		r = hull_error_set(err, errno, "--mount from=%s: mount the image's root", from);
		rmdir(dir);
		free(dir);
		return r;
	}
	push_tmp(&rm->mounted, dir);
	*root = hull_xstrdup(dir);
	return 0;
}

static int mount_bind(struct build *b, struct stage *st, struct run_mounts *rm, const struct hull_build_mount *m,
		      struct hull_error **err)
{
	_cleanup_free_ char *root = NULL;
	if (m->from) {
		int r = mount_from(b, st, rm, m->from, &root, err);
		if (r < 0)
			return r;
	} else if (!(root = realpath(b->o->context, NULL)))
		return hull_error_set(err, errno, "the build context `%s`", b->o->context);
	_cleanup_free_ char *rel = hull_path_clean(m->source ? m->source : "/");
	/* the path the engine binds is the text, so it must resolve as
	 * written: no symlink on the way, nothing outside the root */
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = rootfd < 0 ? -errno : hull_open_in_root(rootfd, rel, O_PATH | O_NOFOLLOW, HULL_IN_ROOT_NO_SYMLINKS);
	if (fd < 0)
		return hull_error_set(
		    err, -fd, "--mount source `%s`: not found in the %s%s (symlinks are not followed)",
		    m->source ? m->source : "/", m->from ? "root of " : "build context", m->from ? m->from : "");
	close(fd);
	_cleanup_free_ char *path = hull_path_join(root, rel[0] == '/' ? rel + 1 : rel);
	if (check_path("source", path, err) < 0)
		return -EINVAL;
	if (!m->from) {
		char d[HULL_DIGEST_BUF_LEN];
		hash_tree(path, d);
		char *t = hull_strdup_printf("%s %s", rm->key, d);
		free(rm->key);
		rm->key = t;
	}
	if (m->rw) { /* writes go to a copy that is dropped */
		struct stat sb;
		char *copy = tmp_path(b, "bind");
		if (!mkdtemp(copy)) {
			int e = hull_error_set(err, errno, "mkdtemp `%s`", copy);
			free(copy);
			return e;
		}
		push_tmp(&rm->tmp, copy);
		if (lstat(path, &sb) < 0)
			return hull_error_set(err, errno, "--mount source `%s`", m->source);
		if (!S_ISDIR(sb.st_mode))
			return hull_error_msg(err, EINVAL, "--mount source `%s`: rw needs a directory", m->source);
		int r = hull_copy_tree(path, copy, err);
		if (r < 0)
			return r;
		add_bind(rm, copy, m->target, false);
		return 0;
	}
	add_bind(rm, path, m->target, true);
	return 0;
}

/* ------------------------------------------------------------------ API -- */

int run_mounts_setup(struct build *b, struct stage *st, const struct hull_instruction *in, struct run_mounts *rm,
		     struct hull_error **err)
{
	*rm = (struct run_mounts){.key = hull_xstrdup("")};
	for (char **f = in->flags; *f; f++) {
		if (!strncmp(*f, "--network=", 10) || !strncmp(*f, "--security=", 11))
			return hull_error_msg(err, EINVAL, "RUN %.*s is not supported", (int)strcspn(*f, "="), *f);
		if (strncmp(*f, "--mount=", 8))
			return hull_error_msg(err, EINVAL, "Unknown flag: %s", *f + 2);
		_cleanup_free_ char *spec = NULL;
		if (build_expand(b, st, *f + 8, &spec, err) < 0)
			return -EINVAL;
		struct hull_build_mount m;
		int r = hull_build_mount_parse(spec, &m, err);
		if (r == 0) {
			_cleanup_free_ char *clean = hull_path_clean(m.target);
			free(m.target);
			m.target = clean[0] == '/' ? hull_xstrdup(clean) : hull_strdup_printf("/%s", clean);
			r = check_path("target", m.target, err);
		}
		if (r == 0 && !strcmp(m.target, "/"))
			r = hull_error_msg(err, EINVAL, "--mount: the target cannot be /");
		if (r == 0) {
			/* the secret's text in the key is its id and target only */
			char *t = hull_strdup_printf("%s%s\n", rm->key, spec);
			free(rm->key);
			rm->key = t;
			if (!strcmp(m.type, "cache"))
				r = mount_cache(b, rm, &m, err);
			else if (!strcmp(m.type, "secret"))
				r = mount_secret(b, rm, &m, err);
			else
				r = mount_bind(b, st, rm, &m, err);
		}
		hull_build_mount_clear(&m);
		if (r < 0)
			return r;
	}
	return 0;
}

void run_mounts_release(struct run_mounts *rm)
{
	for (size_t i = 0; i < rm->n_locks; i++)
		close(rm->locks[i]);
	for (char **p = rm->mounted; p && *p; p++) {
		umount2(*p, MNT_DETACH);
		rmdir(*p);
	}
	for (char **p = rm->tmp; p && *p; p++)
		hull_rm_rf(*p, NULL);
	hull_strv_free(rm->specs);
	hull_strv_free(rm->targets);
	hull_strv_free(rm->tmp);
	hull_strv_free(rm->mounted);
	free(rm->locks);
	free(rm->key);
	*rm = (struct run_mounts){0};
}

/* Does path exist in one of the image's layers? */
static bool in_image(struct hull_image *img, const char *path)
{
	for (size_t i = 0; img && i < img->n_layers; i++) {
		_cleanup_close_ int root = open(img->layer_dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		int fd = root < 0 ? -1 : hull_open_in_root(root, path, O_PATH | O_NOFOLLOW, HULL_IN_ROOT_NO_SYMLINKS);
		if (fd >= 0) {
			close(fd);
			return true;
		}
	}
	return false;
}

int run_mounts_clean_upper(struct build *b, const char *parent, const struct run_mounts *rm, const char *upper,
			   struct hull_error **err)
{
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_get(b->store, parent, &img, err) < 0)
		return -ENOENT;
	_cleanup_close_ int root = open(upper, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return hull_error_set(err, errno, "open `%s`", upper);
	for (size_t i = 0; i < rm->n; i++) {
		_cleanup_free_ char *p = hull_xstrdup(rm->targets[i]);
		/* the mount point, then each parent the image did not have, while
		 * empty: a path the RUN itself filled is kept */
		for (char *slash; *p && strcmp(p, "/"); *slash = '\0') {
			slash = strrchr(p, '/');
			if (in_image(img, p))
				break;
			_cleanup_free_ char *dir = slash == p ? hull_xstrdup("/") : strndup(p, (size_t)(slash - p));
			_cleanup_close_ int dfd =
			    hull_open_in_root(root, dir, O_PATH | O_DIRECTORY | O_NOFOLLOW, HULL_IN_ROOT_NO_SYMLINKS);
			if (dfd < 0)
				break;
			struct stat sb;
			if (fstatat(dfd, slash + 1, &sb, AT_SYMLINK_NOFOLLOW) < 0)
				break;
			if (S_ISREG(sb.st_mode) && sb.st_size == 0 && i < rm->n && !strcmp(p, rm->targets[i])) {
				if (unlinkat(dfd, slash + 1, 0) < 0)
					break;
			} else if (!S_ISDIR(sb.st_mode) || unlinkat(dfd, slash + 1, AT_REMOVEDIR) < 0)
				break;
		}
	}
	return 0;
}
