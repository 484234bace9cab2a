/* test_vmm.c - unit tests of the VMM pieces that need no /dev/kvm: size
 * parsing, guest memory bounds, the bus, the virtqueue walker, ACPI tables. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/vmm.h"
#include "../../../src/lib/vmm/virtio/virtio.h"
#include "../../../src/lib/vmm/vm.h"

Test(vmm, parse_size)
{
	uint64_t v;
	cr_assert_eq(hull_vm_parse_size("512M", &v, NULL), 0);
	cr_assert_eq(v, 512ULL << 20);
	cr_assert_eq(hull_vm_parse_size("2G", &v, NULL), 0);
	cr_assert_eq(v, 2ULL << 30);
	cr_assert_eq(hull_vm_parse_size("64KiB", &v, NULL), 0);
	cr_assert_eq(v, 64ULL << 10);
	cr_assert_eq(hull_vm_parse_size("4096", &v, NULL), 0);
	cr_assert_eq(v, 4096);
	struct hull_error *err = NULL;
	cr_assert_lt(hull_vm_parse_size("12Q", &v, &err), 0);
	cr_assert(strstr(err->msg, "12Q"));
	hull_error_free(err);
	cr_assert_lt(hull_vm_parse_size("-1G", &v, NULL), 0);
	cr_assert_lt(hull_vm_parse_size("99999999999999G", &v, NULL), 0);
}

Test(vmm, memory_bounds)
{
	struct vm_memory m = { .host = (uint8_t *)0x10000, .size = 1 << 20, .low_size = 1 << 20 };
	cr_assert_eq(vm_memory_ptr(&m, 0, 16), (void *)0x10000);
	cr_assert_eq(vm_memory_ptr(&m, (1 << 20) - 16, 16), (void *)(0x10000 + (1 << 20) - 16));
	cr_assert_null(vm_memory_ptr(&m, (1 << 20) - 15, 16));
	cr_assert_null(vm_memory_ptr(&m, ~0ULL - 4, 16)); /* wraps */
	cr_assert_null(vm_memory_ptr(&m, 0x100000000ULL, 1));
	/* memory above 4 GiB beyond the hole */
	struct vm_memory big = { .host = (uint8_t *)0x10000, .size = 0xc0000000ULL + 0x1000,
				 .low_size = 0xc0000000ULL };
	cr_assert_eq(vm_memory_ptr(&big, 0x100000000ULL, 0x1000), (void *)(0x10000 + 0xc0000000ULL));
	cr_assert_null(vm_memory_ptr(&big, 0x100000000ULL, 0x1001));
	cr_assert_null(vm_memory_ptr(&big, 0xc0000000ULL, 1)); /* the MMIO hole */
}

static int hits;
static void handler(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	hits++;
	if (!is_write)
		data[0] = (uint8_t)offset;
}

Test(vmm, bus_dispatch_and_overlap)
{
	struct vm_bus bus = { 0 };
	cr_assert_eq(vm_bus_add(&bus, 0x3f8, 8, handler, NULL, NULL), 0);
	struct hull_error *err = NULL;
	cr_assert_lt(vm_bus_add(&bus, 0x3fc, 8, handler, NULL, &err), 0);
	cr_assert(strstr(err->msg, "overlaps"));
	hull_error_free(err);
	uint8_t d[4] = { 0 };
	cr_assert(vm_bus_dispatch(&bus, 0x3fd, d, 1, false));
	cr_assert_eq(d[0], 5);
	cr_assert_not(vm_bus_dispatch(&bus, 0x400, d, 4, false));
	cr_assert_eq(d[0], 0xff);
	vm_bus_free(&bus);
}

struct ring {
	uint8_t mem[8192];
};

static void desc(uint8_t *mem, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	memcpy(mem + 16 * i, &addr, 8);
	memcpy(mem + 16 * i + 8, &len, 4);
	memcpy(mem + 16 * i + 12, &flags, 2);
	memcpy(mem + 16 * i + 14, &next, 2);
}

static void avail(uint8_t *mem, uint16_t idx, uint16_t head)
{
	memcpy(mem + 1024 + 2, &idx, 2);
	memcpy(mem + 1024 + 4, &head, 2);
}

Test(vmm, virtq_walks_a_chain_and_rejects_bad_ones)
{
	struct ring *r = calloc(1, sizeof(*r));
	struct vm_memory m = { .host = r->mem, .size = sizeof(r->mem), .low_size = sizeof(r->mem) };
	struct virtq q = { .size = 16, .ready = true, .desc = 0, .avail = 1024, .used = 2048 };
	static struct virtq_elem e;
	desc(r->mem, 0, 4096, 16, 1, 1);
	desc(r->mem, 1, 5000, 512, 3, 2);
	desc(r->mem, 2, 6000, 1, 2, 0);
	cr_assert_eq(virtq_pop(&m, &q, &e), 0); /* empty */
	avail(r->mem, 1, 0);
	cr_assert_eq(virtq_pop(&m, &q, &e), 1);
	cr_assert_eq(e.n_out, 1);
	cr_assert_eq(e.n_in, 2);
	cr_assert_eq(e.in[0].iov_base, r->mem + 5000);
	cr_assert_eq(virtq_push(&m, &q, e.head, 513), 1);
	uint16_t used_idx;
	memcpy(&used_idx, r->mem + 2048 + 2, 2);
	cr_assert_eq(used_idx, 1);
	/* a loop */
	desc(r->mem, 2, 6000, 1, 3, 1);
	avail(r->mem, 2, 0);
	cr_assert_eq(virtq_pop(&m, &q, &e), -EINVAL);
	/* outside memory */
	desc(r->mem, 2, 8190, 4, 2, 0);
	cr_assert_eq(virtq_pop(&m, &q, &e), -EINVAL);
	/* readable after writable */
	desc(r->mem, 2, 6000, 1, 0, 0);
	cr_assert_eq(virtq_pop(&m, &q, &e), -EINVAL);
	/* avail index too far ahead */
	desc(r->mem, 2, 6000, 1, 2, 0);
	avail(r->mem, 40, 0);
	cr_assert_eq(virtq_pop(&m, &q, &e), -EINVAL);
	/* ring outside memory */
	q.avail = 8190;
	cr_assert_eq(virtq_pop(&m, &q, &e), -EINVAL);
	free(r);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s += *p++;
	return s;
}

Test(vmm, acpi_tables_have_valid_checksums_and_all_cpus)
{
	struct hull_vm *vm = calloc(1, sizeof(*vm));
	vm->mem.host = calloc(1, 1 << 20);
	vm->mem.size = vm->mem.low_size = 1 << 20;
	vm->ncpus = 3;
	uint64_t rsdp = vm_acpi_build(vm);
	uint8_t *base = vm->mem.host;
	cr_assert_eq(memcmp(base + rsdp, "RSD PTR ", 8), 0);
	cr_assert_eq(sum(base + rsdp, 20), 0);
	cr_assert_eq(sum(base + rsdp, 36), 0);
	uint64_t xsdt;
	memcpy(&xsdt, base + rsdp + 24, 8);
	uint32_t len;
	memcpy(&len, base + xsdt + 4, 4);
	cr_assert_eq(sum(base + xsdt, len), 0);
	unsigned lapics = 0;
	for (uint32_t off = 36; off < len; off += 8) {
		uint64_t t;
		memcpy(&t, base + xsdt + off, 8);
		uint32_t tl;
		memcpy(&tl, base + t + 4, 4);
		cr_assert_eq(sum(base + t, tl), 0, "table %.4s", (char *)base + t);
		if (!memcmp(base + t, "APIC", 4))
			for (uint32_t e = 44; e < tl; e += base[t + e + 1])
				lapics += base[t + e] == 0;
	}
	cr_assert_eq(lapics, 3);
	free(vm->mem.host);
	free(vm);
}

/* The FADT's GPE0 block is the platform's, and the DSDT, disassembled by
 * ACPICA's own iasl, has the generation ID device and the _E00 method that
 * notifies it: what Linux's ACPI interpreter will load. */
Test(vmm, acpi_dsdt_notifies_the_vmgenid_device_on_gpe0_bit0)
{
	struct hull_vm *vm = calloc(1, sizeof(*vm));
	vm->mem.host = calloc(1, 1 << 20);
	vm->mem.size = vm->mem.low_size = 1 << 20;
	vm->ncpus = 1;
	uint64_t rsdp = vm_acpi_build(vm), xsdt, fadt = 0, dsdt;
	uint8_t *base = vm->mem.host;
	memcpy(&xsdt, base + rsdp + 24, 8);
	for (uint32_t off = 36; off < 52; off += 8) {
		uint64_t t;
		memcpy(&t, base + xsdt + off, 8);
		if (!memcmp(base + t, "FACP", 4))
			fadt = t;
	}
	cr_assert_neq(fadt, 0, "no FADT in the XSDT");
	uint32_t gpe0, dsdt_len;
	memcpy(&gpe0, base + fadt + 80, 4);
	cr_assert_eq(gpe0, VM_PORT_GPE0);
	cr_assert_eq(base[fadt + 92], VM_GPE0_LEN);
	memcpy(&dsdt, base + fadt + 140, 8);
	memcpy(&dsdt_len, base + dsdt + 4, 4);
	cr_assert_eq(sum(base + dsdt, dsdt_len), 0);
	if (system("command -v iasl >/dev/null") != 0)
		cr_skip_test("iasl is not installed (acpica-tools): the DSDT's AML is not disassembled");
	char dir[] = "/tmp/hull-dsdt.XXXXXX", path[64], cmd[256];
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dsdt.dat", dir);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(base + dsdt, 1, dsdt_len, f), dsdt_len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d dsdt.dat >iasl.out 2>&1", dir);
	cr_assert_eq(system(cmd), 0, "iasl could not disassemble the DSDT");
	snprintf(cmd, sizeof(cmd),
		 "cd %s && grep -q 'Method (_E00, 0, NotSerialized)' dsdt.dsl && "
		 "grep -q 'Notify (\\\\_SB.VGEN, 0x80)' dsdt.dsl && grep -q 'Name (_CID, \"VM_GEN_COUNTER\")' dsdt.dsl && "
		 "grep -q 'Device (PCI0)' dsdt.dsl && grep -q 'Name (_S5, Package' dsdt.dsl",
		 dir);
	int found = system(cmd);
	snprintf(cmd, sizeof(cmd), "cat %s/dsdt.dsl >&2; rm -rf %s", dir, dir);
	if (found != 0)
		(void)!system(cmd);
	else {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		(void)!system(cmd);
	}
	cr_assert_eq(found, 0, "the disassembled DSDT lacks the _E00 method, its Notify or a device");
	free(vm->mem.host);
	free(vm);
}

Test(vmm, crc32c_matches_the_standard_check_values)
{
	/* RFC 3720 B.4 and the CRC catalogue's check value of "123456789" */
	cr_assert_eq(vm_crc32c(0, "123456789", 9), 0xe3069283u);
	uint8_t zeros[32] = { 0 }, ones[32];
	memset(ones, 0xff, sizeof(ones));
	cr_assert_eq(vm_crc32c(0, zeros, 32), 0x8a9136aau);
	cr_assert_eq(vm_crc32c(0, ones, 32), 0x62a8ab43u);
	/* continuing a checksum gives the checksum of the whole */
	cr_assert_eq(vm_crc32c(vm_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
	cr_assert_eq(vm_crc32c(0, "", 0), 0);
}
