/* memory.c - guest RAM: one anonymous MAP_NORESERVE mapping registered as up
 * to two KVM memory slots (below the 32-bit MMIO hole, and from 4 GiB up). */
#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "vm.h"

int vm_memory_init(struct vm_memory *mem, uint64_t size, struct hull_error **err)
{
	if (size < (2ULL << 20))
		return hull_error_msg(err, EINVAL, "guest memory %llu bytes is too small: give at least 2M",
				      (unsigned long long)size);
	size = (size + 0xfffff) & ~0xfffffULL;
	/* MAP_NORESERVE and no touching: the VMM's RSS grows only with the pages
	 * it writes (boot data); the guest's pages are charged as it uses them. */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return hull_error_set(err, errno, "map %llu bytes of guest memory", (unsigned long long)size);
	madvise(p, size, MADV_MERGEABLE);
	mem->host = p;
	mem->size = size;
	mem->low_size = size < VM_MMIO_HOLE_START ? size : VM_MMIO_HOLE_START;
	return 0;
}

void vm_memory_free(struct vm_memory *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	mem->host = NULL;
}

int vm_memory_register(struct vm_memory *mem, int vm_fd, struct hull_error **err)
{
	struct kvm_userspace_memory_region low = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem->low_size,
		.userspace_addr = (uintptr_t)mem->host,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &low) < 0)
		return hull_error_set(err, errno, "KVM_SET_USER_MEMORY_REGION (low memory)");
	if (mem->size == mem->low_size)
		return 0;
	struct kvm_userspace_memory_region high = {
		.slot = 1,
		.guest_phys_addr = VM_HIGH_RAM_START,
		.memory_size = mem->size - mem->low_size,
		.userspace_addr = (uintptr_t)mem->host + mem->low_size,
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &high) < 0)
		return hull_error_set(err, errno, "KVM_SET_USER_MEMORY_REGION (memory above 4 GiB)");
	return 0;
}

void *vm_memory_ptr(const struct vm_memory *mem, uint64_t gpa, uint64_t len)
{
	if (gpa + len < gpa)
		return NULL;
	if (gpa + len <= mem->low_size)
		return mem->host + gpa;
	uint64_t high = mem->size - mem->low_size;
	if (gpa >= VM_HIGH_RAM_START && gpa - VM_HIGH_RAM_START <= high && len <= high - (gpa - VM_HIGH_RAM_START))
		return mem->host + mem->low_size + (gpa - VM_HIGH_RAM_START);
	return NULL;
}
