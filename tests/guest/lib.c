/* lib.c - the test guests' runtime (see guest.h). */
#include "guest.h"

#define COM1 0x3f8
#define LAPIC 0xfee00000ULL
#define IOAPIC 0xfec00000ULL

unsigned failures;
volatile unsigned irq_count[256];
void (*volatile irq_hook)(unsigned vector);

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *a = d;
	const uint8_t *b = s;
	while (n--)
		*a++ = *b++;
	return d;
}

int memcmp(const void *x, const void *y, size_t n)
{
	const uint8_t *a = x, *b = y;
	for (; n; n--, a++, b++)
		if (*a != *b)
			return *a - *b;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (uint8_t)*a - (uint8_t)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

const char *strstr(const char *h, const char *n)
{
	size_t len = strlen(n);
	for (; *h; h++)
		if (!strncmp(h, n, len))
			return h;
	return 0;
}

void putc_serial(char c)
{
	if (c == '\n')
		putc_serial('\r');
	while (!(inb(COM1 + 5) & 0x20))
		cpu_relax();
	outb(COM1, (uint8_t)c);
}

void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

int serial_getc(void)
{
	while (!(inb(COM1 + 5) & 1))
		cpu_relax();
	return inb(COM1);
}

static void put_num(unsigned long long v, unsigned base, int width, char pad)
{
	char buf[24];
	int n = 0;
	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width--)
		putc_serial(pad);
	while (n)
		putc_serial(buf[--n]);
}

static void vprintf_serial(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			putc_serial(*fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, longs = 0;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l')
			longs++, fmt++;
		switch (*fmt) {
		case 's': puts_serial(va_arg(ap, const char *)); break;
		case 'c': putc_serial((char)va_arg(ap, int)); break;
		case 'd': {
			long long v = longs ? va_arg(ap, long long) : va_arg(ap, int);
			if (v < 0) {
				putc_serial('-');
				v = -v;
			}
			put_num((unsigned long long)v, 10, width, pad);
			break;
		}
		case 'u': put_num(longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 10, width, pad); break;
		case 'x': put_num(longs ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned), 16, width, pad); break;
		case 'p': puts_serial("0x"); put_num((uint64_t)va_arg(ap, void *), 16, width, pad); break;
		default: putc_serial(*fmt); break;
		}
	}
}

void printf_serial(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf_serial(fmt, ap);
	va_end(ap);
}

void check(bool ok, const char *what, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	puts_serial(ok ? "PASS " : "FAIL ");
	puts_serial(what);
	if (fmt && *fmt) {
		puts_serial(": ");
		vprintf_serial(fmt, ap);
	}
	putc_serial('\n');
	va_end(ap);
	if (!ok)
		failures++;
}

void poweroff(void)
{
	/* ACPI PM1a_CNT: SLP_TYP 5 | SLP_EN (hull); then qemu's isa-debug-exit. */
	outw(0x604, (5 << 10) | (1 << 13));
	outb(0xf4, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void finish(void)
{
	printf_serial("DONE failures=%u\n", failures);
	poweroff();
}

static uint8_t pool[2 << 20] __attribute__((aligned(4096)));
static size_t pool_used;

void *page_alloc(size_t pages)
{
	if (pool_used + pages * 4096 > sizeof(pool)) {
		check(false, "page_alloc", "out of pages");
		finish();
	}
	void *p = pool + pool_used;
	pool_used += pages * 4096;
	return p;
}

static uint32_t pci_addr(unsigned slot, unsigned off)
{
	return 0x80000000u | (slot << 11) | (off & 0xfc);
}

uint32_t pci_read32(unsigned slot, unsigned off)
{
	outl(0xcf8, pci_addr(slot, off));
	return inl(0xcfc);
}

uint16_t pci_read16(unsigned slot, unsigned off)
{
	outl(0xcf8, pci_addr(slot, off));
	return inw((uint16_t)(0xcfc + (off & 2)));
}

uint8_t pci_read8(unsigned slot, unsigned off)
{
	outl(0xcf8, pci_addr(slot, off));
	return inb((uint16_t)(0xcfc + (off & 3)));
}

void pci_write32(unsigned slot, unsigned off, uint32_t v)
{
	outl(0xcf8, pci_addr(slot, off));
	outl(0xcfc, v);
}

void pci_write16(unsigned slot, unsigned off, uint16_t v)
{
	outl(0xcf8, pci_addr(slot, off));
	outw((uint16_t)(0xcfc + (off & 2)), v);
}

void pci_write8(unsigned slot, unsigned off, uint8_t v)
{
	outl(0xcf8, pci_addr(slot, off));
	outb((uint16_t)(0xcfc + (off & 3)), v);
}

int pci_find(uint16_t vendor, uint16_t device)
{
	for (unsigned slot = 0; slot < 32; slot++) {
		uint32_t id = pci_read32(slot, 0);
		if ((id & 0xffff) == vendor && (id >> 16) == device)
			return (int)slot;
	}
	return -1;
}

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern char isr_table_start[];

void idt_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint64_t a = (uint64_t)isr_table_start + 16 * i;
		idt[i] = (struct idt_gate){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
	}
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) d = { sizeof(idt) - 1, (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(d));
}

void lapic_init(void)
{
	idt_init();
	/* Mask both 8259s: their IRQs would also arrive through LINT0 (ExtINT). */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	mmio_write32(LAPIC + 0xf0, 0x1ff); /* software enable, spurious vector 0xff */
	mmio_write32(LAPIC + 0x80, 0);     /* task priority: accept all */
}

void lapic_eoi(void)
{
	mmio_write32(LAPIC + 0xb0, 0);
}

uint32_t lapic_id(void)
{
	return mmio_read32(LAPIC + 0x20) >> 24;
}

void ioapic_route(unsigned gsi, uint8_t vector, bool level)
{
	uint32_t lo = vector | (level ? (1u << 15) : 0);
	mmio_write32(IOAPIC, 0x10 + 2 * gsi + 1);
	mmio_write32(IOAPIC + 0x10, 0); /* destination: APIC 0 */
	mmio_write32(IOAPIC, 0x10 + 2 * gsi);
	mmio_write32(IOAPIC + 0x10, lo);
}

bool wait_irq(unsigned vector, unsigned before, unsigned long spins)
{
	sti();
	for (unsigned long i = 0; i < spins; i++) {
		if (irq_count[vector] != before) {
			cli();
			return true;
		}
		cpu_relax();
	}
	cli();
	return irq_count[vector] != before;
}

void guest_interrupt(uint64_t vector, uint64_t *frame);
void guest_interrupt(uint64_t vector, uint64_t *frame)
{
	if (vector < 32) {
		printf_serial("FAIL exception %u error=%lx rip=%lx\n", (unsigned)vector, frame[0], frame[1]);
		failures++;
		finish();
	}
	irq_count[vector]++;
	if (irq_hook)
		irq_hook((unsigned)vector);
	if (vector != 0xff)
		lapic_eoi();
}

static void parse_pvh(struct boot_info *bi, const uint8_t *si)
{
	const uint64_t *q = (const uint64_t *)si;
	bi->cmdline = (const char *)q[3];
	bi->rsdp = q[4];
	const uint8_t *mm = (const uint8_t *)q[5];
	uint32_t n = *(const uint32_t *)(si + 48);
	for (uint32_t i = 0; i < n && i < 16; i++) {
		const uint8_t *e = mm + 24 * i;
		bi->map[i] = (struct e820){ *(const uint64_t *)e, *(const uint64_t *)(e + 8), *(const uint32_t *)(e + 16) };
	}
	bi->n_map = n < 16 ? n : 16;
	if (*(const uint32_t *)(si + 12)) {
		const uint64_t *mod = (const uint64_t *)q[2];
		bi->initrd = mod[0];
		bi->initrd_size = mod[1];
	}
}

static void parse_boot_params(struct boot_info *bi, const uint8_t *bp)
{
	bi->cmdline = (const char *)(uint64_t) * (const uint32_t *)(bp + 0x228);
	bi->rsdp = *(const uint64_t *)(bp + 0x70);
	unsigned n = bp[0x1e8];
	for (unsigned i = 0; i < n && i < 16; i++) {
		const uint8_t *e = bp + 0x2d0 + 20 * i;
		bi->map[i] = (struct e820){ *(const uint64_t *)e, *(const uint64_t *)(e + 8), *(const uint32_t *)(e + 16) };
	}
	bi->n_map = n < 16 ? n : 16;
	bi->initrd = *(const uint32_t *)(bp + 0x218);
	bi->initrd_size = *(const uint32_t *)(bp + 0x21c);
}

void guest_entry(int kind, const uint8_t *info);
void guest_entry(int kind, const uint8_t *info)
{
	static struct boot_info bi;
	bi.kind = kind;
	bi.raw = info;
	if (kind == BOOT_PVH)
		parse_pvh(&bi, info);
	else
		parse_boot_params(&bi, info);
	if (!bi.cmdline)
		bi.cmdline = "";
	/* The IDT is filled by lapic_init(), in the guests that take interrupts:
	 * its 256-entry loop costs milliseconds where kernel mode is emulated,
	 * and the benchmarks time this path. An exception elsewhere is a triple
	 * fault, which the VMM reports with the registers. */
	guest_main(&bi);
	finish();
}

/* ap_entry: where an application processor lands in long mode; the SMP
 * guest overrides it. */
__attribute__((weak)) void ap_entry(void);
__attribute__((weak)) void ap_entry(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}
