/* hull/vmm.h - the KVM micro-VM monitor: boot a Linux bzImage (or a PVH ELF)
 * with virtio-pci devices, one thread per vCPU, and report how the guest
 * ended. Only src/lib/vmm/ includes linux/kvm.h. */
#ifndef HULL_VMM_H
#define HULL_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include "hull/error.h"

#define HULL_VM_MAX_CPUS 32
#define HULL_VM_MAX_DISKS 8
#define HULL_VM_MAX_NICS 4
#define HULL_VM_MAX_FS 9 /* hull run --vm: 8 volumes and the container's root */

struct hull_vm_disk {
	const char *path; /* raw image file */
	bool read_only;   /* VIRTIO_BLK_F_RO: writes are refused with IOERR */
};

/* A host directory shared with the guest by virtio-fs (docs/vm-agent.md,
 * "Volumes: virtio-fs"): the guest mounts it with `mount -t virtiofs TAG DIR`. */
struct hull_vm_fs {
	const char *tag; /* 1 to 36 of [A-Za-z0-9._-] */
	const char *dir; /* the host directory (a symlink is refused) */
	bool read_only;	 /* every change is refused with EROFS, whatever the guest mounts */
	unsigned cache_seconds; /* the guest keeps names, attributes and data this long; 0: asks every time */
};

struct hull_vm_config {
	const char *kernel;      /* bzImage or ELF with a PVH note */
	const char *initrd;      /* optional */
	const char *cmdline;     /* optional kernel command line */
	unsigned cpus;           /* 1..HULL_VM_MAX_CPUS */
	uint64_t memory;         /* bytes of guest RAM */
	struct hull_vm_disk disks[HULL_VM_MAX_DISKS];
	unsigned n_disks;
	const char *taps[HULL_VM_MAX_NICS]; /* tap interface names, one virtio-net device each */
	unsigned n_taps;
	uint8_t tap_macs[HULL_VM_MAX_NICS][6]; /* each device's MAC; all zero: a random 52:54:00:xx:xx:xx */
	uint32_t vsock_cid;      /* guest CID (>= 3), 0 for no vsock */
	const char *vsock_path;  /* host side: guest connects to CID 2 port P -> unix socket "<vsock_path>_P" */
	struct hull_vm_fs fs[HULL_VM_MAX_FS]; /* virtio-fs shares (a VM with any cannot be snapshotted) */
	unsigned n_fs;
	bool rng;                /* add a virtio-rng device */
	int console_in;          /* fd the UART reads guest input from, -1 for none */
	int console_out;         /* fd the UART writes guest output to */
	const char *api_socket;  /* unix socket path taking "snapshot FILE [stop]" requests, or NULL */
	bool seccomp;            /* once the VM is built, drop every capability, set no_new_privs and
				    load the VMM's seccomp allowlist, for the rest of the process's life */
	const char *jail_dir;    /* run only: once the VM is built, enter new mount and network namespaces,
				    chroot into an empty tmpfs mounted on this directory (with only the
				    directories of the vsock and API sockets bound in) and become
				    jail_uid:jail_gid; the caller puts the process in a new pid namespace */
	uint32_t jail_uid, jail_gid;
	bool test_forbidden_syscall; /* tests only: with seccomp, make a call outside the allowlist */
	bool irqfd; /* interrupts through irqfds (HULL_VM_IRQFD=1); off: KVM_SIGNAL_MSI and KVM_IRQ_LINE */
	unsigned clone_index;    /* restore only: 0, or clone number i+1 of `hull vm clone` (a vsock device
				    then defaults to the saved CID + i+1) */
};

enum hull_vm_exit_reason {
	HULL_VM_EXIT_POWEROFF,    /* ACPI S5 or the poweroff port */
	HULL_VM_EXIT_RESET,       /* i8042 0xFE, port 0xCF9, or a KVM system reset event */
	HULL_VM_EXIT_CRASH,       /* triple fault, internal error or failed entry */
	HULL_VM_EXIT_SNAPSHOT,    /* a snapshot was saved with "stop": the VM ended there */
};

struct hull_vm_result {
	enum hull_vm_exit_reason reason;
	char *detail;   /* for a crash: the reason, the registers, the last console lines; malloc'd */
};

/* hull_vm_config_init: fill cfg with the defaults (1 CPU, 256 MiB, rng on,
 * console on stdin/stdout, seccomp on). */
void hull_vm_config_init(struct hull_vm_config *cfg);

/* hull_vm_run: create a KVM VM from cfg, boot it, and block until the guest
 * powers off, resets or crashes. On return *res says which (res->detail is
 * owned by the caller: hull_vm_result_clear()). With cfg->seccomp the calling
 * process is confined for good once the VM is built (only the run loop's
 * system calls, no capabilities): call it from a process that afterwards
 * only reports and exits (the CLI forks one per VM). Returns 0 when the guest ran
 * (whatever way it ended), negative errno with *err when the VM could not be
 * built (no /dev/kvm, bad kernel file, bad disk...). */
int hull_vm_run(const struct hull_vm_config *cfg, struct hull_vm_result *res, struct hull_error **err);

/* hull_vm_restore: like hull_vm_run, but the VM comes from a snapshot file
 * written through the API socket: its memory (mapped from the file,
 * copy-on-write), vCPU and device state. The file is checked (checksums,
 * bounds) and none of its paths is used: the disks, taps and vsock path come
 * from cfg, in the number and modes the snapshot has (vsock_path NULL: the
 * default for its CID), as do console_in/out, api_socket and seccomp;
 * cfg->vsock_cid, when not 0, replaces the saved CID (else clone_index
 * shifts it); the rest of cfg is ignored. Each restore gets a fresh VM
 * generation ID and fresh random MAC addresses, and its writable disks
 * are locked against any other VM. A snapshot whose memory turns out corrupted while the VM runs
 * stops the VM and gives an error. */
int hull_vm_restore(const char *snapshot, const struct hull_vm_config *cfg, struct hull_vm_result *res,
		    struct hull_error **err);

/* hull_vm_api_request: send one request line (e.g. "snapshot /tmp/s stop")
 * to a running VM's API socket; returns 0 when it answered "ok", else
 * negative errno with its answer in *err. */
int hull_vm_api_request(const char *api_socket, const char *request, struct hull_error **err);

/* hull_vm_open_kvm: /dev/kvm opened read-write (close-on-exec), or a
 * negative errno with *err saying this machine has no usable KVM and what
 * to do (a missing module, a group, a file left in the device's place). */
int hull_vm_open_kvm(struct hull_error **err);

/* hull_vm_fs_tag_check: 0 when tag is a valid virtio-fs tag, else -EINVAL with *err. */
int hull_vm_fs_tag_check(const char *tag, struct hull_error **err);

/* hull_vm_result_clear: free what hull_vm_run put in res. */
void hull_vm_result_clear(struct hull_vm_result *res);

/* hull_vm_parse_size: parse "512M", "1G", "268435456", "64k" (binary
 * units) into bytes. Returns 0 or -EINVAL with *err naming the text. */
int hull_vm_parse_size(const char *text, uint64_t *out, struct hull_error **err);

/* HULL_VM_EXIT_SIGSYS: the exit status of a jailed VMM (PID 1 of its own
 * pid namespace, which SIGSYS from inside cannot kill) that made a system
 * call outside its seccomp filter: as a shell reports a death by SIGSYS. */
#define HULL_VM_EXIT_SIGSYS (128 + 31)

/* hull_vm_jail_syscalls: how many host syscalls the VMM's seccomp jail
 * lets through (with cfg->seccomp): those it allows outright and those it
 * allows for some arguments only (ioctl, socket, clone). */
size_t hull_vm_jail_syscalls(void);

#endif
