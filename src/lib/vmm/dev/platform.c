/* dev/platform.c - the small PC devices a kernel pokes while it boots and
 * shuts down: the ACPI PM1a event/control blocks (ACPI 6.4 4.8.3: SLP_TYP 5
 * + SLP_EN is soft-off) and GPE0 block (4.8.4.1: status bits are
 * write-one-to-clear; an enabled set bit holds the SCI), the i8042
 * controller's reset line (command 0xFE),
 * the CMOS RTC (MC146818A: time in BCD, 24-hour), the POST port, and a
 * pvpanic device (QEMU's docs/specs/pvpanic.txt: ACPI "QEMU0001" at port
 * 0x505), through which Linux's pvpanic driver reports a kernel panic. */
#include <string.h>
#include <time.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "../vm.h"

static void pm_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct hull_vm *vm = opaque;
	uint16_t v = 0;
	memcpy(&v, data, len < 2 ? len : 2);
	if (!is_write) {
		uint16_t r = 0;
		if (offset == 0)
			r = vm->pm1_sts;
		else if (offset == 2)
			r = vm->pm1_en;
		else if (offset == 4)
			r = vm->pm1_cnt | 1; /* SCI_EN: always in ACPI mode */
		memset(data, 0, len);
		memcpy(data, &r, len < 2 ? len : 2);
		return;
	}
	if (offset == 0) {
		vm->pm1_sts &= (uint16_t)~v; /* write-one-to-clear */
		vm_sci_update(vm);
	} else if (offset == 2) {
		vm->pm1_en = v;
		vm_sci_update(vm);
	} else if (offset == 4) {
		vm->pm1_cnt = v & ~(1u << 13);
		if ((v & (1u << 13)) && ((v >> 10) & 7) == 5)
			vm_request_exit(vm, HULL_VM_EXIT_POWEROFF, NULL);
	}
}

void vm_sci_update(struct hull_vm *vm)
{
	vm_irq_line(vm, VM_SCI_IRQ, (vm->pm1_sts & vm->pm1_en) || (vm->gpe0_sts & vm->gpe0_en));
}

void vm_vmgenid_notify(struct hull_vm *vm)
{
	vm_vmgenid_new(vm);
	vm->gpe0_sts |= VM_GPE_VMGENID;
	vm_sci_update(vm);
}

/* offset 0: GPE0_STS (write-one-to-clear), 1: GPE0_EN */
static void gpe_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct hull_vm *vm = opaque;
	for (uint32_t i = 0; i < len; i++) {
		uint64_t reg = offset + i;
		if (!is_write)
			data[i] = reg == 0 ? vm->gpe0_sts : reg == 1 ? vm->gpe0_en : 0;
		else if (reg == 0)
			vm->gpe0_sts &= (uint8_t)~data[i];
		else if (reg == 1)
			vm->gpe0_en = data[i];
	}
	if (is_write)
		vm_sci_update(vm);
}

static void i8042_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct hull_vm *vm = opaque;
	/* offset 0 is port 0x60 (data), 4 is port 0x64 (status/command). */
	if (!is_write) {
		memset(data, 0, len);
		if (offset == 0) {
			data[0] = vm->i8042_out;
			vm->i8042_cmd = 0;
		} else if (offset == 4) {
			data[0] = vm->i8042_cmd ? 0x01 : 0x00; /* OBF when a reply waits */
		}
		return;
	}
	if (offset != 4)
		return;
	switch (data[0]) {
	case 0xfe: /* pulse the reset line */
		vm_request_exit(vm, HULL_VM_EXIT_RESET, NULL);
		break;
	case 0x20: /* read the command byte */
		vm->i8042_out = 0x00;
		vm->i8042_cmd = 1;
		break;
	case 0xaa: /* self test: 0x55 is "passed" */
		vm->i8042_out = 0x55;
		vm->i8042_cmd = 1;
		break;
	default:
		break;
	}
}

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t cmos_read(struct hull_vm *vm, uint8_t index)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	switch (index) {
	case 0x00: return bcd(tm.tm_sec);
	case 0x02: return bcd(tm.tm_min);
	case 0x04: return bcd(tm.tm_hour);
	case 0x06: return bcd(tm.tm_wday + 1);
	case 0x07: return bcd(tm.tm_mday);
	case 0x08: return bcd(tm.tm_mon + 1);
	case 0x09: return bcd(tm.tm_year % 100);
	case 0x32: return bcd((1900 + tm.tm_year) / 100); /* century */
	case 0x0a: return 0x26;  /* 32.768 kHz base, 1024 Hz; no update in progress */
	case 0x0b: return 0x02;  /* 24-hour, BCD */
	case 0x0c: return 0x00;
	case 0x0d: return 0x80;  /* RAM and time valid */
	default: return vm->cmos[index & 0x7f];
	}
}

static void rtc_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct hull_vm *vm = opaque;
	if (offset == 0) {
		if (is_write)
			vm->cmos_index = data[0] & 0x7f; /* bit 7 is the NMI mask */
		else
			data[0] = vm->cmos_index;
		return;
	}
	if (is_write)
		vm->cmos[vm->cmos_index] = data[0];
	else
		data[0] = cmos_read(vm, vm->cmos_index);
}

#define PVPANIC_PANICKED 0x01

static void pvpanic_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct hull_vm *vm = opaque;
	if (!is_write) {
		memset(data, 0, len);
		data[0] = PVPANIC_PANICKED; /* the events this device reports */
		return;
	}
	if (!(data[0] & PVPANIC_PANICKED))
		return;
	/* The kernel printed its panic before it calls the panic notifiers;
	 * whatever panic= says next (reboot, spin), the guest is dead. */
	_cleanup_free_ char *tail = vm->serial ? vm_serial_tail(vm->serial, 60) : NULL;
	vm_request_exit(vm, HULL_VM_EXIT_CRASH,
			hull_strdup_printf("guest kernel panic (reported on the pvpanic port)\nlast console lines:\n%s",
					   tail && *tail ? tail : "  (none)\n"));
}

static void ignore_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	if (!is_write)
		memset(data, 0, len);
}

int vm_platform_create(struct hull_vm *vm, struct hull_error **err)
{
	/* CMOS 0x34/0x35: memory above 16 MiB in 64 KiB units (capped), as
	 * firmware leaves it for guests that still read it. */
	uint64_t above16 = vm->mem.low_size > (16ULL << 20) ? (vm->mem.low_size - (16ULL << 20)) >> 16 : 0;
	if (above16 > 0xffff)
		above16 = 0xffff;
	vm->cmos[0x34] = (uint8_t)above16;
	vm->cmos[0x35] = (uint8_t)(above16 >> 8);
	int r;
	if ((r = vm_bus_add(&vm->pio, VM_PORT_PM1A_EVT, 6, pm_io, vm, err)) < 0 ||
	    (r = vm_bus_add(&vm->pio, VM_PORT_GPE0, VM_GPE0_LEN, gpe_io, vm, err)) < 0 ||
	    (r = vm_bus_add(&vm->pio, 0x60, 5, i8042_io, vm, err)) < 0 ||
	    (r = vm_bus_add(&vm->pio, 0x70, 2, rtc_io, vm, err)) < 0 ||
	    (r = vm_bus_add(&vm->pio, 0x80, 1, ignore_io, vm, err)) < 0 ||
	    (r = vm_bus_add(&vm->pio, VM_PORT_PVPANIC, 1, pvpanic_io, vm, err)) < 0)
		return r;
	return 0;
}
