/* vcpu.c - one thread per vCPU running KVM_RUN and dispatching its exits to
 * the port and MMIO buses (KVM api.rst section 5, "The kvm_run structure"). */
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "vm.h"

/* The vCPU's "blocking" gauge in KVM's binary statistics (api.rst, 4.133
 * KVM_GET_STATS_FD), where KVM has them: without it stats_fd stays 0. */
static void open_stats(struct vm_vcpu *cpu)
{
	if (ioctl(cpu->vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0)
		return;
	_cleanup_close_ int fd = ioctl(cpu->fd, KVM_GET_STATS_FD, NULL);
	struct kvm_stats_header h;
	if (fd < 0 || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.name_size > 256 || h.num_desc > 4096)
		return;
	size_t one = sizeof(struct kvm_stats_desc) + h.name_size;
	_cleanup_free_ uint8_t *descs = hull_xcalloc(h.num_desc, one);
	if (pread(fd, descs, one * h.num_desc, h.desc_offset) != (ssize_t)(one * h.num_desc))
		return;
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)(descs + i * one);
		d->name[h.name_size - 1] = '\0';
		if (strcmp(d->name, "blocking") || d->size != 1 ||
		    (d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_INSTANT)
			continue;
		cpu->blocking_off = h.data_offset + d->offset;
		cpu->stats_fd = take_fd(fd);
		return;
	}
}

int vm_vcpu_blocking(struct vm_vcpu *cpu)
{
	uint64_t v;
	if (cpu->stats_fd <= 0 ||
	    pread(cpu->stats_fd, &v, sizeof(v), (off_t)cpu->blocking_off) != (ssize_t)sizeof(v))
		return -1;
	return v != 0;
}

int vm_vcpu_create(struct hull_vm *vm, unsigned index, struct hull_error **err)
{
	struct vm_vcpu *cpu = &vm->cpus[index];
	cpu->vm = vm;
	cpu->index = index;
	cpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (cpu->fd < 0)
		return hull_error_set(err, errno, "KVM_CREATE_VCPU %u", index);
	cpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu->fd, 0);
	if (cpu->run == MAP_FAILED) {
		cpu->run = NULL;
		return hull_error_set(err, errno, "map the kvm_run area of vCPU %u", index);
	}
	open_stats(cpu);
	return 0;
}

void vm_vcpu_destroy(struct vm_vcpu *cpu)
{
	if (cpu->run)
		munmap(cpu->run, cpu->vm->run_size);
	if (cpu->fd > 0)
		close(cpu->fd);
	if (cpu->stats_fd > 0)
		close(cpu->stats_fd);
	cpu->run = NULL;
	cpu->fd = cpu->stats_fd = 0;
}

static const char *seg_line(char *buf, size_t n, const char *name, const struct kvm_segment *s)
{
	snprintf(buf, n, "%s=%04x base=%016llx limit=%08x type=%x dpl=%u l=%u db=%u", name, s->selector,
		 (unsigned long long)s->base, s->limit, s->type, s->dpl, s->l, s->db);
	return buf;
}

char *vm_vcpu_describe(struct vm_vcpu *cpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(cpu->fd, KVM_GET_REGS, &r) < 0 || ioctl(cpu->fd, KVM_GET_SREGS, &s) < 0)
		return hull_strdup_printf("vCPU %u: registers unavailable: %s\n", cpu->index, strerror(errno));
	char cs[128], ss[128];
	return hull_strdup_printf(
		"vCPU %u:\n"
		"  rip=%016llx rsp=%016llx rflags=%016llx\n"
		"  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n"
		"  rsi=%016llx rdi=%016llx rbp=%016llx\n"
		"  r8=%016llx r9=%016llx r10=%016llx r11=%016llx\n"
		"  r12=%016llx r13=%016llx r14=%016llx r15=%016llx\n"
		"  cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx efer=%016llx\n"
		"  %s\n  %s\n"
		"  gdt=%016llx+%x idt=%016llx+%x\n",
		cpu->index, r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r9,
		r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, s.cr0, s.cr2, s.cr3, s.cr4, s.efer,
		seg_line(cs, sizeof(cs), "cs", &s.cs), seg_line(ss, sizeof(ss), "ss", &s.ss), s.gdt.base,
		s.gdt.limit, s.idt.base, s.idt.limit);
}

/* A crash: the reason, every vCPU's registers, and what the guest printed last. */
static void crash(struct vm_vcpu *cpu, const char *why)
{
	struct hull_vm *vm = cpu->vm;
	_cleanup_free_ char *regs = vm_vcpu_describe(cpu);
	_cleanup_free_ char *tail = vm->serial ? vm_serial_tail(vm->serial, 10) : NULL;
	char *detail = hull_strdup_printf("%s on vCPU %u\n%slast console lines:\n%s", why, cpu->index, regs,
					  tail && *tail ? tail : "  (none)\n");
	vm_request_exit(vm, HULL_VM_EXIT_CRASH, detail);
}

static void handle_io(struct vm_vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	pthread_mutex_lock(&cpu->vm->lock);
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		vm_bus_dispatch(&cpu->vm->pio, run->io.port, data, run->io.size, is_write);
	pthread_mutex_unlock(&cpu->vm->lock);
}

static void handle_mmio(struct vm_vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	pthread_mutex_lock(&cpu->vm->lock);
	vm_bus_dispatch(&cpu->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len, run->mmio.is_write);
	pthread_mutex_unlock(&cpu->vm->lock);
}

static void handle_system_event(struct vm_vcpu *cpu)
{
	switch (cpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_exit(cpu->vm, HULL_VM_EXIT_POWEROFF, NULL);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_exit(cpu->vm, HULL_VM_EXIT_RESET, NULL);
		break;
	default:
		crash(cpu, "guest crash (KVM system event)");
		break;
	}
}

/* One KVM_RUN exit; returns false when this vCPU must stop. */
static bool handle_exit(struct vm_vcpu *cpu)
{
	struct kvm_run *run = cpu->run;
	char why[128];
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(cpu);
		return true;
	case KVM_EXIT_MMIO:
		handle_mmio(cpu);
		return true;
	case KVM_EXIT_HLT:
		/* Only without an in-kernel LAPIC; with one, HLT waits in the kernel. */
		return true;
	case KVM_EXIT_INTR:
		return true;
	case KVM_EXIT_SHUTDOWN:
		crash(cpu, "guest triple fault (shutdown)");
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(cpu);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(why, sizeof(why), "KVM entry failed (hardware reason 0x%llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		crash(cpu, why);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		/* Nested PVM reports a triple fault as an emulation failure. */
		snprintf(why, sizeof(why), "KVM internal error (suberror %u: %s)", run->internal.suberror,
			 run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? "instruction emulation failed" :
			 run->internal.suberror == KVM_INTERNAL_ERROR_SIMUL_EX ? "exception while delivering an exception" :
			 run->internal.suberror == KVM_INTERNAL_ERROR_DELIVERY_EV ? "event delivery failed" : "other");
		crash(cpu, why);
		return false;
	default:
		snprintf(why, sizeof(why), "unexpected KVM exit %u", run->exit_reason);
		crash(cpu, why);
		return false;
	}
}

static bool vm_exiting(struct hull_vm *vm)
{
	pthread_mutex_lock(&vm->exit_lock);
	bool e = vm->exiting;
	pthread_mutex_unlock(&vm->exit_lock);
	return e;
}

static void *vcpu_thread(void *arg)
{
	struct vm_vcpu *cpu = arg;
	/* SIGUSR1 only interrupts KVM_RUN (see vm_vcpu_kick); it is blocked
	 * everywhere else so a kick never lands in a device handler. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	while (!vm_exiting(cpu->vm)) {
		if (__atomic_load_n(&cpu->vm->pause_requested, __ATOMIC_ACQUIRE))
			vm_vcpu_park(cpu);
		if (ioctl(cpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				cpu->run->immediate_exit = 0;
				continue;
			}
			char why[128];
			snprintf(why, sizeof(why), "KVM_RUN failed: %s", strerror(errno));
			crash(cpu, why);
			break;
		}
		if (!handle_exit(cpu))
			break;
	}
	return NULL;
}

void vm_vcpu_park(struct vm_vcpu *cpu)
{
	struct hull_vm *vm = cpu->vm;
	/* Let KVM finish the instruction of the last exit (an IN's data goes to
	 * the register only on the next KVM_RUN); immediate_exit makes that run
	 * return at once with EINTR. */
	cpu->run->immediate_exit = 1;
	ioctl(cpu->fd, KVM_RUN, 0);
	cpu->run->immediate_exit = 0;
	pthread_mutex_lock(&vm->exit_lock);
	vm->paused++;
	pthread_cond_broadcast(&vm->pause_cond);
	while (vm->pause_requested && !vm->exiting)
		pthread_cond_wait(&vm->pause_cond, &vm->exit_lock);
	vm->paused--;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->exit_lock);
}

static void kick_handler(int sig)
{
	(void)sig;
}

int vm_vcpu_start(struct vm_vcpu *cpu, struct hull_error **err)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	int r = pthread_create(&cpu->thread, NULL, vcpu_thread, cpu);
	if (r)
		return hull_error_set(err, r, "start the thread of vCPU %u", cpu->index);
	cpu->started = true;
	return 0;
}

/* vm_vcpu_kick: make the vCPU leave KVM_RUN now (immediate_exit covers the
 * window before it enters, the signal the time inside). */
void vm_vcpu_kick(struct vm_vcpu *cpu)
{
	if (!cpu->started)
		return;
	cpu->run->immediate_exit = 1;
	pthread_kill(cpu->thread, SIGUSR1);
}
