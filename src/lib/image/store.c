/* store.c - the content-addressed blob store and its locks. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/lazy.h"
#include "store.h"

void hull_image_store_free(struct hull_image_store *s)
{
	if (!s)
		return;
	free(s->root);
	free(s->data_root);
	free(s->blobs);
	free(s->layers);
	free(s->records);
	free(s->ingest);
	free(s->tmp);
	free(s->locks);
	free(s->sizes);
	free(s->unsynced);
	free(s);
}

/* Each layer is a tree of its own: mark tmp/ (where layers are born) as a
 * top of hierarchies for ext4's Orlov allocator (chattr +T), so a new
 * layer's inodes go to a roomy block group instead of the parent's, which
 * after a removal is full of recently freed inodes that ext4 scans past
 * one by one (recently_deleted(), on file systems without a journal): a
 * pull right after an rmi was 2-3x slower. Other file systems ignore it. */
static void mark_topdir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int flags = 0;
	if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0 || (flags & FS_TOPDIR_FL))
		return;
	flags |= FS_TOPDIR_FL;
	ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

/* Temp entries are named <what>-<pid>-...: those of processes that died
 * (killed mid-pull) go, so they do not pile up until the next gc. */
static void sweep_dead(struct hull_image_store *s)
{
	_cleanup_closedir_ DIR *d = opendir(s->tmp);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		const char *dash = strchr(de->d_name, '-');
		if (de->d_name[0] == '.' || !dash)
			continue;
		char *end;
		long pid = strtol(dash + 1, &end, 10);
		if (pid <= 0 || *end != '-' || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		_cleanup_free_ char *p = hull_path_join(s->tmp, de->d_name);
		hull_rm_rf(p, NULL);
	}
}

static char *boot_id(void)
{
	char *id = NULL;
	if (hull_read_file("/proc/sys/kernel/random/boot_id", &id, NULL, NULL) < 0)
		return hull_xstrdup("unknown");
	id[strcspn(id, "\n")] = '\0';
	return id;
}

/* Markers live in unsynced/<boot id>/<kind>-<hex>: a store open compares
 * directory names only, never reads the markers of this boot. */
int store_mark_unsynced(struct hull_image_store *s, const char *kind, const char *digest, struct hull_error **err)
{
	_cleanup_free_ char *id = boot_id();
	_cleanup_free_ char *dir = hull_path_join(s->unsynced, id);
	if (mkdir(dir, 0700) == 0) {
		/* the directory's own entry must survive a crash too */
		_cleanup_close_ int pfd = open(s->unsynced, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pfd < 0 || fsync(pfd) < 0)
			return hull_error_set(err, errno, "fsync `%s`", s->unsynced);
	} else if (errno != EEXIST) {
		return hull_error_set(err, errno, "create `%s`", dir);
	}
	_cleanup_free_ char *p = hull_strdup_printf("%s/%s-%s", dir, kind, hull_digest_hex(digest));
	return hull_write_file_atomic(p, "", 0, 0600, true, err);
}

/* Undo what a marker from an earlier boot names: the kernel may have
 * crashed before writing it back. Layers are removed (a pull unpacks them
 * again from their blob); blobs are kept only when they still hash right. */
static void repair(struct hull_image_store *s, const char *name)
{
	const char *dash = strchr(name, '-');
	if (!dash || strlen(dash + 1) != HULL_SHA256_HEX_LEN)
		return;
	_cleanup_free_ char *digest = hull_strdup_printf("sha256:%s", dash + 1);
	if (!strncmp(name, "layer-", 6)) {
		_cleanup_free_ char *dir = store_layer_path(s, digest);
		_cleanup_free_ char *size = hull_path_join(s->sizes, dash + 1);
		if (access(dir, F_OK) == 0)
			hull_warn(s->ctx, "layer %s was unpacked before a reboot and never synced: removed; pull again", digest);
		hull_rm_rf(dir, NULL);
		unlink(size);
	} else if (!strncmp(name, "blob-", 5)) {
		_cleanup_free_ char *p = store_blob_path(s, digest);
		_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
		char got[HULL_DIGEST_BUF_LEN] = "";
		if (fd >= 0 && (hull_sha256_fd(fd, got, NULL, NULL) < 0 || strcmp(got, digest))) {
			hull_warn(s->ctx, "blob %s was damaged by a crash: removed", digest);
			unlink(p);
		}
	}
}

static int recover(struct hull_image_store *s, struct hull_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(s->unsynced);
	_cleanup_free_ char *now = boot_id();
	_cleanup_close_ int lock = -1;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, now))
			continue;
		if (lock < 0 && (lock = store_lock(s, "gc", true, err)) < 0)
			return lock;
		_cleanup_free_ char *dir = hull_path_join(s->unsynced, de->d_name);
		_cleanup_closedir_ DIR *m = opendir(dir);
		struct dirent *me;
		while (m && (me = readdir(m)))
			if (me->d_name[0] != '.')
				repair(s, me->d_name);
		hull_rm_rf(dir, NULL);
	}
	return 0;
}

void store_sync_all(struct hull_image_store *s)
{
	_cleanup_close_ int fd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		return;
	_cleanup_free_ char *now = boot_id();
	_cleanup_free_ char *dir = hull_path_join(s->unsynced, now);
	hull_rm_rf(dir, NULL);
}

int hull_image_store_open(struct hull_ctx *ctx, struct hull_image_store **out, struct hull_error **err)
{
	*out = NULL;
	/* Every blob, layer and image id is a sha256 digest (libcrypto). */
	int lr = hull_lazy_require(HULL_LIB_CRYPTO, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "image store");
	const char *data_root = ctx->data_root ? ctx->data_root : "/var/lib/hull";
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = hull_xcalloc(1, sizeof(*s));
	s->ctx = ctx;
	s->data_root = hull_xstrdup(data_root);
	s->root = hull_path_join(data_root, "images");
	s->blobs = hull_path_join(s->root, "blobs/sha256");
	s->layers = hull_path_join(s->root, "layers");
	s->records = hull_path_join(s->root, "images");
	s->ingest = hull_path_join(s->root, "ingest");
	s->tmp = hull_path_join(s->root, "tmp");
	s->locks = hull_path_join(s->root, "locks");
	s->sizes = hull_path_join(s->root, "layer-sizes");
	s->unsynced = hull_path_join(s->root, "unsynced");
	const char *dirs[] = { s->blobs, s->layers, s->records, s->ingest, s->tmp, s->locks, s->sizes, s->unsynced };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(dirs); i++) {
		int ret = hull_mkdir_p(dirs[i], 0700, err);
		if (ret < 0)
			return hull_error_wrap(err, ret, "open image store `%s`", s->root);
	}
	mark_topdir(s->tmp);
	sweep_dead(s);
	int ret = recover(s, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "open image store `%s`", s->root);
	*out = steal_ptr(s);
	return 0;
}

void hull_image_store_set_in_use(struct hull_image_store *s, bool (*fn)(void *, const char *), void *opaque)
{
	s->in_use = fn;
	s->in_use_opaque = opaque;
}

char *store_blob_path(struct hull_image_store *s, const char *digest)
{
	return hull_strdup_printf("%s/%s", s->blobs, hull_digest_hex(digest));
}

char *store_layer_path(struct hull_image_store *s, const char *diff_id)
{
	return hull_strdup_printf("%s/%s", s->layers, hull_digest_hex(diff_id));
}

bool store_has_blob(struct hull_image_store *s, const char *digest)
{
	_cleanup_free_ char *p = store_blob_path(s, digest);
	return access(p, F_OK) == 0;
}

bool store_has_layer(struct hull_image_store *s, const char *diff_id)
{
	_cleanup_free_ char *p = store_layer_path(s, diff_id);
	return access(p, F_OK) == 0;
}

int store_lock(struct hull_image_store *s, const char *name, bool exclusive, struct hull_error **err)
{
	_cleanup_free_ char *p = hull_path_join(s->locks, name);
	_cleanup_close_ int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_set(err, errno, "open lock `%s`", p);
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "lock `%s`", p);
	return take_fd(fd);
}

char *store_tmp_name(struct hull_image_store *s, const char *what)
{
	static atomic_uint counter;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return hull_strdup_printf("%s/%s-%d-%u-%ld", s->tmp, what, getpid(), atomic_fetch_add(&counter, 1),
				  (long)ts.tv_nsec);
}

int store_commit_file(struct hull_image_store *s, const char *tmp_path, const char *digest, struct hull_error **err)
{
	_cleanup_free_ char *dst = store_blob_path(s, digest);
	/* Content-addressed: when another pull stored it first, the bytes are
	 * the same; keep theirs. */
	if (access(dst, F_OK) == 0) {
		unlink(tmp_path);
		return 0;
	}
	int ret = store_mark_unsynced(s, "blob", digest, err);
	if (ret < 0) {
		unlink(tmp_path);
		return ret;
	}
	if (rename(tmp_path, dst) < 0) {
		int e = errno;
		unlink(tmp_path);
		return hull_error_set(err, e, "store blob %s", digest);
	}
	return 0;
}

int store_put_blob(struct hull_image_store *s, const void *data, size_t len, const char *expected,
		   char digest_out[HULL_DIGEST_BUF_LEN], struct hull_error **err)
{
	char digest[HULL_DIGEST_BUF_LEN];
	hull_sha256_buffer(data, len, digest);
	if (expected && strcmp(expected, digest))
		return hull_error_msg(err, EINVAL, "digest mismatch: expected %s, content hashes to %s", expected,
				      digest);
	if (digest_out)
		memcpy(digest_out, digest, sizeof(digest));
	if (store_has_blob(s, digest))
		return 0;
	_cleanup_free_ char *dst = store_blob_path(s, digest);
	/* Manifests and configs are small: fsync them rather than mark them.
	 * Written in tmp/ under our pid, not beside dst: a pull killed before
	 * the rename leaves no stray file among the blobs, and the next store
	 * open sweeps it (sweep_dead). */
	_cleanup_free_ char *tmp = store_tmp_name(s, "blob");
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return hull_error_set(err, errno, "store blob %s: create `%s`", digest, tmp);
	int r = hull_write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, dst) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return hull_error_set(err, -r, "store blob %s", digest);
	}
	/* the new entry itself must survive a crash */
	_cleanup_close_ int dir = open(s->blobs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || fsync(dir) < 0)
		return hull_error_set(err, errno, "store blob %s: fsync `%s`", digest, s->blobs);
	return 0;
}

int store_read_blob(struct hull_image_store *s, const char *digest, char **out, size_t *len,
		    struct hull_error **err)
{
	_cleanup_free_ char *p = store_blob_path(s, digest);
	struct stat st;
	if (stat(p, &st) < 0)
		return hull_error_set(err, errno, "blob %s", digest);
	if (st.st_size > HULL_MAX_MANIFEST_SIZE)
		return hull_error_msg(err, EFBIG, "blob %s: %lld bytes is too large for a manifest or config", digest,
				      (long long)st.st_size);
	return hull_read_file(p, out, len, err);
}
