/* kvm-hold: keep one idle VM with one vCPU open on /dev/kvm until killed.
 *
 * Run in the background by L1's init (tests/nested/run-nested). KVM flips
 * some static keys (the LAPIC's hw/sw-disabled ones, among others) when the
 * first VM or vCPU comes and after the last one goes, and each flip patches
 * L1's kernel text through int3 and IPIs. Under QEMU's TCG that patching now
 * and then never finishes (one vCPU spinning on a lock with interrupts off,
 * the other looping in exc_int3), which stops L1 for good. A vCPU that
 * exists for L1's whole life, never run, keeps those keys from flipping
 * back and forth as the tests start and end their VMs. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		perror("kvm-hold: /dev/kvm");
		return 1;
	}
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0 || ioctl(vm, KVM_CREATE_VCPU, 0) < 0) {
		perror("kvm-hold: a VM with an irqchip and a vCPU");
		return 1;
	}
	for (;;)
		pause();
}
