/* smp: bring up every CPU the MADT lists, the way an OS does: INIT, then
 * two STARTUP IPIs through the LAPIC with the trampoline at 0x8000; each AP
 * checks its APIC ID against CPUID and reports in. "cpus=N" on the command
 * line is how many the test started. */
#include "guest.h"

#define LAPIC 0xfee00000ULL

extern char ap_tramp_start[], ap_tramp_end[];
extern uint64_t ap_stack_next, ap_cr3;
static volatile unsigned online;
static volatile uint32_t seen_mask;
static volatile uint32_t cpuid_ok_mask;
static volatile int print_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static void unlock(void)
{
	__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

void ap_entry(void);
void ap_entry(void)
{
	uint32_t id = lapic_id(), a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if ((b >> 24) == id)
		__atomic_or_fetch(&cpuid_ok_mask, 1u << id, __ATOMIC_SEQ_CST);
	lock();
	printf_serial("AP %u online\n", id);
	unlock();
	__atomic_or_fetch(&seen_mask, 1u << id, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&online, 1, __ATOMIC_SEQ_CST);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static unsigned madt_cpus(uint64_t rsdp, uint8_t *ids)
{
	const uint8_t *xsdt = (const uint8_t *)*(const uint64_t *)(rsdp + 24);
	uint32_t len = *(const uint32_t *)(xsdt + 4), n = 0;
	for (uint32_t off = 36; off + 8 <= len; off += 8) {
		const uint8_t *t = (const uint8_t *)*(const uint64_t *)(xsdt + off);
		if (memcmp(t, "APIC", 4))
			continue;
		uint32_t tl = *(const uint32_t *)(t + 4);
		for (uint32_t e = 44; e + 2 <= tl && t[e + 1]; e += t[e + 1])
			if (t[e] == 0 && (t[e + 4] & 1) && n < 32)
				ids[n++] = t[e + 3];
	}
	return n;
}

static void ipi(uint32_t apic, uint32_t low)
{
	mmio_write32(LAPIC + 0x310, apic << 24);
	mmio_write32(LAPIC + 0x300, low);
	for (unsigned i = 0; i < 1000 && (mmio_read32(LAPIC + 0x300) & (1u << 12)); i++)
		cpu_relax(); /* delivery status */
}

void guest_main(struct boot_info *bi)
{
	const char *p = strstr(bi->cmdline, "cpus=");
	unsigned want = p ? (unsigned)(p[5] - '0') * (p[6] >= '0' && p[6] <= '9' ? 10 : 1) +
				    (p[6] >= '0' && p[6] <= '9' ? (unsigned)(p[6] - '0') : 0)
			  : 1;
	uint8_t ids[32];
	unsigned n = madt_cpus(bi->rsdp, ids);
	check(n == want, "MADT lists every vCPU", "%u of %u", n, want);
	lapic_init();
	uint32_t bsp = lapic_id();
	check(bsp == 0, "BSP is APIC 0", "%u", bsp);
	memcpy((void *)0x8000, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	ap_cr3 = cr3;
	for (unsigned i = 0; i < n; i++) {
		if (ids[i] == bsp)
			continue;
		unsigned before = online;
		ap_stack_next = (uint64_t)page_alloc(4) + 4 * 4096;
		ipi(ids[i], 0x4500);            /* INIT, level assert */
		ipi(ids[i], 0x4600 | 0x08);     /* STARTUP at 0x8000 */
		bool up = false;
		for (unsigned long s = 0; s < 3000000 && !up; s++) {
			if (s == 200000 && online == before)
				ipi(ids[i], 0x4600 | 0x08); /* the second SIPI of the MP spec */
			up = online != before;
			cpu_relax();
		}
		lock();
		check(up, "AP started", "APIC %u", ids[i]);
		unlock();
	}
	uint32_t all = 0;
	for (unsigned i = 0; i < n; i++)
		if (ids[i] != bsp)
			all |= 1u << ids[i];
	lock();
	check(online == n - 1 && seen_mask == all, "all vCPUs online", "%u APs", online);
	check(cpuid_ok_mask == all, "CPUID initial APIC ID matches on every AP", "%x", cpuid_ok_mask);
	unlock();
}
