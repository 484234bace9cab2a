/* echo: serial input. The first line is read by polling LSR, the second
 * through the receive interrupt (IER RDI, MCR OUT2, IRQ 4 via the IOAPIC). */
#include "guest.h"

#define COM1 0x3f8
#define VEC 0x34

static char line[256];
static unsigned len;
static bool done;

static void rx_irq(unsigned vector)
{
	while (inb(COM1 + 5) & 1) {
		char c = (char)inb(COM1);
		if (c == '\n' || c == '\r') {
			done = true;
			continue;
		}
		if (!done && len + 1 < sizeof(line))
			line[len++] = c;
	}
}

void guest_main(struct boot_info *bi)
{
	puts_serial("READY\ntype a line> "); /* a prompt: no newline */
	unsigned n = 0;
	for (;;) {
		int c = serial_getc();
		if (c == '\n' || c == '\r')
			break;
		if (n + 1 < sizeof(line))
			line[n++] = (char)c;
	}
	line[n] = 0;
	printf_serial("ECHO1 %s\n", line);
	len = 0;
	lapic_init();
	ioapic_route(4, VEC, false);
	irq_hook = rx_irq;
	outb(COM1 + 4, 0x0b); /* DTR | RTS | OUT2 */
	unsigned before = irq_count[VEC];
	outb(COM1 + 1, 0x01); /* IER: received data available */
	sti();
	for (unsigned long i = 0; i < 2000000 && !done; i++)
		cpu_relax();
	cli();
	line[len] = 0;
	check(irq_count[VEC] != before, "serial receive interrupt", "%u interrupts", irq_count[VEC] - before);
	printf_serial("ECHO2 %s\n", line);
}
