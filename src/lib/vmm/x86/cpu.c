/* x86/cpu.c - per-vCPU setup: CPUID from KVM_GET_SUPPORTED_CPUID with the
 * topology filled in, the MSRs a booting kernel expects, and the register
 * state of the boot entry (Linux boot protocol 64-bit entry, or PVH 32-bit
 * entry). */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "../vm.h"

#define CPUID_MAX_ENTRIES 256

int vm_cpu_setup_cpuid(struct hull_vm *vm, struct vm_vcpu *cpu, struct hull_error **err)
{
	_cleanup_free_ struct kvm_cpuid2 *c =
		hull_xcalloc(1, sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	c->nent = CPUID_MAX_ENTRIES;
	if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0)
		return hull_error_set(err, errno, "KVM_GET_SUPPORTED_CPUID");
	/* KVM's LAPIC emulates the TSC-deadline timer but leaves the CPUID bit
	 * to the VMM (api.rst: KVM_CAP_TSC_DEADLINE_TIMER). With it, Linux
	 * skips calibrating the LAPIC timer against the PIT, which fails
	 * where the host is slow or busy ("APIC timer disabled due to
	 * verification failure"), and then has no per-CPU timer at all. */
	bool tsc_deadline = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		switch (e->function) {
		case 1:
			/* Intel SDM vol. 2A CPUID leaf 01H: EBX[31:24] initial APIC ID,
			 * EBX[23:16] logical processors per package; ECX[31] hypervisor. */
			e->ebx = (cpu->index << 24) | (vm->ncpus << 16) | (e->ebx & 0xffff);
			e->ecx |= 1u << 31;
			if (tsc_deadline)
				e->ecx |= 1u << 24;
			/* PVM's instruction emulator has no CMPXCHG16B: Linux's SLUB
			 * would die on its first cmpxchg_double. Without CX16 it takes
			 * its lock-based path. */
			if (vm->pvm_host)
				e->ecx &= ~(1u << 13);
			if (vm->ncpus > 1)
				e->edx |= 1u << 28;
			break;
		case 0xb:
		case 0x1f:
			/* Extended topology: x2APIC ID in EDX; one thread per core,
			 * every vCPU a core of one package. */
			e->edx = cpu->index;
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = (1u << 8);
			} else if (e->index == 1) {
				unsigned shift = 0;
				while ((1u << shift) < vm->ncpus)
					shift++;
				e->eax = shift;
				e->ebx = vm->ncpus;
				e->ecx = (2u << 8) | 1;
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;
			}
			break;
		case 6:
			/* No power management: the guest must not poke MSRs we do not model. */
			e->ecx &= ~1u;
			break;
		default:
			break;
		}
	}
	if (ioctl(cpu->fd, KVM_SET_CPUID2, c) < 0)
		return hull_error_set(err, errno, "KVM_SET_CPUID2 on vCPU %u", cpu->index);
	return 0;
}

int vm_cpu_setup_msrs(struct vm_vcpu *cpu, struct hull_error **err)
{
	/* What Firecracker and kvmtool put there at boot: syscall MSRs zeroed,
	 * fast strings on (IA32_MISC_ENABLE bit 0), MTRRs enabled with
	 * write-back as the default type (Intel SDM vol. 3A 11.11.2.1). */
	static const struct { uint32_t index; uint64_t value; } boot_msrs[] = {
		{ 0x174, 0 },                    /* IA32_SYSENTER_CS */
		{ 0x175, 0 },                    /* IA32_SYSENTER_ESP */
		{ 0x176, 0 },                    /* IA32_SYSENTER_EIP */
		{ 0xc0000081, 0 },               /* STAR */
		{ 0xc0000082, 0 },               /* LSTAR */
		{ 0xc0000083, 0 },               /* CSTAR */
		{ 0xc0000084, 0 },               /* SYSCALL_MASK */
		{ 0xc0000102, 0 },               /* KERNEL_GS_BASE */
		{ 0x1a0, 1 },                    /* IA32_MISC_ENABLE: fast strings */
		{ 0x2ff, (1u << 11) | 6 },       /* IA32_MTRR_DEF_TYPE: enabled, WB */
	};
	_Alignas(struct kvm_msrs) uint8_t buf[sizeof(struct kvm_msrs) +
					      HULL_ARRAY_SIZE(boot_msrs) * sizeof(struct kvm_msr_entry)];
	memset(buf, 0, sizeof(buf));
	struct kvm_msrs *msrs = (struct kvm_msrs *)buf;
	msrs->nmsrs = HULL_ARRAY_SIZE(boot_msrs);
	for (size_t i = 0; i < HULL_ARRAY_SIZE(boot_msrs); i++) {
		msrs->entries[i].index = boot_msrs[i].index;
		msrs->entries[i].data = boot_msrs[i].value;
	}
	int n = ioctl(cpu->fd, KVM_SET_MSRS, msrs);
	if (n < 0)
		return hull_error_set(err, errno, "KVM_SET_MSRS on vCPU %u", cpu->index);
	if ((size_t)n != HULL_ARRAY_SIZE(boot_msrs))
		return hull_error_msg(err, EINVAL, "KVM_SET_MSRS on vCPU %u: KVM refused MSR 0x%x", cpu->index,
				      boot_msrs[n].index);
	return 0;
}

static struct kvm_segment flat_segment(uint16_t selector, uint8_t type, bool code64, bool big)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type, .present = 1,
		.dpl = 0, .db = big, .s = 1, .l = code64, .g = 1,
	};
}

/* GDT (Linux boot protocol: __BOOT_CS 0x10, __BOOT_DS 0x18; PVH uses the
 * 32-bit code segment at 0x08) and identity page tables for the first 4 GiB
 * with 2 MiB pages. */
static void write_gdt_and_page_tables(struct hull_vm *vm)
{
	uint64_t *gdt = vm_memory_ptr(&vm->mem, VM_GDT_ADDR, 4 * 8);
	gdt[0] = 0;
	gdt[1] = 0x00cf9b000000ffffULL; /* 32-bit code */
	gdt[2] = 0x00af9b000000ffffULL; /* 64-bit code */
	gdt[3] = 0x00cf93000000ffffULL; /* data */
	uint64_t *pml4 = vm_memory_ptr(&vm->mem, VM_PML4_ADDR, 0x6000);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	pml4[0] = (VM_PML4_ADDR + 0x1000) | 3;
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (VM_PML4_ADDR + 0x2000 + i * 0x1000) | 3;
	for (uint64_t i = 0; i < 2048; i++)
		pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB page */
}

int vm_cpu_setup_boot_regs(struct hull_vm *vm, struct vm_vcpu *cpu, const struct vm_boot_entry *entry,
			   struct hull_error **err)
{
	struct kvm_sregs s;
	if (ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return hull_error_set(err, errno, "KVM_GET_SREGS");
	write_gdt_and_page_tables(vm);
	s.gdt.base = VM_GDT_ADDR;
	s.gdt.limit = 4 * 8 - 1;
	struct kvm_segment data = flat_segment(0x18, 3, false, true);
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	if (entry->protected32) {
		/* PVH boot ABI (xen/include/public/arch-x86/hvm/start_info.h): flat
		 * 32-bit protected mode, paging off, ebx = start_info. */
		s.cs = flat_segment(0x08, 0xb, false, true);
		s.cr0 = (s.cr0 | 0x1) & ~0x80000000ULL;
		s.cr4 = 0;
		s.efer = 0;
	} else {
		/* Linux Documentation/arch/x86/boot.rst "64-bit Boot Protocol". */
		s.cs = flat_segment(0x10, 0xb, true, false);
		s.cr3 = VM_PML4_ADDR;
		s.cr4 |= 0x20;              /* PAE */
		s.cr0 |= 0x80000001;        /* PG | PE */
		s.efer |= 0x500;            /* LME | LMA */
	}
	if (ioctl(cpu->fd, KVM_SET_SREGS, &s) < 0)
		return hull_error_set(err, errno, "KVM_SET_SREGS");
	struct kvm_regs r = { .rflags = 2, .rip = entry->rip, .rsp = 0x8ff0 };
	if (entry->protected32)
		r.rbx = entry->boot_arg;
	else
		r.rsi = entry->boot_arg;
	if (ioctl(cpu->fd, KVM_SET_REGS, &r) < 0)
		return hull_error_set(err, errno, "KVM_SET_REGS");
	return 0;
}
