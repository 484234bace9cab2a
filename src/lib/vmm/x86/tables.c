/* x86/tables.c - the ACPI tables a guest kernel reads to find its CPUs, its
 * interrupt controllers and how to power off (ACPI 6.4: 5.2.5 RSDP, 5.2.8
 * XSDT, 5.2.9 FADT, 5.2.12 MADT, 5.2.11.1 DSDT with \_S5). They sit in the
 * BIOS area at VM_ACPI_ADDR so a kernel that scans for "RSD PTR " finds them
 * too. The DSDT also holds a VM Generation ID device (Microsoft's "Virtual
 * Machine Generation ID" paper, as Linux's vmgenid driver reads it): _CID
 * VM_GEN_COUNTER and an ADDR package with the guest physical address of a
 * 16-byte GUID at VM_VMGENID_ADDR, which each boot and each restore of a
 * snapshot sets to fresh random bytes; a restore then raises GPE0 bit 0,
 * whose \_GPE._E00 method notifies the device (0x80), so the guest's driver
 * rereads the ID (and Linux reseeds its RNG) at once. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "hull/cleanup.h"
#include "../vm.h"

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_gas {
	uint8_t space, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));

static uint8_t checksum(const void *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += ((const uint8_t *)p)[i];
	return (uint8_t)-sum;
}

static void header(void *table, const char *sig, uint32_t len, uint8_t revision)
{
	struct acpi_header *h = table;
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = revision;
	memcpy(h->oem_id, "HULL  ", 6);
	memcpy(h->oem_table_id, "HULLVM  ", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "HULL", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = checksum(table, len);
}

static uint32_t build_madt(struct hull_vm *vm, uint8_t *t)
{
	uint32_t off = sizeof(struct acpi_header);
	uint32_t lapic = (uint32_t)VM_LAPIC_ADDR, flags = 1; /* PCAT_COMPAT: 8259s present */
	memcpy(t + off, &lapic, 4);
	memcpy(t + off + 4, &flags, 4);
	off += 8;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		uint8_t e[8] = { 0, 8, (uint8_t)i, (uint8_t)i, 1, 0, 0, 0 }; /* Processor Local APIC, enabled */
		memcpy(t + off, e, 8);
		off += 8;
	}
	uint8_t ioapic[12] = { 1, 12, (uint8_t)vm->ncpus, 0 };
	uint32_t ioapic_addr = (uint32_t)VM_IOAPIC_ADDR;
	memcpy(ioapic + 4, &ioapic_addr, 4);
	memcpy(t + off, ioapic, 12);
	off += 12;
	/* ISA IRQ 0 (PIT) arrives on IOAPIC pin 2; the SCI is level, active high. */
	uint8_t irq0[10] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };
	uint8_t sci[10] = { 2, 10, 0, VM_SCI_IRQ, VM_SCI_IRQ, 0, 0, 0, 0x0d, 0 };
	memcpy(t + off, irq0, 10);
	memcpy(t + off + 10, sci, 10);
	off += 20;
	/* PCI INTx lines are level, active high: a device holds its line
	 * until the driver reads the ISR. */
	static const unsigned intx[] = VM_PCI_INTX_GSIS;
	for (size_t i = 0; i < HULL_ARRAY_SIZE(intx); i++) {
		uint8_t ovr[10] = { 2, 10, 0, (uint8_t)intx[i], (uint8_t)intx[i], 0, 0, 0, 0x0d, 0 };
		memcpy(t + off, ovr, 10);
		off += 10;
	}
	uint8_t nmi[6] = { 4, 6, 0xff, 0, 0, 1 }; /* LINT1 is NMI on every CPU */
	memcpy(t + off, nmi, 6);
	off += 6;
	header(t, "APIC", off, 5);
	return off;
}

static void gas_io(uint8_t *dst, uint16_t port, uint8_t bits)
{
	struct acpi_gas g = { 1, bits, 0, bits == 8 ? 1 : bits == 16 ? 2 : 3, port };
	memcpy(dst, &g, sizeof(g));
}

static uint32_t build_fadt(uint8_t *t, uint64_t dsdt)
{
	const uint32_t len = 276;
	uint32_t dsdt32 = (uint32_t)dsdt, evt = VM_PORT_PM1A_EVT, cnt = VM_PORT_PM1A_CNT, gpe0 = VM_PORT_GPE0;
	uint16_t sci = VM_SCI_IRQ, boot_arch = 0x0001; /* LEGACY_DEVICES; no 8042 to probe */
	uint32_t flags = (1u << 0) | (1u << 4) | (1u << 5) | (1u << 10); /* WBINVD, PWR/SLP buttons absent, RESET_REG_SUP */
	memcpy(t + 40, &dsdt32, 4);
	memcpy(t + 46, &sci, 2);
	memcpy(t + 56, &evt, 4);
	memcpy(t + 64, &cnt, 4);
	memcpy(t + 80, &gpe0, 4);
	t[88] = 4;	     /* PM1_EVT_LEN */
	t[89] = 2;	     /* PM1_CNT_LEN */
	t[92] = VM_GPE0_LEN; /* GPE0_BLK_LEN: status bytes, then as many enable bytes */
	memcpy(t + 109, &boot_arch, 2);
	memcpy(t + 112, &flags, 4);
	gas_io(t + 116, 0xcf9, 8); /* RESET_REG */
	t[128] = 0x06;             /* RESET_VALUE: hard reset */
	t[131] = 4;                /* FADT minor version (6.4) */
	memcpy(t + 140, &dsdt, 8);
	gas_io(t + 148, VM_PORT_PM1A_EVT, 32);
	gas_io(t + 172, VM_PORT_PM1A_CNT, 16);
	gas_io(t + 220, VM_PORT_GPE0, 8 * VM_GPE0_LEN);
	t[223] = 1; /* X_GPE0_BLK: byte access (GPE registers are 8 bits wide) */
	memcpy(t + 268, "HULLHULL", 8);
	header(t, "FACP", len, 6);
	return len;
}

/* AML (ACPI 6.4 chapter 20) is built back to front: each object's body
 * first, then its opcode and PkgLength, whose size depends on the body's. */
struct aml {
	uint8_t b[1024];
	size_t n;
};

static void aml_put(struct aml *a, const void *p, size_t n)
{
	memcpy(a->b + a->n, p, n);
	a->n += n;
}

/* opcode bytes, PkgLength (20.2.4: it counts its own bytes), then body */
static void aml_package(struct aml *out, const uint8_t *op, size_t op_len, const struct aml *body)
{
	uint8_t len[4];
	size_t total = body->n + 1, nlen = 1;
	if (total < 64) {
		len[0] = (uint8_t)total;
	} else {
		total = body->n + 2;
		nlen = 2;
		if (total >= 1u << 12) {
			total = body->n + 3;
			nlen = 3;
		}
		len[0] = (uint8_t)(((nlen - 1) << 6) | (total & 0xf));
		for (size_t i = 1; i < nlen; i++)
			len[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	aml_put(out, op, op_len);
	aml_put(out, len, nlen);
	aml_put(out, body->b, body->n);
}

/* Name (_CRS, ResourceTemplate ()) of the PCI host bridge (6.4.3): bus 0,
 * the config ports, all other I/O ports, and the 32-bit BAR window. */
static void pci_crs(struct aml *dev)
{
	uint32_t lo = (uint32_t)VM_PCI_MMIO_BASE, hi = (uint32_t)(VM_PCI_MMIO_BASE + VM_PCI_MMIO_SIZE - 1);
	uint32_t size = (uint32_t)VM_PCI_MMIO_SIZE;
	static const uint8_t bus[] = { 0x88, 0x0d, 0x00, 2, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	static const uint8_t cfg_io[] = { 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08 };
	static const uint8_t io_low[] = { 0x88, 0x0d, 0x00, 1, 0x0c, 0x03, 0, 0, 0, 0, 0xf7, 0x0c, 0, 0, 0xf8, 0x0c };
	static const uint8_t io_high[] = { 0x88, 0x0d, 0x00, 1, 0x0c, 0x03, 0, 0, 0x00, 0x0d, 0xff, 0xff, 0, 0, 0x00, 0xf3 };
	uint8_t mem[26] = { 0x87, 0x17, 0x00, 0, 0x0c, 0x01 };
	memcpy(mem + 10, &lo, 4);
	memcpy(mem + 14, &hi, 4);
	memcpy(mem + 22, &size, 4);
	static const uint8_t end[] = { 0x79, 0x00 };
	struct aml res = { .n = 0 };
	aml_put(&res, bus, sizeof(bus));
	aml_put(&res, cfg_io, sizeof(cfg_io));
	aml_put(&res, io_low, sizeof(io_low));
	aml_put(&res, io_high, sizeof(io_high));
	aml_put(&res, mem, sizeof(mem));
	aml_put(&res, end, sizeof(end));
	struct aml buf = { .n = 0 };
	uint8_t buf_size[2] = { 0x0a, (uint8_t)res.n }; /* BytePrefix size */
	aml_put(&buf, buf_size, 2);
	aml_put(&buf, res.b, res.n);
	static const uint8_t name_crs[] = { 0x08, '_', 'C', 'R', 'S' };
	static const uint8_t buffer_op[] = { 0x11 };
	aml_put(dev, name_crs, sizeof(name_crs));
	aml_package(dev, buffer_op, 1, &buf);
}

static uint32_t build_dsdt(uint8_t *t)
{
	/* Scope (\_SB) { Device (PCI0) { _HID PNP0A03, _UID 0, _BBN 0, _CRS } }:
	 * without a PCI root bridge in the namespace an ACPI kernel never scans
	 * bus 0 for the virtio devices. */
	static const uint8_t ids[] = {
		0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03, /* EisaId ("PNP0A03") */
		0x08, '_', 'U', 'I', 'D', 0x00,
		0x08, '_', 'B', 'B', 'N', 0x00,
	};
	struct aml dev = { .n = 0 }, scope = { .n = 0 }, all = { .n = 0 };
	aml_put(&dev, "PCI0", 4);
	aml_put(&dev, ids, sizeof(ids));
	pci_crs(&dev);
	static const uint8_t device_op[] = { 0x5b, 0x82 };
	aml_put(&scope, "\\_SB_", 5);
	aml_package(&scope, device_op, 2, &dev);
	static const uint8_t scope_op[] = { 0x10 };
	/* Device (PEVT) { _HID "QEMU0001", _CRS IO (Decode16, 0x505, 0x505, 1, 1) }:
	 * QEMU's pvpanic, which Linux's pvpanic-mmio driver binds to. */
	struct aml pevt = {.n = 0}, crs = {.n = 0};
	static const uint8_t pevt_hid[] = {'P', 'E', 'V', 'T', 0x08, '_', 'H',	'I',  'D', 0x0d, 'Q', 'E',
					   'M', 'U', '0', '0', '0',  '1', 0x00, 0x08, '_', 'C',	 'R', 'S'};
	static const uint8_t pevt_io[] = {0x0a,
					  10,
					  0x47,
					  0x01,
					  VM_PORT_PVPANIC & 0xff,
					  VM_PORT_PVPANIC >> 8,
					  VM_PORT_PVPANIC & 0xff,
					  VM_PORT_PVPANIC >> 8,
					  0x01,
					  0x01,
					  0x79,
					  0x00};
	static const uint8_t buffer_op[] = {0x11};
	aml_put(&crs, pevt_io, sizeof(pevt_io));
	aml_put(&pevt, pevt_hid, sizeof(pevt_hid));
	aml_package(&pevt, buffer_op, 1, &crs);
	aml_package(&scope, device_op, 2, &pevt);
	/* Device (VGEN) { _HID "QEMUVGID", _CID "VM_GEN_COUNTER", _DDN
	 * "VM_GEN_COUNTER", Name (ADDR, Package (2) { address, 0 }) } */
	struct aml vgen = { .n = 0 };
	static const uint8_t vgen_ids[] = {
		'V', 'G', 'E', 'N', 0x08, '_', 'H', 'I', 'D', 0x0d, 'Q', 'E', 'M', 'U', 'V', 'G', 'I', 'D', 0x00,
		0x08, '_', 'C', 'I', 'D', 0x0d, 'V', 'M', '_', 'G', 'E', 'N', '_', 'C', 'O', 'U', 'N', 'T', 'E', 'R', 0x00,
		0x08, '_', 'D', 'D', 'N', 0x0d, 'V', 'M', '_', 'G', 'E', 'N', '_', 'C', 'O', 'U', 'N', 'T', 'E', 'R', 0x00,
	};
	uint32_t vgen_addr = (uint32_t)VM_VMGENID_ADDR;
	uint8_t vgen_pkg[] = { 0x08, 'A', 'D', 'D', 'R', 0x12, 0x08, 0x02, 0x0c, 0, 0, 0, 0, 0x00 };
	memcpy(vgen_pkg + 9, &vgen_addr, 4);
	aml_put(&vgen, vgen_ids, sizeof(vgen_ids));
	aml_put(&vgen, vgen_pkg, sizeof(vgen_pkg));
	aml_package(&scope, device_op, 2, &vgen);
	aml_package(&all, scope_op, 1, &scope);
	/* Scope (\_GPE) { Method (_E00, 0) { Notify (\_SB.VGEN, 0x80) } }:
	 * GPE0 bit 0, an edge event, tells the vmgenid driver to reread. */
	static const uint8_t e00[] = { '_', 'E', '0', '0', 0x00, /* no arguments, not serialized */
				       0x86, '\\', 0x2e, '_', 'S', 'B', '_', 'V', 'G', 'E', 'N', 0x0a, 0x80 };
	static const uint8_t method_op[] = { 0x14 };
	struct aml method = { .n = 0 }, gpe = { .n = 0 };
	aml_put(&method, e00, sizeof(e00));
	aml_put(&gpe, "\\_GPE", 5);
	aml_package(&gpe, method_op, 1, &method);
	aml_package(&all, scope_op, 1, &gpe);
	/* Name (_S5, Package (4) { 5, 5, 0, 0 }): SLP_TYP 5 for soft-off. */
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00 };
	aml_put(&all, s5, sizeof(s5));
	uint32_t len = (uint32_t)(sizeof(struct acpi_header) + all.n);
	memcpy(t + sizeof(struct acpi_header), all.b, all.n);
	header(t, "DSDT", len, 2);
	return len;
}

uint64_t vm_acpi_build(struct hull_vm *vm)
{
	const uint64_t rsdp_at = VM_ACPI_ADDR, xsdt_at = rsdp_at + 0x40;
	uint8_t *base = vm_memory_ptr(&vm->mem, VM_ACPI_ADDR, 0x2000);
	memset(base, 0, 0x2000);
	uint64_t dsdt_at = xsdt_at + 0x40;
	uint32_t dsdt_len = build_dsdt(base + (dsdt_at - rsdp_at));
	uint64_t fadt_at = (dsdt_at + dsdt_len + 15) & ~15ULL;
	uint32_t fadt_len = build_fadt(base + (fadt_at - rsdp_at), dsdt_at);
	uint64_t madt_at = (fadt_at + fadt_len + 15) & ~15ULL;
	build_madt(vm, base + (madt_at - rsdp_at));
	uint8_t *xsdt = base + (xsdt_at - rsdp_at);
	memcpy(xsdt + 36, &fadt_at, 8);
	memcpy(xsdt + 44, &madt_at, 8);
	header(xsdt, "XSDT", 36 + 16, 1);
	uint8_t *rsdp = base;
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "HULL  ", 6);
	rsdp[15] = 2; /* revision: ACPI 2.0+, XSDT */
	uint32_t rsdp_len = 36;
	memcpy(rsdp + 20, &rsdp_len, 4);
	memcpy(rsdp + 24, &xsdt_at, 8);
	rsdp[8] = checksum(rsdp, 20);
	rsdp[32] = checksum(rsdp, 36);
	vm_vmgenid_new(vm);
	return rsdp_at;
}

void vm_vmgenid_new(struct hull_vm *vm)
{
	uint8_t *guid = vm_memory_ptr(&vm->mem, VM_VMGENID_ADDR, VM_VMGENID_SIZE);
	if (guid && getrandom(guid, VM_VMGENID_SIZE, 0) != VM_VMGENID_SIZE)
		abort(); /* the kernel's CSPRNG is always there once booted */
}

