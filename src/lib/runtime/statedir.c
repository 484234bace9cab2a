/* statedir.c - <root>/<id>/: state.json, the lock, live status, list. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hull/fs.h"
#include "hull/json.h"
#include "hull/timefmt.h"
#include "runtime_internal.h"

const char *hull_status_name(enum hull_status s)
{
	static const char *const names[] = { "creating", "created", "running", "paused", "stopped" };
	return (unsigned)s < HULL_ARRAY_SIZE(names) ? names[s] : "unknown";
}

int hull_runtime_validate_id(const char *id, struct hull_error **err)
{
	size_t n = strlen(id);
	if (n == 0 || n > 1024 || !strcmp(id, ".") || !strcmp(id, ".."))
		return hull_error_msg(err, EINVAL, "invalid container id `%s`", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			  c == '+' || c == '-' || c == '.';
		if (!ok)
			return hull_error_msg(err, EINVAL,
					      "invalid container id `%s`: use letters, digits, `_`, `+`, `-` and `.`",
					      id);
	}
	return 0;
}

char *hull_runtime_state_dir(struct hull_ctx *ctx, const char *id)
{
	return hull_path_join(ctx->runtime_root, id);
}

char *state_path(struct hull_ctx *ctx, const char *id, const char *file)
{
	return hull_strdup_printf("%s/%s/%s", ctx->runtime_root, id, file);
}

int state_lock(struct hull_ctx *ctx, const char *id, struct hull_error **err)
{
	_cleanup_free_ char *dir = hull_runtime_state_dir(ctx, id);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return hull_error_msg(err, ENOENT, "container \"%s\" does not exist", id);
		return hull_error_set(err, errno, "open `%s`", dir);
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(fd);
			return hull_error_set(err, e, "lock `%s`", dir);
		}
	}
	return fd;
}

/* /proc/<pid>/stat: field 3 (state) and field 22 (starttime). The command
 * name (field 2) may hold spaces and parentheses: parse from the last ')'. */
int proc_start_time(pid_t pid, unsigned long long *start, char *state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	if (n == 0)
		return -EIO;
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	char st;
	unsigned long long t;
	/* fields 3..22 after ") " */
	if (sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &st,
		   &t) != 2)
		return -EIO;
	if (start)
		*start = t;
	if (state)
		*state = st;
	return 0;
}

int state_status(const struct hull_oci_state *st, const char *dir, enum hull_status *out)
{
	unsigned long long start;
	char pstate;
	if (st->pid <= 0 || proc_start_time(st->pid, &start, &pstate) < 0 || start != st->pid_start ||
	    pstate == 'Z' || pstate == 'X') {
		*out = HULL_STATUS_STOPPED;
		return 0;
	}
	_cleanup_free_ char *fifo = hull_path_join(dir, "exec.fifo");
	*out = access(fifo, F_OK) == 0 ? HULL_STATUS_CREATED : HULL_STATUS_RUNNING;
	/* runtime.md#state: paused comes from the cgroup freezer; the cgroup
	 * manager records it in state.json while the container is frozen. */
	if (*out == HULL_STATUS_RUNNING && json_is_true(json_object_get(st->json, "paused")))
		*out = HULL_STATUS_PAUSED;
	return 0;
}

/* Go's RFC3339Nano, as runc writes "created". */
static char *now_rfc3339(void)
{
	char buf[HULL_TIME_BUF_LEN];
	return hull_xstrdup(hull_time_now_rfc3339(buf));
}

int state_write(struct hull_ctx *ctx, const char *id, const char *bundle, const struct hull_oci_config *cfg,
		pid_t pid, struct hull_error **err)
{
	_cleanup_(hull_oci_state_freep) struct hull_oci_state *st = hull_xcalloc(1, sizeof(*st));
	st->oci_version = hull_xstrdup(cfg->oci_version);
	st->id = hull_xstrdup(id);
	st->pid = pid;
	if (proc_start_time(pid, &st->pid_start, NULL) < 0)
		return hull_error_msg(err, ESRCH, "the container's init (pid %d) is gone", pid);
	st->bundle = hull_xstrdup(bundle);
	st->rootfs = hull_xstrdup(cfg->root_path);
	st->created = now_rfc3339();
	struct passwd *pw = getpwuid(geteuid());
	st->owner = hull_xstrdup(pw ? pw->pw_name : "");
	st->annotations = cfg->annotations ? json_incref(cfg->annotations) : NULL;
	_cleanup_free_ char *path = state_path(ctx, id, "state.json");
	return hull_oci_state_save(st, path, err);
}

void hull_container_state_free(struct hull_container_state *st)
{
	if (!st)
		return;
	hull_oci_state_free(st->oci);
	free(st);
}

struct hull_container_state *hull_runtime_state(struct hull_ctx *ctx, const char *id, struct hull_error **err)
{
	if (hull_runtime_validate_id(id, err) < 0)
		return NULL;
	_cleanup_free_ char *dir = hull_runtime_state_dir(ctx, id);
	_cleanup_free_ char *path = hull_path_join(dir, "state.json");
	if (access(path, F_OK) < 0) {
		if (access(dir, F_OK) == 0)
			hull_error_msg(err, EAGAIN, "container \"%s\" is being created", id);
		else
			hull_error_msg(err, ENOENT, "container \"%s\" does not exist", id);
		return NULL;
	}
	struct hull_oci_state *oci = hull_oci_state_load(path, err);
	if (!oci)
		return NULL;
	struct hull_container_state *st = hull_xcalloc(1, sizeof(*st));
	st->oci = oci;
	state_status(oci, dir, &st->status);
	if (st->status == HULL_STATUS_STOPPED)
		oci->pid = 0;
	return st;
}

static int compare_ids(const void *a, const void *b)
{
	const struct hull_container_state *x = *(struct hull_container_state *const *)a;
	const struct hull_container_state *y = *(struct hull_container_state *const *)b;
	return strcmp(x->oci->id, y->oci->id);
}

int hull_runtime_list(struct hull_ctx *ctx, struct hull_container_state ***out, struct hull_error **err)
{
	size_t n = 0, cap = 8;
	struct hull_container_state **list = hull_xcalloc(cap + 1, sizeof(*list));
	_cleanup_closedir_ DIR *d = opendir(ctx->runtime_root);
	if (!d && errno != ENOENT) {
		free(list);
		return hull_error_set(err, errno, "open `%s`", ctx->runtime_root);
	}
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.' || hull_runtime_validate_id(e->d_name, NULL) < 0)
			continue;
		/* A container still being created, or vanishing, is not listed. */
		struct hull_container_state *st = hull_runtime_state(ctx, e->d_name, NULL);
		if (!st)
			continue;
		if (n == cap) {
			cap *= 2;
			list = hull_xrealloc(list, (cap + 1) * sizeof(*list));
		}
		list[n++] = st;
		list[n] = NULL;
	}
	qsort(list, n, sizeof(*list), compare_ids);
	*out = list;
	return 0;
}

void hull_runtime_list_free(struct hull_container_state **list)
{
	if (!list)
		return;
	for (size_t i = 0; list[i]; i++)
		hull_container_state_free(list[i]);
	free(list);
}
