/* hull/agent.h - containers in micro-VMs: the guest agent, its protocol,
 * the host side that drives it, and the guest's initramfs.
 *
 * The agent is hull itself, running as the guest's init: it mounts the
 * container's root filesystem from a virtio-blk disk and applies the OCI
 * config with hull's own runtime library, told what to do over vsock in
 * length-prefixed JSON frames (docs/vm-agent.md). The same server runs on
 * the host over a unix socket, which is how its protocol is tested. */
#ifndef HULL_AGENT_H
#define HULL_AGENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hull/ctx.h"
#include "hull/error.h"

#define HULL_AGENT_VSOCK_PORT 1024u	/* the guest agent connects to the host's CID 2 on this port */
#define HULL_AGENT_EXEC_PORT 1025u	/* the guest agent listens here for exec connections */
#define HULL_AGENT_EXEC_MAX 16		/* exec connections served at once */
#define HULL_AGENT_FRAME_MAX (8u << 20) /* largest frame either side accepts */
#define HULL_AGENT_FILE_MAX (1u << 20)	/* largest file a create frame may carry */
/* the guest mounts virtio-fs tag T (kernel command line hull.fs=T[:ro],...) at HULL_AGENT_FS_DIR/T */
#define HULL_AGENT_FS_DIR "/run/hull-vm/fs"

/* hull_agent_send: write msg as one frame (u32 big-endian length, then the
 * compact JSON). Blocks until written. */
int hull_agent_send(int fd, json_t *msg, struct hull_error **err);

/* hull_agent_recv: read one frame into *out (caller decrefs). A clean end of
 * the stream before a frame returns 0 with *out NULL. A frame over
 * HULL_AGENT_FRAME_MAX, a truncated one, or one that is not a JSON object
 * is an error. */
int hull_agent_recv(int fd, json_t **out, struct hull_error **err);

/* hull_agent_b64_encode / decode: standard base64 (RFC 4648, padded).
 * encode returns a malloc'd string; decode returns a malloc'd buffer and
 * its length in *len, or NULL on malformed input. */
char *hull_agent_b64_encode(const void *data, size_t len);
void *hull_agent_b64_decode(const char *text, size_t *len);

/* What the agent serves one connection with. */
struct hull_agent_server_opts {
	const char *rootfs;    /* the container's root filesystem, already mounted */
	const char *state_dir; /* created if missing: the bundle (config.json, files/) goes here */
	bool no_pivot;	       /* enter the rootfs by MS_MOVE + chroot (the caller's root is a ramfs) */
	int exec_listen;       /* a listening socket whose connections each carry one exec, or -1 */
	bool guest_network;    /* the caller's network namespace is the guest's: a create with a
				  "network" configures its interface there (else such a create is refused) */
};

/* hull_agent_serve: serve one connection (docs/vm-agent.md) until the host
 * closes it: create, start, stdio, signals, resize, wait. Meanwhile each
 * connection on opts->exec_listen is served by a child of its own: one
 * `exec` into the container, its stdio, signals, resize and wait. The
 * container is run with hull's runtime under ctx->runtime_root; when the connection ends
 * the container is killed if still running and deleted. Returns 0 when the
 * host ended the connection, negative errno on a broken stream. */
int hull_agent_serve(struct hull_ctx *ctx, int conn, const struct hull_agent_server_opts *opts,
		     struct hull_error **err);

/* The guest's interface, as the create request's "network" gives it. */
struct hull_agent_netconf {
	uint32_t address; /* host byte order */
	int prefix;	  /* 1..30 */
	uint32_t gateway; /* 0: no default route */
	uint8_t mac[6];	  /* the virtio-net device's, which finds the interface */
	unsigned mtu;	  /* 68..65535, default 1500 */
};

/* hull_agent_netconf_parse: check and read {"address": "A.B.C.D/N",
 * "gateway": "A.B.C.D" (optional), "mac": "xx:xx:xx:xx:xx:xx", "mtu": N
 * (optional)}: a host address, a gateway in its subnet, a unicast MAC, no
 * other field. 0, or -EINVAL with the field named. */
int hull_agent_netconf_parse(json_t *network, struct hull_agent_netconf *out, struct hull_error **err);

/* hull_agent_netconf_apply: wait (5 s at most) for the interface with
 * nc->mac in the caller's network namespace, move it into pid's, and there
 * bring lo up and give the interface the MTU, the address and, with a
 * gateway, the default route; then it is up. 0, or negative errno
 * (-ENODEV: no such interface). */
int hull_agent_netconf_apply(const struct hull_agent_netconf *nc, pid_t pid, struct hull_error **err);

/* What the host side sends. */
struct hull_agent_call {
	const char *id;	 /* container id inside the guest */
	json_t *config;	 /* the OCI config (borrowed); root.path is the agent's choice */
	json_t *files;	 /* {"name": "content"} for the bundle's files/ directory, or NULL */
	json_t *network; /* the create request's "network" (docs/vm-agent.md), or NULL: none */
	int files_watch; /* with files_dir, a non-blocking inotify fd: on an event, each of files is
			    read again from files_dir and sent as a "file" request if it changed */
	const char *files_dir; /* NULL: files are not watched */
	int stdio[3];	 /* relayed: 0 to the process's stdin (-1: none), 1 and 2 from its output */
	int signal_fd;	 /* a signalfd whose signals are forwarded to the process, or -1 */
	int stop_fd;	 /* readable: the other end is gone (the VMM exited), or -1 */
	bool terminal;	 /* process.terminal: stdio[0] is a tty whose size (at start, on SIGWINCH)
			    is sent as resize; all output comes as stdout */
	json_t *process; /* set: an exec connection; run this OCI process (borrowed) in the
			    running container instead of create + start (id, config, files unused) */
	/* May be NULL: called once create is answered, before start is sent
	 * (the runtime's `create` ends there, its `start` goes on), and once
	 * start (or exec) is answered. A negative return ends the call. */
	int (*created)(void *data, struct hull_error **err);
	int (*started)(void *data, struct hull_error **err);
	void *hook_data;
};

/* hull_agent_call_run: on an open connection, create and start the
 * container (with call->process: exec that process, on an exec
 * connection), relay stdio and signals, and wait for its exit status (as
 * a shell reports it: 128+N when killed by signal N) into *status. With a
 * terminal, the caller's size is the exec'd process's consoleSize. */
int hull_agent_call_run(int conn, const struct hull_agent_call *call, int *status, struct hull_error **err);

/* hull_agent_guest_main: hull as the guest's init (pid 1): mount /proc,
 * /sys, /dev, /tmp, /run, load the initramfs's modules, mount the
 * container's root disk (/dev/vda, read-only) under an overlay with a
 * tmpfs upper, connect to the host over vsock and serve it, then power
 * the VM off. Never returns. */
__attribute__((noreturn)) void hull_agent_guest_main(void);

/* Inputs of the initramfs. */
struct hull_agent_initramfs_opts {
	const char *hull_binary; /* becomes /init (with its shared libraries, found by ldd) */
	const char *kernel;	 /* a bzImage: its version names /lib/modules/VERSION */
	const char *modules_dir; /* NULL: /lib/modules/VERSION */
};

/* hull_agent_kernel_version: the version a bzImage's setup header names
 * ("6.1.0-57-amd64"), malloc'd. */
char *hull_agent_kernel_version(const char *kernel, struct hull_error **err);

/* hull_agent_initramfs_write: write a cpio (newc) archive to path
 * (temporary name, then rename): /init = the hull binary, its shared
 * libraries, and the modules the agent needs with their dependencies in
 * load order (/lib/modules/hull/order). */
int hull_agent_initramfs_write(const struct hull_agent_initramfs_opts *opts, const char *path, struct hull_error **err);

/* hull_agent_initramfs_cached: the initramfs for this hull binary and
 * kernel under cache_dir (made once: the name carries a digest of both),
 * malloc'd path. */
char *hull_agent_initramfs_cached(const struct hull_agent_initramfs_opts *opts, const char *cache_dir,
				  struct hull_error **err);

#endif
