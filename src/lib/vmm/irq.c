/* irq.c - interrupts: the in-kernel PIC/IOAPIC/LAPIC and PIT (KVM api.rst
 * 4.24 KVM_CREATE_IRQCHIP, 4.71 KVM_CREATE_PIT2), INTx lines and MSIs. */
#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "vm.h"

int vm_irq_init(struct hull_vm *vm, struct hull_error **err)
{
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		return hull_error_set(err, errno, "KVM_SET_TSS_ADDR");
	uint64_t identity = 0xfffbc000ULL;
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
		return hull_error_set(err, errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP) < 0)
		return hull_error_set(err, errno, "KVM_CREATE_IRQCHIP");
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return hull_error_set(err, errno, "KVM_CREATE_PIT2");
	return 0;
}

/* vm_irq_line: set an IOAPIC/PIC input (GSI 0-23) high or low. */
void vm_irq_line(struct hull_vm *vm, unsigned gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };
	ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

/* vm_irq_pulse: an edge on gsi (ISA devices such as the UART). */
void vm_irq_pulse(struct hull_vm *vm, unsigned gsi)
{
	vm_irq_line(vm, gsi, 1);
	vm_irq_line(vm, gsi, 0);
}

/* vm_irq_msi: deliver one message-signalled interrupt (PCI 3.0 6.8). */
int vm_irq_msi(struct hull_vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = (uint32_t)(addr >> 32),
		.data = data,
	};
	return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}
