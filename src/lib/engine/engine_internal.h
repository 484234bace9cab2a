/* engine_internal.h - between the engine's lifecycle files. */
#ifndef HULL_ENGINE_INTERNAL_H
#define HULL_ENGINE_INTERNAL_H

#include <jansson.h>
#include <signal.h>
#include <sys/types.h>

#include "hull/container_store.h"
#include "hull/network.h"
#include "hull/run_options.h"

/* mounts.c: fill record.Mounts from HostConfig and Config.Volumes; the
 * caller holds the volume lock. */
int engine_resolve_mounts(const struct hull_ctx *ctx, json_t *record, struct hull_error **err);

/* A micro-VM's network interface: its endpoint on a bridge network (the
 * tap, the address, the MAC) and whether the guest routes through it. */
struct engine_vm_nic {
	const struct hull_endpoint *ep;
	bool default_route;
};

/* vm.c (docs/vm-agent.md): check run options for --vm and record the
 * kernel (HostConfig.HullVM); is the container one for a VM; launch its
 * VM shim with stdio as the container's 0-2, the shim's pid in *pid, and
 * with nic (NULL: none) a virtio-net device on its tap. */
int engine_vm_record(const struct hull_run_options *o, json_t *record, struct hull_error **err);
/* engine_vm_check_mounts: refuse (ENOTSUP) the volumes and bind mounts a
 * micro-VM cannot share: a file rather than a directory, more than
 * 8 host directories. */
int engine_vm_check_mounts(json_t *record, struct hull_error **err);
bool engine_vm_enabled(const struct hull_container *c);
int engine_vm_open_pty(int *master, int *slave, struct hull_error **err);
int engine_vm_launch(struct hull_ctx *ctx, const struct hull_container *c, const int stdio[3],
		     const struct engine_vm_nic *nic, pid_t *pid, struct hull_error **err);

/* netattach.c: delete the tap a VM container's endpoint has ("tap" and 11
 * of its id), if it is there: `rm` after a monitor died before recording it. */
void engine_vm_tap_remove(const char *container_id);

/* vm.c, shared with vm_bundle.c (the runtime's VM path). The shim's
 * working directory holds the VMM's vsock sockets (relative: sun_path is
 * short). */
#define ENGINE_VM_VSOCK_PATH "vsock"	    /* the VMM's host side of vsock (CONNECT port) */
#define ENGINE_VM_AGENT_SOCKET "vsock_1024" /* where the guest's connection to CID 2 port 1024 lands */
struct engine_vm_boot {
	const char *kernel, *initrd, *disk; /* disk: the root filesystem image, attached read-only */
	int disk_fd;			    /* >= 0: the disk is this open (unlinked) file instead */
	long long memory;
	unsigned cpus;
	const char *who;	     /* prefix of the VMM's messages on stderr ("--vm" if NULL) */
	const struct hull_vm_fs *fs; /* virtio-fs shares, named to the guest by hull.fs= */
	unsigned n_fs;
	const char *tap;    /* NULL or "": no network device */
	const uint8_t *mac; /* the NIC's MAC with tap */
	const char *root;   /* the container's merged overlay, shared as the guest's root; NULL: disk */
};
/* engine_vm_run_vmm: in a child of the shim: run the VM (gone with the
 * shim: PR_SET_PDEATHSIG), its console to ./console.log; unblocks `blocked`. */
__attribute__((noreturn)) void engine_vm_run_vmm(const struct engine_vm_boot *b, const sigset_t *blocked);
/* engine_vm_listen_here: a unix socket listening on name (relative). */
int engine_vm_listen_here(const char *name, struct hull_error **err);
/* engine_vm_accept_agent: the agent's connection, or an error if the VMM
 * (its pidfd vmm_fd) ends first. */
int engine_vm_accept_agent(int listen_fd, int vmm_fd, struct hull_error **err);
/* engine_vm_take_signals: block every signal a user may send a container
 * (all but SIGKILL, SIGSTOP, the synchronous faults, SIGCHLD, SIGPIPE and the
 * real-time ones) into *set, ignore SIGPIPE, and return a signalfd of *set
 * for the shim to forward them into the guest (-1 on failure). */
int engine_vm_take_signals(sigset_t *set);
/* engine_vm_stop_vmm: wait up to wait_ms for the VMM to end, then SIGKILL it; reaped. */
void engine_vm_stop_vmm(pid_t vmm, int vmm_fd, int wait_ms);
/* engine_vm_vsock_connect: a connection to the guest's vsock port through
 * the VMM's socket in dir (CONNECT port / OK n). */
int engine_vm_vsock_connect(const char *dir, unsigned port, struct hull_error **err);
/* engine_vm_make_ext4: create path (O_EXCL) sized for the tree at src and
 * make an ext4 of that tree in it (mkfs.ext4 -d); returns the open file
 * (read-write), or an error with nothing left at path. */
int engine_vm_make_ext4(const char *src, const char *path, struct hull_error **err);
/* engine_vm_send_pty: a pty master to a --console-socket connection, as
 * runc sends it (the pty's name, the fd with SCM_RIGHTS). */
int engine_vm_send_pty(int sock, int master, struct hull_error **err);

/* rootfs.c: mount the overlay of record.GraphDriver at dir/rootfs (the
 * caller is in a private mount namespace) and unmount it. */
int engine_rootfs_mount(const struct hull_container *c, struct hull_error **err);
void engine_rootfs_unmount(const struct hull_container *c);

/* rootfs.c: fill new empty volumes from the image's content at their
 * destination, and create the working directory, inside the mounted rootfs. */
int engine_rootfs_prepare(const struct hull_container *c, struct hull_error **err);

/* ops.c: --rm from the monitor itself: take the container out of every
 * listing (name, record) and its anonymous volumes; returns the hidden
 * directory left to unmount and delete with engine_trash_remove (malloc'd),
 * NULL on failure. *lock: the container's lock, held until then (close it
 * after; -1 when it could not be taken). */
char *engine_remove_for_monitor(struct hull_ctx *ctx, struct hull_container *c, int *lock);

/* state.c: the exit status kept apart from state.json, which a full disk
 * cannot take from us (see state.c). prepare, from the monitor before the
 * container starts: write c->dir/exit-status at its full size, naming the
 * calling monitor (fails, -ENOSPC with a message, when there is no room).
 * record: overwrite it in place with c->state (exit code, finish time,
 * error) after the exit; best effort. */
int engine_exit_status_prepare(const struct hull_container *c, struct hull_error **err);
void engine_exit_status_record(const struct hull_container *c);

/* store.c: delete a hidden container directory (.rm-<id>) whose lock the
 * caller holds, the lock file last (see store.c). */
int engine_trash_remove(const char *trash, struct hull_error **err);

/* health.c: fork the process that runs c's Config.Healthcheck every
 * interval through the runtime rt (it dies with its parent); -1: the
 * container has none. engine_health_stop kills and reaps it (pid <= 0: none). */
pid_t engine_health_start(struct hull_ctx *rt, struct hull_container *c);
void engine_health_stop(pid_t pid);

/* engine_rootless_prepare (rootless.c): for a rootless ctx, refuse what a
 * container without host root cannot have (resource limits without a
 * cgroup, a host bridge), naming the alternatives, and fill in the
 * rootless default network. Changes o->network only. No-op for root. */
int engine_rootless_prepare(const struct hull_ctx *ctx, struct hull_run_options *o, struct hull_error **err);

/* engine_rootless_cgroup_parent (rootless.c): "<delegated>/hull", where a
 * rootless engine's containers get their cgroups when a cgroup v2 subtree
 * is delegated to the user; an error saying why not otherwise. */
int engine_rootless_cgroup_parent(char **out, struct hull_error **err);

/* scan_policy.c: with o->scan_policy set, scan the image as `hull scan
 * --fail-on` does and fail (-EACCES, naming the findings that reach the
 * threshold and the `hull scan` command that lists them all) when one
 * does; 0 at once when the policy is off. */
struct hull_image;
int engine_scan_policy_check(struct hull_ctx *ctx, const struct hull_image *img, const struct hull_run_options *o,
			     struct hull_error **err);

/* ops.c: the user's stop or kill, told to the monitor (a file in the
 * container directory) so that --restart does not run it again; cleared by
 * the next start. */
void engine_stop_request(const struct hull_container *c);
bool engine_stop_requested(const struct hull_container *c);
void engine_stop_request_clear(const struct hull_container *c);

/* engine_thaw_after_signal: a paused container's processes only act on a
 * signal once thawed (a frozen task even ignores SIGKILL): thaw it after
 * kill/stop signalled it, as docker does. Nothing when not paused. */
void engine_thaw_after_signal(struct hull_ctx *ctx, struct hull_container *c);

/* record.c: the most a file named by a flag (--env-file, --security-opt
 * seccomp=FILE) may hold; a FIFO or a device is read up to it and no more. */
#define ENGINE_FLAG_FILE_MAX (4 << 20)

/* record.c: docker's smallest -m (moby's linuxMinMemory). */
#define ENGINE_MIN_MEMORY (6LL << 20)

/* container_init.c: where `--init` puts hull-init in the container. */
#define HULL_INIT_TARGET "/run/hull-init"

/* container_init.c: the host path of the static hull-init (malloc'd):
 * $HULL_INIT_PATH when set, else beside the running hull binary (the
 * build tree), else HULL_LIBEXECDIR/hull-init (meson install). NULL with
 * an error naming where it looked and what to do when it is missing. */
char *engine_init_path(struct hull_error **err);

/* container_init.c: for HostConfig.Init: prepend HULL_INIT_TARGET "--" to
 * spec's process.args and bind hull-init there read-only (last mount). */
int engine_spec_add_init(json_t *spec, struct hull_error **err);

/* nsshare.c: the container a HostConfig field ("NetworkMode", "IpcMode",
 * "PidMode", "UTSMode") names with container:X, X as stored (borrowed);
 * NULL when the mode is not container:. */
const char *engine_share_target(json_t *hc, const char *field);

/* nsshare.c: at create, every container:REF of the record's HostConfig
 * becomes container:<full id> (ENOENT "No such container" when REF is
 * none); --network container:X also takes X's hostname and domain name. */
int engine_share_resolve(const struct hull_ctx *ctx, json_t *record, struct hull_error **err);

/* The namespaces a starting container joins: /proc/PID/ns/NAME paths of the
 * running containers it shares with, NULL when its own; etc_dir: the
 * network donor's directory (its hosts, hostname, resolv.conf). */
struct engine_shared {
	char *net, *ipc, *pid, *uts;
	char *etc_dir;
	pid_t ipc_pid; /* the IPC donor's init, 0: none */
};

/* nsshare.c: at start, fill out from the record's HostConfig. Fails
 * (-ESRCH) when a donor is not running, as docker: "cannot join network of
 * a non running container"; -EPERM for --ipc container:X of an X not made
 * --ipc shareable. Free with engine_shared_clear, also on failure. */
int engine_share_paths(const struct hull_ctx *ctx, json_t *hc, struct engine_shared *out, struct hull_error **err);
void engine_shared_clear(struct engine_shared *s);

/* nsshare.c: --ipc container:X shares X's /dev/shm too, as docker does:
 * a copy of the tmpfs mount donor (X's init) has at /dev/shm, attached at
 * dst (made) in the caller's mount namespace (the monitor's: it goes with
 * it). */
int engine_share_shm(pid_t donor, const char *dst, struct hull_error **err);

/* netconnect.c: for a starting container's monitor (place hook): connect
 * c, whose init is pid, to each network of HostConfig.HullConnected as
 * `network connect` asked, recording them in c's NetworkSettings.Networks.
 * On failure the ones made are undone. */
int engine_network_attach_connected(const struct hull_ctx *ctx, struct hull_container *c, pid_t pid,
				    struct hull_error **err);

/* netconnect.c: detach every connected (HullIfname) endpoint of networks
 * and drop it from there. */
void engine_network_detach_connected(const struct hull_ctx *ctx, json_t *networks, const char *container_id);

/* netconnect.c: for a stopping container's monitor: take it off the
 * connected networks as the record on disk lists them (connect may have
 * come after the monitor loaded its copy), and out of its Networks. */
void engine_network_disconnect_all_connected(const struct hull_ctx *ctx, const struct hull_container *c);

#endif
