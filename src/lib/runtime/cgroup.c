/* cgroup.c - the cgroup manager interface: resolving a container's cgroup
 * directories, saving them, and the operations every manager shares (file
 * writes, process lists, kill, removal). The v1 and v2 specifics are in
 * cgroup_v1.c and cgroup_v2.c behind struct hull_cgroup_ops. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

void hull_cgroup_free(struct hull_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_dirs; i++) {
		free(cg->dirs[i].controllers);
		free(cg->dirs[i].path);
	}
	free(cg->dirs);
	free(cg->path);
	free(cg->unified_controllers);
	free(cg);
}

void hull_cgroup_freep(struct hull_cgroup **cg)
{
	hull_cgroup_free(*cg);
	*cg = NULL;
}

static void add_dir(struct hull_cgroup *cg, const char *controllers, const char *mount, const char *own,
		    const char *path)
{
	cg->dirs = hull_xrealloc(cg->dirs, (cg->n_dirs + 1) * sizeof(*cg->dirs));
	_cleanup_free_ char *inner = path[0] == '/' ? hull_xstrdup(path) : hull_path_join(own ? own : "/", path);
	cg->dirs[cg->n_dirs].controllers = hull_xstrdup(controllers);
	cg->dirs[cg->n_dirs].path = hull_path_join(mount, inner);
	cg->n_dirs++;
}

static const struct hull_cgroup_ops *ops_for(enum hull_cgroup_mode mode)
{
	return mode == HULL_CGROUP_V2 ? &hull_cgroup_v2_ops : &hull_cgroup_v1_ops;
}

/* cgroupsPath may not climb out of the hierarchy it names. */
static int check_path(const char *path, struct hull_error **err)
{
	_cleanup_free_ char *copy = hull_xstrdup(path);
	char *save = NULL;
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save))
		if (!strcmp(t, ".."))
			return hull_error_msg(err, EINVAL, "config.json: linux.cgroupsPath: `%s` must not contain `..`",
					      path);
	return 0;
}

struct hull_cgroup *hull_cgroup_open(const struct hull_cgroup_layout *layout, const char *cgroups_path,
				     const char *id, struct hull_error **err)
{
	_cleanup_free_ char *path = cgroups_path && *cgroups_path ? hull_xstrdup(cgroups_path)
								  : hull_strdup_printf("/hull/%s", id);
	/* runc's systemd form "slice:prefix:name" is accepted and mapped to a
	 * plain path, since hull always drives cgroupfs directly */
	if (path[0] != '/' && strchr(path, ':') && strchr(strchr(path, ':') + 1, ':')) {
		char *slice = path, *c1 = strchr(path, ':'), *c2 = strchr(c1 + 1, ':');
		*c1 = *c2 = '\0';
		char *np = hull_strdup_printf("/%s/%s-%s.scope", *slice ? slice : "system.slice", c1 + 1, c2 + 1);
		free(path);
		path = np;
	}
	if (check_path(path, err) < 0)
		return NULL;
	struct hull_cgroup *cg = hull_xcalloc(1, sizeof(*cg));
	cg->mode = layout->mode;
	cg->ops = ops_for(layout->mode);
	for (size_t i = 0; i < layout->n_v1; i++)
		add_dir(cg, layout->v1[i].controllers, layout->v1[i].mountpoint, layout->v1[i].own, path);
	if (layout->unified) {
		add_dir(cg, "", layout->unified, layout->unified_own, path);
		_cleanup_free_ char *ctl = NULL;
		if (hull_cgroup_read_in(layout->unified, "cgroup.controllers", &ctl, NULL) == 0)
			cg->unified_controllers = steal_ptr(ctl);
	}
	cg->path = steal_ptr(path);
	return cg;
}

static const char *mode_name(enum hull_cgroup_mode m)
{
	return m == HULL_CGROUP_V2 ? "v2" : m == HULL_CGROUP_HYBRID ? "hybrid" : "v1";
}

int hull_cgroup_save(const struct hull_cgroup *cg, const char *file, struct hull_error **err)
{
	_cleanup_json_ json_t *root = json_object(), *dirs = json_array();
	for (size_t i = 0; i < cg->n_dirs; i++)
		json_array_append_new(dirs, json_pack("{s:s,s:s}", "controllers", cg->dirs[i].controllers, "path",
						      cg->dirs[i].path));
	json_object_set_new(root, "mode", json_string(mode_name(cg->mode)));
	json_object_set_new(root, "path", json_string(cg->path));
	json_object_set(root, "dirs", dirs);
	if (cg->unified_controllers)
		json_object_set_new(root, "unifiedControllers", json_string(cg->unified_controllers));
	json_object_set_new(root, "sharedPidns", json_boolean(cg->shared_pidns));
	return hull_json_dump_file(root, file, 0600, err);
}

struct hull_cgroup *hull_cgroup_load(const char *file, struct hull_error **err)
{
	_cleanup_json_ json_t *root = hull_json_load_file(file, file, err);
	const char *mode = NULL, *path = NULL, *uc = NULL;
	json_t *dirs = NULL, *d;
	size_t i;
	if (!root || hull_json_get_string(root, "mode", &mode, true, file, "mode", err) < 0 ||
	    hull_json_get_string(root, "path", &path, true, file, "path", err) < 0 ||
	    hull_json_get_array(root, "dirs", &dirs, true, file, "dirs", err) < 0 ||
	    hull_json_get_string(root, "unifiedControllers", &uc, false, file, "unifiedControllers", err) < 0)
		return NULL;
	struct hull_cgroup *cg = hull_xcalloc(1, sizeof(*cg));
	cg->mode = !strcmp(mode, "v2") ? HULL_CGROUP_V2 : !strcmp(mode, "hybrid") ? HULL_CGROUP_HYBRID : HULL_CGROUP_V1;
	cg->ops = ops_for(cg->mode);
	cg->path = hull_xstrdup(path);
	cg->unified_controllers = uc ? hull_xstrdup(uc) : NULL;
	cg->shared_pidns = json_is_true(json_object_get(root, "sharedPidns"));
	json_array_foreach(dirs, i, d)
	{
		const char *c = json_string_value(json_object_get(d, "controllers"));
		const char *p = json_string_value(json_object_get(d, "path"));
		if (!c || !p) {
			hull_cgroup_free(cg);
			hull_error_msg(err, EINVAL, "%s: dirs[%zu]: needs controllers and path", file, i);
			return NULL;
		}
		cg->dirs = hull_xrealloc(cg->dirs, (cg->n_dirs + 1) * sizeof(*cg->dirs));
		cg->dirs[cg->n_dirs].controllers = hull_xstrdup(c);
		cg->dirs[cg->n_dirs].path = hull_xstrdup(p);
		cg->n_dirs++;
	}
	return cg;
}

/* Is word in the list (separated by any of seps)? */
static bool in_list(const char *list, const char *word, const char *seps)
{
	size_t len = strlen(word);
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, seps);
		if (n == len && !strncmp(p, word, len))
			return true;
		p += n;
		p += strspn(p, seps);
	}
	return false;
}

const char *cg_dir_for(struct hull_cgroup *cg, const char *controller)
{
	const char *unified = NULL;
	for (size_t i = 0; i < cg->n_dirs; i++) {
		const char *c = cg->dirs[i].controllers;
		if (!*c) {
			unified = cg->dirs[i].path;
			continue;
		}
		if ((!*controller && strncmp(c, "name=", 5)) || (*controller && in_list(c, controller, ",")))
			return cg->dirs[i].path;
	}
	if (cg->mode == HULL_CGROUP_V2)
		return unified;
	/* hybrid: a controller only the cgroup2 mount carries (hugetlb here) */
	if (unified && *controller && cg->unified_controllers && in_list(cg->unified_controllers, controller, " \n"))
		return unified;
	return NULL;
}

bool cg_exists_in(const char *dir, const char *file)
{
	_cleanup_free_ char *p = hull_path_join(dir, file);
	return access(p, F_OK) == 0;
}

int hull_cgroup_write_in(const char *dir, const char *file, const char *value, struct hull_error **err)
{
	_cleanup_free_ char *p = hull_path_join(dir, file);
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open `%s`", p);
	/* one write(2): the kernel parses each write as one value */
	ssize_t n = write(fd, value, strlen(value));
	if (n < 0)
		return hull_error_set(err, errno, "write `%s` to `%s`", value, p);
	return 0;
}

int hull_cgroup_read_in(const char *dir, const char *file, char **out, struct hull_error **err)
{
	_cleanup_free_ char *p = hull_path_join(dir, file);
	size_t len = 0;
	int r = hull_read_file(p, out, &len, err);
	if (r < 0)
		return r;
	while (len > 0 && (*out)[len - 1] == '\n')
		(*out)[--len] = '\0';
	return 0;
}

/* Hybrid hosts: a v1 write routed to the cgroup2 mount (hugetlb here)
 * takes the v2 file name: hugetlb.2MB.limit_in_bytes -> hugetlb.2MB.max. */
static char *v2_name_on_hybrid(struct hull_cgroup *cg, const char *dir, const char *file)
{
	const char *suffix = ".limit_in_bytes";
	size_t len = strlen(file), sl = strlen(suffix);
	for (size_t i = 0; cg->mode == HULL_CGROUP_HYBRID && i < cg->n_dirs; i++)
		if (!*cg->dirs[i].controllers && !strcmp(cg->dirs[i].path, dir) && !strncmp(file, "hugetlb.", 8) &&
		    len > sl && !strcmp(file + len - sl, suffix))
			return hull_strdup_printf("%.*s.max", (int)(len - sl), file);
	return NULL;
}

static int apply_one(struct hull_cgroup *cg, const struct hull_cgroup_write *w, struct hull_error **err)
{
	const char *dir = cg_dir_for(cg, w->controller);
	_cleanup_free_ char *v2_file = dir ? v2_name_on_hybrid(cg, dir, w->file) : NULL;
	const char *file = v2_file ? v2_file : w->file, *value = w->value;
	_cleanup_free_ char *why = NULL;
	if (!dir) {
		if (w->optional)
			return 0;
		return hull_error_msg(err, ENOENT,
				      "cannot set %s: the %s controller is not mounted on this host (cgroup %s)",
				      w->file, w->controller, cg->path);
	}
	if (!cg_exists_in(dir, file)) {
		if (w->alt_file && cg_exists_in(dir, w->alt_file)) {
			file = w->alt_file;
			value = w->alt_value;
		} else if (w->optional) {
			return 0;
		} else if (cg->mode == HULL_CGROUP_V2 && (why = cg_v2_missing_reason(dir, w->controller))) {
			return hull_error_msg(err, ENOENT, "cannot set %s to `%s`: `%s/%s` does not exist: %s", w->file,
					      w->value, dir, file, why);
		} else {
			return hull_error_msg(err, ENOENT, "cannot set %s to `%s`: `%s/%s` does not exist (this kernel "
							   "lacks it, or the %s controller is not enabled)",
					      w->file, w->value, dir, file, w->controller);
		}
	}
	_cleanup_error_ struct hull_error *e = NULL;
	int r = hull_cgroup_write_in(dir, file, value, &e);
	if (r < 0 && !w->optional) {
		*err = steal_ptr(e);
		return r;
	}
	return 0;
}

int cg_apply_writes(struct hull_cgroup *cg, const struct hull_cgroup_writes *ws, struct hull_error **err)
{
	/* Pairs the kernel checks against each other (cfs period/quota, rt
	 * period/runtime, memory/memsw) fail with EINVAL in one order and pass
	 * in the other, depending on the current values: a write refused with
	 * EINVAL is retried once after the others (runc does the same dance). */
	_cleanup_free_ bool *again = hull_xcalloc(ws->n ? ws->n : 1, sizeof(bool));
	bool retry = false;
	for (size_t i = 0; i < ws->n; i++) {
		struct hull_error *e = NULL;
		int r = apply_one(cg, &ws->w[i], &e);
		if (r == -EINVAL && e && e->code == EINVAL) {
			hull_error_free(e);
			again[i] = retry = true;
		} else if (r < 0) {
			*err = e;
			return r;
		}
	}
	for (size_t i = 0; retry && i < ws->n; i++) {
		int r = again[i] ? apply_one(cg, &ws->w[i], err) : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

#define DISPATCH(call, what)                                                            \
	do {                                                                            \
		int r_ = (call);                                                        \
		return r_ < 0 ? hull_error_wrap(err, r_, what " cgroup `%s`", cg->path) : 0; \
	} while (0)

int hull_cgroup_create(struct hull_cgroup *cg, json_t *resources, struct hull_error **err)
{
	DISPATCH(cg->ops->create(cg, resources, err), "create");
}

int hull_cgroup_apply(struct hull_cgroup *cg, json_t *resources, struct hull_error **err)
{
	DISPATCH(cg->ops->apply(cg, resources, err), "set resources of");
}

int hull_cgroup_enter(struct hull_cgroup *cg, pid_t pid, struct hull_error **err)
{
	DISPATCH(cg->ops->enter(cg, pid, err), "join");
}

int hull_cgroup_freeze(struct hull_cgroup *cg, bool frozen, struct hull_error **err)
{
	DISPATCH(cg->ops->freeze(cg, frozen, err), frozen ? "freeze" : "thaw");
}

int hull_cgroup_frozen(struct hull_cgroup *cg, bool *out, struct hull_error **err)
{
	DISPATCH(cg->ops->frozen(cg, out, err), "read the freezer state of");
}

int hull_cgroup_stats(struct hull_cgroup *cg, json_t **out, struct hull_error **err)
{
	DISPATCH(cg->ops->stats(cg, out, err), "read the stats of");
}

/* Append the pids of dir/cgroup.procs and of every child cgroup. */
static void collect_pids(const char *dir, pid_t **pids, size_t *n, int depth)
{
	_cleanup_free_ char *procs = NULL;
	if (hull_cgroup_read_in(dir, "cgroup.procs", &procs, NULL) == 0) {
		char *save = NULL;
		for (char *t = strtok_r(procs, "\n", &save); t; t = strtok_r(NULL, "\n", &save)) {
			*pids = hull_xrealloc(*pids, (*n + 1) * sizeof(**pids));
			(*pids)[(*n)++] = (pid_t)atoi(t);
		}
	}
	if (depth > 32)
		return;
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		_cleanup_free_ char *sub = hull_path_join(dir, e->d_name);
		collect_pids(sub, pids, n, depth + 1);
	}
}

int hull_cgroup_pids(struct hull_cgroup *cg, pid_t **pids, size_t *n, struct hull_error **err)
{
	const char *dir = cg->ops->procs_dir(cg);
	*pids = NULL;
	*n = 0;
	if (!dir || access(dir, F_OK) < 0)
		return hull_error_set(err, dir ? errno : ENOENT, "list processes of cgroup `%s`", cg->path);
	collect_pids(dir, pids, n, 0);
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int hull_cgroup_kill_all(struct hull_cgroup *cg, struct hull_error **err)
{
	const char *dir = cg->ops->procs_dir(cg);
	if (!dir || access(dir, F_OK) < 0)
		return 0;
	/* a frozen task cannot act on SIGKILL until thawed (v1 freezer) */
	bool frozen = false;
	if (cg->ops->frozen(cg, &frozen, NULL) == 0 && frozen)
		cg->ops->freeze(cg, false, NULL);
	for (int round = 0; round < 200; round++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		collect_pids(dir, &pids, &n, 0);
		if (n == 0)
			return 0;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		sleep_ms(round < 20 ? 1 : 10);
	}
	return hull_error_msg(err, EBUSY, "cgroup `%s` still has processes after SIGKILL", cg->path);
}

/* rmdir a cgroup and its children; the kernel refuses while a task is in. */
static int remove_tree(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		_cleanup_free_ char *sub = hull_path_join(dir, e->d_name);
		remove_tree(sub);
	}
	for (int i = 0; i < 100; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		sleep_ms(5);
	}
	return -EBUSY;
}

int hull_cgroup_destroy(struct hull_cgroup *cg, struct hull_error **err)
{
	int r = hull_cgroup_kill_all(cg, err);
	if (r < 0)
		return hull_error_wrap(err, r, "remove cgroup");
	return hull_cgroup_remove_dirs(cg, err);
}

int hull_cgroup_remove_dirs(struct hull_cgroup *cg, struct hull_error **err)
{
	int r;
	for (size_t i = 0; i < cg->n_dirs; i++) {
		r = remove_tree(cg->dirs[i].path);
		if (r < 0)
			return hull_error_set(err, -r, "remove cgroup `%s`", cg->dirs[i].path);
	}
	return 0;
}

long long cg_read_ll(const char *dir, const char *file)
{
	_cleanup_free_ char *s = NULL;
	if (!dir || hull_cgroup_read_in(dir, file, &s, NULL) < 0)
		return 0;
	if (!strcmp(s, "max"))
		return -1;
	return strtoll(s, NULL, 10);
}

json_t *cg_read_keyed(const char *dir, const char *file)
{
	_cleanup_free_ char *s = NULL;
	json_t *o = json_object();
	if (!dir || hull_cgroup_read_in(dir, file, &s, NULL) < 0)
		return o;
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		json_object_set_new(o, line, json_integer(strtoll(sp + 1, NULL, 10)));
	}
	return o;
}
