/* snap: a guest to snapshot and restore. It prints a token (from the TSC)
 * kept in RAM and registers, then halts waiting for a serial line by
 * interrupt (LAPIC, IOAPIC, UART state all in play), and prints the token
 * and the line once one arrives - after a restore, in another hull.
 * With "fill=N" on its command line it first writes a word made from the
 * token into each page of N MiB of RAM from 16 MiB up (page by page: guest
 * kernel code is slow on a PVM host), and once the line arrives checks
 * that every word survived, then overwrites them all (a restored guest's
 * writes must not reach the snapshot file). With "keep" it waits for a
 * second line between that check and the overwrite (so a test can look at
 * clones whose RAM they only read).
 *
 * After the wait it prints its identity as the VMM gives it now (after a
 * restore or a clone: the new one): the VM generation ID, the 16 bytes at
 * 0xe1000 (VM_VMGENID_ADDR, which the DSDT's VGEN device's ADDR names), the
 * MAC of a virtio-net device and the CID of a virtio-vsock device, when
 * there are such devices. */
#include "guest.h"
#include "vdrv.h"

#define VMGENID_ADDR 0xe1000

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

#define FILL_BASE (16ULL << 20)

static uint64_t arg(const char *cmdline, const char *key)
{
	const char *p = strstr(cmdline, key);
	uint64_t v = 0;
	for (p = p ? p + strlen(key) : ""; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

static uint64_t pattern(uint64_t token, uint64_t addr)
{
	return (token ^ addr) * 0xff51afd7ed558ccdULL;
}

static void print_identity(void)
{
	const volatile uint8_t *g = (const volatile uint8_t *)VMGENID_ADDR;
	printf_serial("identity: vmgenid=");
	for (int i = 0; i < 16; i++)
		printf_serial("%02x", g[i]);
	struct vdev d;
	if (vdev_open(&d, 1, 0)) {
		uint8_t m[6];
		for (int i = 0; i < 6; i++)
			m[i] = mmio_read8(d.device + (uint64_t)i);
		printf_serial(" mac=%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	if (vdev_open(&d, 19, 0))
		printf_serial(" cid=%u", mmio_read32(d.device));
	printf_serial("\n");
}

void guest_main(struct boot_info *bi)
{
	uint64_t fill = arg(bi->cmdline, "fill=") << 20;
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	uint64_t token = ((uint64_t)hi << 32 | lo) * 0x9e3779b97f4a7c15ULL;
	lapic_init();
	ioapic_route(4, VEC, false);
	irq_hook = rx_irq;
	outb(COM1 + 4, 0x0b);
	outb(COM1 + 1, 0x01);
	for (uint64_t a = FILL_BASE; a < FILL_BASE + fill; a += 4096)
		*(volatile uint64_t *)a = pattern(token, a);
	if (fill)
		printf_serial("filled %lu MiB\n", fill >> 20);
	printf_serial("token=%lx\nwaiting for a line\n", token);
	while (!done)
		__asm__ volatile("sti; hlt; cli");
	line[len] = 0;
	printf_serial("after the wait: token=%lx line=%s\n", token, line);
	check(len > 0, "line received", NULL);
	print_identity();
	if (!fill)
		return;
	uint64_t bad = 0;
	for (uint64_t a = FILL_BASE; a < FILL_BASE + fill; a += 4096)
		bad += *(volatile uint64_t *)a != pattern(token, a);
	check(bad == 0, "memory pattern survived", "%lu of %lu pages differ", bad, fill / 4096);
	if (strstr(bi->cmdline, "keep")) {
		len = 0;
		done = false;
		printf_serial("checked %lu MiB; waiting for a second line\n", fill >> 20);
		while (!done)
			__asm__ volatile("sti; hlt; cli");
	}
	for (uint64_t a = FILL_BASE; a < FILL_BASE + fill; a += 4096)
		*(volatile uint64_t *)a = ~pattern(token, a);
	printf_serial("overwrote %lu MiB\n", fill >> 20);
}
