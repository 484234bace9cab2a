/* guest.c - hull as the micro-VM's init: the few mounts an init makes,
 * the modules the initramfs carries, the container's root disk, then the
 * agent on vsock. No shell, no second runtime: this process is all of the
 * guest's userspace until the container's own process starts. */
#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

#define MODULE_ORDER "/lib/modules/hull/order" /* written by initramfs.c */
#define ROOT_DISK "/dev/vda"
#define WORK "/run/hull-vm"

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "hull-agent: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

__attribute__((noreturn)) static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	/* without ACPI power-off the kernel halts; pid 1 must not exit */
	for (;;)
		pause();
}

struct early_mount {
	const char *source, *target, *type;
	unsigned long flags;
	const char *data;
};

static int early_mounts(void)
{
	static const struct early_mount mounts[] = {
	    {"proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
	    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
	    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"},
	    {"devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "ptmxmode=0666,mode=0620"},
	    {"tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
	    {"tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"},
	    {"tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"},
	    {"cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL},
	};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(mounts); i++) {
		const struct early_mount *m = &mounts[i];
		mkdir(m->target, 0755);
		if (mount(m->source, m->target, m->type, m->flags, m->data) < 0 && errno != EBUSY) {
			say("mount %s on %s: %s", m->type, m->target, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The kernel opens /dev/console for init only if the initramfs has it;
 * with /dev mounted, make sure 0-2 are open before any other fd is. */
static void console_stdio(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) < 0 || i == 1 || i == 2)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

/* The initramfs lists its modules in load order (dependencies first). */
static int load_modules(void)
{
	_cleanup_fclose_ FILE *f = fopen(MODULE_ORDER, "re");
	if (!f)
		return 0; /* a kernel with everything built in */
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!*line)
			continue;
		_cleanup_close_ int fd = open(line, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)) {
			say("load module %s: %s", line, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

static int wait_for(const char *path, int seconds)
{
	for (int i = 0; i < seconds * 50; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		struct timespec ts = {0, 20 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	say("%s did not appear within %d s", path, seconds);
	return -ENOENT;
}

/* The value of NAME= on the kernel command line (up to a space), or NULL. */
static const char *cmdline_param(const char *cmdline, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = cmdline; p && *p; p = strchr(p, ' ')) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, name, n) && p[n] == '=')
			return p + n + 1;
	}
	return NULL;
}

/* The container's root: by default the host's overlay of the container
 * (hull.root=TAG, a virtio-fs share of its merged directory), so that its
 * writes land in its layer on the host; else (--vm-rootfs disk) the image's
 * read-only ext4 disk under an overlay whose upper layer is a tmpfs
 * (docs/vm-agent.md, "Root filesystem"). */
static int mount_root(void)
{
	static const char *const dirs[] = {WORK, WORK "/lower", WORK "/rw", WORK "/rootfs"};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(dirs); i++)
		mkdir(dirs[i], 0755);
	_cleanup_free_ char *cmdline = NULL;
	const char *tag =
	    hull_read_file("/proc/cmdline", &cmdline, NULL, NULL) == 0 ? cmdline_param(cmdline, "hull.root") : NULL;
	if (tag) {
		char name[40];
		size_t n = strcspn(tag, " \n");
		if (n == 0 || n >= sizeof(name) ||
		    strspn(tag, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n) {
			say("hull.root: a bad virtio-fs tag");
			return -EINVAL;
		}
		memcpy(name, tag, n);
		name[n] = '\0';
		/* device nodes the container needs are on the runtime's /dev tmpfs */
		if (mount(name, WORK "/rootfs", "virtiofs", MS_NODEV, NULL) < 0) {
			say("mount the container's root (virtio-fs tag %s): %s", name, strerror(errno));
			return -errno;
		}
		return 0;
	}
	if (wait_for(ROOT_DISK, 30) < 0)
		return -ENOENT;
	if (mount(ROOT_DISK, WORK "/lower", "ext4", MS_RDONLY | MS_NODEV, "noload") < 0) {
		say("mount %s (ext4, read-only): %s", ROOT_DISK, strerror(errno));
		return -errno;
	}
	if (mount("tmpfs", WORK "/rw", "tmpfs", MS_NODEV, "mode=0755") < 0 || mkdir(WORK "/rw/upper", 0755) < 0 ||
	    mkdir(WORK "/rw/work", 0755) < 0) {
		say("the writable layer's tmpfs: %s", strerror(errno));
		return -errno;
	}
	if (mount("overlay", WORK "/rootfs", "overlay", 0,
		  "lowerdir=" WORK "/lower,upperdir=" WORK "/rw/upper,workdir=" WORK "/rw/work") < 0) {
		say("mount the container's overlay: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* The container's volumes: the host names each virtio-fs tag on the
 * kernel command line (hull.fs=TAG[:ro],...), and each is mounted at
 * HULL_AGENT_FS_DIR/TAG, where the container's config binds it from. A
 * share that cannot be mounted stops the VM: the container must not
 * write into an empty directory thinking it is its volume. */
static int mount_shares(void)
{
	_cleanup_free_ char *cmdline = NULL;
	if (hull_read_file("/proc/cmdline", &cmdline, NULL, NULL) < 0)
		return 0;
	const char *p = cmdline_param(cmdline, "hull.fs");
	if (!p)
		return 0;
	mkdir(HULL_AGENT_FS_DIR, 0755);
	while (*p && *p != ' ' && *p != '\n') {
		size_t n = strcspn(p, ", \n");
		char item[64];
		if (n == 0 || n >= sizeof(item)) {
			say("hull.fs: a tag of %zu bytes", n);
			return -EINVAL;
		}
		memcpy(item, p, n);
		item[n] = '\0';
		p += n + (p[n] == ',');
		char *colon = strchr(item, ':');
		bool ro = colon && !strcmp(colon, ":ro");
		if (colon)
			*colon = '\0';
		if (strspn(item, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(item)) {
			say("hull.fs: a bad tag `%s`", item);
			return -EINVAL;
		}
		char dir[128];
		snprintf(dir, sizeof(dir), "%s/%s", HULL_AGENT_FS_DIR, item);
		mkdir(dir, 0755);
		if (mount(item, dir, "virtiofs", MS_NODEV | (ro ? MS_RDONLY : 0), NULL) < 0) {
			say("mount the volume's virtio-fs tag %s on %s: %s", item, dir, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The host listens on its end before the VM starts; the guest calls it. */
static int connect_host(void)
{
	struct sockaddr_vm sa = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST, .svm_port = HULL_AGENT_VSOCK_PORT};
	int last = 0;
	for (int i = 0; i < 50; i++) {
		int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		last = errno;
		if (fd >= 0)
			close(fd);
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	say("connect to the host (vsock CID 2 port %u): %s", HULL_AGENT_VSOCK_PORT, strerror(last));
	return -last;
}

/* exec connections: the host's `CONNECT 1025` through the VMM's vsock. */
static int listen_exec(void)
{
	struct sockaddr_vm sa = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_ANY, .svm_port = HULL_AGENT_EXEC_PORT};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, HULL_AGENT_EXEC_MAX) < 0) {
		say("listen for exec (vsock port %u): %s", HULL_AGENT_EXEC_PORT, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

void hull_agent_guest_main(void)
{
	console_stdio();
	if (early_mounts() < 0)
		power_off();
	console_stdio();
	if (load_modules() < 0 || mount_root() < 0 || mount_shares() < 0)
		power_off();
	int conn = connect_host();
	if (conn < 0)
		power_off();
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	ctx.runtime_root = "/run/hull";
	/* pivot_root cannot move the initramfs (rootfs) that is our root:
	 * the container is entered by MS_MOVE and chroot, as runc's
	 * --no-pivot on a ramfs; the VM, not this mount, is its boundary */
	struct hull_agent_server_opts opts = {.rootfs = WORK "/rootfs",
					      .state_dir = WORK "/agent",
					      .no_pivot = true,
					      .exec_listen = listen_exec(),
					      .guest_network = true};
	struct hull_error *err = NULL;
	if (hull_agent_serve(&ctx, conn, &opts, &err) < 0)
		say("%s", err ? err->msg : "the connection broke");
	hull_error_free(err);
	close(conn);
	power_off();
}
