/* run_flags.c - docker run's command line (docker-run(1)). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "hull/attach.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/run_options.h"
#include "hull/scan.h"
#include "hull/size.h"
#include "hull/timefmt.h"
#include "run_flags.h"

static const char usage_text[] =
	"Usage: hull run [OPTIONS] IMAGE [COMMAND] [ARG...]\n"
	"       hull create [OPTIONS] IMAGE [COMMAND] [ARG...]\n\n"
	"Create and run a new container from an image (docker run's flags)\n\n"
	"Options:\n"
	"  -d, --detach                 Run in the background and print the container ID\n"
	"      --rm                     Remove the container when it exits\n"
	"      --name NAME              Name the container\n"
	"  -i, --interactive            Keep STDIN open\n"
	"  -t, --tty                    Allocate a pseudo-TTY\n"
	"  -e, --env K=V                Set an environment variable (K alone: take it from here)\n"
	"      --env-file FILE          Read environment variables from FILE\n"
	"  -w, --workdir DIR            Working directory in the container\n"
	"  -u, --user USER[:GROUP]      User (name or uid) to run as\n"
	"  -v, --volume SRC:DST[:ro]    Named volume or host path; -v DST: anonymous volume\n"
	"      --mount type=...,src=...,dst=...  bind | volume | tmpfs mount\n"
	"      --tmpfs DST[:OPTS]       Mount a tmpfs\n"
	"  -p, --publish [IP:][HOST:]CTR[/udp]  Publish a port on the host (nftables DNAT)\n"
	"  -P, --publish-all            Publish every exposed port on a free host port\n"
	"      --expose PORT            Expose a port\n"
	"      --network none|host|bridge|NAME|slirp4netns[:OPTS]|pasta[:ARGS]\n"
	"                               Network (default bridge: hull0); slirp4netns and pasta are\n"
	"                               user-mode networks (OPTS: allow_host_loopback=, cidr=, mtu=,\n"
	"                               enable_ipv6=, outbound_addr=; ARGS: pasta's, comma-separated)\n"
	"      --network-alias NAME     Extra name on a user network\n"
	"      --ip IPV4                The container's address on a user network\n"
	"  -h, --hostname NAME          Container hostname\n"
	"      --dns IP, --dns-search D, --add-host NAME:IP\n"
	"  -m, --memory BYTES           Memory limit (e.g. 64m)\n"
	"      --memory-swap BYTES      Memory + swap limit (-1: unlimited)\n"
	"      --cpus N                 CPUs (e.g. 0.5)\n"
	"  -c, --cpu-shares N           Relative CPU weight\n"
	"      --pids-limit N           Maximum number of processes\n"
	"      --read-only              Mount the root filesystem read-only\n"
	"      --cap-add CAP, --cap-drop CAP   Add or drop capabilities (ALL for all)\n"
	"      --security-opt seccomp=FILE|unconfined, no-new-privileges\n"
	"      --privileged             Every capability and device, no seccomp (said in inspect)\n"
	"      --entrypoint CMD         Override the image's ENTRYPOINT\n"
	"  -l, --label K=V              Set a label\n"
	"      --log-driver json-file|none, --log-opt max-size=10m, --log-opt max-file=3\n"
	"      --stop-signal SIG, --stop-timeout N\n"
	"      --health-cmd CMD         Run CMD (sh -c) in the container to check its health\n"
	"      --health-interval D, --health-timeout D, --health-start-period D (30s, 30s, 0s)\n"
	"      --health-retries N       Failures in a row that make it unhealthy (3)\n"
	"      --no-healthcheck         Disable the image's HEALTHCHECK\n"
	"      --ulimit NAME=SOFT[:HARD], --sysctl K=V, --device HOST[:CTR[:rwm]], --group-add G\n"
	"      --ipc MODE               private, shareable, none, host or container:NAME\n"
	"      --pid host|container:NAME, --uts host|container:NAME, --shm-size BYTES\n"
	"      --init                   Run hull-init as PID 1: forwards signals, reaps zombies\n"
	"      --restart POLICY         no | always | on-failure[:N] | unless-stopped (the monitor restarts it)\n"
	"      --detach-keys KEYS       With -it: the keys that detach (default ctrl-p,ctrl-q)\n"
	"      --pull missing|always|never, --platform OS/ARCH\n"
	"  -q, --quiet                  No pull progress\n"
	"      --scan-policy SEVERITY   Refuse an image with scan findings at or above SEVERITY\n"
	"                               (unknown|low|medium|high|critical; as `hull scan --fail-on`)\n"
	"      --scan-db DIR            Vulnerability database for --scan-policy (default: hull scan's)\n"
	"      --vm                     Run it in a KVM micro-VM with a kernel of its own (-m and --cpus\n"
	"                               size the VM; docs/vm-agent.md)\n"
	"      --vm-kernel FILE         The VM's bzImage (default /boot/vmlinuz-$(uname -r), else the newest;\n"
	"                               implies --vm)\n"
	"      --vm-rootfs host|disk    The VM's root: the container's layer on the host, shared by virtio-fs\n"
	"                               (default), or the image's read-only disk and a tmpfs (implies --vm)\n";

enum {
	OPT_RM = 256, OPT_NAME, OPT_ENV_FILE, OPT_MOUNT, OPT_TMPFS, OPT_EXPOSE, OPT_NETWORK, OPT_ALIAS, OPT_DNS,
	OPT_DNS_SEARCH, OPT_ADD_HOST, OPT_SWAP, OPT_CPUS, OPT_PIDS, OPT_READ_ONLY, OPT_CAP_ADD, OPT_CAP_DROP,
	OPT_SECURITY, OPT_PRIVILEGED, OPT_ENTRYPOINT, OPT_LOG_DRIVER, OPT_LOG_OPT, OPT_STOP_SIGNAL, OPT_STOP_TIMEOUT,
	OPT_ULIMIT, OPT_SYSCTL, OPT_DEVICE, OPT_GROUP_ADD, OPT_IPC, OPT_PID, OPT_UTS, OPT_USERNS, OPT_SHM, OPT_PULL,
	OPT_PLATFORM, OPT_RESTART, OPT_INIT, OPT_CIDFILE, OPT_DOMAIN, OPT_SIG_PROXY, OPT_DETACH_KEYS, OPT_HELP,
	OPT_SCAN_POLICY, OPT_SCAN_DB, OPT_IP, OPT_HEALTH_CMD, OPT_HEALTH_INTERVAL, OPT_HEALTH_TIMEOUT,
	OPT_HEALTH_RETRIES, OPT_HEALTH_START, OPT_NO_HEALTH, OPT_VM, OPT_VM_KERNEL, OPT_VM_ROOTFS,
};

static const struct option options[] = {
	{ "detach", no_argument, NULL, 'd' },          { "rm", no_argument, NULL, OPT_RM },
	{ "name", required_argument, NULL, OPT_NAME }, { "interactive", no_argument, NULL, 'i' },
	{ "tty", no_argument, NULL, 't' },             { "env", required_argument, NULL, 'e' },
	{ "env-file", required_argument, NULL, OPT_ENV_FILE },
	{ "workdir", required_argument, NULL, 'w' },   { "user", required_argument, NULL, 'u' },
	{ "volume", required_argument, NULL, 'v' },    { "mount", required_argument, NULL, OPT_MOUNT },
	{ "tmpfs", required_argument, NULL, OPT_TMPFS },
	{ "publish", required_argument, NULL, 'p' },   { "publish-all", no_argument, NULL, 'P' },
	{ "expose", required_argument, NULL, OPT_EXPOSE },
	{ "network", required_argument, NULL, OPT_NETWORK },
	{ "net", required_argument, NULL, OPT_NETWORK },
	{ "network-alias", required_argument, NULL, OPT_ALIAS },
	{ "ip", required_argument, NULL, OPT_IP },
	{ "net-alias", required_argument, NULL, OPT_ALIAS },
	{ "hostname", required_argument, NULL, 'h' },  { "domainname", required_argument, NULL, OPT_DOMAIN },
	{ "dns", required_argument, NULL, OPT_DNS },   { "dns-search", required_argument, NULL, OPT_DNS_SEARCH },
	{ "add-host", required_argument, NULL, OPT_ADD_HOST },
	{ "memory", required_argument, NULL, 'm' },    { "memory-swap", required_argument, NULL, OPT_SWAP },
	{ "cpus", required_argument, NULL, OPT_CPUS }, { "cpu-shares", required_argument, NULL, 'c' },
	{ "pids-limit", required_argument, NULL, OPT_PIDS },
	{ "read-only", no_argument, NULL, OPT_READ_ONLY },
	{ "cap-add", required_argument, NULL, OPT_CAP_ADD },
	{ "cap-drop", required_argument, NULL, OPT_CAP_DROP },
	{ "security-opt", required_argument, NULL, OPT_SECURITY },
	{ "privileged", no_argument, NULL, OPT_PRIVILEGED },
	{ "entrypoint", required_argument, NULL, OPT_ENTRYPOINT },
	{ "label", required_argument, NULL, 'l' },
	{ "log-driver", required_argument, NULL, OPT_LOG_DRIVER },
	{ "log-opt", required_argument, NULL, OPT_LOG_OPT },
	{ "stop-signal", required_argument, NULL, OPT_STOP_SIGNAL },
	{ "stop-timeout", required_argument, NULL, OPT_STOP_TIMEOUT },
	{ "health-cmd", required_argument, NULL, OPT_HEALTH_CMD },
	{ "health-interval", required_argument, NULL, OPT_HEALTH_INTERVAL },
	{ "health-timeout", required_argument, NULL, OPT_HEALTH_TIMEOUT },
	{ "health-retries", required_argument, NULL, OPT_HEALTH_RETRIES },
	{ "health-start-period", required_argument, NULL, OPT_HEALTH_START },
	{ "no-healthcheck", no_argument, NULL, OPT_NO_HEALTH },
	{ "ulimit", required_argument, NULL, OPT_ULIMIT },
	{ "sysctl", required_argument, NULL, OPT_SYSCTL },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "group-add", required_argument, NULL, OPT_GROUP_ADD },
	{ "ipc", required_argument, NULL, OPT_IPC },   { "pid", required_argument, NULL, OPT_PID },
	{ "uts", required_argument, NULL, OPT_UTS },   { "userns", required_argument, NULL, OPT_USERNS },
	{ "shm-size", required_argument, NULL, OPT_SHM },
	{ "pull", required_argument, NULL, OPT_PULL }, { "platform", required_argument, NULL, OPT_PLATFORM },
	{ "restart", required_argument, NULL, OPT_RESTART },
	{ "init", no_argument, NULL, OPT_INIT },       { "cidfile", required_argument, NULL, OPT_CIDFILE },
	{ "quiet", no_argument, NULL, 'q' },           { "sig-proxy", optional_argument, NULL, OPT_SIG_PROXY },
	{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
	{ "attach", required_argument, NULL, 'a' },    { "help", no_argument, NULL, OPT_HELP },
	{ "scan-policy", required_argument, NULL, OPT_SCAN_POLICY },
	{ "scan-db", required_argument, NULL, OPT_SCAN_DB },
	{ "vm", no_argument, NULL, OPT_VM },
	{ "vm-kernel", required_argument, NULL, OPT_VM_KERNEL },
	{ "vm-rootfs", required_argument, NULL, OPT_VM_ROOTFS },
	{ 0 },
};

/* Append v to the strv at *slot; remember the slot so that it is freed. */
static void push(struct run_flags *f, char ***slot, const char *v)
{
	size_t n = 0;
	while (*slot && (*slot)[n])
		n++;
	if (n == 0 && f->n_lists < HULL_ARRAY_SIZE(f->lists))
		f->lists[f->n_lists++] = slot;
	*slot = hull_xrealloc(*slot, (n + 2) * sizeof(char *));
	(*slot)[n] = (char *)v;
	(*slot)[n + 1] = NULL;
}

void run_flags_free(struct run_flags *f)
{
	for (size_t i = 0; i < f->n_lists; i++) {
		free(*f->lists[i]);
		*f->lists[i] = NULL;
	}
	f->n_lists = 0;
}

static int size_flag(const char *cmd, const char *flag, const char *v, long long *out)
{
	unsigned long long b;
	if (!strcmp(v, "-1")) {
		*out = -1;
		return 0;
	}
	if (hull_parse_size(v, &b) < 0)
		return cli_usage_error(cmd, "%s: invalid size `%s` (use a number with b, k, m or g)", flag, v);
	*out = (long long)b;
	return 0;
}

static int number_flag(const char *cmd, const char *flag, const char *v, long long *out)
{
	char *end;
	long long n = strtoll(v, &end, 10);
	if (!*v || *end)
		return cli_usage_error(cmd, "%s: `%s` is not a number", flag, v);
	*out = n;
	return 0;
}

static int duration_flag(const char *cmd, const char *flag, const char *v, long long *out)
{
	struct hull_error *err = NULL;
	if (hull_time_parse_duration(v, out, &err) < 0) {
		int r = cli_usage_error(cmd, "%s: %s", flag, err->msg);
		hull_error_free(err);
		return r;
	}
	/* docker's API refuses them too: a probe cannot run that often */
	if (*out && *out < 1000000)
		return cli_usage_error(cmd, "%s: `%s` is less than the minimum of 1ms", flag, v);
	return 0;
}

static int handle(struct run_flags *f, const char *cmd, int c, const char *arg)
{
	struct hull_run_options *o = &f->o;
	long long n = 0;
	switch (c) {
	case 'd': o->detach = true; break;
	case OPT_RM: o->auto_remove = true; break;
	case OPT_NAME: o->name = arg; break;
	case 'i': o->interactive = true; break;
	case 't': o->tty = true; break;
	case 'e': push(f, &o->env, arg); break;
	case OPT_ENV_FILE: push(f, &o->env_files, arg); break;
	case 'w': o->workdir = arg; break;
	case 'u': o->user = arg; break;
	case 'v': push(f, &o->volumes, arg); break;
	case OPT_MOUNT: push(f, &o->mounts, arg); break;
	case OPT_TMPFS: push(f, &o->tmpfs, arg); break;
	case 'p': push(f, &o->publish, arg); break;
	case 'P': o->publish_all = true; break;
	case OPT_EXPOSE: push(f, &o->expose, arg); break;
	case OPT_NETWORK: o->network = arg; break;
	case OPT_ALIAS: push(f, &o->network_alias, arg); break;
	case OPT_IP: o->ip = arg; break;
	case 'h': o->hostname = arg; break;
	case OPT_DOMAIN: o->domainname = arg; break;
	case OPT_DNS: push(f, &o->dns, arg); break;
	case OPT_DNS_SEARCH: push(f, &o->dns_search, arg); break;
	case OPT_ADD_HOST: push(f, &o->add_host, arg); break;
	case 'm': return size_flag(cmd, "--memory", arg, &o->memory);
	case OPT_SWAP: return size_flag(cmd, "--memory-swap", arg, &o->memory_swap);
	case OPT_SHM: return size_flag(cmd, "--shm-size", arg, &o->shm_size);
	case OPT_CPUS: {
		char *end;
		double v = strtod(arg, &end);
		if (*end || v <= 0)
			return cli_usage_error(cmd, "--cpus: `%s` must be a positive number", arg);
		o->nano_cpus = (long long)(v * 1e9);
		break;
	}
	case 'c': return number_flag(cmd, "--cpu-shares", arg, &o->cpu_shares);
	case OPT_PIDS: return number_flag(cmd, "--pids-limit", arg, &o->pids_limit);
	case OPT_STOP_TIMEOUT:
		if (number_flag(cmd, "--stop-timeout", arg, &n))
			return 1;
		o->stop_timeout = (int)n;
		break;
	case OPT_READ_ONLY: o->read_only = true; break;
	case OPT_CAP_ADD: push(f, &o->cap_add, arg); break;
	case OPT_CAP_DROP: push(f, &o->cap_drop, arg); break;
	case OPT_SECURITY: push(f, &o->security_opt, arg); break;
	case OPT_PRIVILEGED: o->privileged = true; break;
	case OPT_ENTRYPOINT: o->entrypoint = arg; break;
	case 'l': push(f, &o->labels, arg); break;
	case OPT_LOG_DRIVER: o->log_driver = arg; break;
	case OPT_LOG_OPT: push(f, &o->log_opts, arg); break;
	case OPT_STOP_SIGNAL: o->stop_signal = arg; break;
	case OPT_ULIMIT: push(f, &o->ulimits, arg); break;
	case OPT_SYSCTL: push(f, &o->sysctls, arg); break;
	case OPT_DEVICE: push(f, &o->devices, arg); break;
	case OPT_GROUP_ADD: push(f, &o->group_add, arg); break;
	case OPT_IPC: o->ipc = arg; break;
	case OPT_PID: o->pid = arg; break;
	case OPT_UTS: o->uts = arg; break;
	case OPT_USERNS: o->userns = arg; break;
	case OPT_PULL: o->pull = arg; break;
	case OPT_PLATFORM: o->platform = arg; break;
	case OPT_RESTART: o->restart = arg; break;
	case OPT_INIT: o->init = true; break;
	case OPT_VM: o->vm = true; break;
	case OPT_VM_KERNEL: o->vm = true; o->vm_kernel = arg; break;
	case OPT_VM_ROOTFS: o->vm = true; o->vm_rootfs = arg; break;
	case OPT_CIDFILE: o->cidfile = arg; break;
	case 'q': f->quiet = true; break;
	case OPT_SIG_PROXY: f->sig_proxy = !arg || strcmp(arg, "false"); break;
	case OPT_DETACH_KEYS: {
		struct hull_error *err = NULL;
		if (hull_engine_parse_detach_keys(arg, f->detach_keys, &f->detach_len, &err) < 0) {
			int r = cli_usage_error(cmd, "%s", err->msg);
			hull_error_free(err);
			return r;
		}
		break;
	}
	case 'a': break; /* attaching is all or nothing here */
	case OPT_SCAN_POLICY:
		o->scan_policy = hull_scan_severity_parse(arg);
		if (o->scan_policy < 0)
			return cli_usage_error(cmd, "--scan-policy: unknown severity `%s` (use unknown, low, medium, "
						    "high or critical)", arg);
		break;
	case OPT_SCAN_DB: o->scan_db = arg; break;
	case OPT_HEALTH_CMD: o->health_cmd = *arg ? arg : NULL; break; /* docker: empty = unset */
	case OPT_HEALTH_INTERVAL: return duration_flag(cmd, "--health-interval", arg, &o->health_interval);
	case OPT_HEALTH_TIMEOUT: return duration_flag(cmd, "--health-timeout", arg, &o->health_timeout);
	case OPT_HEALTH_START: return duration_flag(cmd, "--health-start-period", arg, &o->health_start_period);
	case OPT_HEALTH_RETRIES:
		if (number_flag(cmd, "--health-retries", arg, &n))
			return 1;
		o->health_retries = (int)n;
		break;
	case OPT_NO_HEALTH: o->no_healthcheck = true; break;
	default: return cli_usage_error(cmd, "unknown flag");
	}
	return 0;
}

int run_flags_parse(struct run_flags *f, int argc, char **argv, bool *help)
{
	memset(f, 0, sizeof(*f));
	hull_run_options_init(&f->o);
	f->sig_proxy = true;
	hull_engine_parse_detach_keys("ctrl-p,ctrl-q", f->detach_keys, &f->detach_len, NULL);
	*help = false;
	const char *cmd = argv[0];
	int c;
	/* '+': IMAGE ends our flags; what follows is the container's command */
	while ((c = getopt_long(argc, argv, "+dite:w:u:v:p:Ph:m:c:l:qa:", options, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(usage_text, stdout);
			*help = true;
			return 0;
		}
		if (c == '?')
			return cli_usage_error(cmd, "unknown flag or missing value (see --help)");
		int r = handle(f, cmd, c, optarg);
		if (r)
			return r;
	}
	if (optind >= argc)
		return cli_usage_error(cmd, "requires at least 1 argument: IMAGE [COMMAND] [ARG...]");
	f->o.image = argv[optind];
	if (optind + 1 < argc)
		f->o.cmd = argv + optind + 1;
	return 0;
}
