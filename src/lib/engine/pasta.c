/* pasta.c - --network pasta[:ARGS]: pasta(1) (Debian 12's passt
 * 0.0~git20230309) attached to the container's network namespace:
 *
 *   pasta --config-net --quiet --runas 0 [-t HOST:CONTAINER]... [-t none]
 *         [-u ...] -T none -U none --no-map-gw --dns-forward 169.254.1.1
 *         [ARGS] -P DIR/pasta.pid --netns /proc/self/fd/3
 *
 * --config-net copies the host's addresses and routes into the namespace
 * (pasta(1) "--config-net"); -t/-u forward host ports in, -T/-U none keep
 * the host's loopback services out, and 169.254.1.1 answers DNS for the
 * host's resolvers (what podman 5 sets, so a resolver on the host's
 * loopback works too).
 *
 * Two choices this pasta version forces:
 * - the namespace is passed as an inherited fd: opening /proc/PID/ns/net
 *   itself is refused once pasta has dropped its capabilities (the
 *   container's init still holds all of them: ptrace access rules), and a
 *   bind-mounted netns file would outlive a killed monitor;
 * - --runas 0: by default pasta changes to "nobody" before it joins the
 *   namespace and then lacks CAP_SYS_ADMIN for setns(2). As uid 0 it keeps
 *   only CAP_NET_BIND_SERVICE and CAP_SYS_ADMIN, under its own seccomp
 *   filter, in namespaces of its own; inside a rootless user namespace uid
 *   0 is the user.
 *
 * Without -f pasta forks into the background once the namespace is
 * configured: the first process's exit status says whether it worked.
 * It does not notice a /proc/self/fd namespace going away, so the monitor
 * stops it with the container (usernet_stop), and `rm` kills a leftover
 * by its recorded pid and start time. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/proc.h"
#include "network_internal.h"
#include "usernet_internal.h"

#define LOG_FILE "pasta.log"
#define PID_FILE "pasta.pid"
#define START_TIMEOUT_MS 10000

struct argv_builder {
	char **v;
	size_t n, cap;
};

static void push(struct argv_builder *b, char *owned)
{
	if (b->n + 2 > b->cap)
		b->v = hull_xrealloc(b->v, (b->cap = b->cap ? b->cap * 2 : 32) * sizeof(char *));
	b->v[b->n++] = owned;
	b->v[b->n] = NULL;
}

/* The ports to forward, as -t/-u options (collected first: pasta takes
 * its whole command line at once). */
static int collect_forward(void *data, const char *proto, unsigned container_port, const char *host_ip,
			   unsigned host_port, struct hull_error **err)
{
	struct argv_builder *b = data;
	push(b, hull_xstrdup(strcmp(proto, "udp") ? "-t" : "-u"));
	/* pasta(1) -t: [ADDRESS/]PORT[:TARGET] */
	push(b, *host_ip && strcmp(host_ip, "0.0.0.0") ? hull_strdup_printf("%s/%u:%u", host_ip, host_port, container_port)
						       : hull_strdup_printf("%u:%u", host_port, container_port));
	(void)err;
	return 0;
}

static int build_argv(const struct usernet_options *o, const struct usernet_request *req, const char *pidfile,
		      struct argv_builder *b, json_t *ports, struct hull_error **err)
{
	push(b, hull_xstrdup("pasta"));
	push(b, hull_xstrdup("--config-net"));
	push(b, hull_xstrdup("--quiet"));
	push(b, hull_xstrdup("--runas"));
	push(b, hull_xstrdup("0"));
	int r = usernet_each_port(req, ports, collect_forward, b, err);
	if (r < 0)
		return r;
	bool tcp = o->pasta_tcp_given, udp = o->pasta_udp_given;
	for (size_t i = 5; i < b->n; i++) {
		tcp |= !strcmp(b->v[i], "-t");
		udp |= !strcmp(b->v[i], "-u");
	}
	/* podman's defaults: forward nothing unasked (pasta's default is
	 * "auto": every port bound in the namespace) */
	if (!tcp) {
		push(b, hull_xstrdup("-t"));
		push(b, hull_xstrdup("none"));
	}
	if (!udp) {
		push(b, hull_xstrdup("-u"));
		push(b, hull_xstrdup("none"));
	}
	bool tcp_ns = false, udp_ns = false;
	for (char **a = o->pasta_args; a && *a; a++) {
		tcp_ns |= !strncmp(*a, "-T", 2) || !strncmp(*a, "--tcp-ns", 8);
		udp_ns |= !strncmp(*a, "-U", 2) || !strncmp(*a, "--udp-ns", 8);
	}
	if (!tcp_ns) {
		push(b, hull_xstrdup("-T"));
		push(b, hull_xstrdup("none"));
	}
	if (!udp_ns) {
		push(b, hull_xstrdup("-U"));
		push(b, hull_xstrdup("none"));
	}
	if (!o->pasta_map_gw)
		push(b, hull_xstrdup("--no-map-gw"));
	push(b, hull_xstrdup("--dns-forward"));
	push(b, hull_xstrdup(USERNET_PASTA_DNS));
	for (char **a = o->pasta_args; a && *a; a++)
		push(b, hull_xstrdup(*a));
	push(b, hull_xstrdup("-P"));
	push(b, hull_xstrdup(pidfile));
	push(b, hull_xstrdup("--netns"));
	push(b, hull_xstrdup("/proc/self/fd/3"));
	return 0;
}

/* Wait for the first pasta process: it exits once the namespace is
 * configured and the daemon forked, or fails. Its status, or -ETIMEDOUT
 * (then it is killed). */
static int wait_first(pid_t pid, int *status)
{
	for (int waited = 0; waited < START_TIMEOUT_MS; waited += 2) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		struct timespec ts = { 0, 2 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -ETIMEDOUT;
}

static int read_daemon_pid(const char *pidfile, pid_t *pid)
{
	_cleanup_free_ char *text = NULL;
	if (hull_read_file(pidfile, &text, NULL, NULL) < 0 || !text)
		return -ENOENT;
	*pid = (pid_t)atoi(text);
	return *pid > 0 ? 0 : -EINVAL;
}

/* The address pasta copied in: the first IPv4 address off loopback,
 * read inside the namespace (NetworkSettings.IPAddress). */
static int read_address(void *data, struct hull_error **err)
{
	struct usernet *u = data;
	struct ifaddrs *list = NULL;
	if (getifaddrs(&list) < 0)
		return hull_error_set(err, errno, "getifaddrs");
	for (struct ifaddrs *a = list; a; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || (a->ifa_flags & IFF_LOOPBACK))
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, u->ip, sizeof(u->ip));
		if (a->ifa_netmask)
			u->prefix = __builtin_popcount(((struct sockaddr_in *)a->ifa_netmask)->sin_addr.s_addr);
		break;
	}
	freeifaddrs(list);
	return 0;
}

/* Its default gateway, from the namespace's routing table as
 * /proc/PID/net/route shows it (hex of the address as stored). */
static void read_gateway(pid_t pid, char gateway[16])
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/net/route", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[256];
	while (f && fgets(line, sizeof(line), f)) {
		char iface[32];
		unsigned long dest, gw;
		if (sscanf(line, "%31s %lx %lx", iface, &dest, &gw) == 3 && dest == 0 && gw != 0) {
			struct in_addr in = { .s_addr = (in_addr_t)gw };
			inet_ntop(AF_INET, &in, gateway, 16);
			return;
		}
	}
}

int usernet_pasta_start(const struct usernet_options *o, const struct usernet_request *req, struct usernet *u,
			struct hull_error **err)
{
	*u = (struct usernet){ .kind = USERNET_PASTA, .exit_fd = -1 };
	char path[4096];
	int r = usernet_find_binary("pasta", "passt", path, sizeof(path), err);
	if (r < 0)
		return r;
	_cleanup_free_ char *log = hull_path_join(req->dir, LOG_FILE);
	_cleanup_free_ char *pidfile = hull_path_join(req->dir, PID_FILE);
	char ns[64];
	snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)req->pid);
	_cleanup_close_ int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	_cleanup_close_ int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (logfd < 0 || nsfd < 0)
		return hull_error_set(err, errno, "pasta: open `%s`", logfd < 0 ? log : ns);
	unlink(pidfile);
	u->ports = json_object();
	struct argv_builder b = { 0 };
	r = build_argv(o, req, pidfile, &b, u->ports, err);
	pid_t pid = r < 0 ? r : usernet_spawn(path, b.v, NULL, &nsfd, 1, -1, logfd, err);
	for (size_t i = 0; i < b.n; i++)
		free(b.v[i]);
	free(b.v);
	if (pid < 0) {
		usernet_stop(u);
		return pid;
	}
	int status = 0;
	r = wait_first(pid, &status);
	pid_t daemon_pid = 0;
	if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 && read_daemon_pid(pidfile, &daemon_pid) == 0) {
		unlink(pidfile);
		u->pid = daemon_pid;
		u->start = hull_proc_start_time(daemon_pid);
		net_in_netns(req->pid, read_address, u, NULL);
		read_gateway(req->pid, u->gateway);
		return 0;
	}
	/* a daemon that got as far as its pid file goes too */
	if (read_daemon_pid(pidfile, &daemon_pid) == 0 && daemon_pid != pid) {
		u->pid = daemon_pid;
		u->start = hull_proc_start_time(daemon_pid);
	}
	unlink(pidfile);
	usernet_stop(u);
	_cleanup_free_ char *tail = usernet_log_tail(log);
	if (r == -ETIMEDOUT)
		return hull_error_msg(err, ETIMEDOUT, "pasta did not set up the network in %d s%s%s",
				      START_TIMEOUT_MS / 1000, *tail ? ": " : "", tail);
	return hull_error_msg(err, EIO, "pasta failed to set up the network (exit status %d): %s",
			      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
			      *tail ? tail : "it exited without a word");
}
