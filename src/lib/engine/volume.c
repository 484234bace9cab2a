/* volume.c - named volumes, laid out as docker's local driver:
 * data_root/volumes/<name>/_data plus our volume.json beside it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/timefmt.h"
#include "hull/volume.h"

void hull_volume_free(struct hull_volume *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->mountpoint);
	free(v->created_at);
	if (v->labels)
		json_decref(v->labels);
	free(v);
}

void hull_volume_freep(struct hull_volume **v)
{
	hull_volume_free(*v);
	*v = NULL;
}

static char *volumes_dir(const struct hull_ctx *ctx)
{
	return hull_path_join(ctx->data_root, "volumes");
}

int hull_volume_lock(const struct hull_ctx *ctx, struct hull_error **err)
{
	_cleanup_free_ char *vd = volumes_dir(ctx);
	if (hull_mkdir_p(vd, 0700, err) < 0)
		return -errno;
	_cleanup_free_ char *p = hull_path_join(vd, ".lock");
	_cleanup_close_ int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_set(err, errno, "lock the volume store: open `%s`", p);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "lock the volume store: flock `%s`", p);
	return take_fd(fd);
}

static struct hull_volume *load_volume(const struct hull_ctx *ctx, const char *name, struct hull_error **err)
{
	_cleanup_free_ char *vd = volumes_dir(ctx);
	_cleanup_free_ char *dir = hull_path_join(vd, name);
	_cleanup_free_ char *meta = hull_path_join(dir, "volume.json");
	if (!hull_engine_valid_name(name) || access(meta, F_OK) < 0) {
		hull_error_msg(err, ENOENT, "no such volume: %s", name);
		return NULL;
	}
	_cleanup_free_ char *display = hull_strdup_printf("volume %s: volume.json", name);
	_cleanup_json_ json_t *j = hull_json_load_file(meta, display, err);
	if (!j)
		return NULL;
	struct hull_volume *v = hull_xcalloc(1, sizeof(*v));
	v->name = hull_xstrdup(name);
	v->mountpoint = hull_path_join(dir, "_data");
	const char *created = json_string_value(json_object_get(j, "CreatedAt"));
	v->created_at = hull_xstrdup(created ? created : "");
	json_t *labels = json_object_get(j, "Labels");
	v->labels = json_is_object(labels) ? json_incref(labels) : json_object();
	v->anonymous = json_is_true(json_object_get(j, "HullAnonymous"));
	return v;
}

struct hull_volume *hull_volume_get(const struct hull_ctx *ctx, const char *name, struct hull_error **err)
{
	return load_volume(ctx, name, err);
}

json_t *hull_volume_inspect_json(const struct hull_volume *v)
{
	json_t *j = json_object();
	json_object_set_new(j, "CreatedAt", json_string(v->created_at));
	json_object_set_new(j, "Driver", json_string("local"));
	json_object_set(j, "Labels", v->labels);
	json_object_set_new(j, "Mountpoint", json_string(v->mountpoint));
	json_object_set_new(j, "Name", json_string(v->name));
	json_object_set_new(j, "Options", json_object());
	json_object_set_new(j, "Scope", json_string("local"));
	return j;
}

static int fill_volume_dir(const char *tmp, const char *name, json_t *labels, bool anonymous,
			   struct hull_error **err)
{
	_cleanup_free_ char *data = hull_path_join(tmp, "_data");
	/* _data is 0755 as docker's, so that a non-root container user can
	 * reach what the image put there. */
	if (mkdir(data, 0755) < 0)
		return hull_error_set(err, errno, "create volume %s: mkdir `%s`", name, data);
	char now[40];
	hull_time_now_rfc3339_into(now, sizeof(now));
	_cleanup_json_ json_t *j = json_object();
	json_object_set_new(j, "Name", json_string(name));
	json_object_set_new(j, "CreatedAt", json_string(now));
	json_object_set_new(j, "Labels", labels ? json_deep_copy(labels) : json_object());
	json_object_set_new(j, "HullAnonymous", json_boolean(anonymous));
	_cleanup_free_ char *meta = hull_path_join(tmp, "volume.json");
	return hull_json_dump_file(j, meta, 0600, err);
}

/* Build the new volume under a temp name and rename it into place, so a
 * crash never leaves a volume without its volume.json. */
static int make_volume(const char *vd, const char *name, json_t *labels, bool anonymous, struct hull_error **err)
{
	_cleanup_free_ char *tmp = hull_strdup_printf("%s/.tmp-%s-%d", vd, name, (int)getpid());
	_cleanup_free_ char *final = hull_path_join(vd, name);
	hull_rm_rf(tmp, NULL);
	if (mkdir(tmp, 0700) < 0)
		return hull_error_set(err, errno, "create volume %s: mkdir `%s`", name, tmp);
	int r = fill_volume_dir(tmp, name, labels, anonymous, err);
	if (r == 0 && rename(tmp, final) < 0)
		r = hull_error_set(err, errno, "create volume %s: rename into `%s`", name, final);
	if (r < 0)
		hull_rm_rf(tmp, NULL);
	return r;
}

struct hull_volume *hull_volume_create_locked(const struct hull_ctx *ctx, const char *name, json_t *labels,
					      bool *created, struct hull_error **err)
{
	char anon[HULL_ID_LEN + 1];
	if (created)
		*created = false;
	if (!name) {
		if (hull_engine_new_id(anon, err) < 0)
			return NULL;
		name = anon;
	} else if (!hull_engine_valid_name(name) || strlen(name) < 2) {
		hull_error_msg(err, EINVAL,
			       "create %s: \"%s\" includes invalid characters for a local volume name, only "
			       "\"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed (at least 2 characters)",
			       name, name);
		return NULL;
	}
	_cleanup_free_ char *vd = volumes_dir(ctx);
	_cleanup_free_ char *dir = hull_path_join(vd, name);
	if (access(dir, F_OK) < 0) {
		if (make_volume(vd, name, labels, name == anon, err) < 0)
			return NULL;
		if (created)
			*created = true;
	}
	return load_volume(ctx, name, err);
}

struct hull_volume *hull_volume_create(const struct hull_ctx *ctx, const char *name, json_t *labels, bool *created,
				       struct hull_error **err)
{
	_cleanup_close_ int lock = hull_volume_lock(ctx, err);
	if (lock < 0)
		return NULL;
	return hull_volume_create_locked(ctx, name, labels, created, err);
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(struct hull_volume *const *)a)->name, (*(struct hull_volume *const *)b)->name);
}

int hull_volume_list(const struct hull_ctx *ctx, struct hull_volume ***out, size_t *n, struct hull_error **err)
{
	_cleanup_free_ char *vd = volumes_dir(ctx);
	*out = NULL;
	*n = 0;
	_cleanup_closedir_ DIR *d = opendir(vd);
	if (!d)
		return errno == ENOENT ? 0 : hull_error_set(err, errno, "list volumes: open `%s`", vd);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct hull_error *ignored = NULL;
		struct hull_volume *v = load_volume(ctx, de->d_name, &ignored);
		hull_error_free(ignored);
		if (!v)
			continue;
		*out = hull_xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = v;
	}
	if (*n)
		qsort(*out, *n, sizeof(**out), by_name);
	return 0;
}

static bool record_uses_volume(json_t *record, const char *name)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(record, "Mounts"), i, m)
	{
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *mname = json_string_value(json_object_get(m, "Name"));
		if (type && mname && !strcmp(type, "volume") && !strcmp(mname, name))
			return true;
	}
	return false;
}

int hull_volume_users(const struct hull_ctx *ctx, const char *name, char ***ids, struct hull_error **err)
{
	struct hull_container **cs = NULL;
	size_t n = 0, k = 0;
	*ids = hull_xcalloc(1, sizeof(char *));
	int r = hull_container_list(ctx, &cs, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (record_uses_volume(cs[i]->record, name)) {
			*ids = hull_xrealloc(*ids, (k + 2) * sizeof(char *));
			(*ids)[k++] = hull_xstrdup(cs[i]->id);
			(*ids)[k] = NULL;
		}
		hull_container_free(cs[i]);
	}
	free(cs);
	return 0;
}

static int remove_locked(const struct hull_ctx *ctx, const char *name, struct hull_error **err)
{
	_cleanup_volume_ struct hull_volume *v = load_volume(ctx, name, err);
	if (!v)
		return -ENOENT;
	_cleanup_strv_ char **users = NULL;
	int r = hull_volume_users(ctx, name, &users, err);
	if (r < 0)
		return r;
	if (users[0]) {
		size_t cap = 64;
		_cleanup_free_ char *list = hull_xcalloc(1, cap);
		for (char **u = users; *u; u++) {
			list = hull_xrealloc(list, cap += 16);
			strcat(list, u == users ? "" : ", ");
			strncat(list, *u, 12);
		}
		return hull_error_msg(err, EBUSY, "remove %s: volume is in use - [%s]", name, list);
	}
	_cleanup_free_ char *vd = volumes_dir(ctx);
	_cleanup_free_ char *dir = hull_path_join(vd, name);
	/* Rename first so a crash mid-way leaves a hidden leftover, not a
	 * volume without its data. */
	_cleanup_free_ char *trash = hull_strdup_printf("%s/.rm-%s-%d", vd, name, (int)getpid());
	if (rename(dir, trash) < 0)
		return hull_error_set(err, errno, "remove volume %s: rename `%s`", name, dir);
	r = hull_rm_rf(trash, err);
	return r < 0 ? hull_error_wrap(err, r, "remove volume %s", name) : 0;
}

int hull_volume_remove(const struct hull_ctx *ctx, const char *name, struct hull_error **err)
{
	_cleanup_close_ int lock = hull_volume_lock(ctx, err);
	if (lock < 0)
		return lock;
	return remove_locked(ctx, name, err);
}

int hull_volume_prune(const struct hull_ctx *ctx, bool all, char ***removed, unsigned long long *reclaimed,
		      struct hull_error **err)
{
	_cleanup_close_ int lock = hull_volume_lock(ctx, err);
	if (lock < 0)
		return lock;
	struct hull_volume **vs = NULL;
	size_t n = 0, k = 0;
	int r = hull_volume_list(ctx, &vs, &n, err);
	if (removed)
		*removed = hull_xcalloc(1, sizeof(char *));
	if (reclaimed)
		*reclaimed = 0;
	for (size_t i = 0; i < n; i++) {
		struct hull_volume *v = vs[i];
		_cleanup_strv_ char **users = NULL;
		if (r == 0 && (all || v->anonymous) && hull_volume_users(ctx, v->name, &users, NULL) == 0 && !users[0]) {
			unsigned long long size = hull_du(v->mountpoint);
			struct hull_error *e = NULL;
			if (remove_locked(ctx, v->name, &e) == 0) {
				if (reclaimed)
					*reclaimed += size;
				if (removed) {
					*removed = hull_xrealloc(*removed, (k + 2) * sizeof(char *));
					(*removed)[k++] = hull_xstrdup(v->name);
					(*removed)[k] = NULL;
				}
			}
			hull_error_free(e);
		}
		hull_volume_free(v);
	}
	free(vs);
	return r;
}
