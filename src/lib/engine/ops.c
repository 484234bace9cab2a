/* ops.c - kill, stop, wait, rm, inspect on containers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/inspect.h"
#include "hull/json.h"
#include "hull/network.h"
#include "hull/proc.h"
#include "hull/runtime.h"
#include "hull/usernet.h"
#include "hull/volume.h"
#include "engine_internal.h"
#include "store_internal.h"

/* Wait up to timeout_ms for a process (pid + start time) to be gone. */
static bool wait_gone(pid_t pid, unsigned long long start, int timeout_ms)
{
	if (!hull_proc_alive(pid, start))
		return true;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0 && hull_proc_alive(pid, start)) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
			;
	}
	if (pidfd >= 0)
		close(pidfd);
	return !hull_proc_alive(pid, start);
}

static bool is_live(const struct hull_container *c)
{
	return c->state.status == HULL_ENGINE_RUNNING || c->state.status == HULL_ENGINE_PAUSED ||
	       c->state.status == HULL_ENGINE_RESTARTING;
}

#define STOP_REQUEST_FILE "stop-requested"

void engine_stop_request(const struct hull_container *c)
{
	_cleanup_free_ char *p = hull_path_join(c->dir, STOP_REQUEST_FILE);
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

bool engine_stop_requested(const struct hull_container *c)
{
	_cleanup_free_ char *p = hull_path_join(c->dir, STOP_REQUEST_FILE);
	return access(p, F_OK) == 0;
}

void engine_stop_request_clear(const struct hull_container *c)
{
	_cleanup_free_ char *p = hull_path_join(c->dir, STOP_REQUEST_FILE);
	unlink(p);
}

static void reload_state(struct hull_container *c)
{
	if (hull_container_load_state(c, NULL) < 0)
		c->state.status = HULL_ENGINE_DEAD;
}

/* Wait for the monitor to finish (it writes the exit state last), up to
 * timeout_ms (-1: forever). True when it has. */
static bool wait_monitor(struct hull_container *c, int timeout_ms)
{
	reload_state(c);
	if (!is_live(c))
		return true;
	pid_t mon = c->state.monitor_pid;
	int pidfd = (int)syscall(SYS_pidfd_open, mon, 0);
	if (pidfd >= 0 && hull_proc_alive(mon, c->state.monitor_start)) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
			;
	} else {
		/* no pidfd (old kernel) or already gone: poll the record */
		for (int waited = 0; timeout_ms < 0 || waited < timeout_ms; waited += 20) {
			if (!hull_proc_alive(mon, c->state.monitor_start))
				break;
			struct timespec ts = { 0, 20 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	reload_state(c);
	return !is_live(c);
}

int hull_engine_kill(struct hull_ctx *ctx, struct hull_container *c, int sig, struct hull_error **err)
{
	reload_state(c);
	if (c->state.status == HULL_ENGINE_RESTARTING) {
		/* no process to signal: the monitor's back-off sees the request
		 * and gives up restarting, as docker's kill cancels a restart */
		engine_stop_request(c);
		if (!wait_monitor(c, 10000))
			return hull_error_msg(err, ETIMEDOUT, "container %s: its monitor did not stop restarting it",
					      c->name);
		return 0;
	}
	if (!is_live(c) || !hull_proc_alive(c->state.pid, c->state.pid_start))
		return hull_error_msg(err, ESRCH, "Cannot kill container: %s: Container %s is not running", c->name,
				      c->id);
	/* before the signal: the exit it causes must not be restarted */
	engine_stop_request(c);
	if (kill(c->state.pid, sig) < 0)
		return hull_error_set(err, errno, "kill container %s", c->name);
	engine_thaw_after_signal(ctx, c);
	/* as docker's: after KILL, the container has stopped when kill returns,
	 * so that `kill` then `start` or `rm` does not race the monitor */
	if (sig == SIGKILL && !wait_monitor(c, 10000))
		return hull_error_msg(err, ETIMEDOUT, "container %s did not stop after SIGKILL", c->name);
	return 0;
}

int hull_engine_stop(struct hull_ctx *ctx, struct hull_container *c, int timeout, struct hull_error **err)
{
	reload_state(c);
	if (!is_live(c))
		return 0;
	engine_stop_request(c); /* --restart: a stop is for good */
	_cleanup_record_ struct hull_container_record rec;
	hull_container_record_parse(c->record, "container.json", &rec, NULL); /* a bad member reads as absent */
	if (timeout < 0)
		timeout = (int)rec.config.stop_timeout;
	const char *name = rec.config.stop_signal;
	int sig = SIGTERM;
	if (name && hull_signal_parse(name, &sig, NULL) < 0)
		sig = SIGTERM;
	if (hull_proc_alive(c->state.pid, c->state.pid_start))
		kill(c->state.pid, sig);
	engine_thaw_after_signal(ctx, c);
	if (wait_monitor(c, timeout * 1000))
		return 0;
	if (hull_proc_alive(c->state.pid, c->state.pid_start))
		kill(c->state.pid, SIGKILL);
	if (!wait_monitor(c, 30000))
		return hull_error_msg(err, ETIMEDOUT, "container %s did not stop after SIGKILL", c->name);
	return 0;
}

int hull_engine_wait(struct hull_ctx *ctx, const char *ref, int *code, struct hull_error **err)
{
	_cleanup_container_ struct hull_container *c = hull_container_load(ctx, ref, err);
	if (!c)
		return -ENOENT;
	wait_monitor(c, -1);
	*code = c->state.exit_code;
	return 0;
}

/* What a dead monitor did not undo: a leftover init, the runtime state,
 * the network endpoints and published ports. */
static void clean_leftovers(struct hull_ctx *ctx, struct hull_container *c)
{
	if (c->state.pid && hull_proc_alive(c->state.pid, c->state.pid_start))
		kill(c->state.pid, SIGKILL);
	struct hull_ctx rt = *ctx;
	_cleanup_free_ char *root = hull_engine_runtime_root(ctx);
	rt.runtime_root = root;
	struct hull_error *ignored = NULL;
	hull_runtime_delete(&rt, c->id, true, &ignored);
	hull_error_free(ignored);
	json_t *ns = json_object_get(c->record, "NetworkSettings");
	hull_engine_usernet_kill(ns);
	const char *net;
	json_t *ep;
	json_object_foreach(json_object_get(ns, "Networks"), net, ep)
	{
		hull_network_detach(ctx, net, c->id, json_string_value(json_object_get(ep, "HullVeth")), NULL);
	}
	_cleanup_record_ struct hull_container_record r;
	hull_container_record_parse(c->record, "container.json", &r, NULL); /* a bad member reads as absent */
	/* a VM's tap outlives its VM (a veth goes with its namespace) */
	if (hull_record_host_config_is_vm(&r.host_config))
		engine_vm_tap_remove(c->id);
	/* its published ports, by the tag that names it in the kernel, never
	 * by the record's host ports: another container may hold them now (a
	 * stopped container's record still lists the ports of its last run,
	 * and docker-compose starts a container's successor before it removes
	 * it). The tag also covers a monitor that died between publishing and
	 * saving the record that lists the ports. */
	if (json_object_size(r.host_config.port_bindings) || r.host_config.publish_all_ports)
		hull_network_unpublish_owner(ctx, c->id, NULL);
}

static void remove_anonymous_volumes(struct hull_ctx *ctx, const struct hull_container *c)
{
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(c->record, "Mounts"), i, m)
	{
		if (json_is_true(json_object_get(m, "HullAnonymous")))
			hull_volume_remove(ctx, json_string_value(json_object_get(m, "Name")), NULL);
	}
}

int hull_engine_remove(struct hull_ctx *ctx, struct hull_container *c, bool force, bool volumes,
		       struct hull_error **err)
{
	reload_state(c);
	if (is_live(c) && c->state.monitor_pid != getpid()) {
		if (!force && c->state.status == HULL_ENGINE_PAUSED)
			return hull_error_msg(err, EBUSY, "You cannot remove a paused container %s. Unpause and then "
							  "stop the container before attempting removal or force remove",
					      c->id);
		if (!force)
			return hull_error_msg(err, EBUSY, "You cannot remove a %s container %s. Stop the container "
							  "before attempting removal or force remove",
					      c->state.status == HULL_ENGINE_RESTARTING ? "restarting" : "running",
					      c->id);
		engine_stop_request(c);
		if (hull_proc_alive(c->state.pid, c->state.pid_start))
			kill(c->state.pid, SIGKILL);
		engine_thaw_after_signal(ctx, c);
		if (!wait_monitor(c, 30000))
			return hull_error_msg(err, ETIMEDOUT, "container %s did not stop after SIGKILL", c->name);
	}
	bool self = c->state.monitor_pid == getpid();
	/* a monitor still finishing its teardown (it told the exit code
	 * first) is waited for; one that is gone left us its leftovers */
	if (!self && !wait_gone(c->state.monitor_pid, c->state.monitor_start, 10000))
		return hull_error_msg(err, EBUSY, "container %s: its monitor (pid %d) is still cleaning up", c->name,
				      (int)c->state.monitor_pid);
	/* a --rm container's monitor removed it itself once it stopped */
	if (!self && access(c->dir, F_OK) < 0 && errno == ENOENT)
		return 0;
	if (!self)
		clean_leftovers(ctx, c);
	_cleanup_close_ int lock = hull_container_lock(c, err);
	if (lock < 0)
		return lock;
	int r = hull_container_remove_files(ctx, c, err);
	if (r < 0)
		return hull_error_wrap(err, r, "remove container %s", c->name);
	if (volumes)
		remove_anonymous_volumes(ctx, c);
	return 0;
}

char *engine_remove_for_monitor(struct hull_ctx *ctx, struct hull_container *c, int *lock)
{
	*lock = hull_container_lock(c, NULL);
	char *trash = hull_container_hide(ctx, c, NULL);
	if (trash)
		remove_anonymous_volumes(ctx, c);
	return trash;
}

json_t *hull_engine_inspect_json(const struct hull_container *c)
{
	json_t *j = json_deep_copy(c->record);
	json_object_set_new(j, "State", hull_engine_state_json(&c->state));
	json_t *health = hull_engine_health_json(c);
	if (health)
		json_object_set_new(json_object_get(j, "State"), "Health", health);
	_cleanup_record_ struct hull_container_record r;
	hull_container_record_parse(c->record, "container.json", &r, NULL); /* a bad member reads as absent */
	bool privileged = r.host_config.privileged;
	json_object_set_new(j, "HullSecurity",
			    privileged ? json_pack("{s:b,s:s}", "Privileged", true, "Warning",
						   "PRIVILEGED CONTAINER: every capability, every host device, no "
						   "seccomp filter, writable /sys: root in this container is root on "
						   "the host")
				       : json_pack("{s:b}", "Privileged", false));
	/* the overlay's layers are ours to know; docker shows LowerDir joined */
	json_t *data = json_object_get(json_object_get(j, "GraphDriver"), "Data");
	json_t *lower = json_object_get(data, "HullLowerDirs");
	if (lower) {
		size_t cap = 1, len = 0, i;
		char *joined = hull_xcalloc(1, 1);
		json_t *v;
		json_array_foreach(lower, i, v)
		{
			const char *s = json_string_value(v);
			joined = hull_xrealloc(joined, cap += strlen(s) + 1);
			len += (size_t)sprintf(joined + len, "%s%s", i ? ":" : "", s);
		}
		json_object_set_new(data, "LowerDir", json_string(joined));
		json_object_del(data, "HullLowerDirs");
		free(joined);
	}
	return j;
}
