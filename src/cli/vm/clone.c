/* vm/clone.c - `hull vm clone`: N VMs from one snapshot file. Each runs in
 * its own process (its own jail) and maps the file MAP_PRIVATE, so the pages
 * no clone writes stay one copy in the page cache. Each gets its own
 * identity: a new VM generation ID and random MACs (every restore does),
 * its own vsock CID and socket path, its own taps; a writable disk given
 * to several clones is refused for all but the first by the disk lock. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "vm.h"

#define CLONE_MAX 64

struct clone_opts {
	unsigned n;
	const char *tap_prefix[HULL_VM_MAX_NICS];
	unsigned n_taps;
	const char *vsock_prefix;
	uint32_t cid_base;
	const char *console_prefix;
};

static void clone_usage(void)
{
	printf("Usage: hull vm clone SNAPSHOT -n N [OPTIONS]\n\n"
	       "Start N VMs from one snapshot file. Their memory is the file, mapped copy-on-write:\n"
	       "pages no clone writes are shared. Every clone gets a new VM generation ID (the ACPI\n"
	       "vmgenid device), new random MAC addresses and its own vsock CID and socket. Each\n"
	       "clone's console reads what hull reads on stdin (every line goes to all of them).\n\n"
	       "  -n N                      how many clones (1 to %d)\n"
	       "  --disk FILE[,ro]          a disk of the saved VM, for every clone; a writable disk is\n"
	       "                            locked by the first clone that opens it and refused to the\n"
	       "                            others: give each clone its own copy, or attach it ,ro\n"
	       "  --net tap:PREFIX          a network device of the saved VM: clone i (0..N-1) uses the\n"
	       "                            tap PREFIXi; repeat for each device\n"
	       "  --cid-base CID            clone i's vsock CID is CID+i (default: the saved CID+1+i)\n"
	       "  --vsock-path-prefix P     clone i's vsock socket path is Pi (default /tmp/hull-vsock-CID)\n"
	       "  --console-prefix P        clone i's console output goes to the file Pi (default stdout)\n"
	       "  --no-seccomp              leave the VMMs unconfined (see hull vm run --help)\n\n"
	       "hull prints each clone's pid on stderr, waits for them all, and exits 0 when every\n"
	       "guest powered off or reset, else with the first failing clone's status.\n",
	       CLONE_MAX);
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || !*s || *end || *s == '-' || v < min || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_clone(int argc, char **argv, struct hull_vm_config *cfg, struct clone_opts *o)
{
	enum { OPT_DISK = 256, OPT_NET, OPT_CID, OPT_VSOCK_PREFIX, OPT_CONSOLE, OPT_NO_SECCOMP };
	static const struct option opts[] = {
	    {"disk", required_argument, 0, OPT_DISK},
	    {"net", required_argument, 0, OPT_NET},
	    {"cid-base", required_argument, 0, OPT_CID},
	    {"vsock-path-prefix", required_argument, 0, OPT_VSOCK_PREFIX},
	    {"console-prefix", required_argument, 0, OPT_CONSOLE},
	    {"no-seccomp", no_argument, 0, OPT_NO_SECCOMP},
	    {"help", no_argument, 0, 'h'},
	    {0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (parse_u32(optarg, 1, CLONE_MAX, &o->n) < 0)
				return cli_usage_error("vm clone", "-n `%s`: give a number from 1 to %d", optarg,
						       CLONE_MAX);
			break;
		case OPT_DISK:
			if (vm_parse_disk("vm clone", optarg, cfg))
				return -1;
			break;
		case OPT_NET:
			if (strncmp(optarg, "tap:", 4) || !optarg[4])
				return cli_usage_error("vm clone", "--net `%s`: give tap:PREFIX", optarg);
			if (o->n_taps == HULL_VM_MAX_NICS)
				return cli_usage_error("vm clone", "at most %d --net options", HULL_VM_MAX_NICS);
			o->tap_prefix[o->n_taps++] = optarg + 4;
			break;
		case OPT_CID:
			if (parse_u32(optarg, 3, 0xfffffffeu - CLONE_MAX, &o->cid_base) < 0)
				return cli_usage_error("vm clone", "--cid-base `%s`: give a CID >= 3", optarg);
			break;
		case OPT_VSOCK_PREFIX:
			o->vsock_prefix = optarg;
			break;
		case OPT_CONSOLE:
			o->console_prefix = optarg;
			break;
		case OPT_NO_SECCOMP:
			cfg->seccomp = false;
			break;
		case 'h':
			clone_usage();
			exit(0);
		default:
			return cli_usage_error("vm clone", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("vm clone", "give one snapshot FILE");
	if (!o->n)
		return cli_usage_error("vm clone", "-n N is required");
	return 0;
}

/* One clone, in its own process: restore, report, exit. */
static __attribute__((noreturn)) void clone_child(struct hull_cli *cli, const char *snapshot,
						  const struct hull_vm_config *cfg, unsigned i)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL); /* hull killed: its clones go too */
	signal(SIGPIPE, SIG_DFL);
	struct hull_error *err = NULL;
	struct hull_vm_result res;
	int status = 0;
	if (hull_vm_restore(snapshot, cfg, &res, &err) < 0) {
		hull_error_wrap(&err, -EINVAL, "clone %u", i);
		status = cli_fail(cli, err);
	} else if (res.reason == HULL_VM_EXIT_CRASH) {
		fprintf(stderr, "\nhull vm clone: clone %u: the guest crashed: %s", i,
			res.detail ? res.detail : "(no detail)\n");
		status = 2;
	}
	if (status == 0)
		hull_vm_result_clear(&res);
	fflush(stdout);
	fflush(stderr);
	_exit(status);
}

/* Copy what arrives on stdin to every clone's console; false at EOF. */
static bool feed(int *in, unsigned n)
{
	char buf[4096];
	ssize_t got = read(0, buf, sizeof(buf));
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (got <= 0)
		return false;
	for (unsigned i = 0; i < n; i++) {
		if (in[i] < 0)
			continue;
		/* a clone that reads nothing loses input rather than blocking the others */
		if (write(in[i], buf, (size_t)got) < 0 && errno != EAGAIN) {
			close(in[i]);
			in[i] = -1;
		}
	}
	return true;
}

/* Wait for every clone, feeding them stdin meanwhile; the first failing status. */
static int wait_clones(const pid_t *pids, int *in, unsigned n)
{
	unsigned left = n;
	bool stdin_open = true;
	int result = 0;
	while (left) {
		struct pollfd p = {.fd = 0, .events = POLLIN};
		if (stdin_open && poll(&p, 1, 200) > 0 && !feed(in, n)) {
			stdin_open = false;
			for (unsigned i = 0; i < n; i++)
				if (in[i] >= 0) {
					close(in[i]);
					in[i] = -1;
				}
		}
		if (!stdin_open)
			usleep(50000);
		int ws;
		pid_t pid;
		while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
			unsigned i = 0;
			while (i < n && pids[i] != pid)
				i++;
			if (i == n)
				continue;
			left--;
			int status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
			if (WIFSIGNALED(ws))
				fprintf(stderr, "hull vm clone: clone %u (pid %d) was killed by signal %d (%s)%s\n", i,
					(int)pid, WTERMSIG(ws), strsignal(WTERMSIG(ws)),
					WTERMSIG(ws) == SIGSYS ? ": a system call outside its seccomp filter" : "");
			if (status && !result)
				result = status;
		}
	}
	return result;
}

int cmd_vm_clone(struct hull_cli *cli, int argc, char **argv)
{
	struct hull_vm_config cfg;
	hull_vm_config_init(&cfg);
	struct clone_opts o = {0};
	int status = 1;
	pid_t pids[CLONE_MAX];
	int in[CLONE_MAX], out[CLONE_MAX];
	unsigned started = 0;
	for (unsigned i = 0; i < CLONE_MAX; i++)
		in[i] = out[i] = -1;
	if (parse_clone(argc, argv, &cfg, &o))
		goto done;
	const char *snapshot = argv[optind];
	for (unsigned i = 0; i < o.n; i++) {
		if (!o.console_prefix) {
			out[i] = dup(1);
			continue;
		}
		_cleanup_free_ char *path = hull_strdup_printf("%s%u", o.console_prefix, i);
		out[i] = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out[i] < 0) {
			fprintf(stderr, "hull vm clone: console file `%s`: %s\n", path, strerror(errno));
			goto done;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	fflush(stderr);
	for (; started < o.n; started++) {
		unsigned i = started;
		int p[2];
		if (pipe2(p, O_CLOEXEC) < 0) {
			fprintf(stderr, "hull vm clone: pipe: %s\n", strerror(errno));
			break;
		}
		fcntl(p[1], F_SETFL, O_NONBLOCK);
		pids[i] = fork();
		if (pids[i] < 0) {
			fprintf(stderr, "hull vm clone: fork clone %u: %s\n", i, strerror(errno));
			close(p[0]);
			close(p[1]);
			break;
		}
		if (pids[i] == 0) {
			for (unsigned k = 0; k < i; k++)
				close(in[k]);
			close(p[1]);
			char taps[HULL_VM_MAX_NICS][64], vsock[4096];
			for (unsigned t = 0; t < o.n_taps; t++) {
				snprintf(taps[t], sizeof(taps[t]), "%s%u", o.tap_prefix[t], i);
				cfg.taps[t] = taps[t];
			}
			cfg.n_taps = o.n_taps;
			if (o.vsock_prefix) {
				snprintf(vsock, sizeof(vsock), "%s%u", o.vsock_prefix, i);
				cfg.vsock_path = vsock;
			}
			cfg.vsock_cid = o.cid_base ? o.cid_base + i : 0;
			cfg.clone_index = i + 1;
			cfg.console_in = p[0];
			cfg.console_out = out[i];
			clone_child(cli, snapshot, &cfg, i);
		}
		close(p[0]);
		in[i] = p[1];
		fprintf(stderr, "hull vm clone: clone %u: pid %d\n", i, (int)pids[i]);
	}
	status = wait_clones(pids, in, started);
	if (started < o.n && !status)
		status = 1;
done:
	for (unsigned i = 0; i < CLONE_MAX; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	for (unsigned i = 0; i < cfg.n_disks; i++)
		free((char *)cfg.disks[i].path);
	return status;
}
