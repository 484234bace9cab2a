/* vm.h - the VMM's internal state, shared by the files of src/lib/vmm/.
 * Only this room includes linux/kvm.h. */
#ifndef HULL_VMM_VM_H
#define HULL_VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hull/vmm.h"

/* Guest physical layout (x86, like kvmtool and Firecracker). */
#define VM_GDT_ADDR 0x500
#define VM_START_INFO_ADDR 0x6000  /* PVH hvm_start_info + memmap */
#define VM_BOOT_PARAMS_ADDR 0x7000 /* bzImage zero page */
#define VM_PML4_ADDR 0x9000	   /* identity page tables: PML4, PDPT, 4 PDs */
#define VM_CMDLINE_ADDR 0x20000
#define VM_CMDLINE_MAX 4096
#define VM_EBDA_START 0x9fc00
#define VM_ACPI_ADDR 0xe0000			/* RSDP (BIOS scan area) and the tables after it */
#define VM_VMGENID_ADDR (VM_ACPI_ADDR + 0x1000) /* 16-byte VM generation ID (x86/tables.c) */
#define VM_VMGENID_SIZE 16
#define VM_KERNEL_ADDR 0x100000
#define VM_MMIO_HOLE_START 0xc0000000ULL /* 32-bit PCI BARs, IOAPIC, LAPIC */
#define VM_PCI_MMIO_BASE 0xc0000000ULL
#define VM_PCI_MMIO_SIZE 0x20000000ULL
#define VM_IOAPIC_ADDR 0xfec00000ULL
#define VM_LAPIC_ADDR 0xfee00000ULL
#define VM_HIGH_RAM_START 0x100000000ULL

/* Ports of the platform devices. */
#define VM_PORT_PM1A_EVT 0x600 /* ACPI PM1a event block (4 bytes) */
#define VM_PORT_PM1A_CNT 0x604 /* ACPI PM1a control: SLP_TYP=5|SLP_EN powers off */
#define VM_PORT_GPE0 0x608     /* ACPI GPE0 block: one status byte, one enable byte */
#define VM_GPE0_LEN 2
#define VM_GPE_VMGENID 0x01 /* GPE0 bit 0: the generation ID changed (\_GPE._E00) */
#define VM_PORT_PVPANIC 0x505  /* pvpanic: bit 0 written = the guest kernel panicked */
#define VM_SCI_IRQ 9
#define VM_PCI_INTX_GSIS                                                                                               \
	{                                                                                                              \
		5, 10, 11                                                                                              \
	} /* INTx lines handed to PCI slots, level-triggered in the MADT */

struct hull_vm;

/* memory.c: guest RAM, mapped MAP_NORESERVE and never touched by the VMM
 * except where the guest asks it to. */
struct vm_memory {
	uint8_t *host;	   /* start of the mapping */
	uint64_t size;	   /* bytes of RAM */
	uint64_t low_size; /* bytes below VM_MMIO_HOLE_START; the rest sits at 4 GiB */
};
int vm_memory_init(struct vm_memory *mem, uint64_t size, struct hull_error **err);
void vm_memory_free(struct vm_memory *mem);
int vm_memory_register(struct vm_memory *mem, int vm_fd, struct hull_error **err);
/* vm_memory_ptr: host address of guest range [gpa, gpa+len), or NULL when
 * any byte of it is not RAM (or it wraps). Every guest-supplied address goes
 * through here. */
void *vm_memory_ptr(const struct vm_memory *mem, uint64_t gpa, uint64_t len);

/* bus.c: address ranges dispatched from KVM_RUN exits. */
typedef void (*vm_bus_fn)(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write);
struct vm_bus_range {
	uint64_t base, len;
	vm_bus_fn fn;
	void *opaque;
};
struct vm_bus {
	struct vm_bus_range *ranges;
	size_t n;
};
int vm_bus_add(struct vm_bus *bus, uint64_t base, uint64_t len, vm_bus_fn fn, void *opaque, struct hull_error **err);
void vm_bus_remove(struct vm_bus *bus, void *opaque, uint64_t base);
/* vm_bus_dispatch: call the handler covering addr; reads of nothing give
 * all-ones, writes to nothing are dropped. Returns whether a range matched. */
bool vm_bus_dispatch(struct vm_bus *bus, uint64_t addr, uint8_t *data, uint32_t len, bool is_write);
void vm_bus_free(struct vm_bus *bus);

/* irq.c: the in-kernel irqchip (PIC + IOAPIC + LAPIC) and PIT. */
int vm_irq_init(struct hull_vm *vm, struct hull_error **err);
void vm_irq_line(struct hull_vm *vm, unsigned gsi, int level);
void vm_irq_pulse(struct hull_vm *vm, unsigned gsi);
int vm_irq_msi(struct hull_vm *vm, uint64_t addr, uint32_t data);
/* MSI vectors as irqfds: GSIs from VM_IRQ_FIRST_MSI_GSI, one per vector. */
#define VM_IRQ_FIRST_MSI_GSI 24
#define VM_IRQ_MAX_MSI 128
struct vm_irq_routes {
	bool irqfd;	/* KVM_CAP_IRQFD and KVM_CAP_IRQ_ROUTING, and no refusal yet */
	unsigned n_msi; /* GSIs handed out */
	struct {
		bool set;
		uint64_t addr;
		uint32_t data;
	} msi[VM_IRQ_MAX_MSI]; /* the route of GSI VM_IRQ_FIRST_MSI_GSI + i */
};
struct vm_irqfd {
	int fd;		  /* -1: this vector goes by KVM_SIGNAL_MSI */
	unsigned slot;	  /* index in vm->routes.msi */
	unsigned changes; /* route rewrites so far */
};
/* vm_irqfd_init: a vector without an irqfd (fd -1), safe to free. */
void vm_irqfd_init(struct vm_irqfd *ifd);
/* vm_irqfd_msi_create: an eventfd bound to a fresh GSI. Returns 0, or a
 * negative errno when KVM has no irqfds (ifd->fd stays -1: fire falls back). */
int vm_irqfd_msi_create(struct hull_vm *vm, struct vm_irqfd *ifd);
/* vm_irqfd_msi_fire: raise the MSI (addr, data) through ifd, routing its
 * GSI to that message first if it changed; KVM_SIGNAL_MSI where that fails.
 * Called with vm->lock held. */
void vm_irqfd_msi_fire(struct hull_vm *vm, struct vm_irqfd *ifd, uint64_t addr, uint32_t data);
void vm_irqfd_free(struct vm_irqfd *ifd);
/* vm_irqfd_level_create: a level-triggered line (GSI 0-23) as an irqfd with a
 * resample eventfd (api.rst 4.75, KVM_IRQFD_FLAG_RESAMPLE): a write to *fd
 * raises the line, KVM lowers it at the guest's EOI and signals
 * *resample_fd, where the device raises it again if it is still owed.
 * Returns 0, or a negative errno with both fds -1 (use KVM_IRQ_LINE). */
int vm_irqfd_level_create(struct hull_vm *vm, unsigned gsi, int *fd, int *resample_fd);

/* vcpu.c */
struct vm_vcpu {
	struct hull_vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	int stats_fd;	       /* KVM's binary statistics of this vCPU, or 0 */
	uint64_t blocking_off; /* where in stats_fd its "blocking" gauge is */
};
int vm_vcpu_create(struct hull_vm *vm, unsigned index, struct hull_error **err);
int vm_vcpu_start(struct vm_vcpu *cpu, struct hull_error **err);
void vm_vcpu_kick(struct vm_vcpu *cpu);
void vm_vcpu_destroy(struct vm_vcpu *cpu);
/* vm_vcpu_blocking: 1 when KVM says the vCPU waits in the kernel (halted,
 * or for INIT/SIPI), 0 when it may be running guest code, -1 when this
 * KVM has no such statistic. Needs no pause: it reads a gauge. */
int vm_vcpu_blocking(struct vm_vcpu *cpu);
/* vm_vcpu_describe: append the registers of cpu to a malloc'd string. */
char *vm_vcpu_describe(struct vm_vcpu *cpu);

/* x86/cpu.c */
int vm_cpu_setup_cpuid(struct hull_vm *vm, struct vm_vcpu *cpu, struct hull_error **err);
int vm_cpu_setup_msrs(struct vm_vcpu *cpu, struct hull_error **err);
struct vm_boot_entry {
	bool protected32; /* PVH: 32-bit protected mode, paging off */
	uint64_t rip;
	uint64_t boot_arg; /* rsi (bzImage boot_params) or ebx (PVH start_info) */
};
int vm_cpu_setup_boot_regs(struct hull_vm *vm, struct vm_vcpu *cpu, const struct vm_boot_entry *entry,
			   struct hull_error **err);

/* x86/boot.c */
int vm_boot_load(struct hull_vm *vm, struct vm_boot_entry *entry, struct hull_error **err);
/* x86/tables.c: ACPI tables at VM_ACPI_ADDR; returns the RSDP address. */
uint64_t vm_acpi_build(struct hull_vm *vm);
/* vm_vmgenid_new: a fresh random VM generation ID at VM_VMGENID_ADDR (at
 * each boot and each restore: every copy of a snapshot is a new generation). */
void vm_vmgenid_new(struct hull_vm *vm);
/* vm_vmgenid_notify: vm_vmgenid_new, then tell the guest (GPE0 bit 0, whose
 * _E00 method notifies the VGEN device, as the vmgenid spec asks of a
 * hypervisor that changed the ID of a running guest). */
void vm_vmgenid_notify(struct hull_vm *vm);

/* dev/: platform devices */
struct vm_serial;
int vm_serial_create(struct hull_vm *vm, uint16_t port, unsigned irq, int in_fd, int out_fd, struct vm_serial **out,
		     struct hull_error **err);
void vm_serial_free(struct vm_serial *s);
/* vm_serial_tail: the last lines the guest printed (for crash reports). */
char *vm_serial_tail(struct vm_serial *s, unsigned lines);
int vm_platform_create(struct hull_vm *vm, struct hull_error **err); /* i8042, PM, 0xCF9, RTC */
/* vm_sci_update: drive the SCI line from the ACPI event registers (high
 * while an enabled PM1 or GPE0 status bit is set). Call with vm->lock held,
 * or before the vCPUs run. */
void vm_sci_update(struct hull_vm *vm);

/* dev/pci.c */
struct vm_pci_device;
struct vm_pci;
typedef void (*vm_pci_bar_fn)(struct vm_pci_device *dev, unsigned bar, uint64_t offset, uint8_t *data, uint32_t len,
			      bool is_write);
struct vm_pci_device {
	uint8_t config[256]; /* type 0 header + capabilities */
	uint8_t wmask[256];  /* bits the guest may write */
	uint64_t bar_size[6];
	bool bar_io[6];
	uint64_t bar_addr[6]; /* where the BAR is mapped on its bus, 0 if not */
	bool bar_mapped[6];
	vm_pci_bar_fn bar_fn;
	void (*bars_moved)(struct vm_pci_device *dev); /* after BARs were mapped, moved or unmapped; may be NULL */
	void *priv;
	struct hull_vm *vm;
	unsigned slot;
	unsigned irq_line; /* INTx GSI */
	unsigned cap_end;  /* first free byte after the capabilities (0: none yet) */
};
int vm_pci_init(struct hull_vm *vm, struct hull_error **err);
void vm_pci_free(struct hull_vm *vm);
/* vm_pci_add: take a device with its config header filled; assign a slot,
 * an INTx line and the BAR addresses. */
int vm_pci_add(struct hull_vm *vm, struct vm_pci_device *dev, struct hull_error **err);
/* vm_pci_cap_add: append a capability of len bytes (starting with id), return its offset. */
unsigned vm_pci_cap_add(struct vm_pci_device *dev, const uint8_t *cap, unsigned len);

/* virtio/: devices on the PCI transport */
int vm_virtio_devices_create(struct hull_vm *vm, struct hull_error **err);
void vm_virtio_devices_free(struct hull_vm *vm);

/* vm.c: the I/O thread (stdin, tap, vsock sockets). fn runs with vm->lock held. */
typedef void (*vm_io_fn)(void *opaque, uint32_t events);
int vm_io_add(struct hull_vm *vm, int fd, uint32_t events, vm_io_fn fn, void *opaque, struct hull_error **err);
int vm_io_mod(struct hull_vm *vm, int fd, uint32_t events, vm_io_fn fn, void *opaque);
void vm_io_del(struct hull_vm *vm, int fd);

/* How often the VM's main thread looks for a guest that can never run again. */
#define VM_HANG_CHECK_SECONDS 1

/* vm_pause: stop every vCPU outside KVM_RUN with its pending I/O completed
 * (api.rst: KVM_RUN with immediate_exit), so its state can be read. Called
 * without vm->lock. vm_resume lets them run again. */
void vm_pause(struct hull_vm *vm);
void vm_resume(struct hull_vm *vm);
/* vcpu.c: the park point a vCPU thread calls when a pause is requested */
void vm_vcpu_park(struct vm_vcpu *cpu);

/* jail.c: vm_jail_enter: drop every capability, set no_new_privs and load
 * the VMM's seccomp allowlist on every thread of the process, for good.
 * fs: the VM has virtio-fs shares, whose server keeps the file capabilities
 * (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID)
 * and the file system calls it makes. */
int vm_jail_enter(bool fs, struct hull_error **err);
/* jail.c: vm_jail_chroot: cfg->jail_dir's confinement (see hull/vmm.h): new
 * mount and network namespaces, an empty tmpfs on the directory as root with
 * the socket directories bound in, the bounding set emptied, then jail_uid and
 * jail_gid with no supplementary groups. The process must have no other thread. */
int vm_jail_chroot(const struct hull_vm_config *cfg, struct hull_error **err);

/* crc32c.c: vm_crc32c: CRC-32C of data, continuing from crc (0 to start). */
uint32_t vm_crc32c(uint32_t crc, const void *data, size_t len);

/* snapshot.c: the file format is described there. */
int vm_snapshot_save(struct hull_vm *vm, const char *path, struct hull_error **err);
struct vm_snapshot;
/* vm_snapshot_open: open a snapshot file and check it (header, checksum of
 * the state, every size bounded); fill *cfg with its configuration, taking
 * disks, taps and the vsock path from user (a snapshot's own paths are not
 * trusted: their count and modes must match) and the console and API socket
 * from user too. *cfg points into user and *out, which must outlive it. */
#define VM_SNAPSHOT_STRINGS (HULL_VM_MAX_DISKS + HULL_VM_MAX_NICS + 2)
int vm_snapshot_open(const char *path, const struct hull_vm_config *user, struct hull_vm_config *cfg,
		     struct vm_snapshot **out, struct hull_error **err);
/* vm_snapshot_load: set a built VM's vCPUs, irqchips, clock and devices from
 * snap, map its memory from the file (copy-on-write), and start checking the
 * memory's checksum in a thread, which stops the VM on a mismatch. */
int vm_snapshot_load(struct hull_vm *vm, struct vm_snapshot *snap, struct hull_error **err);
/* vm_snapshot_finish: wait for the memory check; an error if it failed. */
int vm_snapshot_finish(struct vm_snapshot *snap, struct hull_error **err);
void vm_snapshot_close(struct vm_snapshot *snap);
void vm_snapshot_closep(struct vm_snapshot **snap);

/* device state for snapshots */
struct vm_serial_state {
	uint8_t ier, iir_fifo, lcr, mcr, msr, scr, dll, dlm, thr_pending, irq_level;
	uint32_t rx_head, rx_len;
	uint8_t rx[1024];
};
void vm_serial_save(struct vm_serial *s, struct vm_serial_state *st);
void vm_serial_load(struct vm_serial *s, const struct vm_serial_state *st);
void vm_pci_refresh(struct vm_pci_device *dev);
uint32_t *vm_pci_address(struct hull_vm *vm);

/* unixsock.c: vm_unix_listen: a listening unix socket bound at path. A
 * stale socket there (connect refused) is replaced; any other file, or a
 * socket that answers, is refused with an error naming path. Returns the fd
 * and fills *bound (what path is now) for vm_unix_unlink. */
struct stat;
int vm_unix_listen(const char *path, struct stat *bound, struct hull_error **err);
/* vm_unix_unlink: remove path only if it is still the socket *bound. */
void vm_unix_unlink(const char *path, const struct stat *bound);

/* vm_request_exit: the guest (or a device) ended the VM; the first call wins.
 * detail is taken over (may be NULL). */
void vm_request_exit(struct hull_vm *vm, enum hull_vm_exit_reason reason, char *detail);

struct vm_io_watch;
struct vm_virtio_pci;

struct hull_vm {
	const struct hull_vm_config *cfg;
	int kvm_fd, vm_fd;
	size_t run_size;
	bool pvm_host; /* /dev/kvm is the PVM backend (kvm_pvm), not VT-x/AMD-V */
	struct vm_memory mem;
	struct vm_bus pio, mmio;
	pthread_mutex_t lock; /* devices: held while dispatching an exit or an I/O event */
	struct vm_vcpu cpus[HULL_VM_MAX_CPUS];
	unsigned ncpus;
	struct vm_serial *serial;
	struct vm_pci *pci;
	struct vm_virtio_pci *virtio[16];
	unsigned n_virtio;
	int epoll_fd, stop_fd;
	pthread_t io_thread;
	bool io_started;
	struct vm_io_watch *watches;
	pthread_mutex_t exit_lock;
	pthread_cond_t exit_cond;
	bool exiting;
	enum hull_vm_exit_reason exit_reason;
	char *exit_detail;
	pthread_cond_t pause_cond;  /* with exit_lock: vCPUs park while pause_requested */
	pthread_mutex_t pause_lock; /* held from vm_pause to vm_resume */
	bool stuck_seen;	    /* the last hang check found every vCPU halted, interrupts off */
	bool pause_requested;
	unsigned paused;
	int api_fd;
	struct stat api_bound; /* the socket file at cfg->api_socket */
	uint8_t cmos_index, cmos[128];
	uint8_t i8042_cmd, i8042_out;
	uint16_t pm1_en, pm1_sts, pm1_cnt;
	uint8_t gpe0_sts, gpe0_en; /* GPE0 block (VM_PORT_GPE0) */
	struct vm_irq_routes routes; /* irq.c, with vm->lock */
};

#endif
