/* irq: interrupt delivery from a virtio device (the rng), first as INTx
 * (PCI INTA# -> IOAPIC pin from the interrupt line register, level, with
 * the ISR status read in the handler), then as MSI-X (a table entry aimed
 * at the LAPIC), including a masked vector held pending in the PBA and
 * delivered on unmask. */
#include "vdrv.h"

#define VEC_INTX 0x40
#define VEC_MSIX 0x41

static struct vdev d;
static struct vqueue q;
static volatile uint8_t isr_seen;
static volatile unsigned intx_real; /* INTx interrupts whose ISR read was non-zero */

static void on_irq(unsigned vector)
{
	if (vector != VEC_INTX)
		return;
	/* Reading deasserts INTx. A shared-line driver ignores an interrupt
	 * with ISR 0; nested PVM sometimes redelivers one after the EOI. */
	uint8_t isr = mmio_read8(d.isr);
	isr_seen |= isr;
	if (isr)
		intx_real++;
}

static void request(void)
{
	static uint8_t buf[16];
	vq_submit(&q, &(struct vbuf){ buf, sizeof(buf), true }, 1);
}

static void intx(void)
{
	uint8_t line = pci_read8((unsigned)d.slot, 0x3c), pin = pci_read8((unsigned)d.slot, 0x3d);
	check(pin == 1 && line && line < 24, "INTx pin and line", "pin %u line %u", pin, line);
	ioapic_route(line, VEC_INTX, true);
	vdev_init(&d, 0);
	vdev_queue(&d, &q, 0, 16, 0xffff);
	vdev_driver_ok(&d);
	unsigned before = irq_count[VEC_INTX];
	request();
	bool got = wait_irq(VEC_INTX, before, 2000000);
	check(got && (isr_seen & 1), "INTx delivered with ISR queue bit", "isr %x", isr_seen);
	vq_wait(&q, NULL, 1000);
	wait_irq(VEC_INTX, irq_count[VEC_INTX], 300000);
	check(intx_real == 1, "INTx deasserted after the ISR read", "%u interrupts with ISR set", intx_real);
	/* INTx disable in the command register keeps the line quiet; ISR still says why */
	pci_write16((unsigned)d.slot, 4, pci_read16((unsigned)d.slot, 4) | 0x400);
	request();
	vq_wait(&q, NULL, 1000000);
	wait_irq(VEC_INTX, irq_count[VEC_INTX], 300000);
	check(intx_real == 1 && mmio_read8(d.isr) == 1, "no INTx while INTx is disabled, ISR set", "%u", intx_real);
	pci_write16((unsigned)d.slot, 4, pci_read16((unsigned)d.slot, 4) & ~0x400);
}

static void msix(void)
{
	unsigned cap = d.msix_cap;
	check(cap != 0, "MSI-X capability", NULL);
	/* entry 1: to APIC 0, vector VEC_MSIX, unmasked */
	volatile uint32_t *e = (volatile uint32_t *)(d.msix_table + 16);
	e[0] = 0xfee00000;
	e[1] = 0;
	e[2] = VEC_MSIX;
	e[3] = 0;
	pci_write16((unsigned)d.slot, cap + 2, pci_read16((unsigned)d.slot, cap + 2) | 0x8000);
	vdev_init(&d, 0);
	vdev_queue(&d, &q, 0, 16, 1);
	mmio_write16(d.common + VC_QSELECT, 0);
	check(mmio_read16(d.common + VC_QMSIX) == 1, "queue MSI-X vector accepted", NULL);
	mmio_write16(d.common + VC_MSIX, 9);
	check(mmio_read16(d.common + VC_MSIX) == 0xffff, "a vector beyond the table reads back NO_VECTOR", NULL);
	vdev_driver_ok(&d);
	unsigned before = irq_count[VEC_MSIX], intx_before = irq_count[VEC_INTX];
	isr_seen = 0;
	request();
	check(wait_irq(VEC_MSIX, before, 2000000), "MSI-X delivered", NULL);
	check(irq_count[VEC_INTX] == intx_before && mmio_read8(d.isr) == 0, "no INTx or ISR with MSI-X on", NULL);
	vq_wait(&q, NULL, 1000);
	/* masked: the vector waits in the PBA, then fires on unmask (PCI 3.0 6.8.2.9) */
	e[3] = 1;
	before = irq_count[VEC_MSIX];
	request();
	vq_wait(&q, NULL, 2000000);
	bool quiet = !wait_irq(VEC_MSIX, before, 200000);
	uint64_t pba = d.bar + (pci_read32((unsigned)d.slot, cap + 8) & ~7u);
	check(quiet && (mmio_read32(pba) & 2), "masked MSI-X vector pending in the PBA", "pba %x", mmio_read32(pba));
	e[3] = 0;
	check(wait_irq(VEC_MSIX, before, 2000000), "pending MSI-X delivered on unmask", NULL);
}

void guest_main(struct boot_info *bi)
{
	lapic_init();
	irq_hook = on_irq;
	check(vdev_open(&d, 4, 0), "virtio-rng found", NULL);
	intx();
	msix();
}
