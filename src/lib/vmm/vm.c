/* vm.c - build a VM from a hull_vm_config, run it to its end, tear it down;
 * plus the I/O thread that serves host-side file descriptors (stdin, tap,
 * vsock sockets) for the devices. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "vm.h"

struct vm_io_watch {
	int fd;
	vm_io_fn fn;
	void *opaque;
	struct vm_io_watch *next;
};

void hull_vm_config_init(struct hull_vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->cpus = 1;
	cfg->memory = 256ULL << 20;
	cfg->rng = true;
	cfg->console_in = 0;
	cfg->console_out = 1;
	cfg->seccomp = true;
}

void hull_vm_result_clear(struct hull_vm_result *res)
{
	free(res->detail);
	res->detail = NULL;
}

int hull_vm_parse_size(const char *text, uint64_t *out, struct hull_error **err)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (errno || end == text || text[0] == '-')
		return hull_error_msg(err, EINVAL, "size `%s`: expected a number with an optional K, M or G suffix",
				      text);
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		end++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		end++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		end++;
		break;
	default:
		break;
	}
	if (*end == 'i' && shift)
		end++;
	if ((*end == 'b' || *end == 'B'))
		end++;
	if (*end || (shift && v > (~0ULL >> shift)))
		return hull_error_msg(err, EINVAL, "size `%s`: expected a number with an optional K, M or G suffix",
				      text);
	*out = v << shift;
	return 0;
}

void vm_request_exit(struct hull_vm *vm, enum hull_vm_exit_reason reason, char *detail)
{
	pthread_mutex_lock(&vm->exit_lock);
	if (!vm->exiting) {
		vm->exiting = true;
		vm->exit_reason = reason;
		vm->exit_detail = detail;
		detail = NULL;
		pthread_cond_broadcast(&vm->exit_cond);
		pthread_cond_broadcast(&vm->pause_cond); /* parked vCPUs leave too */
	}
	pthread_mutex_unlock(&vm->exit_lock);
	free(detail);
}

int vm_io_add(struct hull_vm *vm, int fd, uint32_t events, vm_io_fn fn, void *opaque, struct hull_error **err)
{
	struct vm_io_watch *w = hull_xcalloc(1, sizeof(*w));
	*w = (struct vm_io_watch){fd, fn, opaque, vm->watches};
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(vm->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(w);
		return hull_error_set(err, errno, "watch fd %d", fd);
	}
	vm->watches = w;
	return 0;
}

int vm_io_mod(struct hull_vm *vm, int fd, uint32_t events, vm_io_fn fn, void *opaque)
{
	for (struct vm_io_watch *w = vm->watches; w; w = w->next) {
		if (w->fd != fd)
			continue;
		w->fn = fn;
		w->opaque = opaque;
		struct epoll_event ev = {.events = events, .data.ptr = w};
		return epoll_ctl(vm->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
	}
	return -ENOENT;
}

/* vm_io_del: stop watching fd. The watch is freed by the I/O thread
 * between two epoll batches (it may hold a pointer to it in the current one). */
void vm_io_del(struct hull_vm *vm, int fd)
{
	epoll_ctl(vm->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	for (struct vm_io_watch *w = vm->watches; w; w = w->next)
		if (w->fd == fd)
			w->fn = NULL;
}

/* Free the watches vm_io_del stopped: no epoll batch points at them any more.
 * A VM that opens and closes vsock connections for days keeps a short list. */
static void sweep_watches(struct hull_vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	for (struct vm_io_watch **p = &vm->watches; *p;) {
		struct vm_io_watch *w = *p;
		if (w->fn) {
			p = &w->next;
			continue;
		}
		*p = w->next;
		free(w);
	}
	pthread_mutex_unlock(&vm->lock);
}

static void *io_thread(void *arg)
{
	struct hull_vm *vm = arg;
	for (;;) {
		sweep_watches(vm);
		struct epoll_event ev[16];
		int n = epoll_wait(vm->epoll_fd, ev, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (int i = 0; i < n; i++) {
			struct vm_io_watch *w = ev[i].data.ptr;
			if (!w)
				return NULL;
			/* The API socket pauses vCPUs, which may be waiting for vm->lock. */
			bool locked = w->fd != vm->api_fd;
			if (locked)
				pthread_mutex_lock(&vm->lock);
			if (w->fn)
				w->fn(w->opaque, ev[i].events);
			if (locked)
				pthread_mutex_unlock(&vm->lock);
		}
	}
}

void vm_pause(struct hull_vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock); /* one pauser at a time; vm_resume unlocks */
	pthread_mutex_lock(&vm->exit_lock);
	vm->pause_requested = true;
	pthread_mutex_unlock(&vm->exit_lock);
	for (unsigned i = 0; i < vm->ncpus; i++)
		vm_vcpu_kick(&vm->cpus[i]);
	pthread_mutex_lock(&vm->exit_lock);
	while (vm->paused < vm->ncpus && !vm->exiting)
		pthread_cond_wait(&vm->pause_cond, &vm->exit_lock);
	pthread_mutex_unlock(&vm->exit_lock);
}

void vm_resume(struct hull_vm *vm)
{
	pthread_mutex_lock(&vm->exit_lock);
	vm->pause_requested = false;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->exit_lock);
	pthread_mutex_unlock(&vm->pause_lock);
}

/* One request per connection: "snapshot FILE [stop]"; the answer is "ok" or "error: ...". */
static void api_request(void *opaque, uint32_t events)
{
	struct hull_vm *vm = opaque;
	_cleanup_close_ int c = accept4(vm->api_fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	struct timeval tv = {.tv_sec = 5};
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	char line[4200];
	ssize_t n = recv(c, line, sizeof(line) - 1, 0);
	if (n <= 0)
		return;
	line[n] = 0;
	line[strcspn(line, "\n")] = 0;
	char path[4096];
	char stop[8] = "";
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *reply = NULL;
	if (sscanf(line, "snapshot %4095s %7s", path, stop) >= 1 && (!*stop || !strcmp(stop, "stop"))) {
		vm_pause(vm);
		if (vm_snapshot_save(vm, path, &err) < 0) {
			reply = hull_strdup_printf("error: %s\n", err->msg);
		} else {
			reply = hull_xstrdup("ok\n");
			if (*stop)
				vm_request_exit(vm, HULL_VM_EXIT_SNAPSHOT, hull_strdup_printf("%s", path));
		}
		vm_resume(vm);
	} else {
		reply = hull_xstrdup("error: unknown request; send \"snapshot FILE [stop]\"\n");
	}
	hull_write_all(c, reply, strlen(reply));
}

static int api_listen(struct hull_vm *vm, struct hull_error **err)
{
	int fd = vm_unix_listen(vm->cfg->api_socket, &vm->api_bound, err);
	if (fd < 0)
		return hull_error_wrap(err, fd, "--api-socket");
	vm->api_fd = fd;
	return vm_io_add(vm, vm->api_fd, EPOLLIN, api_request, vm, err);
}

int hull_vm_api_request(const char *api_socket, const char *request, struct hull_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(api_socket) >= sizeof(sa.sun_path))
		return hull_error_msg(err, ENAMETOOLONG, "API socket path `%s` is too long", api_socket);
	strcpy(sa.sun_path, api_socket);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hull_error_set(err, errno, "connect to the VM's API socket `%s`", api_socket);
	_cleanup_free_ char *line = hull_strdup_printf("%s\n", request);
	if (hull_write_all(fd, line, strlen(line)) < 0)
		return hull_error_set(err, errno, "send to `%s`", api_socket);
	char reply[4200];
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(reply) - 1 && (n = read(fd, reply + got, sizeof(reply) - 1 - got)) > 0)
		got += (size_t)n;
	reply[got] = 0;
	reply[strcspn(reply, "\n")] = 0;
	if (strcmp(reply, "ok"))
		return hull_error_msg(err, EIO, "%s",
				      got ? reply : "the VM closed the API connection without an answer");
	return 0;
}

int hull_vm_open_kvm(struct hull_error **err)
{
	_cleanup_close_ int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno,
				      "this machine has no usable KVM: open `/dev/kvm` (load kvm_intel or kvm_amd, "
				      "or join the kvm group)");
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISCHR(st.st_mode))
		return hull_error_msg(err, ENODEV,
				      "`/dev/kvm` is not a character device (a file left in its place?): this "
				      "machine has no KVM; load kvm_intel or kvm_amd, or remove the file");
	return take_fd(fd);
}

static int vm_open(struct hull_vm *vm, struct hull_error **err)
{
	vm->kvm_fd = hull_vm_open_kvm(err);
	if (vm->kvm_fd < 0)
		return vm->kvm_fd;
	int version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		return hull_error_msg(err, ENOTSUP, "/dev/kvm speaks API version %d, hull needs %d", version,
				      KVM_API_VERSION);
	static const struct {
		int cap;
		const char *name;
	} needed[] = {
	    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},	{KVM_CAP_PIT2, "KVM_CAP_PIT2"},
	    {KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI"}, {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
	    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
	};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(needed); i++)
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0)
			return hull_error_msg(err, ENOTSUP, "/dev/kvm lacks %s, which hull needs", needed[i].name);
	/* PVM (pagetable-based VMs, used where hardware virtualization is not
	 * offered) emulates guest kernel mode instruction by instruction. */
	vm->pvm_host = access("/sys/module/kvm_pvm", F_OK) == 0 && access("/sys/module/kvm_intel", F_OK) != 0 &&
		       access("/sys/module/kvm_amd", F_OK) != 0;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return hull_error_set(err, errno, "KVM_CREATE_VM");
	int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return hull_error_set(err, errno, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = (size_t)size;
	return 0;
}

/* vm_build: everything but the run; boot=false leaves the guest state to a snapshot. */
static int vm_build(struct hull_vm *vm, bool boot, struct hull_error **err)
{
	const struct hull_vm_config *cfg = vm->cfg;
	int r;
	if (cfg->cpus < 1 || cfg->cpus > HULL_VM_MAX_CPUS)
		return hull_error_msg(err, EINVAL, "--cpus %u: give 1 to %d", cfg->cpus, HULL_VM_MAX_CPUS);
	if ((r = vm_open(vm, err)) < 0)
		return r;
	if ((r = vm_memory_init(&vm->mem, cfg->memory, err)) < 0 ||
	    (r = vm_memory_register(&vm->mem, vm->vm_fd, err)) < 0)
		return r;
	if ((r = vm_irq_init(vm, err)) < 0)
		return r;
	vm->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	vm->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (vm->epoll_fd < 0 || vm->stop_fd < 0)
		return hull_error_set(err, errno, "create the I/O thread's epoll");
	struct epoll_event stop = {.events = EPOLLIN, .data.ptr = NULL};
	epoll_ctl(vm->epoll_fd, EPOLL_CTL_ADD, vm->stop_fd, &stop);
	for (unsigned i = 0; i < cfg->cpus; i++, vm->ncpus++)
		if ((r = vm_vcpu_create(vm, i, err)) < 0)
			return r;
	if ((r = vm_serial_create(vm, 0x3f8, 4, cfg->console_in, cfg->console_out, &vm->serial, err)) < 0)
		return hull_error_wrap(err, r, "serial port");
	if ((r = vm_platform_create(vm, err)) < 0 || (r = vm_pci_init(vm, err)) < 0)
		return r;
	if ((r = vm_virtio_devices_create(vm, err)) < 0)
		return r;
	if (cfg->api_socket && (r = api_listen(vm, err)) < 0)
		return r;
	struct vm_boot_entry entry;
	if (boot && (r = vm_boot_load(vm, &entry, err)) < 0)
		return r;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		if ((r = vm_cpu_setup_cpuid(vm, &vm->cpus[i], err)) < 0 ||
		    (r = vm_cpu_setup_msrs(&vm->cpus[i], err)) < 0)
			return r;
	}
	return boot ? vm_cpu_setup_boot_regs(vm, &vm->cpus[0], &entry, err) : 0;
}

static void vm_teardown(struct hull_vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++)
		vm_vcpu_kick(&vm->cpus[i]);
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vm->cpus[i].started)
			pthread_join(vm->cpus[i].thread, NULL);
	if (vm->io_started) {
		uint64_t one = 1;
		if (write(vm->stop_fd, &one, sizeof(one)) < 0)
			abort();
		pthread_join(vm->io_thread, NULL);
	}
	vm_virtio_devices_free(vm);
	vm_pci_free(vm);
	vm_serial_free(vm->serial);
	for (unsigned i = 0; i < vm->ncpus; i++)
		vm_vcpu_destroy(&vm->cpus[i]);
	while (vm->watches) {
		struct vm_io_watch *w = vm->watches;
		vm->watches = w->next;
		free(w);
	}
	vm_bus_free(&vm->pio);
	vm_bus_free(&vm->mmio);
	vm_memory_free(&vm->mem);
	if (vm->api_fd >= 0) {
		close(vm->api_fd);
		vm_unix_unlink(vm->cfg->api_socket, &vm->api_bound);
	}
	if (vm->epoll_fd > 0)
		close(vm->epoll_fd);
	if (vm->stop_fd > 0)
		close(vm->stop_fd);
	if (vm->vm_fd > 0)
		close(vm->vm_fd);
	if (vm->kvm_fd > 0)
		close(vm->kvm_fd);
	free(vm->exit_detail);
	pthread_mutex_destroy(&vm->lock);
	pthread_mutex_destroy(&vm->exit_lock);
	pthread_mutex_destroy(&vm->pause_lock);
	pthread_cond_destroy(&vm->exit_cond);
	pthread_cond_destroy(&vm->pause_cond);
}

static int vm_start(struct hull_vm *vm, struct hull_error **err)
{
	int r = pthread_create(&vm->io_thread, NULL, io_thread, vm);
	if (r)
		return hull_error_set(err, r, "start the I/O thread");
	vm->io_started = true;
	for (unsigned i = 0; i < vm->ncpus; i++)
		if ((r = vm_vcpu_start(&vm->cpus[i], err)) < 0)
			return r;
	return 0;
}

/* stuck: 1 when cpu is halted with interrupts disabled and no NMI on its way
 * (only an NMI, which nothing in this VM sends, could wake it), 0 when it
 * waits for a SIPI (only another vCPU can start it), -1 when it may run.
 * The vCPU must be paused. */
static int stuck(struct vm_vcpu *cpu)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_vcpu_events ev;
	if (ioctl(cpu->fd, KVM_GET_MP_STATE, &mp) < 0)
		return -1;
	if (mp.mp_state == KVM_MP_STATE_UNINITIALIZED || mp.mp_state == KVM_MP_STATE_INIT_RECEIVED)
		return 0;
	if (mp.mp_state != KVM_MP_STATE_HALTED)
		return -1;
	if (ioctl(cpu->fd, KVM_GET_REGS, &regs) < 0 || (regs.rflags & (1u << 9)))
		return -1;
	if (ioctl(cpu->fd, KVM_GET_VCPU_EVENTS, &ev) < 0 || ev.nmi.pending || ev.nmi.injected)
		return -1;
	return 1;
}

/* check_stuck: a guest whose every vCPU halted with interrupts off (Linux's
 * `halt -f`, stop_this_cpu after a failed power-off, a `cli; hlt` loop), or
 * waits for a SIPI that no running vCPU is left to send, can
 * never run again: end the VM as a crash instead of waiting forever. Two
 * looks, VM_HANG_CHECK_SECONDS apart, with the vCPUs paused for each.
 * Where KVM tells which vCPUs wait in the kernel, a guest with one
 * running is not paused at all: pausing kicks every vCPU out of guest
 * mode, each second, in the middle of whatever it was doing (an AP's
 * start-up among it) for no use. */
static void check_stuck(struct hull_vm *vm)
{
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vm_vcpu_blocking(&vm->cpus[i]) == 0) {
			vm->stuck_seen = false;
			return;
		}
	vm_pause(vm);
	bool all = true, halted = false;
	unsigned first = 0;
	for (unsigned i = 0; i < vm->ncpus && all; i++) {
		int st = stuck(&vm->cpus[i]);
		all = st >= 0;
		if (st == 1 && !halted) {
			halted = true;
			first = i;
		}
	}
	all = all && halted;
	/* the registers now: a resumed vCPU in HLT would hold its fd's lock */
	_cleanup_free_ char *regs = all && vm->stuck_seen ? vm_vcpu_describe(&vm->cpus[first]) : NULL;
	vm_resume(vm);
	if (!all) {
		vm->stuck_seen = false;
		return;
	}
	if (!vm->stuck_seen) {
		vm->stuck_seen = true;
		return;
	}
	_cleanup_free_ char *tail = vm->serial ? vm_serial_tail(vm->serial, 10) : NULL;
	vm_request_exit(vm, HULL_VM_EXIT_CRASH,
			hull_strdup_printf("every vCPU halted with interrupts disabled: the guest can never run "
					   "again\n%slast console lines:\n%s",
					   regs, tail && *tail ? tail : "  (none)\n"));
}

/* Build (from the kernel, or from a snapshot), run to the end, tear down. */
static int vm_run(const struct hull_vm_config *cfg, struct vm_snapshot *snapshot, struct hull_vm_result *res,
		  struct hull_error **err)
{
	struct hull_vm *vm = hull_xcalloc(1, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = vm->epoll_fd = vm->stop_fd = vm->api_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->exit_lock, NULL);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->exit_cond, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	/* Threads inherit this mask; vCPU threads unblock SIGUSR1 for KVM_RUN only. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	memset(res, 0, sizeof(*res));
	int r = vm_build(vm, snapshot == NULL, err);
	if (r == 0 && snapshot)
		r = vm_snapshot_load(vm, snapshot, err);
	if (r == 0 && cfg->jail_dir && cfg->n_fs)
		r = hull_error_msg(err, EINVAL, "a jailed VMM cannot serve virtio-fs shares");
	if (r == 0 && cfg->jail_dir)
		r = vm_jail_chroot(cfg, err);
	if (r == 0 && cfg->seccomp)
		r = vm_jail_enter(cfg->n_fs > 0, err);
	if (r == 0 && cfg->seccomp && cfg->test_forbidden_syscall)
		(void)getppid(); /* outside the filter: the process dies here with SIGSYS */
	if (r == 0)
		r = vm_start(vm, err);
	if (r == 0) {
		pthread_mutex_lock(&vm->exit_lock);
		while (!vm->exiting) {
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += VM_HANG_CHECK_SECONDS;
			if (pthread_cond_timedwait(&vm->exit_cond, &vm->exit_lock, &t) != ETIMEDOUT || vm->exiting)
				continue;
			pthread_mutex_unlock(&vm->exit_lock);
			check_stuck(vm);
			pthread_mutex_lock(&vm->exit_lock);
		}
		res->reason = vm->exit_reason;
		res->detail = steal_ptr(vm->exit_detail);
		pthread_mutex_unlock(&vm->exit_lock);
	} else {
		vm_request_exit(vm, HULL_VM_EXIT_CRASH, NULL);
	}
	if (snapshot && vm_snapshot_finish(snapshot, r < 0 ? NULL : err) < 0 && r == 0) {
		r = -EINVAL; /* the VM ran from a corrupted file */
		hull_vm_result_clear(res);
	}
	vm_teardown(vm);
	free(vm);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int hull_vm_run(const struct hull_vm_config *cfg, struct hull_vm_result *res, struct hull_error **err)
{
	return vm_run(cfg, NULL, res, err);
}

int hull_vm_restore(const char *snapshot, const struct hull_vm_config *user, struct hull_vm_result *res,
		    struct hull_error **err)
{
	struct hull_vm_config cfg;
	_cleanup_(vm_snapshot_closep) struct vm_snapshot *snap = NULL;
	int r = vm_snapshot_open(snapshot, user, &cfg, &snap, err);
	if (r == 0)
		r = vm_run(&cfg, snap, res, err);
	return r < 0 ? hull_error_wrap(err, r, "restore `%s`", snapshot) : 0;
}
