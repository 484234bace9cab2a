/* hull/engine_vm.h - containers in KVM micro-VMs: `run --vm` and bundles that ask for a VM. */
#ifndef HULL_ENGINE_VM_H
#define HULL_ENGINE_VM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "hull/ctx.h"
#include "hull/error.h"

struct hull_container;

/* hull_engine_vm_default_kernel: the kernel of `--vm` without --vm-kernel:
 * /boot/vmlinuz-$(uname -r), else the newest /boot/vmlinuz-* (malloc'd). */
char *hull_engine_vm_default_kernel(struct hull_error **err);

/* hull_engine_vm_exec: `exec` into a running container of `run --vm`: a
 * connection of its own to the guest agent (the VMM's vsock, port
 * HULL_AGENT_EXEC_PORT) runs process (an OCI process object, borrowed) in
 * the container with the runtime's exec path; stdio[0] (-1: none) goes to
 * it, its output to stdio[1] and stdio[2]; signals read from signal_fd
 * (-1: none) are forwarded; with terminal, stdio[0] is a tty whose size is
 * the process's. Its exit status (128+N when killed by N) in *status. */
int hull_engine_vm_exec(const struct hull_container *c, json_t *process, const int stdio[3], int signal_fd,
			bool terminal, int *status, struct hull_error **err);

/* The runtime's command line with a micro-VM (vm_bundle.c, docs/vm-agent.md
 * "For orchestrators: the annotation"): a bundle whose config.json
 * annotations hold run.hull.isolation=vm.
 *
 * hull_engine_vm_bundle_wanted: 1 if bundle's (NULL: ".") config.json asks
 * for a VM, 0 if not (absent, "container", or no readable config.json: the
 * runtime reports that), an error for another value. */
struct hull_runtime_launch;
struct hull_runtime_opts;
int hull_engine_vm_bundle_wanted(const char *bundle, struct hull_error **err);

/* hull_engine_vm_bundle_is: is container id (of the runtime root) one in a VM? */
bool hull_engine_vm_bundle_is(struct hull_ctx *ctx, const char *id);

/* hull_engine_vm_bundle_launch: struct hull_runtime_opts.launch (data: the
 * ctx): refuse by name what a VM cannot honour (namespaces to join, hooks,
 * host directories to bind), make an ext4 image of the rootfs, start the VM
 * shim, which boots the VM and creates the container in it; returns once it
 * is created (*pid: the shim), or the guest's error with nothing left. */
int hull_engine_vm_bundle_launch(void *data, const struct hull_runtime_launch *what, pid_t *pid,
				 struct hull_error **err);

/* hull_engine_vm_bundle_run: `hull run` of such a bundle: create, start and
 * (unless opts->detach) wait, relaying signals, then delete (unless
 * opts->keep); *exit_status is the container's. */
int hull_engine_vm_bundle_run(struct hull_ctx *ctx, const char *id, const struct hull_runtime_opts *opts,
			      int *exit_status, struct hull_error **err);

/* hull_engine_vm_bundle_exec: `hull exec` into such a container: process
 * (an OCI process object) over an exec connection of its own. Foreground:
 * stdio relayed, *status the process's. detach: a child of ours relays
 * (its pid to pid_file, its exit status the process's) and we return once
 * the process runs. With process.terminal, console_socket gets the pty. */
int hull_engine_vm_bundle_exec(struct hull_ctx *ctx, const char *id, json_t *process, bool detach,
			       const char *pid_file, const char *console_socket, int *status,
			       struct hull_error **err);

/* hull_engine_vm_bundle_pids: the host processes of such a container (its
 * shim and the VMM); malloc'd. */
int hull_engine_vm_bundle_pids(struct hull_ctx *ctx, const char *id, pid_t **pids, size_t *n,
			       struct hull_error **err);

/* hull_engine_vm_rootfs: where the host sees a running VM container's
 * root filesystem (its image's layers, in its monitor's mount namespace),
 * for the user and group lookup of exec -u; malloc'd. */
char *hull_engine_vm_rootfs(const struct hull_container *c);

/* hull_engine_vm_prepare: make what `run --vm` of image needs and keeps
 * (the initramfs for kernel, NULL: the default one, and, when disk is not
 * NULL, the image's read-only disk of `--vm-rootfs disk`) ahead of the
 * first run; their paths in *initrd, *disk. */
struct hull_image_store;
int hull_engine_vm_prepare(struct hull_ctx *ctx, struct hull_image_store *store, const char *image, const char *kernel,
			   char **initrd, char **disk, struct hull_error **err);

#endif
