/* start.S - entry points of the test guests.
 *  - PVH (Xen HVM direct boot ABI): 32-bit protected mode, paging off,
 *    %ebx = hvm_start_info. qemu -M microvm and hull both enter here.
 *  - Linux boot protocol 64-bit entry at image + 0x200 (what a bzImage's
 *    startup_64 is): long mode, identity map, %rsi = boot_params.
 * Both end in guest_entry(kind, info) in 64-bit mode on our own GDT, IDT
 * and stack. Also: the interrupt stubs and the AP trampoline for SMP. */
#define BOOT_PVH 1
#define BOOT_BZIMAGE 2

	.section .note.pvh, "a"
	.align 4
	.long 4, 4, 18          /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long pvh_start32

	.section .text.head, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	jmp start32
	.org 0x200
	.code64
	.globl startup_64
startup_64:
	mov $BOOT_BZIMAGE, %edi
	jmp common64

	.code32
start32:
	mov %ebx, %esi
	mov $pml4, %edi
	lea pdpt + 3, %eax
	mov %eax, (%edi)
	/* identity map 0-4 GiB: with 1 GiB pages when the CPU has them (four
	 * entries instead of a 2048-entry loop, which is slow where kernel mode
	 * is emulated), else with 2 MiB pages */
	mov $0x80000001, %eax
	cpuid
	bt $26, %edx
	jnc map_2m
	mov $pdpt, %edi
	mov $0x83, %eax
	mov $4, %ecx
0:	mov %eax, (%edi)
	add $0x40000000, %eax
	add $8, %edi
	loop 0b
	jmp enter_long32
map_2m:
	mov $pdpt, %edi
	lea pd + 3, %eax
	mov $4, %ecx
1:	mov %eax, (%edi)
	add $0x1000, %eax
	add $8, %edi
	loop 1b
	mov $pd, %edi
	mov $0x83, %eax
	xor %edx, %edx
	mov $2048, %ecx
2:	mov %eax, (%edi)
	mov %edx, 4(%edi)
	add $0x200000, %eax
	adc $0, %edx
	add $8, %edi
	loop 2b
enter_long32:
	mov %cr4, %eax
	or $0x20, %eax          /* PAE */
	mov %eax, %cr4
	mov $pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx   /* EFER.LME */
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax    /* PG | PE */
	mov %eax, %cr0
	lgdt gdt_desc
	ljmp $0x08, $start64_pvh

	.code64
start64_pvh:
	mov $BOOT_PVH, %edi
common64:
	lgdt gdt_desc
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	lea stack_top(%rip), %rsp
	pushq $0x08
	lea 3f(%rip), %rax
	pushq %rax
	lretq
3:	/* .bss is not cleared: RAM is fresh (zero) under every VMM, and a
	 * long rep stosb is slow where kernel mode is emulated (PVM). */
	call guest_entry
4:	hlt
	jmp 4b

/* Interrupt stubs: vectors 0-255, each pushes an error-code slot (unless
 * the CPU did) and its vector, then calls guest_interrupt(vector, frame). */
	.altmacro
	.macro stub n
	.align 16
isr_\n:
	.if (\n == 8 || (\n >= 10 && \n <= 14) || \n == 17)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp isr_common
	.endm
	.align 16
	.globl isr_table_start
isr_table_start:
	.set i, 0
	.rept 256
	stub %i
	.set i, i + 1
	.endr

isr_common:
	push %rbx
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	mov 80(%rsp), %rdi      /* vector */
	lea 88(%rsp), %rsi      /* error code, rip, cs, rflags, rsp, ss */
	mov %rsp, %rbx
	and $-16, %rsp
	call guest_interrupt
	mov %rbx, %rsp
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	pop %rbx
	add $16, %rsp
	iretq

/* AP trampoline, copied to 0x8000 (SIPI vector 0x08): real mode -> 32-bit
 * -> long mode on the BSP's page tables, then ap_entry(). */
	.code16
	.globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	lgdtl 0x8000 + (ap_gdt_desc - ap_tramp_start)
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x18, $(0x8000 + (ap_pm32 - ap_tramp_start))
	.code32
ap_pm32:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %ss
	mov %cr4, %eax
	or $0x20, %eax
	mov %eax, %cr4
	mov ap_cr3, %eax        /* the BSP's page tables (hull's or ours) */
	mov %eax, %cr3
	mov $0xc0000080, %ecx
	rdmsr
	or $0x100, %eax
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax
	mov %eax, %cr0
	ljmp $0x08, $ap_start64
	.align 8
ap_gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
ap_tramp_end:

	.code64
ap_start64:
	lgdt gdt_desc
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	/* each AP takes its stack from ap_stack_next (set by the BSP) */
	mov ap_stack_next(%rip), %rsp
	call ap_entry
5:	hlt
	jmp 5b

	.data
	.align 4096
pml4:	.fill 512, 8, 0
pdpt:	.fill 512, 8, 0
pd:	.fill 2048, 8, 0
	.align 16
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9a000000ffff    /* 0x08 kernel code 64 */
	.quad 0x00cf92000000ffff    /* 0x10 kernel data */
	.quad 0x00cf9a000000ffff    /* 0x18 kernel code 32 (AP trampoline) */
	.quad 0x00cff2000000ffff    /* 0x20 user data (0x23) */
	.quad 0x00affa000000ffff    /* 0x28 user code 64 (0x2b) */
	.globl gdt_tss
gdt_tss:
	.quad 0, 0                  /* 0x30 TSS, filled in by guest_cpl3_init() */
gdt_end:
	.globl gdt_desc
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt
	.globl ap_stack_next
ap_stack_next: .quad 0
	.globl ap_cr3
ap_cr3: .quad 0

	.bss
	.align 16
	.globl stack_bottom
stack_bottom:
	.skip 16384
stack_top:
