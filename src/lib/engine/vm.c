/* vm.c - `hull run --vm`: the container's config as usual, then a
 * micro-VM instead of the runtime (docs/vm-agent.md).
 *
 * The monitor forks a *VM shim* where it would call the runtime. The shim
 * is the container's process as the engine sees it (state pid, stdio
 * pipes, exit status): it starts the VMM as its own child, answers the
 * guest agent's vsock connection, and relays stdio and signals until the
 * exit status comes. A SIGKILL of the shim takes the VMM with it. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/engine_vm.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/network.h"
#include "hull/run_options.h"
#include "hull/spawn.h"
#include "hull/usernet.h"
#include "hull/vmm.h"
#include "engine_internal.h"

#define VM_DEFAULT_MEMORY (512LL << 20)
#define VM_MIN_MEMORY (128LL << 20) /* the Debian kernel, the initramfs and a process */
#define VM_CID 3		    /* each VM's vsock is its own (user space): any CID will do */
#define VM_CMDLINE "console=ttyS0 reboot=k panic=-1 quiet"
#define SHUTDOWN_WAIT_MS 10000 /* for the guest to power off once the container is done */
#define SHIM_ERROR 125	       /* docker's status when the container could not run */
#define VM_MAX_VOLUMES 8       /* host directories of volumes and binds; the root share is one more */
#define ROOT_TAG "rootfs"      /* the virtio-fs tag of the container's root (guest.c, hull.root=) */
#define ROOT_CACHE_SECONDS 1   /* the guest caches its root this long: only `hull cp` changes it under it */

char *hull_engine_vm_default_kernel(struct hull_error **err)
{
	struct utsname u;
	if (uname(&u) == 0) {
		char *own = hull_strdup_printf("/boot/vmlinuz-%s", u.release);
		if (access(own, R_OK) == 0)
			return own;
		free(own);
	}
	_cleanup_closedir_ DIR *d = opendir("/boot");
	_cleanup_free_ char *best = NULL;
	for (struct dirent *de; d && (de = readdir(d));)
		if (!strncmp(de->d_name, "vmlinuz-", 8) && (!best || strverscmp(de->d_name, best) > 0)) {
			free(best);
			best = hull_xstrdup(de->d_name);
		}
	if (!best) {
		hull_error_msg(err, ENOENT, "--vm: no kernel in /boot (vmlinuz-*): give one with --vm-kernel FILE");
		return NULL;
	}
	return hull_path_join("/boot", best);
}

/* What a container in a VM cannot have yet: refused at create, by name. */
static int refuse_unsupported(const struct hull_run_options *o, struct hull_error **err)
{
	const char *what = NULL;
	if (o->network && (!strcmp(o->network, "host") || !strncmp(o->network, "container:", 10)))
		what = "--network host or container: (the VM has a network stack of its own)";
	else if (o->network && hull_engine_is_usernet(o->network))
		what = "--network slirp4netns/pasta (a VM joins bridge networks only)";
	else if (o->init)
		what = "--init";
	else if (o->devices)
		what = "--device";
	else if ((o->ipc && strcmp(o->ipc, "private") && strcmp(o->ipc, "shareable") && strcmp(o->ipc, "none")) ||
		 o->pid || o->uts || o->userns)
		what = "--ipc/--pid/--uts/--userns sharing (nothing of the host is in the VM)";
	if (what)
		return hull_error_msg(err, ENOTSUP,
				      "--vm: %s is not supported in a micro-VM yet; run without --vm for it", what);
	return 0;
}

/* KVM, checked as a VM container starts: a clear reason instead of a VM
 * that ends before its agent connects. */
static int kvm_usable(struct hull_error **err)
{
	_cleanup_close_ int fd = hull_vm_open_kvm(err);
	return fd < 0 ? hull_error_wrap(err, fd, "--vm (a container without --vm needs no KVM)") : 0;
}

int engine_vm_record(const struct hull_run_options *o, json_t *record, struct hull_error **err)
{
	int r = refuse_unsupported(o, err);
	if (r < 0)
		return r;
	const char *rootfs = o->vm_rootfs ? o->vm_rootfs : "host";
	if (strcmp(rootfs, "host") && strcmp(rootfs, "disk"))
		return hull_error_msg(err, EINVAL,
				      "--vm-rootfs `%s`: give host (the container's layer on the host, by virtio-fs) "
				      "or disk (the image's read-only disk and a tmpfs in the guest)",
				      rootfs);
	if (o->memory && o->memory < VM_MIN_MEMORY)
		return hull_error_msg(err, EINVAL,
				      "--vm: -m %lld MiB is too little for a VM's kernel (at least %lld MiB)",
				      o->memory >> 20, VM_MIN_MEMORY >> 20);
	_cleanup_free_ char *kernel = o->vm_kernel ? realpath(o->vm_kernel, NULL) : hull_engine_vm_default_kernel(err);
	if (!kernel)
		return o->vm_kernel ? hull_error_set(err, errno, "--vm-kernel `%s`", o->vm_kernel) : -ENOENT;
	_cleanup_free_ char *version = hull_agent_kernel_version(kernel, err);
	if (!version)
		return -EINVAL;
	json_t *hc = json_object_get(record, "HostConfig");
	json_object_set_new(hc, "HullVM",
			    json_pack("{s:s,s:s,s:s}", "Kernel", kernel, "KernelVersion", version, "RootFS", rootfs));
	return 0;
}

/* ---------------------------------------------------------- the volumes -- */

/* The container's volumes and bind mounts as virtio-fs shares: one per
 * host directory (two destinations of one volume share it), read-only when
 * every use of it is. A file cannot be shared (virtio-fs serves a
 * directory, and its parent would be the guest's to see). tags must hold
 * VM_MAX_VOLUMES names. */
static int collect_shares(json_t *record, struct hull_vm_fs *fs, unsigned *n, char (*tags)[8], struct hull_error **err)
{
	*n = 0;
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(record, "Mounts"), i, m)
	{
		const char *type = json_string_value(json_object_get(m, "Type"));
		const char *src = json_string_value(json_object_get(m, "Source"));
		bool rw = json_is_true(json_object_get(m, "RW"));
		if (!type || !src || (strcmp(type, "volume") && strcmp(type, "bind")))
			continue;
		unsigned k = 0;
		while (k < *n && strcmp(fs[k].dir, src))
			k++;
		if (k < *n) {
			fs[k].read_only &= !rw;
			continue;
		}
		if (*n == VM_MAX_VOLUMES)
			return hull_error_msg(err, ENOTSUP,
					      "--vm: at most %d volumes and bind mounts (host directories)",
					      VM_MAX_VOLUMES);
		struct stat st;
		if (stat(src, &st) < 0)
			return hull_error_set(err, errno, "--vm: the mount source `%s`", src);
		if (!S_ISDIR(st.st_mode))
			return hull_error_msg(err, ENOTSUP,
					      "--vm: `%s` is not a directory: a micro-VM shares directories only "
					      "(virtio-fs); bind its directory, or run without --vm",
					      src);
		snprintf(tags[*n], 8, "hull%u", *n);
		fs[*n] = (struct hull_vm_fs){.tag = tags[*n], .dir = src, .read_only = !rw};
		(*n)++;
	}
	return 0;
}

int engine_vm_check_mounts(json_t *record, struct hull_error **err)
{
	struct hull_vm_fs fs[VM_MAX_VOLUMES];
	char tags[VM_MAX_VOLUMES][8];
	unsigned n;
	return collect_shares(record, fs, &n, tags, err);
}

bool engine_vm_enabled(const struct hull_container *c)
{
	_cleanup_record_ struct hull_container_record r;
	hull_container_record_parse(c->record, "container.json", &r, NULL); /* a bad member reads as absent */
	return hull_record_host_config_is_vm(&r.host_config);
}

/* ------------------------------------------------------------ the disk -- */

/* Bytes the tree under dirfd takes, roughly as ext4 will store it. */
static unsigned long long tree_bytes(int dirfd, int depth)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return 0;
	}
	unsigned long long total = 4096;
	for (struct dirent *de; (de = readdir(d));) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		total += 4096 + ((unsigned long long)st.st_size + 4095) / 4096 * 4096;
		if (S_ISDIR(st.st_mode) && depth < 256) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				total += tree_bytes(sub, depth + 1);
		}
	}
	closedir(d);
	return total;
}

/* Run argv (its output kept for the error); 0 when it exited 0. */
static int run_tool(char *const argv[], struct hull_error **err)
{
	_cleanup_free_ char *out = NULL;
	return hull_spawn_output(argv, true, &out, NULL, err);
}

static const char *mkfs_ext4(void)
{
	static const char *const where[] = {"/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4", "/usr/bin/mkfs.ext4"};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(where); i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

/* The image's layers as one tree: the only layer itself, or a read-only
 * overlay of them all at mnt (in the monitor's private mount namespace). */
static int layers_view(json_t *lowers, const char *mnt, const char **src, struct hull_error **err)
{
	size_t n = json_array_size(lowers);
	if (n == 0)
		return hull_error_msg(err, EINVAL, "the container's record lists no image layers");
	if (n == 1) {
		*src = json_string_value(json_array_get(lowers, 0));
		return 0;
	}
	_cleanup_free_ char *opts = hull_xstrdup("lowerdir=");
	for (size_t i = 0; i < n; i++) {
		char *more =
		    hull_strdup_printf("%s%s%s", opts, i ? ":" : "", json_string_value(json_array_get(lowers, i)));
		free(opts);
		opts = more;
	}
	if (mkdir(mnt, 0700) < 0 && errno != EEXIST)
		return hull_error_set(err, errno, "mkdir `%s`", mnt);
	if (mount("overlay", mnt, "overlay", MS_RDONLY, opts) < 0)
		return hull_error_set(err, errno, "mount the image's layers (overlay) at `%s`", mnt);
	*src = mnt;
	return 1;
}

int engine_vm_make_ext4(const char *src, const char *path, struct hull_error **err)
{
	const char *mkfs = mkfs_ext4();
	if (!mkfs)
		return hull_error_msg(err, ENOENT, "a VM's disk needs mkfs.ext4 (Debian: apt-get install e2fsprogs)");
	int dirfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return hull_error_set(err, errno, "open `%s`", src);
	unsigned long long bytes = tree_bytes(dirfd, 0);
	/* room for ext4's own metadata, rounded to MiB */
	unsigned long long size = ((bytes + bytes / 4 + (16ULL << 20)) >> 20) << 20;
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_set(err, errno, "create `%s`", path);
	if (ftruncate(fd, (off_t)size) < 0) {
		int e = errno;
		unlink(path);
		return hull_error_set(err, e, "size `%s`", path);
	}
	char *argv[] = {(char *)mkfs, "-q",	 "-F", "-O",	    "^has_journal", "-E", "root_owner=0:0",
			"-L",	      "hull-vm", "-d", (char *)src, (char *)path,   NULL};
	int r = run_tool(argv, err);
	if (r < 0) {
		unlink(path);
		return r;
	}
	return take_fd(fd);
}

static int build_disk(json_t *lowers, const char *path, struct hull_error **err)
{
	_cleanup_free_ char *tmp = hull_strdup_printf("%s.tmp.%d", path, (int)getpid());
	_cleanup_free_ char *mnt = hull_strdup_printf("%s.layers.%d", path, (int)getpid());
	const char *src = NULL;
	int mounted = layers_view(lowers, mnt, &src, err);
	if (mounted < 0)
		return mounted;
	_cleanup_close_ int fd = engine_vm_make_ext4(src, tmp, err);
	int r = fd < 0 ? fd : 0;
	if (mounted > 0) {
		umount2(mnt, MNT_DETACH);
		rmdir(mnt);
	}
	if (r == 0 && (fsync(fd) < 0 || rename(tmp, path) < 0))
		r = hull_error_set(err, errno, "rename to `%s`", path);
	if (r < 0)
		unlink(tmp);
	return r < 0 ? hull_error_wrap(err, r, "make the VM disk of the image") : 0;
}

/* DATA_ROOT/vm/images/<image>.ext4, made once per image (under a lock:
 * two containers of a new image make it once) from its layers (top first). */
static char *image_disk(struct hull_ctx *ctx, const char *image, json_t *lowers, struct hull_error **err)
{
	const char *hex = image && strchr(image, ':') ? strchr(image, ':') + 1 : image;
	if (!hex || !*hex || strchr(hex, '/')) {
		hull_error_msg(err, EINVAL, "the container's record has no image id");
		return NULL;
	}
	_cleanup_free_ char *dir = hull_path_join(ctx->data_root, "vm/images");
	if (hull_mkdir_p(dir, 0700, err) < 0)
		return NULL;
	_cleanup_free_ char *name = hull_strdup_printf("%s.ext4", hex);
	char *path = hull_path_join(dir, name);
	_cleanup_free_ char *lock_path = hull_path_join(dir, ".lock");
	_cleanup_close_ int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0) {
		hull_error_set(err, errno, "lock `%s`", lock_path);
		free(path);
		return NULL;
	}
	if (access(path, F_OK) < 0 && build_disk(lowers, path, err) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* ---------------------------------------------------------- the config -- */

/* The config as the guest can apply it: the etc files travel in the
 * create request (relative bind sources name them in the bundle), the
 * VM's size replaces the memory and CPU limits, and no host path is left. */
static json_t *guest_config(const struct hull_container *c, const struct hull_vm_fs *fs, unsigned n_fs, json_t **files,
			    struct hull_error **err)
{
	_cleanup_free_ char *path = hull_path_join(c->dir, "config.json");
	_cleanup_json_ json_t *cfg = hull_json_load_file(path, "config.json", err);
	if (!cfg)
		return NULL;
	*files = json_object();
	json_t *mounts = json_object_get(cfg, "mounts");
	size_t i;
	json_t *m;
	json_array_foreach(mounts, i, m)
	{
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *src = json_string_value(json_object_get(m, "source"));
		if (!type || strcmp(type, "bind") || !src)
			continue;
		const char *base = strrchr(src, '/');
		base = base ? base + 1 : src;
		_cleanup_free_ char *ours = hull_path_join(c->dir, base);
		_cleanup_free_ char *content = NULL;
		size_t len = 0;
		if (!strcmp(src, ours) && hull_read_file(src, &content, &len, NULL) == 0 &&
		    len <= HULL_AGENT_FILE_MAX) {
			json_object_set_new(*files, base, json_stringn(content, len));
			_cleanup_free_ char *rel = hull_strdup_printf("files/%s", base);
			json_object_set_new(m, "source", json_string(rel));
			continue;
		}
		/* a volume or bind mount: its share, mounted by the guest's init */
		unsigned k = 0;
		while (k < n_fs && strcmp(fs[k].dir, src))
			k++;
		if (k < n_fs) {
			_cleanup_free_ char *at = hull_strdup_printf("%s/%s", HULL_AGENT_FS_DIR, fs[k].tag);
			json_object_set_new(m, "source", json_string(at));
			continue;
		}
		/* /dev/mqueue and the like are the guest's own, as a bind of its path */
		if (!strncmp(src, "/dev/", 5) || !strcmp(src, "/proc") || !strcmp(src, "/sys"))
			continue;
		json_decref(*files);
		*files = NULL;
		hull_error_msg(err, ENOTSUP, "--vm: the host path `%s` cannot be bound into a VM", src);
		return NULL;
	}
	json_t *linux_ = json_object_get(cfg, "linux");
	json_t *resources = json_object_get(linux_, "resources");
	json_object_del(resources, "memory");
	json_object_del(resources, "cpu");
	json_t *nss = json_object_get(linux_, "namespaces");
	json_array_foreach(nss, i, m) json_object_del(m, "path");
	json_object_del(cfg, "hooks");
	return steal_ptr(cfg);
}

int engine_vm_open_pty(int *master, int *slave, struct hull_error **err)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0 || grantpt(*master) < 0 || unlockpt(*master) < 0) {
		int e = errno;
		if (*master >= 0)
			close(*master);
		*master = -1;
		return hull_error_set(err, e, "open a pty for the VM's terminal");
	}
	char name[64];
	*slave = ptsname_r(*master, name, sizeof(name)) == 0 ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	struct termios t;
	if (*slave < 0 || tcgetattr(*slave, &t) < 0) {
		int e = errno;
		close(*master);
		*master = -1;
		return hull_error_set(err, e, "open the VM terminal's pty slave");
	}
	cfmakeraw(&t);
	tcsetattr(*slave, TCSANOW, &t);
	return 0;
}

/* ------------------------------------------------------------ the shim -- */

struct shim {
	struct hull_ctx *ctx;
	const struct hull_container *c;
	char *kernel, *initrd, *disk;
	long long memory;
	unsigned cpus;
	struct hull_vm_fs fs[VM_MAX_VOLUMES]; /* dirs point into the container's record */
	char tags[VM_MAX_VOLUMES][8];
	const char *root; /* the merged dir of the container's overlay (--vm-rootfs host), else NULL */
	unsigned n_fs;
	char tap[16]; /* "": no network device */
	uint8_t mac[6];
	json_t *network; /* the create request's "network" */
};

static void boot_of(const struct shim *s, struct engine_vm_boot *b)
{
	*b = (struct engine_vm_boot){.kernel = s->kernel,
				     .initrd = s->initrd,
				     .disk = s->disk,
				     .disk_fd = -1,
				     .memory = s->memory,
				     .cpus = s->cpus,
				     .fs = s->fs,
				     .n_fs = s->n_fs,
				     .tap = s->tap,
				     .mac = s->mac,
				     .root = s->root};
}

static void shim_clear(struct shim *s)
{
	free(s->kernel);
	free(s->initrd);
	free(s->disk);
	json_decref(s->network);
	s->network = NULL;
}

/* The NIC's tap and MAC for the VMM, and what the agent configures with
 * them (docs/vm-agent.md, "network"). */
static int shim_nic(struct shim *s, const struct engine_vm_nic *nic, struct hull_error **err)
{
	const struct hull_endpoint *ep = nic->ep;
	unsigned b[6];
	if (sscanf(ep->mac, "%2x:%2x:%2x:%2x:%2x:%2x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
		return hull_error_msg(err, EINVAL, "the endpoint's MAC `%s` is not one", ep->mac);
	for (int i = 0; i < 6; i++)
		s->mac[i] = (uint8_t)b[i];
	snprintf(s->tap, sizeof(s->tap), "%s", ep->veth);
	_cleanup_free_ char *address = hull_strdup_printf("%s/%d", ep->ip, ep->prefix);
	s->network = json_pack("{s:s,s:s,s:i}", "address", address, "mac", ep->mac, "mtu", 1500);
	if (nic->default_route)
		json_object_set_new(s->network, "gateway", json_string(ep->gateway));
	return 0;
}

/* The VMM: the shim's child, gone with it. Its console goes to
 * console.log in the container dir (the guest's kernel messages). */
__attribute__((noreturn)) void engine_vm_run_vmm(const struct engine_vm_boot *s, const sigset_t *blocked)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigprocmask(SIG_UNBLOCK, blocked, NULL);
	struct hull_vm_config cfg;
	hull_vm_config_init(&cfg);
	cfg.kernel = s->kernel;
	cfg.initrd = s->initrd;
	/* the shares' tags for the guest's init (guest.c, mount_shares) */
	_cleanup_free_ char *cmdline = hull_xstrdup(VM_CMDLINE);
	for (unsigned i = 0; i < s->n_fs; i++) {
		char *more = hull_strdup_printf("%s%s%s%s", cmdline, i ? "," : " hull.fs=", s->fs[i].tag,
						s->fs[i].read_only ? ":ro" : "");
		free(cmdline);
		cmdline = more;
		cfg.fs[i] = s->fs[i];
	}
	cfg.n_fs = s->n_fs;
	if (s->root) {
		/* the container's layer on the host: the monitor's overlay of it */
		char *more = hull_strdup_printf("%s hull.root=%s", cmdline, ROOT_TAG);
		free(cmdline);
		cmdline = more;
		cfg.fs[cfg.n_fs++] =
		    (struct hull_vm_fs){.tag = ROOT_TAG, .dir = s->root, .cache_seconds = ROOT_CACHE_SECONDS};
	}
	cfg.cmdline = cmdline;
	cfg.memory = (uint64_t)s->memory;
	cfg.cpus = s->cpus;
	_cleanup_free_ char *disk_fd_path = NULL;
	if (s->disk || s->disk_fd >= 0) {
		cfg.disks[0] = (struct hull_vm_disk){.path = s->disk, .read_only = true};
		if (s->disk_fd >= 0)
			cfg.disks[0].path = disk_fd_path = hull_strdup_printf("/proc/self/fd/%d", s->disk_fd);
		cfg.n_disks = 1;
	}
	cfg.vsock_cid = VM_CID;
	cfg.vsock_path = ENGINE_VM_VSOCK_PATH;
	if (s->tap && *s->tap) {
		cfg.taps[0] = s->tap;
		memcpy(cfg.tap_macs[0], s->mac, 6);
		cfg.n_taps = 1;
	}
	cfg.console_in = -1;
	cfg.console_out = open("console.log", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (cfg.console_out < 0)
		cfg.console_out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct hull_vm_result res = {0};
	struct hull_error *err = NULL;
	int r = hull_vm_run(&cfg, &res, &err);
	const char *who = s->who ? s->who : "--vm";
	if (r < 0)
		dprintf(STDERR_FILENO, "hull: %s: %s\n", who, err ? err->msg : "the VM could not start");
	else if (res.reason == HULL_VM_EXIT_CRASH)
		dprintf(STDERR_FILENO, "hull: %s: the guest crashed: %s\n", who, res.detail ? res.detail : "");
	_exit(r < 0 ? 1 : res.reason == HULL_VM_EXIT_CRASH ? 2 : 0);
}

int engine_vm_accept_agent(int listen_fd, int vmm_fd, struct hull_error **err)
{
	struct pollfd p[2] = {{.fd = listen_fd, .events = POLLIN}, {.fd = vmm_fd, .events = POLLIN}};
	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "poll");
	if (!(p[0].revents & POLLIN))
		return hull_error_msg(
		    err, EPIPE,
		    "the VM ended before its agent connected (the guest's console: console.log in the "
		    "container's directory)");
	int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
	return conn < 0 ? hull_error_set(err, errno, "accept the agent's connection") : conn;
}

int engine_vm_listen_here(const char *name, struct hull_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	strcpy(sa.sun_path, name);
	unlink(name);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return hull_error_set(err, e, "listen on `%s`", name);
	}
	return fd;
}

void engine_vm_stop_vmm(pid_t vmm, int vmm_fd, int wait_ms)
{
	struct pollfd p = {.fd = vmm_fd, .events = POLLIN};
	if (poll(&p, 1, wait_ms) <= 0)
		kill(vmm, SIGKILL);
	waitpid(vmm, NULL, 0);
}

int engine_vm_take_signals(sigset_t *set)
{
	sigfillset(set);
	static const int kept[] = {SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGCHLD, SIGPIPE};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(kept); i++)
		sigdelset(set, kept[i]);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigdelset(set, sig);
	sigprocmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, set, SFD_CLOEXEC);
}

/* The shim's life: returns the container's exit status. */
static int shim_main(struct shim *s, struct hull_error **err)
{
	/* every signal the user may send the container is forwarded to it */
	sigset_t set;
	_cleanup_close_ int sfd = engine_vm_take_signals(&set);
	if (chdir(s->c->dir) < 0)
		return hull_error_set(err, errno, "chdir `%s`", s->c->dir);
	/* -t: our pty is the controlling terminal, so that a resize by the
	 * monitor (TIOCSWINSZ on its master) comes to us as SIGWINCH */
	bool terminal = isatty(STDIN_FILENO);
	if (terminal && (setsid() < 0 || ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0))
		return hull_error_set(err, errno, "make the pty the shim's terminal");
	/* before the files are read: the monitor rewrites hosts in place when
	 * a peer joins the network, and the guest's copy follows */
	_cleanup_close_ int watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (watch >= 0 && inotify_add_watch(watch, "hosts", IN_CLOSE_WRITE) < 0)
		close(take_fd(watch));
	json_t *files = NULL;
	_cleanup_json_ json_t *config = guest_config(s->c, s->fs, s->n_fs, &files, err);
	_cleanup_json_ json_t *files_ref = files;
	if (!config)
		return -EINVAL;
	_cleanup_close_ int listen_fd = engine_vm_listen_here(ENGINE_VM_AGENT_SOCKET, err);
	if (listen_fd < 0)
		return listen_fd;
	pid_t vmm = fork();
	if (vmm < 0)
		return hull_error_set(err, errno, "fork the VMM");
	if (vmm == 0) {
		struct engine_vm_boot b;
		boot_of(s, &b);
		engine_vm_run_vmm(&b, &set);
	}
	_cleanup_close_ int vmm_fd = (int)syscall(SYS_pidfd_open, vmm, 0);
	_cleanup_close_ int conn = engine_vm_accept_agent(listen_fd, vmm_fd, err);
	unlink(ENGINE_VM_AGENT_SOCKET);
	int status = 0, r = conn;
	if (conn >= 0) {
		struct hull_agent_call call = {.id = s->c->id,
					       .config = config,
					       .files = files,
					       .network = s->network,
					       .files_watch = watch,
					       .files_dir = watch >= 0 ? "." : NULL,
					       .stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO},
					       .signal_fd = sfd,
					       .stop_fd = vmm_fd,
					       .terminal = terminal};
		r = hull_agent_call_run(conn, &call, &status, err);
		/* the agent powers the VM off when the connection ends */
		close(take_fd(conn));
	}
	engine_vm_stop_vmm(vmm, vmm_fd, SHUTDOWN_WAIT_MS);
	unlink(ENGINE_VM_VSOCK_PATH);
	return r < 0 ? r : status;
}

int engine_vm_launch(struct hull_ctx *ctx, const struct hull_container *c, const int stdio[3],
		     const struct engine_vm_nic *nic, pid_t *pid, struct hull_error **err)
{
	int r = kvm_usable(err); /* before anything is made for the VM */
	if (r < 0)
		return r;
	_cleanup_record_ struct hull_container_record rec;
	if ((r = hull_container_record_parse(c->record, "container.json", &rec, err)) < 0)
		return hull_error_wrap(err, r, "--vm");
	const struct hull_record_host_config *hc = &rec.host_config;
	const struct hull_record_vm *vm = &hc->hull_vm;
	struct shim s = {.ctx = ctx, .c = c, .memory = hc->memory};
	if (!s.memory)
		s.memory = VM_DEFAULT_MEMORY;
	long long nano = hc->nano_cpus;
	s.cpus = nano > 0 ? (unsigned)((nano + 999999999LL) / 1000000000LL) : 1;
	if (s.cpus > HULL_VM_MAX_CPUS)
		s.cpus = HULL_VM_MAX_CPUS;
	s.kernel = vm->kernel ? hull_xstrdup(vm->kernel) : NULL;
	_cleanup_free_ char *cache = hull_path_join(ctx->data_root, "vm");
	struct hull_agent_initramfs_opts io = {.hull_binary = "/proc/self/exe", .kernel = s.kernel};
	const char *image = rec.image;
	json_t *lowers = json_object_get(json_object_get(json_object_get(c->record, "GraphDriver"), "Data"),
					 "HullLowerDirs");
	const char *rootfs = vm->rootfs;
	/* a record without RootFS was made before the root share: its disk, as then */
	bool on_disk = !rootfs || !strcmp(rootfs, "disk");
	s.root = on_disk ? NULL : rec.graph_driver.data.merged_dir;
	if (!on_disk && !s.root) {
		shim_clear(&s);
		return hull_error_msg(err, EINVAL, "--vm: the container's record has no MergedDir");
	}
	if (collect_shares(c->record, s.fs, &s.n_fs, s.tags, err) < 0 || (nic && shim_nic(&s, nic, err) < 0) ||
	    !(s.initrd = hull_agent_initramfs_cached(&io, cache, err)) ||
	    (on_disk && !(s.disk = image_disk(ctx, image, lowers, err)))) {
		shim_clear(&s);
		return hull_error_wrap(err, -EIO, "--vm");
	}
	pid_t child = fork();
	if (child < 0)
		r = hull_error_set(err, errno, "fork the VM shim");
	if (child == 0) {
		for (int i = 0; i < 3; i++)
			if (stdio[i] != i && dup2(stdio[i], i) < 0)
				_exit(SHIM_ERROR);
		/* nothing of the monitor's (the starting CLI's pipe...) stays open in the shim */
		syscall(SYS_close_range, 3U, ~0U, 0U);
		struct hull_error *e = NULL;
		int status = shim_main(&s, &e);
		if (status < 0)
			dprintf(STDERR_FILENO, "hull: --vm: %s\n", e ? e->msg : "failed");
		_exit(status < 0 ? SHIM_ERROR : status);
	}
	*pid = child;
	shim_clear(&s);
	return r;
}

int hull_engine_vm_prepare(struct hull_ctx *ctx, struct hull_image_store *store, const char *image, const char *kernel,
			   char **initrd, char **disk, struct hull_error **err)
{
	*initrd = NULL;
	if (disk)
		*disk = NULL;
	_cleanup_free_ char *own = kernel ? NULL : hull_engine_vm_default_kernel(err);
	if (!kernel && !(kernel = own))
		return -ENOENT;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_get(store, image, &img, err) < 0)
		return -ENOENT;
	_cleanup_json_ json_t *lowers = json_array();
	for (size_t i = img->n_layers; i-- > 0;)
		json_array_append_new(lowers, json_string(img->layer_dirs[i]));
	_cleanup_free_ char *cache = hull_path_join(ctx->data_root, "vm");
	struct hull_agent_initramfs_opts io = {.hull_binary = "/proc/self/exe", .kernel = kernel};
	if (!(*initrd = hull_agent_initramfs_cached(&io, cache, err)))
		return -EIO;
	if (disk && !(*disk = image_disk(ctx, img->id, lowers, err))) {
		free(*initrd);
		*initrd = NULL;
		return -EIO;
	}
	return 0;
}

/* ------------------------------------------------------------ exec -- */

/* The VMM's host side of vsock: "CONNECT port\n", answered "OK n\n". */
int engine_vm_vsock_connect(const char *dir, unsigned port, struct hull_error **err)
{
	/* through the directory's fd: sun_path is short, a state dir's path may not be */
	_cleanup_close_ int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return hull_error_set(err, errno, "open `%s`", dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dfd, ENGINE_VM_VSOCK_PATH);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hull_error_set(err, errno, "connect to the VM's vsock (`%s/%s`): is its VM up?", dir,
				      ENGINE_VM_VSOCK_PATH);
	int n;
	char line[64];
	n = snprintf(line, sizeof(line), "CONNECT %u\n", port);
	if (hull_write_all(fd, line, (size_t)n) < 0)
		return hull_error_set(err, errno, "vsock: send CONNECT");
	/* a byte at a time: what follows the line is the agent's */
	size_t len = 0;
	for (;;) {
		ssize_t k = read(fd, line + len, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return hull_error_msg(err, ECONNREFUSED,
					      "vsock: the guest did not take the connection to port %u (its agent does "
					      "not listen for exec: a VM started by an older hull?)",
					      port);
		if (line[len] == '\n')
			break;
		if (++len == sizeof(line) - 1)
			return hull_error_msg(err, EPROTO, "vsock: an answer to CONNECT that is too long");
	}
	line[len] = '\0';
	if (strncmp(line, "OK ", 3))
		return hull_error_msg(err, ECONNREFUSED, "vsock: CONNECT %u answered `%s`", port, line);
	return take_fd(fd);
}

int hull_engine_vm_exec(const struct hull_container *c, json_t *process, const int stdio[3], int signal_fd,
			bool terminal, int *status, struct hull_error **err)
{
	_cleanup_close_ int conn = engine_vm_vsock_connect(c->dir, HULL_AGENT_EXEC_PORT, err);
	if (conn < 0)
		return conn;
	struct hull_agent_call call = {.id = c->id,
				       .stdio = {stdio[0], stdio[1], stdio[2]},
				       .signal_fd = signal_fd,
				       .stop_fd = -1,
				       .terminal = terminal,
				       .process = process};
	return hull_agent_call_run(conn, &call, status, err);
}

char *hull_engine_vm_rootfs(const struct hull_container *c)
{
	const char *merged = json_string_value(
	    json_object_get(json_object_get(json_object_get(c->record, "GraphDriver"), "Data"), "MergedDir"));
	return hull_strdup_printf("/proc/%d/root%s", (int)c->state.pid, merged ? merged : "/nonexistent");
}
