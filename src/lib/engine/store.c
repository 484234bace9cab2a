/* store.c - the container record store: directories, name index, lookup.
 *
 * A container is a directory data_root/containers/<id>; its name is a
 * symlink data_root/names/<name> -> <id>. symlink(2) either creates the link
 * or fails with EEXIST, so two concurrent `hull run --name x` cannot both
 * win, with no lock held across processes.
 *
 * Every step survives a kill -9 of the command taking it:
 *  - reserve makes containers/.new-<id> with its `lock` file flocked, then
 *    renames it to <id>, then links the name; the creator keeps the flock
 *    until the record is saved. A directory with no record whose lock is
 *    free was abandoned: reserve of its name, load, list and prune remove
 *    it and its name (reap_abandoned);
 *  - rm renames <id> to .rm-<id> (one step out of every listing) and
 *    deletes it holding the lock, which is deleted last: a .rm-* whose
 *    lock is free is finished by the next list. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/timefmt.h"
#include "engine_internal.h"
#include "network_internal.h"
#include "store_internal.h"

void hull_container_free(struct hull_container *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->name);
	free(c->dir);
	if (c->record)
		json_decref(c->record);
	if (c->create_lock >= 0)
		close(c->create_lock);
	free(c);
}

void hull_container_created(struct hull_container *c)
{
	if (c->create_lock >= 0)
		close(c->create_lock);
	c->create_lock = -1;
}

void hull_container_freep(struct hull_container **c)
{
	hull_container_free(*c);
	*c = NULL;
}

char *hull_engine_containers_dir(const struct hull_ctx *ctx)
{
	return hull_path_join(ctx->data_root, "containers");
}

char *hull_engine_runtime_root(const struct hull_ctx *ctx)
{
	if (!strcmp(ctx->data_root, "/var/lib/hull"))
		return hull_xstrdup("/run/hull-engine");
	return hull_path_join(ctx->data_root, "run");
}

static char *names_dir(const struct hull_ctx *ctx)
{
	return hull_path_join(ctx->data_root, "names");
}

static bool is_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return false;
	return true;
}

/* Delete a hidden directory (.rm-<id>, .new-<id>) whose lock the caller
 * holds or that has none: everything but the lock first, the lock last,
 * so that a deletion killed half-way still shows a lock to the next one.
 * Never across a mount point (a monitor's rootfs or shared /dev/shm): the
 * mounted tree is not ours to empty. */
static int remove_hidden(const char *dir, struct hull_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : hull_error_set(err, errno, "open `%s`", dir);
	struct stat top;
	if (fstat(dirfd(d), &top) < 0)
		return hull_error_set(err, errno, "stat `%s`", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "lock"))
			continue;
		_cleanup_free_ char *p = hull_path_join(dir, de->d_name);
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_dev != top.st_dev)
			return hull_error_msg(err, EBUSY, "`%s` is a mount point; not removing across it", p);
		int r = hull_rm_rf(p, err);
		if (r < 0)
			return r;
	}
	_cleanup_free_ char *lock = hull_path_join(dir, "lock");
	unlink(lock);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return hull_error_set(err, errno, "rmdir `%s`", dir);
	return 0;
}

/* A creator between its mkdir and its flock has no lock file yet: a
 * .new-* without one is abandoned only once it is this old. */
#define ABANDONED_AFTER_SECONDS 30

static bool has_record(const char *dir)
{
	_cleanup_free_ char *p = hull_path_join(dir, "container.json");
	return access(p, F_OK) == 0;
}

/* Take dir's lock without waiting: a fd holding it, -ENOENT when there is
 * no lock file, -EWOULDBLOCK when its owner (a create, an rm) is alive. */
static int try_lock(const char *dir)
{
	_cleanup_free_ char *p = hull_path_join(dir, "lock");
	_cleanup_close_ int fd = open(p, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return -EWOULDBLOCK;
	return take_fd(fd);
}

static void release_name(const struct hull_ctx *ctx, const char *name, const char *id);

/* entry of containers/ (an id, .new-<id> or .rm-<id>) left by a command
 * that was killed: finish removing it. True when it is gone; false when
 * its owner is alive, it has a record, or it cannot be removed now. */
static bool reap_abandoned(const struct hull_ctx *ctx, const char *entry)
{
	_cleanup_free_ char *cd = hull_engine_containers_dir(ctx);
	_cleanup_free_ char *dir = hull_path_join(cd, entry);
	bool hidden = entry[0] == '.';
	if (!hidden && has_record(dir))
		return false;
	_cleanup_close_ int lock = try_lock(dir);
	if (lock == -EWOULDBLOCK || (lock < 0 && lock != -ENOENT))
		return false;
	struct stat st;
	if (lock == -ENOENT && !strncmp(entry, ".new-", 5) &&
	    (lstat(dir, &st) < 0 || time(NULL) - st.st_mtime < ABANDONED_AFTER_SECONDS))
		return false;
	if (hidden)
		return remove_hidden(dir, NULL) == 0;
	/* the creator may have saved the record just before we took its lock */
	if (has_record(dir))
		return false;
	_cleanup_free_ char *nd = names_dir(ctx);
	_cleanup_closedir_ DIR *names = opendir(nd);
	struct dirent *de;
	while (names && (de = readdir(names)))
		if (de->d_name[0] != '.')
			release_name(ctx, de->d_name, entry);
	_cleanup_free_ char *trash = hull_strdup_printf("%s/.rm-%s", cd, entry);
	if (rename(dir, trash) < 0)
		return errno == ENOENT;
	return remove_hidden(trash, NULL) == 0;
}

/* Link names/<name> -> id; a link whose container directory is gone (a
 * crash between the two steps of rm) is stale and replaced, as is one to
 * a create that was killed before it saved the record. */
static int claim_name(const struct hull_ctx *ctx, const char *name, const char *id, struct hull_error **err)
{
	_cleanup_free_ char *nd = names_dir(ctx);
	_cleanup_free_ char *link = hull_path_join(nd, name);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (symlink(id, link) == 0)
			return 0;
		if (errno != EEXIST)
			return hull_error_set(err, errno, "claim name `%s`: symlink `%s`", name, link);
		char holder[HULL_ID_LEN + 2];
		ssize_t n = readlink(link, holder, sizeof(holder) - 1);
		if (n < 0)
			continue;
		holder[n] = '\0';
		_cleanup_free_ char *cd = hull_engine_containers_dir(ctx);
		_cleanup_free_ char *holder_dir = hull_path_join(cd, holder);
		if (access(holder_dir, F_OK) == 0 && !(n == HULL_ID_LEN && reap_abandoned(ctx, holder)))
			return hull_error_msg(err, EEXIST,
					      "Conflict. The container name \"/%s\" is already in use by container "
					      "\"%s\". You have to remove (or rename) that container to be able to "
					      "reuse that name.",
					      name, holder);
		unlink(link);
	}
	return hull_error_msg(err, EEXIST, "claim name `%s`: lost a race with another hull; try again", name);
}

struct hull_container *hull_container_reserve(const struct hull_ctx *ctx, const char *name,
					      struct hull_error **err)
{
	if (name && !hull_engine_valid_name(name)) {
		hull_error_msg(err, EINVAL,
			       "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
		return NULL;
	}
	_cleanup_free_ char *cd = hull_engine_containers_dir(ctx);
	_cleanup_free_ char *nd = names_dir(ctx);
	if (hull_mkdir_p(cd, 0700, err) < 0 || hull_mkdir_p(nd, 0700, err) < 0)
		return NULL;
	_cleanup_container_ struct hull_container *c = hull_xcalloc(1, sizeof(*c));
	char id[HULL_ID_LEN + 1];
	if (hull_engine_new_id(id, err) < 0)
		return NULL;
	c->id = hull_xstrdup(id);
	c->dir = hull_path_join(cd, id);
	c->create_lock = -1;
	/* made hidden, locked, then shown: a directory under its id always
	 * has the lock that tells a live create from a killed one */
	_cleanup_free_ char *fresh = hull_strdup_printf("%s/.new-%s", cd, id);
	if (mkdir(fresh, 0700) < 0) {
		hull_error_set(err, errno, "create container directory `%s`", fresh);
		return NULL;
	}
	_cleanup_free_ char *lock_path = hull_path_join(fresh, "lock");
	c->create_lock = open(lock_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (c->create_lock < 0 || flock(c->create_lock, LOCK_EX) < 0 || rename(fresh, c->dir) < 0) {
		hull_error_set(err, errno, "create container directory `%s`", c->dir);
		remove_hidden(fresh, NULL);
		return NULL;
	}
	int r = -EEXIST;
	if (name) {
		c->name = hull_xstrdup(name);
		r = claim_name(ctx, name, id, err);
	} else {
		for (int i = 0; i < 16 && r == -EEXIST; i++) {
			free(c->name);
			c->name = hull_engine_random_name();
			if (err)
				hull_error_release(err);
			r = claim_name(ctx, c->name, id, err);
		}
	}
	if (r < 0) {
		_cleanup_free_ char *trash = hull_strdup_printf("%s/.rm-%s", cd, id);
		if (rename(c->dir, trash) == 0)
			remove_hidden(trash, NULL);
		return NULL;
	}
	c->record = json_object();
	json_object_set_new(c->record, "Id", json_string(id));
	_cleanup_free_ char *slash_name = hull_strdup_printf("/%s", c->name);
	json_object_set_new(c->record, "Name", json_string(slash_name));
	c->state.status = HULL_ENGINE_CREATED;
	return steal_ptr(c);
}

int hull_container_save(const struct hull_container *c, struct hull_error **err)
{
	_cleanup_free_ char *p = hull_path_join(c->dir, "container.json");
	return hull_json_dump_file(c->record, p, 0600, err);
}

int hull_container_lock(const struct hull_container *c, struct hull_error **err)
{
	_cleanup_free_ char *p = hull_path_join(c->dir, "lock");
	_cleanup_close_ int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_set(err, errno, "lock container %.12s: open `%s`", c->id, p);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "lock container %.12s: flock", c->id);
	return take_fd(fd);
}

/* Resolve a reference to a full id: full id, name, or unique prefix. */
static int resolve_id(const struct hull_ctx *ctx, const char *ref, char id[HULL_ID_LEN + 1], struct hull_error **err)
{
	_cleanup_free_ char *cd = hull_engine_containers_dir(ctx);
	if (!*ref || strchr(ref, '/'))
		return hull_error_msg(err, ENOENT, "No such container: %s", ref);
	if (strlen(ref) == HULL_ID_LEN && is_hex(ref)) {
		_cleanup_free_ char *d = hull_path_join(cd, ref);
		if (access(d, F_OK) == 0) {
			memcpy(id, ref, HULL_ID_LEN + 1);
			return 0;
		}
	}
	_cleanup_free_ char *nd = names_dir(ctx);
	_cleanup_free_ char *link = hull_path_join(nd, ref[0] == '/' ? ref + 1 : ref);
	ssize_t n = readlink(link, id, HULL_ID_LEN);
	if (n == HULL_ID_LEN) {
		id[n] = '\0';
		_cleanup_free_ char *d = hull_path_join(cd, id);
		if (access(d, F_OK) == 0)
			return 0;
	}
	if (!is_hex(ref))
		return hull_error_msg(err, ENOENT, "No such container: %s", ref);
	_cleanup_closedir_ DIR *d = opendir(cd);
	int found = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (strlen(de->d_name) != HULL_ID_LEN || strncmp(de->d_name, ref, strlen(ref)))
			continue;
		if (found++)
			return hull_error_msg(err, EINVAL, "multiple containers found with provided prefix: %s", ref);
		memcpy(id, de->d_name, HULL_ID_LEN + 1);
	}
	if (!found)
		return hull_error_msg(err, ENOENT, "No such container: %s", ref);
	return 0;
}

static struct hull_container *load_dir(const struct hull_ctx *ctx, const char *id, struct hull_error **err)
{
	_cleanup_free_ char *cd = hull_engine_containers_dir(ctx);
	_cleanup_container_ struct hull_container *c = hull_xcalloc(1, sizeof(*c));
	c->create_lock = -1;
	c->id = hull_xstrdup(id);
	c->dir = hull_path_join(cd, id);
	_cleanup_free_ char *p = hull_path_join(c->dir, "container.json");
	_cleanup_free_ char *display = hull_strdup_printf("container %.12s: container.json", id);
	c->record = hull_json_load_file(p, display, err);
	if (!c->record)
		return NULL;
	const char *name = json_string_value(json_object_get(c->record, "Name"));
	c->name = hull_xstrdup(name ? (name[0] == '/' ? name + 1 : name) : "");
	if (hull_container_load_state(c, err) < 0)
		return NULL;
	return steal_ptr(c);
}

struct hull_container *hull_container_load(const struct hull_ctx *ctx, const char *ref, struct hull_error **err)
{
	char id[HULL_ID_LEN + 1];
	if (resolve_id(ctx, ref, id, err) < 0)
		return NULL;
	struct hull_error *e = NULL;
	struct hull_container *c = load_dir(ctx, id, &e);
	if (!c && reap_abandoned(ctx, id)) {
		/* a create killed before its record: it is no container */
		hull_error_free(e);
		hull_error_msg(err, ENOENT, "No such container: %s", ref);
		return NULL;
	}
	if (!c && err)
		*err = e;
	else
		hull_error_free(e);
	return c;
}

static int by_created(const void *a, const void *b)
{
	const struct hull_container *x = *(struct hull_container *const *)a;
	const struct hull_container *y = *(struct hull_container *const *)b;
	int64_t tx = hull_time_parse_ns(json_string_value(json_object_get(x->record, "Created")));
	int64_t ty = hull_time_parse_ns(json_string_value(json_object_get(y->record, "Created")));
	return tx < ty ? -1 : tx > ty;
}

int hull_container_list(const struct hull_ctx *ctx, struct hull_container ***out, size_t *n,
			struct hull_error **err)
{
	_cleanup_free_ char *cd = hull_engine_containers_dir(ctx);
	*out = NULL;
	*n = 0;
	_cleanup_closedir_ DIR *d = opendir(cd);
	if (!d)
		return errno == ENOENT ? 0 : hull_error_set(err, errno, "list containers: open `%s`", cd);
	struct hull_container **v = NULL;
	size_t count = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		/* what killed commands left: finished here, by whoever lists next */
		if (!strncmp(de->d_name, ".rm-", 4) || !strncmp(de->d_name, ".new-", 5)) {
			reap_abandoned(ctx, de->d_name);
			continue;
		}
		if (strlen(de->d_name) != HULL_ID_LEN || !is_hex(de->d_name))
			continue;
		struct hull_error *ignored = NULL;
		struct hull_container *c = load_dir(ctx, de->d_name, &ignored);
		hull_error_free(ignored);
		if (!c) {
			reap_abandoned(ctx, de->d_name);
			continue;
		}
		v = hull_xrealloc(v, (count + 1) * sizeof(*v));
		v[count++] = c;
	}
	if (count)
		qsort(v, count, sizeof(*v), by_created);
	*out = v;
	*n = count;
	return 0;
}

char *hull_container_hide(const struct hull_ctx *ctx, const struct hull_container *c, struct hull_error **err)
{
	_cleanup_free_ char *cd = hull_engine_containers_dir(ctx);
	char *trash = hull_strdup_printf("%s/.rm-%s", cd, c->id);
	/* one rename takes the container out of every listing; what is left
	 * to delete is hidden, even if a crash stops the deletion. The name
	 * goes after: killed in between, it is a link to no container, which
	 * the next claim replaces (before, a killed rm could leave a container
	 * whose name was gone and could not be removed by it) */
	if (rename(c->dir, trash) < 0 && errno != ENOENT) {
		hull_error_set(err, errno, "remove container %.12s: rename `%s`", c->id, c->dir);
		free(trash);
		return NULL;
	}
	release_name(ctx, c->name, c->id);
	return trash;
}

int hull_container_remove_files(const struct hull_ctx *ctx, const struct hull_container *c, struct hull_error **err)
{
	_cleanup_free_ char *trash = hull_container_hide(ctx, c, err);
	if (!trash)
		return -EIO;
	return remove_hidden(trash, err);
}

int engine_trash_remove(const char *trash, struct hull_error **err)
{
	return remove_hidden(trash, err);
}

const char *hull_container_image(const struct hull_container *c)
{
	json_t *config = json_object_get(c->record, "Config");
	const char *s = json_string_value(json_object_get(config, "Image"));
	return s ? s : "";
}

/* Drop names/<name> when it still names container id. */
static void release_name(const struct hull_ctx *ctx, const char *name, const char *id)
{
	_cleanup_free_ char *nd = names_dir(ctx);
	_cleanup_free_ char *link = hull_path_join(nd, name);
	char holder[HULL_ID_LEN + 2];
	ssize_t n = readlink(link, holder, sizeof(holder) - 1);
	if (n == HULL_ID_LEN && !strncmp(holder, id, HULL_ID_LEN))
		unlink(link);
}

int hull_container_rename(const struct hull_ctx *ctx, struct hull_container *c, const char *name,
			  struct hull_error **err)
{
	if (!hull_engine_valid_name(name))
		return hull_error_msg(err, EINVAL,
				      "Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name);
	if (!strcmp(name, c->name))
		return hull_error_msg(err, EINVAL, "Renaming a container with the same name as its current name");
	_cleanup_close_ int lock = hull_container_lock(c, err);
	if (lock < 0)
		return lock;
	/* the record as it is now (a monitor or an update may have written it) */
	_cleanup_free_ char *p = hull_path_join(c->dir, "container.json");
	json_t *disk = hull_json_load_file(p, "container.json", err);
	if (!disk)
		return -EIO;
	json_decref(c->record);
	c->record = disk;
	int r = claim_name(ctx, name, c->id, err);
	if (r < 0)
		return hull_error_wrap(err, r, "Error when allocating new name");
	_cleanup_free_ char *slash_name = hull_strdup_printf("/%s", name);
	json_object_set_new(c->record, "Name", json_string(slash_name));
	if ((r = hull_container_save(c, err)) < 0) {
		release_name(ctx, name, c->id);
		return r;
	}
	release_name(ctx, c->name, c->id);
	free(c->name);
	c->name = hull_xstrdup(name);
	net_rename_container(ctx, c->id, name);
	return 0;
}
