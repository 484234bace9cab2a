/* triple: a triple fault. With an empty IDT, the #UD of ud2 cannot be
 * delivered (#GP), neither can the #GP (#DF), nor the #DF: the CPU shuts
 * down. (Not int3: nested PVM cannot emulate it in kernel mode at all.) */
#include "guest.h"

void guest_main(struct boot_info *bi)
{
	puts_serial("about to triple fault\nlast words, no newline");
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };
	__asm__ volatile("mov $0x1234abcd, %%r12\n lidt %0\n ud2" ::"m"(empty) : "r12");
	check(false, "triple", "still running after the fault");
}
