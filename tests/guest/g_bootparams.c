/* bootparams: what the loader handed over, as the boot protocols define it.
 * The command line carries the expectations: "expect_mem=N" (MiB of RAM),
 * "initrd_magic=WORD" (the first bytes of the initrd), "marker=WORD". */
#include "guest.h"

static uint64_t arg_num(const char *cmdline, const char *key)
{
	const char *p = strstr(cmdline, key);
	uint64_t v = 0;
	if (!p)
		return 0;
	for (p += strlen(key); *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

static bool arg_word(const char *cmdline, const char *key, char *out, size_t n)
{
	const char *p = strstr(cmdline, key);
	if (!p)
		return false;
	p += strlen(key);
	size_t i = 0;
	while (p[i] && p[i] != ' ' && i + 1 < n) {
		out[i] = p[i];
		i++;
	}
	out[i] = 0;
	return true;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return s;
}

static void check_e820(struct boot_info *bi)
{
	uint64_t ram = 0, expect = arg_num(bi->cmdline, "expect_mem=") << 20;
	bool low = false, high = false, sorted = true;
	for (unsigned i = 0; i < bi->n_map; i++) {
		struct e820 *e = &bi->map[i];
		printf_serial("e820: %016lx-%016lx type %u\n", e->addr, e->addr + e->size - 1, e->type);
		if (i && e->addr < bi->map[i - 1].addr + bi->map[i - 1].size)
			sorted = false;
		if (e->type == 1)
			ram += e->size;
		if (e->type == 1 && e->addr == 0 && e->size >= 0x9f000 && e->size <= 0xa0000)
			low = true;
		if (e->type == 1 && e->addr == 0x100000)
			high = true;
	}
	check(bi->n_map >= 3, "e820 entries", "%u", bi->n_map);
	check(sorted, "e820 sorted and disjoint", NULL);
	check(low, "e820 low memory at 0 below 640K", NULL);
	check(high, "e820 RAM from 1M", NULL);
	/* all RAM except the 384K legacy hole below 1 MiB and the 1K EBDA */
	check(expect && ram == expect - 0x60400, "e820 RAM total", "%lu bytes, expected %lu", ram, expect - 0x60400);
}

static void check_rsdp(struct boot_info *bi)
{
	const uint8_t *r = (const uint8_t *)bi->rsdp;
	check(bi->rsdp && !memcmp(r, "RSD PTR ", 8) && sum(r, 20) == 0 && sum(r, 36) == 0, "ACPI RSDP",
	      "at %lx", bi->rsdp);
	const uint8_t *xsdt = (const uint8_t *)*(const uint64_t *)(r + 24);
	uint32_t len = *(const uint32_t *)(xsdt + 4);
	check(!memcmp(xsdt, "XSDT", 4) && sum(xsdt, len) == 0, "ACPI XSDT", "%u bytes", len);
	bool madt = false, fadt = false;
	for (uint32_t off = 36; off + 8 <= len; off += 8) {
		const uint8_t *t = (const uint8_t *)*(const uint64_t *)(xsdt + off);
		uint32_t tl = *(const uint32_t *)(t + 4);
		if (!memcmp(t, "APIC", 4) && sum(t, tl) == 0)
			madt = true;
		if (!memcmp(t, "FACP", 4) && sum(t, tl) == 0)
			fadt = true;
	}
	check(madt && fadt, "ACPI MADT and FADT", NULL);
}

static void check_zero_page(struct boot_info *bi)
{
	const uint8_t *bp = bi->raw;
	check(!memcmp(bp + 0x202, "HdrS", 4), "boot_params header magic", NULL);
	check(*(const uint16_t *)(bp + 0x1fe) == 0xaa55, "boot_params boot_flag", NULL);
	check(bp[0x210] == 0xff, "boot_params type_of_loader", "%x", bp[0x210]);
	check(bp[0x211] & 1, "boot_params loadflags LOADED_HIGH", "%x", bp[0x211]);
	check(*(const uint32_t *)(bp + 0x214) == 0x100000, "boot_params code32_start", NULL);
	check(*(const uint32_t *)(bp + 0x228) != 0, "boot_params cmd_line_ptr", NULL);
}

static void check_pvh(struct boot_info *bi)
{
	const uint32_t *si = (const uint32_t *)bi->raw;
	check(si[0] == 0x336ec578, "hvm_start_info magic", "%x", si[0]);
	check(si[1] >= 1, "hvm_start_info version", "%u", si[1]);
}

static unsigned cmos(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned from_bcd(unsigned v)
{
	return (v >> 4) * 10 + (v & 0xf);
}

/* The CMOS clock (MC146818A): BCD, 24-hour, the host's date (UTC). */
static void check_rtc(struct boot_info *bi)
{
	unsigned b = cmos(0x0b), year = from_bcd(cmos(0x32)) * 100 + from_bcd(cmos(0x09));
	unsigned month = from_bcd(cmos(0x08)), day = from_bcd(cmos(0x07)), hour = from_bcd(cmos(0x04));
	printf_serial("rtc: %u-%02u-%02u %02u:%02u:%02u\n", year, month, day, hour, from_bcd(cmos(0x02)),
		      from_bcd(cmos(0x00)));
	check((b & 0x06) == 0x02, "RTC in BCD, 24-hour mode", "register B %x", b);
	check(cmos(0x0d) & 0x80, "RTC valid RAM and time", NULL);
	uint64_t host_year = 0;
	const char *p = strstr(bi->cmdline, "year=");
	for (p = p ? p + 5 : ""; *p >= '0' && *p <= '9'; p++)
		host_year = host_year * 10 + (uint64_t)(*p - '0');
	check(year == host_year && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour < 24, "RTC date",
	      "%u, host year %lu", year, host_year);
}

void guest_main(struct boot_info *bi)
{
	printf_serial("boot protocol: %s\ncmdline: %s\n", bi->kind == BOOT_PVH ? "pvh" : "bzImage", bi->cmdline);
	char marker[32];
	check(arg_word(bi->cmdline, "marker=", marker, sizeof(marker)) && !strncmp(marker, "hull42", 7), "cmdline",
	      "%s", bi->cmdline);
	if (bi->kind == BOOT_BZIMAGE)
		check_zero_page(bi);
	else
		check_pvh(bi);
	check_e820(bi);
	check_rsdp(bi);
	if (strstr(bi->cmdline, "year="))
		check_rtc(bi);
	char magic[32];
	if (arg_word(bi->cmdline, "initrd_magic=", magic, sizeof(magic))) {
		size_t n = strlen(magic);
		bool in_ram = false;
		for (unsigned i = 0; i < bi->n_map; i++)
			if (bi->map[i].type == 1 && bi->initrd >= bi->map[i].addr &&
			    bi->initrd + bi->initrd_size <= bi->map[i].addr + bi->map[i].size)
				in_ram = true;
		check(bi->initrd && !(bi->initrd & 0xfff) && in_ram, "initrd placed in RAM, page aligned", "%lx+%lx",
		      bi->initrd, bi->initrd_size);
		check(bi->initrd && !memcmp((const void *)bi->initrd, magic, n), "initrd contents", NULL);
		printf_serial("initrd size %lu\n", bi->initrd_size);
	}
}
