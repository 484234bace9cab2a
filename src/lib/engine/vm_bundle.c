/* vm_bundle.c - runc's command line with a micro-VM: a bundle whose
 * config.json annotations hold run.hull.isolation=vm runs in a VM under
 * `hull create/start/state/kill/delete/exec/ps` (docs/vm-agent.md, "For
 * orchestrators: the annotation").
 *
 * create launches a VM shim (the state's pid, as runc's init is): it boots
 * the VM with the guest initramfs and an ext4 image of the bundle's rootfs,
 * sends the config, reports to create, and waits on exec.fifo as runc's
 * init does; start's byte lets it send `start`. It forwards the signals it
 * gets (`kill`) into the guest and exits with the container's status; a
 * SIGKILL of it (`delete --force`) takes the VMM with it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/engine_vm.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/runtime.h"
#include "hull/vmm.h"
#include "engine_internal.h"

#define A_ISOLATION "run.hull.isolation"
#define A_KERNEL "run.hull.vm.kernel"
#define A_MEMORY "run.hull.vm.memory"
#define A_CPUS "run.hull.vm.cpus"
#define WHO "run.hull.isolation=vm"
#define DEFAULT_MEMORY (512ULL << 20)
#define MIN_MEMORY (128ULL << 20)
#define SHIM_ERROR 125
#define REPORT_FD 3 /* the shim's pipe to create: "ok" or the error */
#define DISK_FD 4   /* the shim's (unlinked) rootfs image */
#define REPORT_MAX 4096

static const char *annotation(json_t *annotations, const char *key)
{
	return json_string_value(json_object_get(annotations, key));
}

int hull_engine_vm_bundle_wanted(const char *bundle, struct hull_error **err)
{
	_cleanup_free_ char *path = hull_path_join(bundle ? bundle : ".", "config.json");
	/* a bundle that cannot be read is the runtime's to report, as always */
	_cleanup_json_ json_t *doc = hull_json_load_file(path, "config.json", NULL);
	if (!doc)
		return 0;
	const char *v = annotation(json_object_get(doc, "annotations"), A_ISOLATION);
	if (!v || !strcmp(v, "container"))
		return 0;
	if (!strcmp(v, "vm"))
		return 1;
	return hull_error_msg(err, EINVAL, "config.json: annotations: %s: `%s` is neither vm nor container",
			      A_ISOLATION, v);
}

bool hull_engine_vm_bundle_is(struct hull_ctx *ctx, const char *id)
{
	_cleanup_(hull_container_state_freep) struct hull_container_state *st = hull_runtime_state(ctx, id, NULL);
	const char *v = st ? annotation(st->oci->annotations, A_ISOLATION) : NULL;
	return v && !strcmp(v, "vm");
}

/* ------------------------------------------------- what create checks -- */

static bool hooks_given(json_t *hooks)
{
	const char *k;
	json_t *v;
	json_object_foreach(hooks, k, v) if (json_array_size(v)) return true;
	return false;
}

/* What the VM cannot honour, refused before anything is made. */
static int refuse(const struct hull_runtime_launch *w, struct hull_error **err)
{
	const struct hull_oci_config *cfg = w->cfg;
	for (size_t i = 0; i < cfg->n_namespaces; i++)
		if (cfg->namespaces[i].path)
			return hull_error_msg(err, ENOTSUP,
					      "%s: linux.namespaces: `%s` is a host namespace to join, which a VM "
					      "cannot; remove the path or the annotation",
					      WHO, cfg->namespaces[i].path);
	if (hooks_given(cfg->hooks))
		return hull_error_msg(err, ENOTSUP,
				      "%s: hooks run on the host around the container's namespaces, which a VM "
				      "does not have; remove the hooks or the annotation",
				      WHO);
	if (cfg->process->terminal && w->console_fd < 0)
		return hull_error_msg(err, ENOTSUP, "%s: process.terminal needs --console-socket", WHO);
	return 0;
}

struct vm_opts {
	char *kernel;
	uint64_t memory;
	unsigned cpus;
};

static void vm_opts_clear(struct vm_opts *o)
{
	free(o->kernel);
}

static int vm_opts_get(json_t *annotations, struct vm_opts *o, struct hull_error **err)
{
	const char *kernel = annotation(annotations, A_KERNEL);
	o->kernel = kernel ? realpath(kernel, NULL) : hull_engine_vm_default_kernel(err);
	if (!o->kernel)
		return kernel ? hull_error_set(err, errno, "annotation %s: `%s`", A_KERNEL, kernel) : -ENOENT;
	_cleanup_free_ char *version = hull_agent_kernel_version(o->kernel, err);
	if (!version)
		return hull_error_wrap(err, -EINVAL, "annotation %s", A_KERNEL);
	const char *mem = annotation(annotations, A_MEMORY);
	o->memory = DEFAULT_MEMORY;
	if (mem && hull_vm_parse_size(mem, &o->memory, err) < 0)
		return hull_error_wrap(err, -EINVAL, "annotation %s", A_MEMORY);
	if (o->memory < MIN_MEMORY)
		return hull_error_msg(err, EINVAL,
				      "annotation %s: `%s` is too little for a VM's kernel (at least %llu MiB)",
				      A_MEMORY, mem, MIN_MEMORY >> 20);
	const char *cpus = annotation(annotations, A_CPUS);
	o->cpus = 1;
	if (cpus) {
		char *end;
		long n = strtol(cpus, &end, 10);
		if (*end || end == cpus || n < 1 || n > HULL_VM_MAX_CPUS)
			return hull_error_msg(err, EINVAL, "annotation %s: `%s` is not a count of 1 to %d", A_CPUS,
					      cpus, HULL_VM_MAX_CPUS);
		o->cpus = (unsigned)n;
	}
	return 0;
}

/* A bind source that is a regular file travels in the create request
 * (its content at create: /etc/hosts, resolv.conf, hostname...). */
static int file_content(const char *src, json_t **out)
{
	_cleanup_close_ int fd = open(src, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)HULL_AGENT_FILE_MAX)
		return -1;
	_cleanup_free_ char *content = NULL;
	size_t len = 0;
	if (hull_read_all(fd, &content, &len) < 0 || len > HULL_AGENT_FILE_MAX)
		return -1;
	*out = json_stringn(content ? content : "", len);
	return 0;
}

/* The config as the guest applies it: file binds as files, the shm
 * directory an orchestrator binds becomes the guest's own tmpfs, the VM's
 * size replaces the memory and CPU limits. A host directory is refused. */
static json_t *guest_config(const struct hull_oci_config *cfg, json_t **files, struct hull_error **err)
{
	_cleanup_json_ json_t *doc = json_deep_copy(cfg->json);
	_cleanup_json_ json_t *fs = json_object();
	json_t *root = json_object_get(doc, "root");
	json_object_set_new(root, "path", json_string("rootfs"));
	json_t *mounts = json_object_get(doc, "mounts");
	for (size_t i = 0; i < json_array_size(mounts) && i < cfg->n_mounts; i++) {
		const struct hull_oci_mount *m = &cfg->mounts[i];
		json_t *jm = json_array_get(mounts, i);
		if (!m->bind || !m->source)
			continue;
		if (!strncmp(m->source, "/dev/", 5) || !strcmp(m->source, "/proc") || !strcmp(m->source, "/sys"))
			continue; /* the guest's own, as a bind of its path */
		json_t *content = NULL;
		if (file_content(m->source, &content) == 0) {
			char name[32];
			snprintf(name, sizeof(name), "mount%zu", i);
			json_object_set_new(fs, name, content);
			_cleanup_free_ char *rel = hull_strdup_printf("files/%s", name);
			json_object_set_new(jm, "source", json_string(rel));
			continue;
		}
		if (!strcmp(m->destination, "/dev/shm")) {
			json_object_set_new(jm, "type", json_string("tmpfs"));
			json_object_set_new(jm, "source", json_string("shm"));
			json_object_set_new(jm, "options",
					    json_pack("[s,s,s,s]", "nosuid", "noexec", "nodev", "mode=1777"));
			continue;
		}
		hull_error_msg(err, ENOTSUP,
			       "%s: mounts: `%s` on `%s`: a host directory cannot be bound into a VM (only files "
			       "of up to 1 MiB, copied at create); remove the mount or the annotation",
			       WHO, m->source, m->destination);
		return NULL;
	}
	json_t *resources = json_object_get(json_object_get(doc, "linux"), "resources");
	json_object_del(resources, "memory");
	json_object_del(resources, "cpu");
	*files = steal_ptr(fs);
	return steal_ptr(doc);
}

/* ------------------------------------------------------------ the pty -- */

int engine_vm_send_pty(int sock, int master, struct hull_error **err)
{
	/* runc's message: the pty's name, the master with SCM_RIGHTS */
	char name[64] = "";
	if (ptsname_r(master, name, sizeof(name)) != 0)
		strcpy(name, "/dev/ptmx");
	struct iovec iov = {.iov_base = name, .iov_len = strlen(name)};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof(int));
	while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "send the terminal to --console-socket");
	return 0;
}

/* A pty whose master goes to the console socket (as runc's); the slave,
 * returned, is the shim's terminal. */
static int console_pty(int console_fd, const struct hull_oci_process *p, struct hull_error **err)
{
	int master = -1, slave = -1;
	int r = engine_vm_open_pty(&master, &slave, err);
	if (r < 0)
		return r;
	if (p->console_height && p->console_width) {
		struct winsize ws = {.ws_row = (unsigned short)p->console_height,
				     .ws_col = (unsigned short)p->console_width};
		ioctl(slave, TIOCSWINSZ, &ws);
	}
	r = engine_vm_send_pty(console_fd, master, err);
	close(master);
	if (r < 0) {
		close(slave);
		return r;
	}
	return slave;
}

/* ------------------------------------------------------------ the shim -- */

struct bshim {
	const char *id, *state_dir;
	struct engine_vm_boot boot;
	json_t *config, *files;
	bool terminal;
	int vmm_fd;
	int fifo_fd; /* held open from start's byte until the process runs */
	int report;  /* to create, until the container is created */
};

static void report(struct bshim *s, const char *text)
{
	if (s->report < 0)
		return;
	hull_write_all(s->report, text, strlen(text));
	close(s->report);
	s->report = -1;
}

/* Created in the guest: tell create, then wait, as runc's init on
 * exec.fifo, for start to open it; its byte says go. */
static int on_created(void *data, struct hull_error **err)
{
	struct bshim *s = data;
	report(s, "ok");
	for (;;) {
		int fd = open("exec.fifo", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			s->fifo_fd = fd;
			break;
		}
		if (errno != ENXIO && errno != EINTR)
			return hull_error_set(err, errno, "open exec.fifo");
		struct pollfd p = {.fd = s->vmm_fd, .events = POLLIN};
		if (poll(&p, 1, 50) > 0)
			return hull_error_msg(err, EPIPE, "the VM ended before start");
	}
	int flags = fcntl(s->fifo_fd, F_GETFL);
	fcntl(s->fifo_fd, F_SETFL, flags & ~O_NONBLOCK);
	if (hull_write_all(s->fifo_fd, "0", 1) < 0)
		return hull_error_set(err, errno, "write exec.fifo");
	return 0;
}

/* The process runs: start may return (it waits for the fifo's hangup). */
static int on_started(void *data, struct hull_error **err)
{
	struct bshim *s = data;
	if (s->fifo_fd >= 0)
		close(take_fd(s->fifo_fd));
	return 0;
}

static int bshim_run(struct bshim *s, struct hull_error **err)
{
	sigset_t set;
	_cleanup_close_ int sfd = engine_vm_take_signals(&set);
	if (chdir(s->state_dir) < 0)
		return hull_error_set(err, errno, "chdir `%s`", s->state_dir);
	/* our pty is the controlling terminal: a resize of the orchestrator's
	 * master comes to us as SIGWINCH and goes to the guest */
	if (s->terminal && (setsid() < 0 || ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0))
		return hull_error_set(err, errno, "make the pty the shim's terminal");
	_cleanup_close_ int listen_fd = engine_vm_listen_here(ENGINE_VM_AGENT_SOCKET, err);
	if (listen_fd < 0)
		return listen_fd;
	pid_t vmm = fork();
	if (vmm < 0)
		return hull_error_set(err, errno, "fork the VMM");
	if (vmm == 0) {
		close(REPORT_FD); /* create reads it to its end */
		engine_vm_run_vmm(&s->boot, &set);
	}
	close(DISK_FD); /* the VMM has it */
	_cleanup_close_ int vmm_fd = (int)syscall(SYS_pidfd_open, vmm, 0);
	s->vmm_fd = vmm_fd;
	_cleanup_close_ int conn = engine_vm_accept_agent(listen_fd, vmm_fd, err);
	unlink(ENGINE_VM_AGENT_SOCKET);
	int status = 0, r = conn;
	if (conn >= 0) {
		struct hull_agent_call call = {.id = s->id,
					       .config = s->config,
					       .files = s->files,
					       .stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO},
					       .signal_fd = sfd,
					       .stop_fd = vmm_fd,
					       .terminal = s->terminal,
					       .created = on_created,
					       .started = on_started,
					       .hook_data = s};
		r = hull_agent_call_run(conn, &call, &status, err);
		close(take_fd(conn));
	}
	/* the exit status is the container's stop: the agent powers off at
	 * once, and nothing of the VM needs to outlive it (the disk is read-only) */
	engine_vm_stop_vmm(vmm, vmm_fd, 1000);
	unlink(ENGINE_VM_VSOCK_PATH);
	return r < 0 ? r : status;
}

__attribute__((noreturn)) static void bshim_main(struct bshim *s)
{
	struct hull_error *e = NULL;
	int status = bshim_run(s, &e);
	if (status < 0) {
		const char *msg = e ? e->msg : "failed";
		if (s->report >= 0)
			report(s, msg);
		else
			dprintf(STDERR_FILENO, "hull: %s: %s\n", WHO, msg);
	}
	_exit(status < 0 ? SHIM_ERROR : status);
}

/* The rootfs as an ext4 image, open and already unlinked: it is gone with
 * the VMM, whatever ends it. */
static int bundle_disk(struct hull_ctx *ctx, const char *rootfs, struct hull_error **err)
{
	_cleanup_free_ char *dir = hull_path_join(ctx->data_root, "vm/bundles");
	int r = hull_mkdir_p(dir, 0700, err);
	if (r < 0)
		return r;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	_cleanup_free_ char *path =
	    hull_strdup_printf("%s/%d-%lld%09ld.ext4", dir, (int)getpid(), (long long)ts.tv_sec, ts.tv_nsec);
	int fd = engine_vm_make_ext4(rootfs, path, err);
	if (fd < 0)
		return hull_error_wrap(err, fd, "make the VM's disk of `%s`", rootfs);
	unlink(path);
	return fd;
}

/* Read the shim's report: "ok" once the container is created in the guest. */
static int await_report(int fd, pid_t shim, struct hull_error **err)
{
	char buf[REPORT_MAX + 1];
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, REPORT_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == REPORT_MAX)
			break;
	}
	buf[len] = '\0';
	if (!strcmp(buf, "ok"))
		return 0;
	while (waitpid(shim, NULL, 0) < 0 && errno == EINTR)
		;
	return hull_error_msg(err, EIO, "%s: %s", WHO, len ? buf : "the VM shim died");
}

int hull_engine_vm_bundle_launch(void *data, const struct hull_runtime_launch *what, pid_t *pid,
				 struct hull_error **err)
{
	struct hull_ctx *ctx = data;
	int r = refuse(what, err);
	if (r < 0)
		return r;
	json_t *files = NULL;
	_cleanup_json_ json_t *config = guest_config(what->cfg, &files, err);
	_cleanup_json_ json_t *files_ref = files;
	if (!config)
		return -ENOTSUP;
	_cleanup_(vm_opts_clear) struct vm_opts o = {0};
	if (vm_opts_get(what->cfg->annotations, &o, err) < 0)
		return -EINVAL;
	_cleanup_free_ char *cache = hull_path_join(ctx->data_root, "vm");
	struct hull_agent_initramfs_opts io = {.hull_binary = "/proc/self/exe", .kernel = o.kernel};
	_cleanup_free_ char *initrd = hull_agent_initramfs_cached(&io, cache, err);
	if (!initrd)
		return hull_error_wrap(err, -EIO, "%s", WHO);
	_cleanup_close_ int disk = bundle_disk(ctx, what->cfg->root_path, err);
	if (disk < 0)
		return hull_error_wrap(err, disk, "%s", WHO);
	_cleanup_close_ int slave = -1;
	if (what->cfg->process->terminal && (slave = console_pty(what->console_fd, what->cfg->process, err)) < 0)
		return slave;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return hull_error_set(err, errno, "pipe");
	pid_t child = fork();
	if (child < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return hull_error_set(err, errno, "fork the VM shim");
	}
	if (child == 0) {
		if (slave >= 0)
			for (int i = 0; i < 3; i++)
				dup2(slave, i);
		/* fds 0-2 are the container's stdio; only the report pipe and
		 * the disk stay besides (not create's lock on the state dir) */
		/* above the targets first: either may be 3 or 4 */
		int rep = fcntl(pipefd[1], F_DUPFD, 16), dsk = fcntl(disk, F_DUPFD, 16);
		if (rep < 0 || dsk < 0 || dup2(rep, REPORT_FD) < 0 || dup2(dsk, DISK_FD) < 0)
			_exit(SHIM_ERROR);
		syscall(SYS_close_range, (unsigned)DISK_FD + 1, ~0U, 0U);
		struct bshim s = {.id = what->id,
				  .state_dir = what->state_dir,
				  .boot = {.kernel = o.kernel,
					   .initrd = initrd,
					   .disk_fd = DISK_FD,
					   .memory = (long long)o.memory,
					   .cpus = o.cpus,
					   .who = WHO},
				  .config = config,
				  .files = files,
				  .terminal = slave >= 0,
				  .vmm_fd = -1,
				  .fifo_fd = -1,
				  .report = REPORT_FD};
		bshim_main(&s);
	}
	close(pipefd[1]);
	r = await_report(pipefd[0], child, err);
	close(pipefd[0]);
	if (r < 0)
		return r;
	*pid = child;
	return 0;
}

/* ------------------------------------------------------------- run -- */

/* Wait for the shim, our child, relaying the signals runc run relays. */
static int wait_shim(pid_t shim, int *exit_status, struct hull_error **err)
{
	sigset_t set, old;
	sigemptyset(&set);
	static const int relayed[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(relayed); i++)
		sigaddset(&set, relayed[i]);
	sigprocmask(SIG_BLOCK, &set, &old);
	_cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	_cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, shim, 0);
	int ws = 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = pfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				kill(shim, (int)si.ssi_signo);
		}
		if (p[0].revents || pfd < 0)
			break;
	}
	int r = 0;
	while (waitpid(shim, &ws, 0) < 0)
		if (errno != EINTR) {
			r = hull_error_set(err, errno, "wait for the VM shim");
			break;
		}
	sigprocmask(SIG_SETMASK, &old, NULL);
	*exit_status = WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
	return r;
}

int hull_engine_vm_bundle_run(struct hull_ctx *ctx, const char *id, const struct hull_runtime_opts *opts,
			      int *exit_status, struct hull_error **err)
{
	struct hull_runtime_opts o = *opts;
	o.launch = hull_engine_vm_bundle_launch;
	o.launch_data = ctx;
	*exit_status = 0;
	if (hull_runtime_create(ctx, id, &o, err) < 0)
		return -EINVAL;
	_cleanup_(hull_container_state_freep) struct hull_container_state *st = hull_runtime_state(ctx, id, err);
	pid_t shim = st ? st->oci->pid : 0;
	int r = st ? hull_runtime_start(ctx, id, err) : -EINVAL;
	if (r == 0 && !opts->detach)
		r = wait_shim(shim, exit_status, err);
	if (r < 0 || !opts->detach) {
		if (opts->keep && r == 0)
			return 0;
		hull_runtime_delete(ctx, id, true, NULL);
	}
	return r;
}
