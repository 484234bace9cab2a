/* hello: the smallest guest: a line on the serial port, then power off. */
#include "guest.h"

void guest_main(struct boot_info *bi)
{
	printf_serial("hello from the hull test guest (boot %s)\n", bi->kind == BOOT_PVH ? "pvh" : "bzImage");
	check(true, "hello", "");
}
