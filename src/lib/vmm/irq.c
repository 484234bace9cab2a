/* irq.c - interrupts: the in-kernel PIC/IOAPIC/LAPIC and PIT (KVM api.rst
 * 4.24 KVM_CREATE_IRQCHIP, 4.71 KVM_CREATE_PIT2), INTx lines and MSIs.
 *
 * MSIs go through irqfds where KVM has them (api.rst 4.75 KVM_IRQFD, 4.52
 * KVM_SET_GSI_ROUTING): each vector owns an eventfd bound to a GSI above
 * the IOAPIC's 24 whose route is the vector's MSI message, so a device
 * raises it with one write and KVM injects it without a trip through
 * KVM_SIGNAL_MSI. A route is (re)written only when the message a vector
 * fires with differs from the one routed; KVM_SET_GSI_ROUTING replaces the
 * whole table, so it carries KVM's default irqchip routes too. A PCI INTx
 * line can be an irqfd too, with a resample eventfd for its level. */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "vm.h"

/* A vector whose message changed this often is routed by KVM_SIGNAL_MSI
 * from then on: each change costs the host a routing table swap. */
#define MAX_ROUTE_CHANGES 64

int vm_irq_init(struct hull_vm *vm, struct hull_error **err)
{
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL) < 0)
		return hull_error_set(err, errno, "KVM_SET_TSS_ADDR");
	uint64_t identity = 0xfffbc000ULL;
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
		return hull_error_set(err, errno, "KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP) < 0)
		return hull_error_set(err, errno, "KVM_CREATE_IRQCHIP");
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return hull_error_set(err, errno, "KVM_CREATE_PIT2");
	vm->routes.irqfd = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) > 0 &&
			   ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING) > 0 && vm->cfg->irqfd;
	return 0;
}

/* vm_irq_line: set an IOAPIC/PIC input (GSI 0-23) high or low. */
void vm_irq_line(struct hull_vm *vm, unsigned gsi, int level)
{
	struct kvm_irq_level irq = {.irq = gsi, .level = level};
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

/* The whole table: KVM's defaults (virt/kvm/irqchip.c, arch/x86/kvm/irq_comm.c:
 * GSI 0-23 to the IOAPIC pin of the same number, 0-15 also to the PICs) and
 * every MSI route set so far. */
static int routes_commit(struct hull_vm *vm)
{
	struct vm_irq_routes *rt = &vm->routes;
	size_t n = 24 + 16 + rt->n_msi;
	_cleanup_free_ struct kvm_irq_routing *tab =
	    hull_xcalloc(1, sizeof(*tab) + n * sizeof(struct kvm_irq_routing_entry));
	unsigned k = 0;
	for (unsigned gsi = 0; gsi < 24; gsi++) {
		tab->entries[k++] =
		    (struct kvm_irq_routing_entry){.gsi = gsi,
						   .type = KVM_IRQ_ROUTING_IRQCHIP,
						   .u.irqchip = {.irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi}};
		if (gsi < 16)
			tab->entries[k++] = (struct kvm_irq_routing_entry){
			    .gsi = gsi,
			    .type = KVM_IRQ_ROUTING_IRQCHIP,
			    .u.irqchip = {.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
					  .pin = gsi % 8}};
	}
	for (unsigned i = 0; i < rt->n_msi; i++) {
		if (!rt->msi[i].set)
			continue;
		tab->entries[k++] =
		    (struct kvm_irq_routing_entry){.gsi = VM_IRQ_FIRST_MSI_GSI + i,
						   .type = KVM_IRQ_ROUTING_MSI,
						   .u.msi = {.address_lo = (uint32_t)rt->msi[i].addr,
							     .address_hi = (uint32_t)(rt->msi[i].addr >> 32),
							     .data = rt->msi[i].data}};
	}
	tab->nr = k;
	return ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, tab) < 0 ? -errno : 0;
}

void vm_irqfd_init(struct vm_irqfd *ifd)
{
	ifd->fd = -1;
}

int vm_irqfd_msi_create(struct hull_vm *vm, struct vm_irqfd *ifd)
{
	struct vm_irq_routes *rt = &vm->routes;
	ifd->fd = -1;
	if (!rt->irqfd || rt->n_msi == VM_IRQ_MAX_MSI)
		return -ENOTSUP;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct kvm_irqfd req = {.fd = (uint32_t)fd, .gsi = VM_IRQ_FIRST_MSI_GSI + rt->n_msi};
	if (ioctl(vm->vm_fd, KVM_IRQFD, &req) < 0) {
		int e = -errno;
		close(fd);
		rt->irqfd = false; /* KVM said no once: every vector uses KVM_SIGNAL_MSI */
		return e;
	}
	ifd->fd = fd;
	ifd->slot = rt->n_msi++;
	return 0;
}

void vm_irqfd_msi_fire(struct hull_vm *vm, struct vm_irqfd *ifd, uint64_t addr, uint32_t data)
{
	struct vm_irq_routes *rt = &vm->routes;
	if (ifd->fd >= 0 && ifd->changes <= MAX_ROUTE_CHANGES &&
	    (!rt->msi[ifd->slot].set || rt->msi[ifd->slot].addr != addr || rt->msi[ifd->slot].data != data)) {
		rt->msi[ifd->slot].set = true;
		rt->msi[ifd->slot].addr = addr;
		rt->msi[ifd->slot].data = data;
		if (++ifd->changes > MAX_ROUTE_CHANGES || routes_commit(vm) < 0) {
			ifd->changes = MAX_ROUTE_CHANGES + 1;
			rt->msi[ifd->slot].set = false;
			routes_commit(vm);
		}
	}
	uint64_t one = 1;
	if (ifd->fd >= 0 && ifd->changes <= MAX_ROUTE_CHANGES && write(ifd->fd, &one, sizeof(one)) == sizeof(one))
		return;
	vm_irq_msi(vm, addr, data);
}

int vm_irqfd_level_create(struct hull_vm *vm, unsigned gsi, int *fd, int *resample_fd)
{
	*fd = *resample_fd = -1;
	if (!vm->routes.irqfd || ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD_RESAMPLE) <= 0)
		return -ENOTSUP;
	int f = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), rf = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	struct kvm_irqfd req = {
	    .fd = (uint32_t)f, .gsi = gsi, .flags = KVM_IRQFD_FLAG_RESAMPLE, .resamplefd = (uint32_t)rf};
	if (f < 0 || rf < 0 || ioctl(vm->vm_fd, KVM_IRQFD, &req) < 0) {
		int e = -errno;
		if (f >= 0)
			close(f);
		if (rf >= 0)
			close(rf);
		return e;
	}
	*fd = f;
	*resample_fd = rf;
	return 0;
}

void vm_irqfd_free(struct vm_irqfd *ifd)
{
	if (ifd->fd >= 0)
		close(ifd->fd);
	ifd->fd = -1;
}
