/* snapshot.c - save a paused VM to one file and build a VM from it.
 *
 * The file, written under a temporary name and renamed into place:
 *   page 0   a header: magic, version, where the two parts are, their
 *            CRC-32C checksums, and a checksum of the header itself;
 *   state    the configuration, each vCPU (registers, special registers,
 *            XSAVE area, XCRs, LAPIC, MP state, pending events, every MSR KVM
 *            lists), the in-kernel irqchips, PIT and KVM clock, the device
 *            models, and an end marker;
 *   memory   guest RAM as one page-aligned image; pages that are zero are
 *            never written, so they are holes and the file is sparse.
 *
 * A snapshot is hostile input: the header and the state are read once into
 * memory, checked against their checksums and parsed from there with every
 * count and length bounded; no path inside the file is ever opened or
 * unlinked (disks, taps and the vsock path are given again to restore).
 * Guest RAM is mapped from the file MAP_PRIVATE: restore costs the same
 * whatever the guest's size, the guest's writes stay in its copy, and its
 * checksum is verified by a thread while the guest runs (vm_snapshot_finish
 * reports a mismatch). A snapshot restores on the same host kernel (struct
 * sizes are checked). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "virtio/virtio.h"
#include "vm.h"

#define SNAP_MAGIC "HULLSNAP"
#define SNAP_END "HULLEND"
#define SNAP_VERSION 3
#define SNAP_VERSION_OLDEST 2 /* version 2 lacks the GPE0 block */
#define MAX_MSRS 512
#define PAGE 4096

struct snap_io {
	FILE *f;
	const char *path;
	struct hull_error **err;
	int failed;
	uint32_t version; /* of the file being read */
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
	if (!io->failed && n > 4096)
		io->failed = hull_error_msg(io->err, EINVAL, "snapshot `%s` is corrupted: a path of %u bytes", io->path, n);
	if (io->failed || n == 0)
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
	put(io, &vm->gpe0_sts, 1);
	put(io, &vm->gpe0_en, 1);
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

/* The first page of the file. Every field is checked before use. */
struct snap_header {
	char magic[8];        /* SNAP_MAGIC */
	uint32_t version;     /* SNAP_VERSION */
	uint32_t header_size; /* sizeof(struct snap_header) */
	uint64_t state_offset; /* the state stream: PAGE */
	uint64_t state_size;
	uint64_t mem_offset;  /* guest RAM image, page aligned, after the state */
	uint64_t mem_size;    /* bytes of guest RAM (vm->mem.size) */
	uint32_t state_crc;   /* CRC-32C of the state stream */
	uint32_t mem_crc;     /* CRC-32C over (page index, page) of each non-zero page, in order */
	uint32_t header_crc;  /* CRC-32C of the bytes above */
	uint32_t reserved;
};

#define MAX_STATE_SIZE (16U << 20)     /* 32 vCPUs with every MSR need well under 1 MiB */
#define MAX_MEM_SIZE (1ULL << 40)
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(uint64_t)(PAGE - 1))

static bool page_is_zero(const uint8_t *p)
{
	static const uint8_t zero[PAGE];
	return memcmp(p, zero, PAGE) == 0;
}

/* Add one page to a memory checksum: its index, then its bytes. */
static uint32_t crc_page(uint32_t crc, uint64_t index, const uint8_t *page)
{
	crc = vm_crc32c(crc, &index, sizeof(index));
	return vm_crc32c(crc, page, PAGE);
}

/* Non-zero pages at their place in the image, runs of them in one write;
 * zero pages are left as holes. Pages never touched (mincore) are zero. */
static int save_memory(int fd, struct snap_header *h, struct hull_vm *vm, const char *path, struct hull_error **err)
{
	uint64_t pages = vm->mem.size / PAGE;
	_cleanup_free_ unsigned char *res = hull_xmalloc(pages);
	if (mincore(vm->mem.host, vm->mem.size, res) < 0)
		memset(res, 1, pages);
	uint32_t crc = 0;
	for (uint64_t i = 0; i < pages;) {
		if (!(res[i] & 1) || page_is_zero(vm->mem.host + i * PAGE)) {
			i++;
			continue;
		}
		uint64_t run = i;
		while (run < pages && (res[run] & 1) && !page_is_zero(vm->mem.host + run * PAGE)) {
			crc = crc_page(crc, run, vm->mem.host + run * PAGE);
			run++;
		}
		const uint8_t *p = vm->mem.host + i * PAGE;
		size_t len = (run - i) * PAGE;
		off_t off = (off_t)(h->mem_offset + i * PAGE);
		while (len) {
			ssize_t n = pwrite(fd, p, len, off);
			if (n <= 0)
				return hull_error_set(err, n < 0 ? errno : EIO, "write snapshot `%s`", path);
			p += n, len -= (size_t)n, off += n;
		}
		i = run;
	}
	h->mem_crc = crc;
	return 0;
}

/* The state stream into memory: config, vCPUs, VM, devices, end marker. */
static int save_state(struct hull_vm *vm, const char *path, char **buf, size_t *len, struct hull_error **err)
{
	*buf = NULL;
	struct snap_io io = { open_memstream(buf, len), path, err, 0 };
	if (!io.f)
		return hull_error_set(err, errno, "snapshot `%s`: buffer the state", path);
	put_config(&io, vm->cfg);
	for (unsigned i = 0; i < vm->ncpus && !io.failed; i++)
		save_vcpu(&io, &vm->cpus[i]);
	if (!io.failed)
		save_vm_state(&io, vm);
	save_devices(&io, vm);
	put(&io, SNAP_END, 8);
	fclose(io.f);
	if (!io.failed && *len > MAX_STATE_SIZE)
		io.failed = hull_error_msg(err, EFBIG, "snapshot `%s`: %zu bytes of state", path, *len);
	return io.failed;
}

static int write_all_at(int fd, const void *p, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pwrite(fd, p, len, off);
		if (n <= 0)
			return -1;
		p = (const uint8_t *)p + n, len -= (size_t)n, off += n;
	}
	return 0;
}

static int save_file(int fd, struct hull_vm *vm, const char *path, struct hull_error **err)
{
	_cleanup_free_ char *state = NULL;
	size_t state_len = 0;
	int r = save_state(vm, path, &state, &state_len, err);
	if (r < 0)
		return r;
	struct snap_header h = {
		.magic = SNAP_MAGIC, .version = SNAP_VERSION, .header_size = sizeof(h), .state_offset = PAGE,
		.state_size = state_len, .mem_offset = PAGE_UP(PAGE + state_len), .mem_size = vm->mem.size,
		.state_crc = vm_crc32c(0, state, state_len),
	};
	/* The full length first: the image's zero pages stay holes. */
	if (ftruncate(fd, (off_t)(h.mem_offset + h.mem_size)) < 0)
		return hull_error_set(err, errno, "size snapshot `%s`", path);
	if ((r = save_memory(fd, &h, vm, path, err)) < 0)
		return r;
	h.header_crc = vm_crc32c(0, &h, offsetof(struct snap_header, header_crc));
	if (write_all_at(fd, state, state_len, PAGE) < 0 || write_all_at(fd, &h, sizeof(h), 0) < 0 || fsync(fd) < 0)
		return hull_error_set(err, errno ? errno : EIO, "write snapshot `%s`", path);
	return 0;
}

int vm_snapshot_save(struct hull_vm *vm, const char *path, struct hull_error **err)
{
	/* The file is sparse and written at offsets: a device or FIFO at the
	 * path can hold no snapshot, and the rename below would replace it. */
	/* the FUSE server's inodes and open files are host fds: none of
	 * that can be written down and given back to a restored guest */
	if (vm->cfg->n_fs)
		return hull_error_msg(err, ENOTSUP,
				      "snapshot `%s`: a VM with virtio-fs shares (--fs) cannot be snapshotted", path);
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return hull_error_msg(err, EINVAL, "snapshot `%s`: not a regular file; give a file name for the snapshot",
				      path);
	_cleanup_free_ char *tmp = hull_strdup_printf("%s.tmp.%d", path, (int)getpid());
	_cleanup_close_ int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_set(err, errno, "create snapshot `%s`", tmp);
	int r = save_file(fd, vm, path, err);
	if (r == 0 && rename(tmp, path) < 0)
		r = hull_error_set(err, errno, "rename `%s` to `%s`", tmp, path);
	if (r < 0)
		unlink(tmp);
	return r;
}

/* The configuration as saved. Its strings (the paths of the VM that was
 * saved) go to owned[] and serve only as hints in error messages. */
static int get_config(struct snap_io *io, struct hull_vm_config *cfg, char **owned)
{
	unsigned k = 0;
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
	/* Registers, FPU/XSAVE and the LAPIC first, then the MSRs: KVM ignores a
	 * write of IA32_TSC_DEADLINE while the LAPIC timer is not in TSC-deadline
	 * mode, and a Linux guest whose pending deadline is lost never wakes from
	 * its next sleep. MP state and events last. */
	if (ioctl(cpu->fd, KVM_SET_SREGS, &sregs) < 0 || ioctl(cpu->fd, KVM_SET_REGS, &regs) < 0 ||
	    ioctl(cpu->fd, KVM_SET_XSAVE, xsave) < 0 || ioctl(cpu->fd, KVM_SET_LAPIC, &lapic) < 0)
		return hull_error_set(io->err, errno, "restore the state of vCPU %u", cpu->index);
	for (uint32_t i = 0; i < n; i++) {
		_Alignas(struct kvm_msrs) uint8_t buf[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
		struct kvm_msrs *one = (struct kvm_msrs *)buf;
		memset(buf, 0, sizeof(buf));
		one->nmsrs = 1;
		one->entries[0] = msrs[i];
		ioctl(cpu->fd, KVM_SET_MSRS, one); /* an MSR this KVM read but refuses to set keeps its reset value */
	}
	if (ioctl(cpu->fd, KVM_SET_MP_STATE, &mp) < 0 || ioctl(cpu->fd, KVM_SET_VCPU_EVENTS, &events) < 0)
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
	if (io->version >= 3) {
		get(io, &vm->gpe0_sts, 1);
		get(io, &vm->gpe0_en, 1);
	}
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

struct vm_snapshot {
	char *path;
	int fd;
	uint64_t file_size;
	struct snap_header h;
	char *state;                          /* the state stream, checked against h.state_crc */
	struct snap_io io;                    /* reading state, past the configuration once open */
	char *saved[VM_SNAPSHOT_STRINGS];     /* the saved VM's paths: hints for messages only */
	char *vsock_path;                     /* the default vsock path when the user gives none */
	struct hull_vm *vm;
	pthread_t verifier;
	bool verifying;
	char *verify_error;                   /* what the verifier found wrong, or NULL */
};

void vm_snapshot_close(struct vm_snapshot *snap)
{
	if (!snap)
		return;
	if (snap->verifying)
		pthread_join(snap->verifier, NULL);
	if (snap->io.f)
		fclose(snap->io.f);
	if (snap->fd >= 0)
		close(snap->fd);
	for (unsigned i = 0; i < VM_SNAPSHOT_STRINGS; i++)
		free(snap->saved[i]);
	free(snap->verify_error);
	free(snap->vsock_path);
	free(snap->state);
	free(snap->path);
	free(snap);
}

void vm_snapshot_closep(struct vm_snapshot **snap)
{
	vm_snapshot_close(*snap);
	*snap = NULL;
}

static int read_all_at(int fd, void *p, size_t len, off_t off)
{
	while (len) {
		ssize_t n = pread(fd, p, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p = (uint8_t *)p + n, len -= (size_t)n, off += n;
	}
	return 0;
}

static int check_header(struct vm_snapshot *snap, struct hull_error **err)
{
	const struct snap_header *h = &snap->h;
	const char *path = snap->path;
	size_t have = snap->file_size < 8 ? (size_t)snap->file_size : 8;
	if (have == 0 || memcmp(h->magic, SNAP_MAGIC, have))
		return hull_error_msg(err, EINVAL, "`%s` is not a hull snapshot (no HULLSNAP header)", path);
	if (snap->file_size < sizeof(*h))
		return hull_error_msg(err, EINVAL, "snapshot `%s` is truncated: %llu bytes, not even a header", path,
				      (unsigned long long)snap->file_size);
	if (h->version < SNAP_VERSION_OLDEST || h->version > SNAP_VERSION)
		return hull_error_msg(err, EINVAL,
				      "snapshot `%s` has format version %u; this hull reads versions %d to %d (take "
				      "the snapshot again with this hull)",
				      path, h->version, SNAP_VERSION_OLDEST, SNAP_VERSION);
	if (h->header_crc != vm_crc32c(0, h, offsetof(struct snap_header, header_crc)))
		return hull_error_msg(err, EINVAL, "snapshot `%s` is corrupted: its header does not match its checksum",
				      path);
	if (h->header_size != sizeof(*h) || h->state_offset != PAGE || h->state_size < 16 ||
	    h->state_size > MAX_STATE_SIZE || h->mem_offset % PAGE || h->mem_offset < PAGE_UP(PAGE + h->state_size) ||
	    h->mem_size % PAGE || h->mem_size < (2ULL << 20) || h->mem_size > MAX_MEM_SIZE)
		return hull_error_msg(err, EINVAL,
				      "snapshot `%s` is corrupted: its header places state (%llu bytes) and memory "
				      "(%llu bytes at %llu) impossibly",
				      path, (unsigned long long)h->state_size, (unsigned long long)h->mem_size,
				      (unsigned long long)h->mem_offset);
	if (h->mem_offset + h->mem_size > snap->file_size)
		return hull_error_msg(err, EINVAL, "snapshot `%s` is truncated: %llu bytes, its header needs %llu",
				      path, (unsigned long long)snap->file_size,
				      (unsigned long long)(h->mem_offset + h->mem_size));
	return 0;
}

/* Read the header and the state once, check both, and start parsing. */
static int read_snapshot(struct vm_snapshot *snap, struct hull_error **err)
{
	const char *path = snap->path;
	snap->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (snap->fd < 0)
		return hull_error_set(err, errno, "open snapshot `%s`", path);
	struct stat st;
	if (fstat(snap->fd, &st) < 0)
		return hull_error_set(err, errno, "stat snapshot `%s`", path);
	if (!S_ISREG(st.st_mode))
		return hull_error_msg(err, EINVAL, "snapshot `%s` is not a regular file", path);
	snap->file_size = (uint64_t)st.st_size;
	size_t n = snap->file_size < sizeof(snap->h) ? (size_t)snap->file_size : sizeof(snap->h);
	int r = read_all_at(snap->fd, &snap->h, n, 0);
	if (r < 0)
		return hull_error_set(err, -r, "read snapshot `%s`", path);
	if ((r = check_header(snap, err)) < 0)
		return r;
	snap->state = hull_xmalloc(snap->h.state_size);
	if ((r = read_all_at(snap->fd, snap->state, snap->h.state_size, PAGE)) < 0)
		return hull_error_set(err, -r, "read snapshot `%s`", path);
	if (vm_crc32c(0, snap->state, snap->h.state_size) != snap->h.state_crc)
		return hull_error_msg(err, EINVAL,
				      "snapshot `%s` is corrupted: its vCPU and device state does not match its checksum",
				      path);
	snap->io = (struct snap_io){ fmemopen(snap->state, snap->h.state_size, "rb"), path, err, 0, snap->h.version };
	if (!snap->io.f)
		return hull_error_set(err, errno, "snapshot `%s`: parse the state", path);
	return 0;
}

/* A saved path, fit to quote in a message (the file is hostile: no
 * terminal escapes), or NULL. */
static const char *hint(char *s)
{
	if (!s)
		return "?";
	for (char *p = s; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return s;
}

/* The devices of the saved VM, reopened from the paths the user gives
 * again: the count and the read-only modes must match what the guest saw. */
static int take_user_devices(struct vm_snapshot *snap, const struct hull_vm_config *user, struct hull_vm_config *cfg,
			     struct hull_error **err)
{
	const char *path = snap->path;
	if (user->n_disks != cfg->n_disks)
		return hull_error_msg(err, EINVAL,
				      "snapshot `%s` has %u disk(s) and %u --disk were given: paths inside a snapshot "
				      "are not trusted, give each disk again in order (the first was saved as `%s`)",
				      path, cfg->n_disks, user->n_disks, cfg->n_disks ? hint(snap->saved[0]) : "-");
	for (unsigned i = 0; i < cfg->n_disks; i++) {
		if (user->disks[i].read_only != cfg->disks[i].read_only)
			return hull_error_msg(err, EINVAL, "snapshot `%s`: disk %u was %s, --disk `%s` is %s", path,
					      i + 1, cfg->disks[i].read_only ? "read-only" : "read-write",
					      user->disks[i].path, user->disks[i].read_only ? "read-only" : "read-write");
		cfg->disks[i].path = user->disks[i].path;
	}
	if (user->n_taps != cfg->n_taps)
		return hull_error_msg(err, EINVAL,
				      "snapshot `%s` has %u network device(s) and %u --net were given: give each tap "
				      "again in order (the first was saved as `%s`)",
				      path, cfg->n_taps, user->n_taps, cfg->n_taps ? hint(snap->saved[HULL_VM_MAX_DISKS]) : "-");
	for (unsigned i = 0; i < cfg->n_taps; i++)
		cfg->taps[i] = user->taps[i];
	if (!cfg->vsock_cid && user->vsock_path)
		return hull_error_msg(err, EINVAL, "snapshot `%s` has no vsock device: --vsock-path does not apply", path);
	if (!cfg->vsock_cid && user->vsock_cid)
		return hull_error_msg(err, EINVAL, "snapshot `%s` has no vsock device: a vsock CID does not apply", path);
	if (cfg->vsock_cid && user->vsock_cid) {
		cfg->vsock_cid = user->vsock_cid;
	} else if (cfg->vsock_cid && user->clone_index) {
		if (cfg->vsock_cid >= 0xffffffffu - user->clone_index)
			return hull_error_msg(err, EINVAL, "snapshot `%s`: vsock CID %u leaves no room for clone %u: give "
					      "a base CID", path, cfg->vsock_cid, user->clone_index);
		cfg->vsock_cid += user->clone_index;
	}
	if (cfg->vsock_cid && cfg->vsock_cid != 0xffffffffu && !user->vsock_path)
		snap->vsock_path = hull_strdup_printf("/tmp/hull-vsock-%u", cfg->vsock_cid);
	cfg->vsock_path = cfg->vsock_cid ? (user->vsock_path ? user->vsock_path : snap->vsock_path) : NULL;
	return 0;
}

int vm_snapshot_open(const char *path, const struct hull_vm_config *user, struct hull_vm_config *cfg,
		     struct vm_snapshot **out, struct hull_error **err)
{
	_cleanup_(vm_snapshot_closep) struct vm_snapshot *snap = hull_xcalloc(1, sizeof(*snap));
	snap->path = hull_xstrdup(path);
	snap->fd = -1;
	hull_vm_config_init(cfg);
	int r = read_snapshot(snap, err);
	if (r == 0)
		r = get_config(&snap->io, cfg, snap->saved);
	if (r == 0 && PAGE_UP((cfg->memory + 0xfffff) & ~0xfffffULL) != snap->h.mem_size)
		r = hull_error_msg(err, EINVAL, "snapshot `%s` is corrupted: %llu bytes of RAM, the header says %llu",
				   path, (unsigned long long)cfg->memory, (unsigned long long)snap->h.mem_size);
	if (r == 0)
		r = take_user_devices(snap, user, cfg, err);
	if (r < 0)
		return r;
	cfg->console_in = user->console_in;
	cfg->console_out = user->console_out;
	cfg->api_socket = user->api_socket;
	cfg->seccomp = user->seccomp;
	cfg->jail_dir = user->jail_dir;
	cfg->jail_uid = user->jail_uid;
	cfg->jail_gid = user->jail_gid;
	cfg->test_forbidden_syscall = user->test_forbidden_syscall;
	cfg->irqfd = user->irqfd;
	*out = steal_ptr(snap);
	return 0;
}

/* Guest RAM from the file, copy-on-write: nothing is read now, the
 * guest's first touch of a page faults it in from the page cache, and its
 * writes never reach the file. Holes read as zero pages. */
static int map_memory(struct vm_snapshot *snap, struct hull_vm *vm, struct hull_error **err)
{
	if (vm->mem.size != snap->h.mem_size)
		return hull_error_msg(err, EINVAL, "snapshot `%s`: %llu bytes of RAM, the VM has %llu", snap->path,
				      (unsigned long long)snap->h.mem_size, (unsigned long long)vm->mem.size);
	void *p = mmap(vm->mem.host, vm->mem.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE,
		       snap->fd, (off_t)snap->h.mem_offset);
	if (p == MAP_FAILED)
		return hull_error_set(err, errno, "map the memory of snapshot `%s`", snap->path);
	return 0;
}

/* Check the memory image against h.mem_crc, reading only the file's data
 * extents (SEEK_DATA): the cost follows the pages the guest had used, not
 * its size. Reads the file, not the guest's mapping, which the guest is
 * already changing. */
static void *verify_memory(void *arg)
{
	struct vm_snapshot *snap = arg;
	const uint64_t start = snap->h.mem_offset, end = start + snap->h.mem_size;
	const size_t chunk = 256 * PAGE;
	_cleanup_free_ uint8_t *buf = hull_xmalloc(chunk);
	uint32_t crc = 0;
	uint64_t off = start;
	int r = 0;
	while (off < end && r == 0) {
		off_t data = lseek(snap->fd, (off_t)off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* holes to the end */
		off_t hole = data < 0 ? (off_t)end : lseek(snap->fd, data, SEEK_HOLE);
		if (data < 0)
			data = (off_t)off; /* no SEEK_DATA here: read everything */
		uint64_t from = start + (((uint64_t)data - start) & ~(uint64_t)(PAGE - 1));
		uint64_t to = hole < 0 || (uint64_t)hole > end ? end : start + PAGE_UP((uint64_t)hole - start);
		for (from = from < off ? off : from; from < to && r == 0; from += chunk) {
			size_t n = to - from < chunk ? (size_t)(to - from) : chunk;
			if ((r = read_all_at(snap->fd, buf, n, (off_t)from)) < 0)
				break;
			for (size_t p = 0; p < n; p += PAGE)
				if (!page_is_zero(buf + p))
					crc = crc_page(crc, (from + p - start) / PAGE, buf + p);
		}
		off = to;
	}
	if (r < 0)
		snap->verify_error = hull_strdup_printf("snapshot `%s`: read its memory: %s", snap->path, strerror(-r));
	else if (crc != snap->h.mem_crc)
		snap->verify_error = hull_strdup_printf(
			"snapshot `%s` is corrupted: its memory does not match its checksum (the VM was stopped)",
			snap->path);
	if (snap->verify_error)
		vm_request_exit(snap->vm, HULL_VM_EXIT_CRASH, hull_xstrdup(snap->verify_error));
	return NULL;
}

int vm_snapshot_load(struct hull_vm *vm, struct vm_snapshot *snap, struct hull_error **err)
{
	struct snap_io *io = &snap->io;
	io->err = err;
	int r = 0;
	for (unsigned i = 0; i < vm->ncpus && r == 0; i++)
		r = load_vcpu(io, &vm->cpus[i]);
	if (r == 0)
		r = load_vm_state(io, vm);
	if (r == 0)
		r = load_devices(io, vm);
	char end[8] = { 0 };
	get(io, end, 8);
	if (r == 0 && (io->failed || memcmp(end, SNAP_END, 8) || fgetc(io->f) != EOF))
		return hull_error_msg(err, EINVAL, "snapshot `%s` is corrupted: its state does not end where it should",
				      snap->path);
	if (r == 0)
		r = map_memory(snap, vm, err);
	if (r < 0)
		return r;
	/* in the VM's private copy: this run is a new generation, which the
	 * guest hears of at once; the SCI is driven from the restored event
	 * registers with the new GPE0 bit (vm_vmgenid_notify) */
	vm_vmgenid_notify(vm);
	snap->vm = vm;
	/* SCHED_IDLE: the check takes only CPU time nobody else wants, so the
	 * guest and its devices run at full speed from the first instruction. */
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	struct sched_param idle = { 0 };
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_IDLE);
	pthread_attr_setschedparam(&attr, &idle);
	r = pthread_create(&snap->verifier, &attr, verify_memory, snap);
	pthread_attr_destroy(&attr);
	if (r)
		return hull_error_set(err, r, "snapshot `%s`: start checking its memory", snap->path);
	snap->verifying = true;
	return 0;
}

int vm_snapshot_finish(struct vm_snapshot *snap, struct hull_error **err)
{
	if (snap->verifying) {
		/* The VM is over: finish the check at normal priority. */
		struct sched_param normal = { 0 };
		pthread_setschedparam(snap->verifier, SCHED_OTHER, &normal);
		pthread_join(snap->verifier, NULL);
		snap->verifying = false;
	}
	if (snap->verify_error)
		return hull_error_msg(err, EINVAL, "%s", snap->verify_error);
	return 0;
}
