/* snapshot.c - save a paused VM to one file and build a VM from it: the
 * configuration (disks, tap, vsock are reopened), guest RAM (resident pages
 * only: untouched pages are zero), each vCPU (registers, special registers,
 * XSAVE area, XCRs, LAPIC, MP state, pending events, every MSR KVM lists),
 * the in-kernel irqchips, PIT and KVM clock, and the device models. The
 * file is written under a temporary name and renamed into place. A snapshot
 * restores on the same host kernel (struct sizes are checked). */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/output.h"
#include "virtio/virtio.h"
#include "vm.h"

#define SNAP_MAGIC "HULLSNAP"
#define SNAP_END "HULLEND"
#define SNAP_VERSION 1
#define MAX_MSRS 512
#define PAGE 4096

struct snap_io {
	FILE *f;
	const char *path;
	struct hull_error **err;
	int failed;
};

static void put(struct snap_io *io, const void *p, size_t n)
{
	if (n && !io->failed && fwrite(p, 1, n, io->f) != n)
		io->failed = hull_error_set(io->err, errno ? errno : EIO, "write snapshot `%s`", io->path);
}

static void get(struct snap_io *io, void *p, size_t n)
{
	if (n && !io->failed && fread(p, 1, n, io->f) != n)
		io->failed = hull_error_msg(io->err, EINVAL, "snapshot `%s` is truncated or unreadable", io->path);
}

static void put_u32(struct snap_io *io, uint32_t v) { put(io, &v, 4); }
static void put_u64(struct snap_io *io, uint64_t v) { put(io, &v, 8); }
static uint32_t get_u32(struct snap_io *io) { uint32_t v = 0; get(io, &v, 4); return v; }
static uint64_t get_u64(struct snap_io *io) { uint64_t v = 0; get(io, &v, 8); return v; }

static void put_str(struct snap_io *io, const char *s)
{
	uint32_t n = s ? (uint32_t)strlen(s) : 0;
	put_u32(io, n);
	put(io, s, n);
}

static char *get_str(struct snap_io *io)
{
	uint32_t n = get_u32(io);
	if (io->failed || n == 0 || n > 4096)
		return NULL;
	char *s = hull_xcalloc(1, n + 1);
	get(io, s, n);
	return s;
}

/* Struct sizes of this kernel's KVM ABI: a snapshot restores only where they match. */
static const uint32_t abi_sizes[] = {
	sizeof(struct kvm_regs), sizeof(struct kvm_sregs), sizeof(struct kvm_xsave), sizeof(struct kvm_xcrs),
	sizeof(struct kvm_lapic_state), sizeof(struct kvm_mp_state), sizeof(struct kvm_vcpu_events),
	sizeof(struct kvm_irqchip), sizeof(struct kvm_pit_state2), sizeof(struct kvm_clock_data),
	sizeof(struct vm_serial_state), sizeof(struct virtio_pci_state),
};

static void put_config(struct snap_io *io, const struct hull_vm_config *cfg)
{
	put_u32(io, cfg->cpus);
	put_u64(io, cfg->memory);
	put_u32(io, cfg->rng);
	put_u32(io, cfg->n_disks);
	for (unsigned i = 0; i < cfg->n_disks; i++) {
		put_str(io, cfg->disks[i].path);
		put_u32(io, cfg->disks[i].read_only);
	}
	put_u32(io, cfg->n_taps);
	for (unsigned i = 0; i < cfg->n_taps; i++)
		put_str(io, cfg->taps[i]);
	put_u32(io, cfg->vsock_cid);
	put_str(io, cfg->vsock_path);
	for (size_t i = 0; i < HULL_ARRAY_SIZE(abi_sizes); i++)
		put_u32(io, abi_sizes[i]);
}

/* Each MSR alone: KVM_GET_MSRS stops at the first one it cannot read. */
static uint32_t read_msrs(struct vm_vcpu *cpu, struct kvm_msr_entry *out)
{
	struct hull_vm *vm = cpu->vm;
	_Alignas(struct kvm_msr_list) uint8_t lbuf[sizeof(struct kvm_msr_list) + MAX_MSRS * 4];
	struct kvm_msr_list *list = (struct kvm_msr_list *)lbuf;
	list->nmsrs = MAX_MSRS;
	if (ioctl(vm->kvm_fd, KVM_GET_MSR_INDEX_LIST, list) < 0)
		return 0;
	uint32_t n = 0;
	for (uint32_t i = 0; i < list->nmsrs && i < MAX_MSRS; i++) {
		_Alignas(struct kvm_msrs) uint8_t buf[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
		struct kvm_msrs *one = (struct kvm_msrs *)buf;
		memset(buf, 0, sizeof(buf));
		one->nmsrs = 1;
		one->entries[0].index = list->indices[i];
		if (ioctl(cpu->fd, KVM_GET_MSRS, one) == 1)
			out[n++] = one->entries[0];
	}
	return n;
}

static int save_vcpu(struct snap_io *io, struct vm_vcpu *cpu)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	_cleanup_free_ struct kvm_xsave *xsave = hull_xcalloc(1, sizeof(*xsave));
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events events;
	memset(&xcrs, 0, sizeof(xcrs));
	if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &sregs) < 0 ||
	    ioctl(cpu->fd, KVM_GET_XSAVE, xsave) < 0 || ioctl(cpu->fd, KVM_GET_LAPIC, &lapic) < 0 ||
	    ioctl(cpu->fd, KVM_GET_MP_STATE, &mp) < 0 || ioctl(cpu->fd, KVM_GET_VCPU_EVENTS, &events) < 0)
		return hull_error_set(io->err, errno, "read the state of vCPU %u", cpu->index);
	if (ioctl(cpu->fd, KVM_GET_XCRS, &xcrs) < 0)
		memset(&xcrs, 0, sizeof(xcrs)); /* no XCRs to carry */
	put(io, &regs, sizeof(regs));
	put(io, &sregs, sizeof(sregs));
	put(io, xsave, sizeof(*xsave));
	put(io, &xcrs, sizeof(xcrs));
	put(io, &lapic, sizeof(lapic));
	put(io, &mp, sizeof(mp));
	put(io, &events, sizeof(events));
	struct kvm_msr_entry *msrs = hull_xcalloc(MAX_MSRS, sizeof(*msrs));
	uint32_t n = read_msrs(cpu, msrs);
	put_u32(io, n);
	put(io, msrs, n * sizeof(*msrs));
	free(msrs);
	return io->failed;
}

static int save_vm_state(struct snap_io *io, struct hull_vm *vm)
{
	struct kvm_clock_data clock = { 0 };
	struct kvm_pit_state2 pit;
	if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &clock) < 0 || ioctl(vm->vm_fd, KVM_GET_PIT2, &pit) < 0)
		return hull_error_set(io->err, errno, "read the VM clock and PIT");
	put(io, &clock, sizeof(clock));
	put(io, &pit, sizeof(pit));
	for (uint32_t chip = 0; chip < 3; chip++) {
		struct kvm_irqchip c = { .chip_id = chip };
		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &c) < 0)
			return hull_error_set(io->err, errno, "read irqchip %u", chip);
		put(io, &c, sizeof(c));
	}
	return io->failed;
}

static void save_devices(struct snap_io *io, struct hull_vm *vm)
{
	put_u32(io, *vm_pci_address(vm));
	put(io, &vm->cmos_index, 1);
	put(io, vm->cmos, sizeof(vm->cmos));
	put(io, &vm->i8042_cmd, 1);
	put(io, &vm->i8042_out, 1);
	put(io, &vm->pm1_en, 2);
	put(io, &vm->pm1_sts, 2);
	put(io, &vm->pm1_cnt, 2);
	struct vm_serial_state ss;
	vm_serial_save(vm->serial, &ss);
	put(io, &ss, sizeof(ss));
	put_u32(io, vm->n_virtio);
	for (unsigned i = 0; i < vm->n_virtio; i++) {
		struct virtio_pci_state *st = hull_xmalloc(sizeof(*st));
		virtio_pci_save(vm->virtio[i], st);
		put(io, st, sizeof(*st));
		free(st);
	}
}

/* Resident pages only (mincore): a page never touched is zero and stays out. */
static void save_memory(struct snap_io *io, struct hull_vm *vm)
{
	uint64_t pages = vm->mem.size / PAGE;
	unsigned char *res = hull_xmalloc(pages);
	if (mincore(vm->mem.host, vm->mem.size, res) < 0)
		memset(res, 1, pages);
	static const uint8_t zero[PAGE];
	uint64_t count = 0;
	for (uint64_t i = 0; i < pages; i++)
		if ((res[i] & 1) && memcmp(vm->mem.host + i * PAGE, zero, PAGE))
			count++;
		else
			res[i] = 0;
	put_u64(io, count);
	for (uint64_t i = 0; i < pages && !io->failed; i++) {
		if (!res[i])
			continue;
		put_u64(io, i * PAGE);
		put(io, vm->mem.host + i * PAGE, PAGE);
	}
	free(res);
}

int vm_snapshot_save(struct hull_vm *vm, const char *path, struct hull_error **err)
{
	/* a temp name renamed at the end, or a device or FIFO written into;
	 * "-" is a file of that name here, not the monitor's stdout */
	_cleanup_(hull_output_discard) struct hull_output out = HULL_OUTPUT_INIT;
	int r = hull_output_open(&out, strcmp(path, "-") ? path : "./-", 0600, err);
	if (r < 0)
		return hull_error_wrap(err, r, "create snapshot `%s`", path);
	int fd = fcntl(out.fd, F_DUPFD_CLOEXEC, 0);
	struct snap_io io = { fd >= 0 ? fdopen(fd, "w") : NULL, path, err, 0 };
	if (!io.f) {
		r = hull_error_set(err, errno, "create snapshot `%s`", path);
		if (fd >= 0)
			close(fd);
		return r;
	}
	put(&io, SNAP_MAGIC, 8);
	put_u32(&io, SNAP_VERSION);
	put_config(&io, vm->cfg);
	for (unsigned i = 0; i < vm->ncpus && !io.failed; i++)
		save_vcpu(&io, &vm->cpus[i]);
	if (!io.failed)
		save_vm_state(&io, vm);
	save_devices(&io, vm);
	save_memory(&io, vm);
	put(&io, SNAP_END, 8);
	if (!io.failed && fflush(io.f) != 0)
		io.failed = hull_error_set(err, errno, "write snapshot `%s`", path);
	if (fclose(io.f) != 0 && !io.failed)
		io.failed = hull_error_set(err, errno, "write snapshot `%s`", path);
	if (!io.failed)
		io.failed = hull_output_commit(&out, err);
	return io.failed;
}

static int open_snapshot(const char *path, struct snap_io *io, struct hull_error **err)
{
	*io = (struct snap_io){ fopen(path, "rbe"), path, err, 0 };
	if (!io->f)
		return hull_error_set(err, errno, "open snapshot `%s`", path);
	char magic[8];
	get(io, magic, 8);
	uint32_t version = get_u32(io);
	if (!io->failed && (memcmp(magic, SNAP_MAGIC, 8) || version != SNAP_VERSION))
		io->failed = hull_error_msg(err, EINVAL, "`%s` is not a hull snapshot (version %d)", path, SNAP_VERSION);
	return io->failed;
}

static int get_config(struct snap_io *io, struct hull_vm_config *cfg, char ***strings)
{
	char **owned = hull_xcalloc(VM_SNAPSHOT_STRINGS, sizeof(char *));
	unsigned k = 0;
	*strings = owned;
	cfg->cpus = get_u32(io);
	cfg->memory = get_u64(io);
	cfg->rng = get_u32(io);
	cfg->n_disks = get_u32(io);
	if (cfg->n_disks > HULL_VM_MAX_DISKS || cfg->cpus < 1 || cfg->cpus > HULL_VM_MAX_CPUS)
		return io->failed ? io->failed : hull_error_msg(io->err, EINVAL, "snapshot `%s`: bad configuration", io->path);
	for (unsigned i = 0; i < cfg->n_disks; i++) {
		cfg->disks[i].path = owned[k++] = get_str(io);
		cfg->disks[i].read_only = get_u32(io);
	}
	cfg->n_taps = get_u32(io);
	if (cfg->n_taps > HULL_VM_MAX_NICS)
		return io->failed ? io->failed : hull_error_msg(io->err, EINVAL, "snapshot `%s`: bad configuration", io->path);
	for (unsigned i = 0; i < cfg->n_taps; i++)
		cfg->taps[i] = owned[k++] = get_str(io);
	cfg->vsock_cid = get_u32(io);
	cfg->vsock_path = owned[k++] = get_str(io);
	for (size_t i = 0; i < HULL_ARRAY_SIZE(abi_sizes) && !io->failed; i++)
		if (get_u32(io) != abi_sizes[i])
			return hull_error_msg(io->err, EINVAL,
					      "snapshot `%s` was made with another KVM or hull build (state size %zu differs)",
					      io->path, i);
	return io->failed;
}

void vm_snapshot_strings_freep(char ***strings)
{
	if (!*strings)
		return;
	for (unsigned i = 0; i < VM_SNAPSHOT_STRINGS; i++)
		free((*strings)[i]);
	free(*strings);
	*strings = NULL;
}

int vm_snapshot_read_config(const char *path, struct hull_vm_config *cfg, char ***strings, struct hull_error **err)
{
	struct snap_io io;
	*strings = NULL;
	int r = open_snapshot(path, &io, err);
	if (r == 0)
		r = get_config(&io, cfg, strings);
	if (io.f)
		fclose(io.f);
	return r;
}

static int load_vcpu(struct snap_io *io, struct vm_vcpu *cpu)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	_cleanup_free_ struct kvm_xsave *xsave = hull_xcalloc(1, sizeof(*xsave));
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp;
	struct kvm_vcpu_events events;
	get(io, &regs, sizeof(regs));
	get(io, &sregs, sizeof(sregs));
	get(io, xsave, sizeof(*xsave));
	get(io, &xcrs, sizeof(xcrs));
	get(io, &lapic, sizeof(lapic));
	get(io, &mp, sizeof(mp));
	get(io, &events, sizeof(events));
	uint32_t n = get_u32(io);
	if (io->failed)
		return io->failed;
	if (n > MAX_MSRS)
		return hull_error_msg(io->err, EINVAL, "snapshot `%s`: %u MSRs", io->path, n);
	_cleanup_free_ struct kvm_msr_entry *msrs = hull_xcalloc(n ? n : 1, sizeof(*msrs));
	get(io, msrs, n * sizeof(*msrs));
	if (io->failed)
		return io->failed;
	/* Firecracker's order: MSRs, registers, FPU/XSAVE, XCRs, LAPIC, MP state, events last. */
	for (uint32_t i = 0; i < n; i++) {
		_Alignas(struct kvm_msrs) uint8_t buf[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
		struct kvm_msrs *one = (struct kvm_msrs *)buf;
		memset(buf, 0, sizeof(buf));
		one->nmsrs = 1;
		one->entries[0] = msrs[i];
		ioctl(cpu->fd, KVM_SET_MSRS, one); /* an MSR this KVM read but refuses to set keeps its reset value */
	}
	if (ioctl(cpu->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(cpu->fd, KVM_SET_XSAVE, xsave) < 0 || ioctl(cpu->fd, KVM_SET_LAPIC, &lapic) < 0 ||
	    ioctl(cpu->fd, KVM_SET_MP_STATE, &mp) < 0 || ioctl(cpu->fd, KVM_SET_VCPU_EVENTS, &events) < 0)
		return hull_error_set(io->err, errno, "restore the state of vCPU %u", cpu->index);
	if (xcrs.nr_xcrs)
		ioctl(cpu->fd, KVM_SET_XCRS, &xcrs);
	return 0;
}

static int load_vm_state(struct snap_io *io, struct hull_vm *vm)
{
	struct kvm_clock_data clock;
	struct kvm_pit_state2 pit;
	get(io, &clock, sizeof(clock));
	get(io, &pit, sizeof(pit));
	if (io->failed)
		return io->failed;
	clock.flags = 0; /* KVM_SET_CLOCK takes only the time */
	if (ioctl(vm->vm_fd, KVM_SET_CLOCK, &clock) < 0 || ioctl(vm->vm_fd, KVM_SET_PIT2, &pit) < 0)
		return hull_error_set(io->err, errno, "restore the VM clock and PIT");
	for (uint32_t chip = 0; chip < 3; chip++) {
		struct kvm_irqchip c;
		get(io, &c, sizeof(c));
		if (io->failed)
			return io->failed;
		if (c.chip_id != chip || ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &c) < 0)
			return hull_error_set(io->err, errno ? errno : EINVAL, "restore irqchip %u", chip);
	}
	return 0;
}

static int load_devices(struct snap_io *io, struct hull_vm *vm)
{
	*vm_pci_address(vm) = get_u32(io);
	get(io, &vm->cmos_index, 1);
	get(io, vm->cmos, sizeof(vm->cmos));
	get(io, &vm->i8042_cmd, 1);
	get(io, &vm->i8042_out, 1);
	get(io, &vm->pm1_en, 2);
	get(io, &vm->pm1_sts, 2);
	get(io, &vm->pm1_cnt, 2);
	vm->cmos_index &= 0x7f;
	struct vm_serial_state ss;
	get(io, &ss, sizeof(ss));
	uint32_t n = get_u32(io);
	if (io->failed)
		return io->failed;
	vm_serial_load(vm->serial, &ss);
	if (n != vm->n_virtio)
		return hull_error_msg(io->err, EINVAL, "snapshot `%s`: %u virtio devices, the configuration makes %u",
				      io->path, n, vm->n_virtio);
	_cleanup_free_ struct virtio_pci_state *st = hull_xmalloc(sizeof(*st));
	for (unsigned i = 0; i < n && !io->failed; i++) {
		get(io, st, sizeof(*st));
		if (!io->failed)
			virtio_pci_load(vm->virtio[i], st);
	}
	return io->failed;
}

static int load_memory(struct snap_io *io, struct hull_vm *vm)
{
	uint64_t count = get_u64(io);
	if (!io->failed && count > vm->mem.size / PAGE)
		return hull_error_msg(io->err, EINVAL, "snapshot `%s`: %llu pages for %llu bytes of RAM", io->path,
				      (unsigned long long)count, (unsigned long long)vm->mem.size);
	for (uint64_t i = 0; i < count && !io->failed; i++) {
		uint64_t off = get_u64(io);
		if (!io->failed && (off % PAGE || off >= vm->mem.size))
			return hull_error_msg(io->err, EINVAL, "snapshot `%s`: page offset 0x%llx outside RAM", io->path,
					      (unsigned long long)off);
		get(io, vm->mem.host + off, PAGE);
	}
	return io->failed;
}

int vm_snapshot_load(struct hull_vm *vm, const char *path, struct hull_error **err)
{
	struct snap_io io;
	struct hull_vm_config cfg;
	_cleanup_(vm_snapshot_strings_freep) char **strings = NULL;
	int r = open_snapshot(path, &io, err);
	if (r == 0)
		r = get_config(&io, &cfg, &strings);
	for (unsigned i = 0; i < vm->ncpus && r == 0; i++)
		r = load_vcpu(&io, &vm->cpus[i]);
	if (r == 0)
		r = load_vm_state(&io, vm);
	if (r == 0)
		r = load_devices(&io, vm);
	if (r == 0)
		r = load_memory(&io, vm);
	char end[8];
	get(&io, end, 8);
	if (r == 0 && !io.failed && memcmp(end, SNAP_END, 8))
		io.failed = hull_error_msg(err, EINVAL, "snapshot `%s` has no end marker: it is truncated", path);
	if (io.f)
		fclose(io.f);
	return r ? r : io.failed;
}
