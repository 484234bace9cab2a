/* halt: the guest stops for good: a line, then `cli; hlt` with r12 marked.
 * Secondary vCPUs are never started, so they wait for a SIPI forever.
 * Nothing can wake it: hull must end the VM. */
#include "guest.h"

void guest_main(struct boot_info *bi)
{
	puts_serial("halting with interrupts off\n");
	for (;;)
		__asm__ volatile("mov $0x4a17, %%r12\n cli\n hlt" ::: "r12");
}
