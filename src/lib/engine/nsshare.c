/* nsshare.c - namespaces shared between containers, as docker's
 * `--network container:NAME`, `--ipc container:NAME`, `--pid container:NAME`
 * (and podman's `--uts container:NAME`): the sidecar pattern.
 *
 * At create the reference is resolved to the other container's full id
 * (docker stores "container:<id>", so a later rename does not break it);
 * at start its namespaces are joined by path, /proc/PID/ns/NAME, through the
 * OCI spec (runtime-spec config-linux.md#namespaces, "path"). Rootless,
 * both containers live in the same user namespace (userns.c), so joining
 * needs no more than root does. Once joined, the namespace is held by the
 * sharer's processes: when the other container stops, the sharer keeps it
 * (kernel semantics; its veth goes with the other's network teardown, lo
 * stays), as with docker. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <linux/magic.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "engine_internal.h"

/* The record's fields that may name another container, the namespace file
 * each joins under /proc/PID/ns, and docker's word for it in errors. */
static const struct {
	const char *field;
	const char *ns;
	const char *word;
} shared[] = {
	{ "NetworkMode", "net", "network" },
	{ "IpcMode", "ipc", "IPC" },
	{ "PidMode", "pid", "PID" },
	{ "UTSMode", "uts", "UTS" },
};

const char *engine_share_target(json_t *hc, const char *field)
{
	const char *mode = json_string_value(json_object_get(hc, field));
	return mode && !strncmp(mode, "container:", 10) ? mode + 10 : NULL;
}

/* --network container:X takes X's names: docker copies the hostname and
 * domain name, as the UTS namespace stays the sharer's own. */
static void take_names(json_t *record, const struct hull_container *other)
{
	json_t *config = json_object_get(record, "Config");
	json_t *theirs = json_object_get(other->record, "Config");
	json_object_set(config, "Hostname", json_object_get(theirs, "Hostname"));
	json_object_set(config, "Domainname", json_object_get(theirs, "Domainname"));
}

int engine_share_resolve(const struct hull_ctx *ctx, json_t *record, struct hull_error **err)
{
	json_t *hc = json_object_get(record, "HostConfig");
	const char *self = json_string_value(json_object_get(record, "Id"));
	for (size_t i = 0; i < HULL_ARRAY_SIZE(shared); i++) {
		const char *ref = engine_share_target(hc, shared[i].field);
		if (!ref)
			continue;
		if (!*ref)
			return hull_error_msg(err, EINVAL, "--%s container:: expected container:NAME or container:ID",
					      shared[i].ns);
		_cleanup_container_ struct hull_container *other = hull_container_load(ctx, ref, err);
		if (!other)
			return hull_error_wrap(err, -ENOENT, "--%s container:%s",
					       i == 0 ? "network" : shared[i].ns, ref);
		if (self && !strcmp(other->id, self))
			return hull_error_msg(err, EINVAL, "cannot join own %s namespace", shared[i].word);
		_cleanup_free_ char *mode = hull_strdup_printf("container:%s", other->id);
		json_object_set_new(hc, shared[i].field, json_string(mode));
		if (i == 0)
			take_names(record, other);
	}
	return 0;
}

/* The other container, which must be running; docker's messages. */
static struct hull_container *running_target(const struct hull_ctx *ctx, const char *id, const char *word,
					     struct hull_error **err)
{
	struct hull_container *other = hull_container_load(ctx, id, err);
	if (!other) {
		hull_error_wrap(err, -ENOENT, "cannot join %s of container %.12s", word, id);
		return NULL;
	}
	if (other->state.status != HULL_ENGINE_RUNNING && other->state.status != HULL_ENGINE_PAUSED) {
		hull_error_msg(err, EINVAL, "cannot join %s of a non running container: %s (%s): start it first",
			       word, other->name, hull_engine_status_name(other->state.status));
		hull_container_free(other);
		return NULL;
	}
	return other;
}

int engine_share_paths(const struct hull_ctx *ctx, json_t *hc, struct engine_shared *out, struct hull_error **err)
{
	char **paths[] = { &out->net, &out->ipc, &out->pid, &out->uts };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(shared); i++) {
		const char *id = engine_share_target(hc, shared[i].field);
		if (!id)
			continue;
		_cleanup_container_ struct hull_container *other = running_target(ctx, id, shared[i].word, err);
		if (!other)
			return -ESRCH;
		/* docker: only a donor made with --ipc shareable lends its IPC */
		_cleanup_record_ struct hull_container_record theirs;
		hull_container_record_parse(other->record, "container.json", &theirs, NULL); /* bad reads as absent */
		const char *ipc = theirs.host_config.ipc_mode;
		if (i == 1 && (!ipc || strcmp(ipc, "shareable")))
			return hull_error_msg(err, EPERM,
					      "container %s: non-shareable IPC (hint: run it with --ipc shareable)",
					      other->name);
		*paths[i] = hull_strdup_printf("/proc/%d/ns/%s", (int)other->state.pid, shared[i].ns);
		if (i == 0)
			out->etc_dir = hull_xstrdup(other->dir);
		if (i == 1)
			out->ipc_pid = other->state.pid;
	}
	return 0;
}

/* In a child (setns(CLONE_NEWNS) wants a process with no threads, and
 * this one must come back): enter the donor's mount namespace, take a
 * copy of its /dev/shm mount (not following a symlink the container may
 * have put there; a tmpfs or nothing), come back and attach it at dst.
 * The child shares our mount namespace, so the mount is ours. */
static _Noreturn void clone_shm_child(int own, int theirs, const char *dst)
{
	if (setns(theirs, CLONE_NEWNS) < 0)
		_exit(10);
	int tree = open_tree(AT_FDCWD, "/dev/shm", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
	if (setns(own, CLONE_NEWNS) < 0)
		_exit(11);
	struct statfs fs;
	if (tree < 0)
		_exit(12);
	if (fstatfs(tree, &fs) < 0 || fs.f_type != TMPFS_MAGIC)
		_exit(13);
	_exit(move_mount(tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0 ? 14 : 0);
}

int engine_share_shm(pid_t donor, const char *dst, struct hull_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)donor);
	_cleanup_close_ int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int theirs = open(path, O_RDONLY | O_CLOEXEC);
	if (own < 0 || theirs < 0)
		return hull_error_set(err, errno, "open the mount namespaces to share /dev/shm");
	umount2(dst, MNT_DETACH); /* a restart's: the donor may have restarted too */
	if (mkdir(dst, 0700) < 0 && errno != EEXIST)
		return hull_error_set(err, errno, "mkdir `%s`", dst);
	pid_t child = fork();
	if (child < 0)
		return hull_error_set(err, errno, "fork");
	if (child == 0)
		clone_shm_child(own, theirs, dst);
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	static const char *const why[] = { "enter its mount namespace", "come back from its mount namespace",
					   "its /dev/shm cannot be opened", "its /dev/shm is not a tmpfs",
					   "attach it here" };
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	if (code)
		return hull_error_msg(err, EIO, "--ipc container: share the donor's /dev/shm: %s",
				      code >= 10 && code <= 14 ? why[code - 10] : "failed");
	return 0;
}

void engine_shared_clear(struct engine_shared *s)
{
	free(s->net);
	free(s->ipc);
	free(s->pid);
	free(s->uts);
	free(s->etc_dir);
	memset(s, 0, sizeof(*s));
}
