/* x86/boot.c - load the guest kernel: a bzImage by the Linux x86 boot
 * protocol (Documentation/arch/x86/boot.rst: setup header, zero page, e820,
 * command line, initrd) entered at its 64-bit entry point, or an ELF with a
 * PVH note (Xen's HVM direct boot ABI, what qemu -M microvm also loads)
 * entered in 32-bit protected mode with an hvm_start_info. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "../vm.h"

/* Offsets into the zero page (struct boot_params, boot.rst "The Zero Page"). */
#define BP_ACPI_RSDP 0x070
#define BP_E820_ENTRIES 0x1e8
#define BP_HDR 0x1f1
#define BP_E820_TABLE 0x2d0
/* Offsets into the setup header, relative to the start of the image. */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_VID_MODE 0x1fa
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_HEAP_END 0x224
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_MAX 0x22c
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238

#define E820_RAM 1
#define E820_RESERVED 2

#define PVH_MAGIC 0x336ec578
#define XEN_ELFNOTE_PHYS32_ENTRY 18

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

/* The guest's memory map; both boot paths hand it over. */
static unsigned memory_map(struct hull_vm *vm, struct e820_entry map[4])
{
	unsigned n = 0;
	map[n++] = (struct e820_entry){ 0, VM_EBDA_START, E820_RAM };
	map[n++] = (struct e820_entry){ VM_EBDA_START, VM_KERNEL_ADDR - VM_EBDA_START, E820_RESERVED };
	map[n++] = (struct e820_entry){ VM_KERNEL_ADDR, vm->mem.low_size - VM_KERNEL_ADDR, E820_RAM };
	if (vm->mem.size > vm->mem.low_size)
		map[n++] = (struct e820_entry){ VM_HIGH_RAM_START, vm->mem.size - vm->mem.low_size, E820_RAM };
	return n;
}

static int read_exact(int fd, void *dst, size_t len, off_t off, const char *what, const char *path,
		      struct hull_error **err)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(fd, (char *)dst + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hull_error_set(err, errno, "read %s of `%s`", what, path);
		if (n == 0)
			return hull_error_msg(err, EINVAL, "`%s` is truncated: %s ends past the end of the file", path,
					      what);
		done += (size_t)n;
	}
	return 0;
}

static int put_cmdline(struct hull_vm *vm, struct hull_error **err)
{
	const char *cmdline = vm->cfg->cmdline ? vm->cfg->cmdline : "";
	size_t len = strlen(cmdline);
	if (len >= VM_CMDLINE_MAX)
		return hull_error_msg(err, E2BIG, "--cmdline is %zu bytes; the limit is %d", len, VM_CMDLINE_MAX - 1);
	memcpy(vm_memory_ptr(&vm->mem, VM_CMDLINE_ADDR, len + 1), cmdline, len + 1);
	return 0;
}

/* The initrd goes as high in low memory as the kernel allows, page aligned. */
static int load_initrd(struct hull_vm *vm, uint64_t max_addr, uint64_t *addr, uint64_t *size,
		       struct hull_error **err)
{
	*addr = *size = 0;
	if (!vm->cfg->initrd)
		return 0;
	_cleanup_close_ int fd = open(vm->cfg->initrd, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "open initrd `%s`", vm->cfg->initrd);
	uint64_t top = vm->mem.low_size < max_addr + 1 ? vm->mem.low_size : max_addr + 1;
	if ((uint64_t)st.st_size + (16ULL << 20) > top)
		return hull_error_msg(err, ENOSPC, "initrd `%s` (%lld bytes) does not fit in guest memory: give more --memory",
				      vm->cfg->initrd, (long long)st.st_size);
	*addr = (top - (uint64_t)st.st_size) & ~0xfffULL;
	*size = (uint64_t)st.st_size;
	return read_exact(fd, vm_memory_ptr(&vm->mem, *addr, *size), *size, 0, "the initrd", vm->cfg->initrd, err);
}

static int load_bzimage(struct hull_vm *vm, int fd, const uint8_t *head, size_t head_len, off_t file_size,
			struct vm_boot_entry *entry, struct hull_error **err)
{
	const char *path = vm->cfg->kernel;
	uint16_t version;
	memcpy(&version, head + HDR_VERSION, 2);
	if (version < 0x20c || !(head[HDR_XLOADFLAGS] & 1))
		return hull_error_msg(err, ENOEXEC,
				      "`%s` is a bzImage of boot protocol %u.%02u without a 64-bit entry point; hull needs protocol 2.12+ with XLF_KERNEL_64",
				      path, version >> 8, version & 0xff);
	unsigned setup_sects = head[HDR_SETUP_SECTS] ? head[HDR_SETUP_SECTS] : 4;
	off_t kernel_off = (off_t)(setup_sects + 1) * 512;
	if (kernel_off >= file_size)
		return hull_error_msg(err, ENOEXEC, "`%s`: setup_sects points past the end of the file", path);
	uint64_t kernel_size = (uint64_t)(file_size - kernel_off);
	void *dst = vm_memory_ptr(&vm->mem, VM_KERNEL_ADDR, kernel_size);
	if (!dst || VM_KERNEL_ADDR + kernel_size + (8ULL << 20) > vm->mem.low_size)
		return hull_error_msg(err, ENOSPC, "kernel `%s` does not fit in guest memory: give more --memory", path);
	int r = read_exact(fd, dst, kernel_size, kernel_off, "the protected-mode kernel", path, err);
	if (r < 0)
		return r;
	uint8_t *bp = vm_memory_ptr(&vm->mem, VM_BOOT_PARAMS_ADDR, 4096);
	memset(bp, 0, 4096);
	/* The setup header runs from 0x1f1 to 0x202 + the byte at 0x201. */
	size_t hdr_end = 0x202 + head[0x201];
	if (hdr_end > head_len)
		hdr_end = head_len;
	memcpy(bp + BP_HDR, head + BP_HDR, hdr_end - BP_HDR);
	uint16_t vid_mode = 0xffff, heap_end = 0xe000;
	memcpy(bp + HDR_VID_MODE, &vid_mode, 2);
	bp[HDR_TYPE_OF_LOADER] = 0xff;
	bp[HDR_LOADFLAGS] |= 0x01 | 0x80; /* LOADED_HIGH | CAN_USE_HEAP */
	memcpy(bp + HDR_HEAP_END, &heap_end, 2);
	uint32_t cmd_ptr = VM_CMDLINE_ADDR, cmdline_size, initrd_max;
	memcpy(bp + HDR_CMD_LINE_PTR, &cmd_ptr, 4);
	memcpy(&cmdline_size, head + HDR_CMDLINE_SIZE, 4);
	memcpy(&initrd_max, head + HDR_INITRD_MAX, 4);
	if (vm->cfg->cmdline && strlen(vm->cfg->cmdline) > cmdline_size)
		return hull_error_msg(err, E2BIG, "--cmdline is longer than the %u bytes kernel `%s` accepts",
				      cmdline_size, path);
	uint64_t initrd_addr, initrd_size;
	if ((r = load_initrd(vm, initrd_max ? initrd_max : 0x37ffffff, &initrd_addr, &initrd_size, err)) < 0)
		return r;
	uint32_t a32 = (uint32_t)initrd_addr, s32 = (uint32_t)initrd_size;
	memcpy(bp + HDR_RAMDISK_IMAGE, &a32, 4);
	memcpy(bp + HDR_RAMDISK_SIZE, &s32, 4);
	struct e820_entry map[4];
	unsigned n = memory_map(vm, map);
	bp[BP_E820_ENTRIES] = (uint8_t)n;
	memcpy(bp + BP_E820_TABLE, map, n * sizeof(map[0]));
	uint64_t rsdp = vm_acpi_build(vm);
	memcpy(bp + BP_ACPI_RSDP, &rsdp, 8);
	entry->protected32 = false;
	entry->rip = VM_KERNEL_ADDR + 0x200; /* startup_64 */
	entry->boot_arg = VM_BOOT_PARAMS_ADDR;
	return 0;
}

/* PVH start info (xen/include/public/arch-x86/hvm/start_info.h, version 1). */
struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};
struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

static int pvh_start_info(struct hull_vm *vm, struct hull_error **err)
{
	struct hvm_start_info *si = vm_memory_ptr(&vm->mem, VM_START_INFO_ADDR, 0x200);
	memset(si, 0, 0x200);
	struct hvm_modlist_entry *mod = (void *)(si + 1);
	struct hvm_memmap_entry *mm = (void *)(mod + 1);
	uint64_t initrd_addr, initrd_size;
	int r = load_initrd(vm, 0xffffffffULL, &initrd_addr, &initrd_size, err);
	if (r < 0)
		return r;
	struct e820_entry map[4];
	unsigned n = memory_map(vm, map);
	for (unsigned i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_entry){ map[i].addr, map[i].size, map[i].type, 0 };
	*si = (struct hvm_start_info){
		.magic = PVH_MAGIC, .version = 1, .nr_modules = initrd_size ? 1 : 0,
		.modlist_paddr = initrd_size ? VM_START_INFO_ADDR + sizeof(*si) : 0,
		.cmdline_paddr = VM_CMDLINE_ADDR, .rsdp_paddr = vm_acpi_build(vm),
		.memmap_paddr = VM_START_INFO_ADDR + sizeof(*si) + sizeof(*mod), .memmap_entries = n,
	};
	*mod = (struct hvm_modlist_entry){ initrd_addr, initrd_size, 0, 0 };
	return 0;
}

/* Find the PVH entry in a PT_NOTE segment: name "Xen", type 18, a 32-bit address. */
static bool pvh_note(int fd, const Elf64_Phdr *ph, uint64_t *entry)
{
	if (ph->p_filesz > 65536)
		return false;
	uint8_t buf[65536];
	if (pread(fd, buf, ph->p_filesz, (off_t)ph->p_offset) != (ssize_t)ph->p_filesz)
		return false;
	size_t off = 0;
	while (off + sizeof(Elf64_Nhdr) <= ph->p_filesz) {
		Elf64_Nhdr nh;
		memcpy(&nh, buf + off, sizeof(nh));
		size_t name_off = off + sizeof(nh), desc_off = name_off + ((nh.n_namesz + 3) & ~3u);
		if (desc_off + nh.n_descsz > ph->p_filesz || nh.n_namesz > 16)
			return false;
		if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4 && !memcmp(buf + name_off, "Xen", 4) &&
		    nh.n_descsz >= 4) {
			uint32_t e;
			memcpy(&e, buf + desc_off, 4);
			*entry = e;
			return true;
		}
		off = desc_off + ((nh.n_descsz + 3) & ~3u);
	}
	return false;
}

static int load_pvh_elf(struct hull_vm *vm, int fd, const uint8_t *head, size_t head_len,
			struct vm_boot_entry *entry, struct hull_error **err)
{
	const char *path = vm->cfg->kernel;
	Elf64_Ehdr eh;
	if (head_len < sizeof(eh) || head[EI_CLASS] != ELFCLASS64 || head[EI_DATA] != ELFDATA2LSB)
		return hull_error_msg(err, ENOEXEC, "`%s`: only little-endian ELF64 kernels are supported", path);
	memcpy(&eh, head, sizeof(eh));
	if (eh.e_machine != EM_X86_64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64)
		return hull_error_msg(err, ENOEXEC, "`%s`: not an x86-64 ELF executable", path);
	bool found = false;
	uint64_t pvh_entry = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		int r = read_exact(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph)), "a program header", path, err);
		if (r < 0)
			return r;
		if (ph.p_type == PT_NOTE && !found)
			found = pvh_note(fd, &ph, &pvh_entry);
		if (ph.p_type != PT_LOAD)
			continue;
		uint8_t *dst = vm_memory_ptr(&vm->mem, ph.p_paddr, ph.p_memsz);
		if (!dst || ph.p_filesz > ph.p_memsz || ph.p_paddr < VM_KERNEL_ADDR)
			return hull_error_msg(err, ENOEXEC, "`%s`: segment at 0x%llx+0x%llx lies outside guest memory",
					      path, (unsigned long long)ph.p_paddr, (unsigned long long)ph.p_memsz);
		if ((r = read_exact(fd, dst, ph.p_filesz, (off_t)ph.p_offset, "a segment", path, err)) < 0)
			return r;
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
	}
	if (!found)
		return hull_error_msg(err, ENOEXEC,
				      "`%s` is an ELF without a PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY); give a bzImage or a PVH vmlinux",
				      path);
	int r = pvh_start_info(vm, err);
	if (r < 0)
		return r;
	entry->protected32 = true;
	entry->rip = pvh_entry;
	entry->boot_arg = VM_START_INFO_ADDR;
	return 0;
}

int vm_boot_load(struct hull_vm *vm, struct vm_boot_entry *entry, struct hull_error **err)
{
	const char *path = vm->cfg->kernel;
	if (!path)
		return hull_error_msg(err, EINVAL, "no kernel: give --kernel FILE");
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return hull_error_set(err, errno, "open kernel `%s`", path);
	uint8_t head[1024] = { 0 };
	ssize_t n = pread(fd, head, sizeof(head), 0);
	if (n < 0)
		return hull_error_set(err, errno, "read kernel `%s`", path);
	int r = put_cmdline(vm, err);
	if (r < 0)
		return r;
	if (n >= 4 && !memcmp(head, ELFMAG, SELFMAG))
		return load_pvh_elf(vm, fd, head, (size_t)n, entry, err);
	if (n >= 0x240 && !memcmp(head + HDR_MAGIC, "HdrS", 4))
		return load_bzimage(vm, fd, head, (size_t)n, st.st_size, entry, err);
	return hull_error_msg(err, ENOEXEC, "`%s` is neither a bzImage (no \"HdrS\" at 0x202) nor an ELF kernel", path);
}
