/* vm/vm.c - `hull vm run`: boot a micro-VM on KVM with its console on
 * stdin/stdout, and exit with how the guest ended. */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "vm.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/vmm.h"

/* Exit statuses of `hull vm run` (README "Micro-VMs"). */
#define EXIT_GUEST_POWEROFF 0
#define EXIT_GUEST_RESET 0
#define EXIT_HULL_ERROR 1
#define EXIT_GUEST_CRASH 2

static void run_usage(FILE *out)
{
	fprintf(out, "Usage: hull vm run --kernel FILE [OPTIONS]\n\n"
		     "Boot a KVM micro-VM; its serial console is this terminal (stdin/stdout).\n\n"
		     "  --kernel FILE        bzImage (Linux boot protocol 2.12+) or ELF with a PVH note\n"
		     "  --initrd FILE        initial ramdisk\n"
		     "  --cmdline STR        kernel command line (default \"console=ttyS0 reboot=k panic=1\",\n"
		     "                       Firecracker's: the console on the serial port, reset on panic)\n"
		     "  --cpus N             vCPUs (default 1, at most 32)\n"
		     "  --memory SIZE        guest RAM, e.g. 512M, 2G (default 256M)\n"
		     "  --disk FILE[,ro]     a virtio-blk disk on a raw image; repeatable (up to 8)\n"
		     "  --net tap:NAME|none  a virtio-net device on an existing tap interface; repeatable (up to 4)\n"
		     "  --vsock CID          a virtio-vsock device with guest CID (>= 3)\n"
		     "  --vsock-path PATH    host side of vsock (default /tmp/hull-vsock-CID): a guest connecting\n"
		     "                       to CID 2 port P reaches the unix socket PATH_P; a host program\n"
		     "                       connecting to PATH and writing \"CONNECT P\\n\" reaches guest port P\n"
		     "  --fs TAG=DIR[,ro]    share the host directory DIR by virtio-fs under TAG (the guest mounts\n"
		     "                       it with `mount -t virtiofs TAG /mnt`); ,ro refuses every change;\n"
		     "                       repeatable (up to 8). A VM with shares cannot be snapshotted\n"
		     "  --no-rng             leave out the virtio-rng device\n"
		     "  --reboot             boot again when the guest resets, instead of exiting\n"
		     "  --api-socket PATH    take requests on this unix socket (hull vm snapshot)\n"
		     "  --no-seccomp         leave the VMM unconfined: by default, once the VM is built, it drops\n"
		     "                       every capability and runs under a seccomp allowlist of the system\n"
		     "                       calls its run loop makes (any other call kills it with SIGSYS)\n"
		     "  --jail DIR --uid U --gid G\n"
		     "                       as Firecracker's jailer: the VMM runs in new pid, mount and network\n"
		     "                       namespaces and, once its VM is built, chroots into an empty tmpfs on DIR\n"
		     "                       (only the directories of the vsock and API sockets are bound in; disks,\n"
		     "                       taps and /dev/kvm stay open as fds) and runs as U:G (numeric)\n\n"
		     "Exit status: 0 when the guest powers off or resets, 2 when it crashes (triple fault,\n"
		     "KVM error: the registers and last console lines are printed), 1 when hull fails.\n");
}

/* --uid U / --gid G of --jail: a number; *seen notes it was given. */
static int parse_jail_id(const char *cmd, bool is_uid, const char *arg, struct hull_vm_config *cfg, bool *seen)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (errno || *end || !*arg || arg[0] == '-' || v >= 0xffffffffUL)
		return cli_usage_error(cmd, "--%s `%s`: give a number", is_uid ? "uid" : "gid", arg);
	if (is_uid)
		cfg->jail_uid = (uint32_t)v;
	else
		cfg->jail_gid = (uint32_t)v;
	*seen = true;
	return 0;
}

/* --jail DIR, --uid and --gid come together or not at all. */
static int check_jail(const char *cmd, const struct hull_vm_config *cfg, bool uid, bool gid)
{
	if ((uid || gid) && !cfg->jail_dir)
		return cli_usage_error(cmd, "--uid and --gid go with --jail DIR");
	if (cfg->jail_dir && (!uid || !gid))
		return cli_usage_error(cmd, "--jail DIR needs --uid U and --gid G: the ids the VMM runs as");
	return 0;
}

int vm_parse_disk(const char *cmd, const char *arg, struct hull_vm_config *cfg)
{
	if (cfg->n_disks == HULL_VM_MAX_DISKS)
		return cli_usage_error(cmd, "at most %d --disk options", HULL_VM_MAX_DISKS);
	struct hull_vm_disk *d = &cfg->disks[cfg->n_disks++];
	char *path = hull_xstrdup(arg);
	char *comma = strrchr(path, ',');
	if (comma && (!strcmp(comma, ",ro") || !strcmp(comma, ",rw"))) {
		d->read_only = !strcmp(comma, ",ro");
		*comma = 0;
	}
	d->path = path;
	return 0;
}

/* --fs TAG=DIR[,ro] */
static int parse_fs(const char *arg, struct hull_vm_config *cfg)
{
	if (cfg->n_fs == HULL_VM_MAX_FS)
		return cli_usage_error("vm run", "at most %d --fs options", HULL_VM_MAX_FS);
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1])
		return cli_usage_error("vm run", "--fs `%s`: give TAG=DIR or TAG=DIR,ro", arg);
	struct hull_vm_fs *f = &cfg->fs[cfg->n_fs];
	char *tag = hull_xstrdup(arg);
	tag[eq - arg] = '\0';
	char *dir = hull_xstrdup(eq + 1);
	size_t n = strlen(dir);
	if (n > 3 && (!strcmp(dir + n - 3, ",ro") || !strcmp(dir + n - 3, ",rw"))) {
		f->read_only = dir[n - 2] == 'r' && dir[n - 1] == 'o';
		dir[n - 3] = '\0';
	}
	_cleanup_error_ struct hull_error *err = NULL;
	if (hull_vm_fs_tag_check(tag, &err) < 0) {
		free(tag);
		free(dir);
		return cli_usage_error("vm run", "--fs: %s", err->msg);
	}
	for (unsigned i = 0; i < cfg->n_fs; i++)
		if (!strcmp(cfg->fs[i].tag, tag)) {
			free(tag);
			free(dir);
			return cli_usage_error("vm run", "--fs: the tag `%s` is given twice", cfg->fs[i].tag);
		}
	f->tag = tag;
	f->dir = dir;
	cfg->n_fs++;
	return 0;
}

static int parse_run(int argc, char **argv, struct hull_vm_config *cfg, bool *reboot)
{
	enum {
		OPT_KERNEL = 256,
		OPT_INITRD,
		OPT_CMDLINE,
		OPT_CPUS,
		OPT_MEMORY,
		OPT_DISK,
		OPT_NET,
		OPT_VSOCK,
		OPT_VSOCK_PATH,
		OPT_NO_RNG,
		OPT_REBOOT,
		OPT_API,
		OPT_NO_SECCOMP,
		OPT_FS,
		OPT_JAIL,
		OPT_UID,
		OPT_GID
	};
	static const struct option opts[] = {
	    {"kernel", required_argument, 0, OPT_KERNEL},
	    {"initrd", required_argument, 0, OPT_INITRD},
	    {"cmdline", required_argument, 0, OPT_CMDLINE},
	    {"cpus", required_argument, 0, OPT_CPUS},
	    {"memory", required_argument, 0, OPT_MEMORY},
	    {"disk", required_argument, 0, OPT_DISK},
	    {"net", required_argument, 0, OPT_NET},
	    {"vsock", required_argument, 0, OPT_VSOCK},
	    {"vsock-path", required_argument, 0, OPT_VSOCK_PATH},
	    {"no-rng", no_argument, 0, OPT_NO_RNG},
	    {"reboot", no_argument, 0, OPT_REBOOT},
	    {"api-socket", required_argument, 0, OPT_API},
	    {"no-seccomp", no_argument, 0, OPT_NO_SECCOMP},
	    {"fs", required_argument, 0, OPT_FS},
	    {"jail", required_argument, 0, OPT_JAIL},
	    {"uid", required_argument, 0, OPT_UID},
	    {"gid", required_argument, 0, OPT_GID},
	    {"help", no_argument, 0, 'h'},
	    {0},
	};
	int c;
	char *end;
	bool uid = false, gid = false;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		_cleanup_error_ struct hull_error *err = NULL;
		switch (c) {
		case OPT_KERNEL:
			cfg->kernel = optarg;
			break;
		case OPT_INITRD:
			cfg->initrd = optarg;
			break;
		case OPT_CMDLINE:
			cfg->cmdline = optarg;
			break;
		case OPT_CPUS:
			cfg->cpus = (unsigned)strtoul(optarg, &end, 10);
			if (*end || !*optarg || cfg->cpus < 1 || cfg->cpus > HULL_VM_MAX_CPUS)
				return cli_usage_error("vm run", "--cpus `%s`: give a number from 1 to %d", optarg,
						       HULL_VM_MAX_CPUS);
			break;
		case OPT_MEMORY:
			if (hull_vm_parse_size(optarg, &cfg->memory, &err) < 0)
				return cli_usage_error("vm run", "--memory: %s", err->msg);
			break;
		case OPT_DISK:
			if (vm_parse_disk("vm run", optarg, cfg))
				return -1;
			break;
		case OPT_NET:
			if (!strcmp(optarg, "none"))
				cfg->n_taps = 0;
			else if (!strncmp(optarg, "tap:", 4) && optarg[4] && cfg->n_taps < HULL_VM_MAX_NICS)
				cfg->taps[cfg->n_taps++] = optarg + 4;
			else if (cfg->n_taps == HULL_VM_MAX_NICS)
				return cli_usage_error("vm run", "at most %d --net options", HULL_VM_MAX_NICS);
			else
				return cli_usage_error("vm run", "--net `%s`: give tap:NAME or none", optarg);
			break;
		case OPT_VSOCK:
			cfg->vsock_cid = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || !*optarg || cfg->vsock_cid < 3)
				return cli_usage_error("vm run", "--vsock `%s`: give the guest CID, a number >= 3",
						       optarg);
			break;
		case OPT_VSOCK_PATH:
			cfg->vsock_path = optarg;
			break;
		case OPT_FS:
			if (parse_fs(optarg, cfg))
				return -1;
			break;
		case OPT_NO_RNG:
			cfg->rng = false;
			break;
		case OPT_REBOOT:
			*reboot = true;
			break;
		case OPT_API:
			cfg->api_socket = optarg;
			break;
		case OPT_NO_SECCOMP:
			cfg->seccomp = false;
			break;
		case OPT_JAIL:
			cfg->jail_dir = optarg;
			break;
		case OPT_UID:
		case OPT_GID:
			if (parse_jail_id("vm run", c == OPT_UID, optarg, cfg, c == OPT_UID ? &uid : &gid))
				return -1;
			break;
		case 'h':
			run_usage(stdout);
			exit(0);
		default:
			return cli_usage_error("vm run", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("vm run", "unexpected argument `%s`", argv[optind]);
	if (!cfg->kernel)
		return cli_usage_error("vm run", "--kernel FILE is required");
	if (check_jail("vm run", cfg, uid, gid))
		return -1;
	/* the FUSE server reopens files through /proc/self/fd and acts as
	 * root for the guest's uids: neither exists in the jail */
	if (cfg->jail_dir && cfg->n_fs)
		return cli_usage_error("vm run",
				       "--fs cannot go with --jail: the virtio-fs server needs the "
				       "host's /proc and root's file capabilities, which the jail takes away");
	/* a share's source is checked here, before /dev/kvm is opened: bad
	 * input is said as such on any machine (the device opens it again) */
	for (unsigned i = 0; i < cfg->n_fs; i++) {
		struct stat st;
		int e = stat(cfg->fs[i].dir, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
		if (e)
			return cli_usage_error("vm run", "--fs: virtio-fs: share `%s`: a directory is needed: %s",
					       cfg->fs[i].dir, strerror(e));
	}
	return 0;
}

/* The terminal as it was, for the signal handler (the CLI's one global). */
static struct termios console_saved;

static void restore_console_and_die(int sig)
{
	tcsetattr(0, TCSANOW, &console_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* The console: without canonical mode and echo the guest sees each key;
 * Ctrl-C still ends hull, and the terminal is put back on the way out. */
static bool raw_console(struct termios *saved)
{
	if (!isatty(0) || tcgetattr(0, saved) < 0)
		return false;
	console_saved = *saved;
	struct sigaction sa = {.sa_handler = restore_console_and_die};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	struct termios t = *saved;
	t.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
	t.c_iflag &= (tcflag_t) ~(ICRNL);
	tcsetattr(0, TCSANOW, &t);
	return true;
}

/* The exit status for how the guest ended (README "Micro-VMs"). */
static int report(struct hull_vm_result *res)
{
	switch (res->reason) {
	case HULL_VM_EXIT_POWEROFF:
		return EXIT_GUEST_POWEROFF;
	case HULL_VM_EXIT_RESET:
		fprintf(stderr, "hull vm: the guest reset the machine; exiting (--reboot boots it again)\n");
		return EXIT_GUEST_RESET;
	case HULL_VM_EXIT_SNAPSHOT:
		fprintf(stderr, "hull vm: snapshot saved to `%s`; the VM stopped (hull vm restore resumes it)\n",
			res->detail ? res->detail : "?");
		return 0;
	default:
		fprintf(stderr, "\nhull vm: the guest crashed: %s", res->detail ? res->detail : "(no detail)\n");
		return EXIT_GUEST_CRASH;
	}
}

#define EXIT_CHILD_AGAIN 100 /* between a VM's process and its parent: boot again */

/* One VM, run or restored, and how it ended; *again when it reset and
 * --reboot asks for another boot. */
static int run_one(struct hull_cli *cli, const struct hull_vm_config *cfg, const char *snapshot, bool reboot,
		   bool *again)
{
	struct hull_error *err = NULL;
	struct hull_vm_result res;
	*again = false;
	int r = snapshot ? hull_vm_restore(snapshot, cfg, &res, &err) : hull_vm_run(cfg, &res, &err);
	if (r < 0)
		return cli_fail(cli, err);
	*again = res.reason == HULL_VM_EXIT_RESET && reboot;
	int status = *again ? 0 : report(&res);
	hull_vm_result_clear(&res);
	return status;
}

/* With seccomp the VMM's process is confined for good once its VM is
 * built, so each VM runs in a child: the parent puts the terminal back,
 * boots again on --reboot, and says so when the filter killed the child. */
static int run_vm(struct hull_cli *cli, const struct hull_vm_config *cfg, const char *snapshot, bool reboot,
		  bool *again)
{
	if (!cfg->seccomp && !cfg->jail_dir)
		return run_one(cli, cfg, snapshot, reboot, again);
	fflush(stdout);
	fflush(stderr);
	/* a jailed VMM is PID 1 of a pid namespace of its own (threads cannot
	 * be made after unsharing one, so it is entered here, at the fork) */
	pid_t pid = cfg->jail_dir ? (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL) : fork();
	if (pid < 0) {
		fprintf(stderr, "hull vm: %s the VMM's process: %s\n",
			cfg->jail_dir ? "clone (new pid namespace)" : "fork", strerror(errno));
		return EXIT_HULL_ERROR;
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* hull killed: its VM goes too */
		int status = run_one(cli, cfg, snapshot, reboot, again);
		fflush(stdout);
		_exit(*again ? EXIT_CHILD_AGAIN : status);
	}
	int ws;
	while (waitpid(pid, &ws, 0) < 0)
		if (errno != EINTR)
			return EXIT_HULL_ERROR;
	*again = WIFEXITED(ws) && WEXITSTATUS(ws) == EXIT_CHILD_AGAIN;
	bool sigsys = WIFSIGNALED(ws) ? WTERMSIG(ws) == SIGSYS : cfg->jail_dir && WEXITSTATUS(ws) == HULL_VM_EXIT_SIGSYS;
	if (WIFEXITED(ws) && !sigsys)
		return *again ? 0 : WEXITSTATUS(ws);
	if (sigsys)
		fprintf(stderr, "hull vm: the VMM was killed by SIGSYS: it made a system call outside its seccomp "
				"filter (--no-seccomp runs the VMM unconfined)\n");
	else
		fprintf(stderr, "\nhull vm: the VMM was killed by signal %d (%s)\n", WTERMSIG(ws),
			strsignal(WTERMSIG(ws)));
	return EXIT_HULL_ERROR;
}

static int cmd_vm_run(struct hull_cli *cli, int argc, char **argv)
{
	struct hull_vm_config cfg;
	hull_vm_config_init(&cfg);
	bool reboot = false;
	if (parse_run(argc, argv, &cfg, &reboot))
		return EXIT_HULL_ERROR;
	cfg.test_forbidden_syscall = getenv("HULL_VM_TEST_SECCOMP") != NULL;
	cfg.irqfd = getenv("HULL_VM_IRQFD") != NULL; /* opt-in: docs/vmm-devices.md */
	if (!cfg.cmdline)
		cfg.cmdline = "console=ttyS0 reboot=k panic=1";
	_cleanup_free_ char *vsock_path = NULL;
	if (cfg.vsock_cid && !cfg.vsock_path)
		cfg.vsock_path = vsock_path = hull_strdup_printf("/tmp/hull-vsock-%u", cfg.vsock_cid);
	struct termios saved;
	bool raw = raw_console(&saved);
	int status;
	bool again;
	do
		status = run_vm(cli, &cfg, NULL, reboot, &again);
	while (again);
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	for (unsigned i = 0; i < cfg.n_disks; i++)
		free((char *)cfg.disks[i].path);
	for (unsigned i = 0; i < cfg.n_fs; i++) {
		free((char *)cfg.fs[i].tag);
		free((char *)cfg.fs[i].dir);
	}
	return status;
}

/* hull vm snapshot --api-socket PATH [--stop] FILE */
static int cmd_vm_snapshot(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"api-socket", required_argument, 0, 'a'},
	    {"stop", no_argument, 0, 's'},
	    {"help", no_argument, 0, 'h'},
	    {0},
	};
	const char *api = NULL;
	bool stop = false;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			api = optarg;
			break;
		case 's':
			stop = true;
			break;
		case 'h':
			printf("Usage: hull vm snapshot --api-socket PATH [--stop] FILE\n\n"
			       "Pause the VM serving PATH, save its memory, vCPUs and devices to FILE, and resume it\n"
			       "(or, with --stop, end it there). `hull vm restore FILE` boots it from that point.\n");
			return 0;
		default:
			return cli_usage_error("vm snapshot", "unknown option");
		}
	}
	if (!api || optind != argc - 1)
		return cli_usage_error("vm snapshot", "give --api-socket PATH and one FILE");
	char *file = realpath(argv[optind], NULL);
	if (!file) {
		/* the file does not exist yet: make the path absolute for the VMM */
		char cwd[4096];
		file = argv[optind][0] == '/' || !getcwd(cwd, sizeof(cwd))
			   ? hull_xstrdup(argv[optind])
			   : hull_strdup_printf("%s/%s", cwd, argv[optind]);
	}
	_cleanup_free_ char *request = hull_strdup_printf("snapshot %s%s", file, stop ? " stop" : "");
	free(file);
	struct hull_error *err = NULL;
	if (hull_vm_api_request(api, request, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}

/* hull vm restore FILE [--api-socket PATH] [--disk FILE[,ro]]... [--net tap:NAME]... [--vsock-path PATH] */
static int parse_restore(int argc, char **argv, struct hull_vm_config *cfg)
{
	bool uid = false, gid = false;
	enum { OPT_API = 256, OPT_DISK, OPT_NET, OPT_VSOCK_PATH, OPT_NO_SECCOMP, OPT_JAIL, OPT_UID, OPT_GID };
	static const struct option opts[] = {
	    {"api-socket", required_argument, 0, OPT_API},
	    {"jail", required_argument, 0, OPT_JAIL},
	    {"uid", required_argument, 0, OPT_UID},
	    {"gid", required_argument, 0, OPT_GID},
	    {"disk", required_argument, 0, OPT_DISK},
	    {"net", required_argument, 0, OPT_NET},
	    {"vsock-path", required_argument, 0, OPT_VSOCK_PATH},
	    {"no-seccomp", no_argument, 0, OPT_NO_SECCOMP},
	    {"help", no_argument, 0, 'h'},
	    {0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_API:
			cfg->api_socket = optarg;
			break;
		case OPT_DISK:
			if (vm_parse_disk("vm restore", optarg, cfg))
				return -1;
			break;
		case OPT_NET:
			if (strncmp(optarg, "tap:", 4) || !optarg[4])
				return cli_usage_error("vm restore", "--net `%s`: give tap:NAME", optarg);
			if (cfg->n_taps == HULL_VM_MAX_NICS)
				return cli_usage_error("vm restore", "at most %d --net options", HULL_VM_MAX_NICS);
			cfg->taps[cfg->n_taps++] = optarg + 4;
			break;
		case OPT_VSOCK_PATH:
			cfg->vsock_path = optarg;
			break;
		case OPT_NO_SECCOMP:
			cfg->seccomp = false;
			break;
		case OPT_JAIL:
			cfg->jail_dir = optarg;
			break;
		case OPT_UID:
		case OPT_GID:
			if (parse_jail_id("vm restore", c == OPT_UID, optarg, cfg, c == OPT_UID ? &uid : &gid))
				return -1;
			break;
		case 'h':
			printf("Usage: hull vm restore FILE [OPTIONS]\n\n"
			       "Resume a VM saved by `hull vm snapshot`, with its console on this terminal.\n"
			       "Paths inside a snapshot are not trusted: give the VM's disks and taps again, in\n"
			       "the order and modes of `hull vm run`.\n\n"
			       "  --disk FILE[,ro]     a disk of the saved VM; repeat for each\n"
			       "  --net tap:NAME       a network device of the saved VM; repeat for each\n"
			       "  --vsock-path PATH    host side of its vsock device (default /tmp/hull-vsock-CID)\n"
			       "  --api-socket PATH    take requests on this unix socket (hull vm snapshot)\n"
			       "  --no-seccomp         leave the VMM unconfined (see hull vm run --help)\n"
			       "  --jail DIR --uid U --gid G\n"
			       "                       jail the VMM as `hull vm run --jail` does, once the VM is restored\n");
			exit(0);
		default:
			return cli_usage_error("vm restore", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("vm restore", "give one snapshot FILE");
	return check_jail("vm restore", cfg, uid, gid);
}

static int cmd_vm_restore(struct hull_cli *cli, int argc, char **argv)
{
	struct hull_vm_config cfg;
	hull_vm_config_init(&cfg);
	int status = EXIT_HULL_ERROR;
	if (parse_restore(argc, argv, &cfg) == 0) {
		cfg.test_forbidden_syscall = getenv("HULL_VM_TEST_SECCOMP") != NULL;
		cfg.irqfd = getenv("HULL_VM_IRQFD") != NULL; /* opt-in: docs/vmm-devices.md */
		struct termios saved;
		bool raw = raw_console(&saved);
		bool again;
		status = run_vm(cli, &cfg, argv[optind], false, &again);
		if (raw)
			tcsetattr(0, TCSANOW, &saved);
	}
	for (unsigned i = 0; i < cfg.n_disks; i++)
		free((char *)cfg.disks[i].path);
	for (unsigned i = 0; i < cfg.n_fs; i++) {
		free((char *)cfg.fs[i].tag);
		free((char *)cfg.fs[i].dir);
	}
	return status;
}

static void vm_usage(FILE *out)
{
	fprintf(out, "Usage: hull vm COMMAND [OPTIONS]\n\n"
		     "Commands:\n"
		     "  run       boot a micro-VM (hull vm run --help)\n"
		     "  snapshot  save a running VM to a file through its API socket\n"
		     "  restore   resume a VM from a snapshot file\n"
		     "  clone     start N VMs from one snapshot file, memory shared copy-on-write\n");
}

/* cmd_vm: `hull vm SUBCOMMAND ...` */
int cmd_vm(struct hull_cli *cli, int argc, char **argv);
int cmd_vm(struct hull_cli *cli, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		vm_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_HULL_ERROR : 0;
	}
	optind = 0;
	if (!strcmp(argv[1], "run"))
		return cmd_vm_run(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "snapshot"))
		return cmd_vm_snapshot(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "restore"))
		return cmd_vm_restore(cli, argc - 1, argv + 1);
	if (!strcmp(argv[1], "clone"))
		return cmd_vm_clone(cli, argc - 1, argv + 1);
	return cli_usage_error("vm", "unknown command `%s`", argv[1]);
}
