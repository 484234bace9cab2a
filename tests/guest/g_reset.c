/* reset: ask for a machine reset, by the i8042 (default) or, with "cf9" on
 * the command line, by the reset control register at 0xCF9. */
#include "guest.h"

void guest_main(struct boot_info *bi)
{
	if (strstr(bi->cmdline, "cf9")) {
		puts_serial("resetting through port 0xcf9\n");
		outb(0xcf9, 0x06);
	} else {
		puts_serial("resetting through the i8042\n");
		outb(0x64, 0xfe);
	}
	check(false, "reset", "the machine is still running after the reset request");
}
