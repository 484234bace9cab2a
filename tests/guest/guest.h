/* guest.h - the runtime of hull's test guests: port and MMIO access, a
 * serial console, PASS/FAIL reporting, boot information from either boot
 * path, PCI config access, interrupts, and leaving the machine. Each guest
 * is one .c file defining guest_main(). */
#ifndef HULL_GUEST_H
#define HULL_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BOOT_PVH 1
#define BOOT_BZIMAGE 2

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t mmio_read32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline uint16_t mmio_read16(uint64_t a) { return *(volatile uint16_t *)a; }
static inline uint8_t mmio_read8(uint64_t a) { return *(volatile uint8_t *)a; }
static inline void mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void mmio_write16(uint64_t a, uint16_t v) { *(volatile uint16_t *)a = v; }
static inline void mmio_write8(uint64_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline void mmio_write64(uint64_t a, uint64_t v) { *(volatile uint64_t *)a = v; }
static inline void barrier(void) { __asm__ volatile("mfence" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause"); }

struct e820 {
	uint64_t addr, size;
	uint32_t type;
};

struct boot_info {
	int kind;                /* BOOT_PVH or BOOT_BZIMAGE */
	const uint8_t *raw;      /* hvm_start_info or boot_params */
	const char *cmdline;
	struct e820 map[16];
	unsigned n_map;
	uint64_t rsdp;
	uint64_t initrd, initrd_size;
};

void guest_main(struct boot_info *bi);

/* console and reporting */
void putc_serial(char c);
void puts_serial(const char *s);
void printf_serial(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void check(bool ok, const char *what, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
extern unsigned failures;
int serial_getc(void);                /* blocking */

/* leaving */
__attribute__((noreturn)) void poweroff(void);
__attribute__((noreturn)) void finish(void);   /* "DONE n failures" then poweroff */

/* memory */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
const char *strstr(const char *h, const char *n);
void *page_alloc(size_t pages);        /* zeroed, 4 KiB aligned, from a static pool */

/* PCI (mechanism #1) */
uint32_t pci_read32(unsigned slot, unsigned off);
uint16_t pci_read16(unsigned slot, unsigned off);
uint8_t pci_read8(unsigned slot, unsigned off);
void pci_write32(unsigned slot, unsigned off, uint32_t v);
void pci_write16(unsigned slot, unsigned off, uint16_t v);
void pci_write8(unsigned slot, unsigned off, uint8_t v);
int pci_find(uint16_t vendor, uint16_t device);  /* slot or -1 */

/* interrupts */
void idt_init(void);
void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
void ioapic_route(unsigned gsi, uint8_t vector, bool level);
extern volatile unsigned irq_count[256];
extern void (*volatile irq_hook)(unsigned vector);
static inline void sti(void) { __asm__ volatile("sti"); }
static inline void cli(void) { __asm__ volatile("cli"); }
bool wait_irq(unsigned vector, unsigned before, unsigned long spins);

#endif
