/* snap: a guest to snapshot and restore. It prints a token (from the TSC)
 * kept in RAM and registers, then halts waiting for a serial line by
 * interrupt (LAPIC, IOAPIC, UART state all in play), and prints the token
 * and the line once one arrives - after a restore, in another hull. */
#include "guest.h"

#define COM1 0x3f8
#define VEC 0x34

static char line[128];
static volatile unsigned len;
static volatile bool done;

static void rx_irq(unsigned vector)
{
	while (inb(COM1 + 5) & 1) {
		char c = (char)inb(COM1);
		if (c == '\n' || c == '\r')
			done = true;
		else if (!done && len + 1 < sizeof(line))
			line[len++] = c;
	}
}

void guest_main(struct boot_info *bi)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t token = ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ULL;
	lapic_init();
	ioapic_route(4, VEC, false);
	irq_hook = rx_irq;
	outb(COM1 + 4, 0x0b);
	outb(COM1 + 1, 0x01);
	printf_serial("token=%lx\nwaiting for a line\n", token);
	while (!done)
		__asm__ volatile("sti; hlt; cli");
	line[len] = 0;
	printf_serial("after the wait: token=%lx line=%s\n", token, line);
	check(len > 0, "line received", NULL);
}
