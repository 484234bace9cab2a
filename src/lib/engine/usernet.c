/* usernet.c - user-mode networks as podman has them: --network
 * slirp4netns[:OPTIONS] and --network pasta[:ARGS]. A helper process on
 * the host side (slirp.c, pasta.c) carries the container's traffic over
 * ordinary sockets, so neither root on the host nor a bridge is needed:
 * the mode rootless containers use. This file parses the options, finds,
 * spawns and stops the helpers, and walks the ports to publish. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/proc.h"
#include "hull/usernet.h"
#include "network_internal.h"
#include "usernet_internal.h"

void usernet_options_clear(struct usernet_options *o)
{
	hull_strv_free(o->pasta_args);
	o->pasta_args = NULL;
}

static int parse_bool(const char *key, const char *v, bool *out, struct hull_error **err)
{
	if (!strcmp(v, "true") || !strcmp(v, "false")) {
		*out = !strcmp(v, "true");
		return 0;
	}
	return hull_error_msg(err, EINVAL, "--network slirp4netns: %s=%s: expected true or false", key, v);
}

static int parse_slirp_option(struct usernet_options *o, const char *opt, struct hull_error **err)
{
	const char *eq = strchr(opt, '=');
	if (!eq)
		return hull_error_msg(err, EINVAL, "--network slirp4netns: `%s`: expected OPTION=VALUE", opt);
	_cleanup_free_ char *key = strndup(opt, (size_t)(eq - opt));
	const char *v = eq + 1;
	if (!strcmp(key, "allow_host_loopback"))
		return parse_bool(key, v, &o->allow_host_loopback, err);
	if (!strcmp(key, "enable_ipv6"))
		return parse_bool(key, v, &o->enable_ipv6, err);
	if (!strcmp(key, "mtu")) {
		char *end;
		long mtu = strtol(v, &end, 10);
		/* slirp4netns's own bounds (--mtu: at most 65521) */
		if (*end || end == v || mtu < 68 || mtu > 65521)
			return hull_error_msg(err, EINVAL, "--network slirp4netns: mtu=%s: expected 68 to 65521", v);
		o->mtu = (unsigned)mtu;
		return 0;
	}
	if (!strcmp(key, "cidr")) {
		/* the container takes the 100th address, as slirp4netns
		 * recommends: a /25 is the smallest that holds it */
		if (net_parse_cidr(v, &o->subnet, &o->prefix) < 0 || o->prefix < 1 || o->prefix > 25)
			return hull_error_msg(err, EINVAL, "--network slirp4netns: cidr=%s: expected an IPv4 network "
							   "of at most /25 (10.0.2.0/24)",
					      v);
		o->subnet &= net_mask(o->prefix);
		return 0;
	}
	if (!strcmp(key, "outbound_addr") || !strcmp(key, "outbound_addr6")) {
		bool six = key[13] != '\0';
		char *dst = six ? o->outbound_addr6 : o->outbound_addr;
		unsigned char buf[16];
		if (inet_pton(six ? AF_INET6 : AF_INET, v, buf) != 1)
			return hull_error_msg(err, EINVAL, "--network slirp4netns: %s=%s: expected an IPv%c address", key,
					      v, six ? '6' : '4');
		snprintf(dst, sizeof(o->outbound_addr), "%s", v);
		return 0;
	}
	if (!strcmp(key, "port_handler")) {
		if (!strcmp(v, "slirp4netns"))
			return 0;
		if (!strcmp(v, "rootlesskit"))
			return hull_error_msg(err, EINVAL, "--network slirp4netns: port_handler=rootlesskit: rootlesskit "
							   "is not packaged in Debian; use port_handler=slirp4netns "
							   "(the default here)");
		return hull_error_msg(err, EINVAL, "--network slirp4netns: port_handler=%s: expected slirp4netns", v);
	}
	return hull_error_msg(err, EINVAL, "--network slirp4netns: unknown option `%s`: expected "
					   "allow_host_loopback=, cidr=, enable_ipv6=, mtu=, outbound_addr=, "
					   "outbound_addr6=, port_handler=",
			      key);
}

/* Arguments hull manages itself: passing them would take the helper out of
 * the container's lifetime or namespace. */
static bool pasta_reserved(const char *arg)
{
	static const char *const reserved[] = { "--netns", "--userns", "-P", "--pid", "-f", "--foreground",
						"--netns-only", "--config-net" };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(reserved); i++) {
		size_t l = strlen(reserved[i]);
		if (!strncmp(arg, reserved[i], l) && (arg[l] == '\0' || (arg[1] == '-' && arg[l] == '=')))
			return true;
	}
	return false;
}

static int parse_pasta_args(struct usernet_options *o, const char *args, struct hull_error **err)
{
	size_t n = 0, cap = 4;
	o->pasta_args = hull_xcalloc(cap, sizeof(char *));
	_cleanup_free_ char *copy = hull_xstrdup(args ? args : "");
	for (char *save = NULL, *a = strtok_r(copy, ",", &save); a; a = strtok_r(NULL, ",", &save)) {
		if (pasta_reserved(a))
			return hull_error_msg(err, EINVAL, "--network pasta: `%s` is hull's to set (it ties pasta to the "
							   "container's network namespace and lifetime)",
					      a);
		/* podman's own option, not pasta's: keep the gateway mapped */
		if (!strcmp(a, "--map-gw")) {
			o->pasta_map_gw = true;
			continue;
		}
		if (!strcmp(a, "-t") || !strncmp(a, "--tcp-ports", 11) || (!strncmp(a, "-t", 2) && a[2]))
			o->pasta_tcp_given = true;
		if (!strcmp(a, "-u") || !strncmp(a, "--udp-ports", 11) || (!strncmp(a, "-u", 2) && a[2]))
			o->pasta_udp_given = true;
		if (n + 2 > cap)
			o->pasta_args = hull_xrealloc(o->pasta_args, (cap *= 2) * sizeof(char *));
		o->pasta_args[n++] = hull_xstrdup(a);
		o->pasta_args[n] = NULL;
	}
	return 0;
}

int usernet_parse(const char *mode, struct usernet_options *o, struct hull_error **err)
{
	memset(o, 0, sizeof(*o));
	if (!mode)
		return 0;
	const char *colon = strchr(mode, ':');
	size_t len = colon ? (size_t)(colon - mode) : strlen(mode);
	if (len == 11 && !strncmp(mode, "slirp4netns", len)) {
		o->kind = USERNET_SLIRP4NETNS;
		o->mtu = 65520;
		o->enable_ipv6 = true;
		net_parse_cidr("10.0.2.0/24", &o->subnet, &o->prefix);
		_cleanup_free_ char *copy = hull_xstrdup(colon ? colon + 1 : "");
		for (char *save = NULL, *opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
			int r = parse_slirp_option(o, opt, err);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (len == 5 && !strncmp(mode, "pasta", len)) {
		o->kind = USERNET_PASTA;
		int r = parse_pasta_args(o, colon ? colon + 1 : NULL, err);
		if (r < 0)
			usernet_options_clear(o);
		return r;
	}
	return 0;
}

void usernet_slirp_addresses(const struct usernet_options *o, char ip[16], char gateway[16], char dns[16])
{
	net_format_ip(o->subnet + 100, ip, 16);
	net_format_ip(o->subnet + 2, gateway, 16);
	net_format_ip(o->subnet + 3, dns, 16);
}

int usernet_find_binary(const char *name, const char *package, char *path, size_t size, struct hull_error **err)
{
	const char *env = getenv("PATH");
	/* CI's environment may have no PATH at all */
	_cleanup_free_ char *dirs = hull_xstrdup(env && *env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
								  "/usr/bin:/sbin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(path, size, "%s/%s", d, name);
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
			return 0;
	}
	return hull_error_msg(err, ENOENT, "--network %s: `%s` is not installed (not found in PATH); install "
					   "Debian's %s package: apt-get install %s",
			      name, name, package, package);
}

pid_t usernet_spawn(const char *path, char *const argv[], const char *cwd, const int *fds, size_t n_fds,
		    int stdout_fd, int stderr_fd, struct hull_error **err)
{
	_cleanup_close_ int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0)
		return hull_error_set(err, errno, "open /dev/null");
	static char *const empty_env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					    NULL };
	pid_t pid = fork();
	if (pid < 0)
		return hull_error_set(err, errno, "fork %s", path);
	if (pid > 0)
		return pid;
	/* the child: async-signal-safe calls only. Every fd first moves
	 * above the ones it must end up on, so no dup2 overwrites another. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int base = 3 + (int)n_fds, moved[16];
	if (n_fds > 13)
		_exit(127);
	moved[0] = fcntl(devnull, F_DUPFD_CLOEXEC, base);
	moved[1] = fcntl(stdout_fd >= 0 ? stdout_fd : devnull, F_DUPFD_CLOEXEC, base);
	moved[2] = fcntl(stderr_fd >= 0 ? stderr_fd : devnull, F_DUPFD_CLOEXEC, base);
	for (size_t i = 0; i < n_fds; i++)
		moved[3 + i] = fcntl(fds[i], F_DUPFD_CLOEXEC, base);
	for (int i = 0; i < 3 + (int)n_fds; i++)
		if (moved[i] < 0 || dup2(moved[i], i) < 0)
			_exit(127);
	close_range((unsigned)base, ~0U, 0);
	if (cwd && chdir(cwd) < 0)
		_exit(127);
	/* the helper's own environment: nothing of the caller's leaks in */
	execve(path, argv, empty_env);
	_exit(127);
}

char *usernet_log_tail(const char *log_path)
{
	_cleanup_free_ char *text = NULL;
	if (hull_read_file(log_path, &text, NULL, NULL) < 0 || !text)
		return hull_xstrdup("");
	char *last = NULL;
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* pasta tells stderr each time syslog is unreachable (no
		 * /dev/log in a minimal system): noise, not the reason */
		if (!strncmp(line, "Failed to send", 14) || !strncmp(line, "WARNING: Support for seccomp", 28) ||
		    !strncmp(line, "sent tapfd", 10) || !strncmp(line, "received tapfd", 14) || !*line)
			continue;
		/* getopt's complaint comes just before the usage text */
		if (!strncmp(line, "Usage:", 6) && last)
			break;
		last = line;
	}
	return hull_xstrdup(last ? last : "");
}

static int forward_one(const char *key, const char *host_ip, const char *host_port, json_t *ports,
		       usernet_forward_fn fn, void *data, struct hull_error **err)
{
	unsigned cport;
	char proto[8] = "tcp";
	int r = net_port_key_parse(key, &cport, proto, err);
	if (r < 0)
		return r;
	if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
		return hull_error_msg(err, EPROTONOSUPPORT, "publish %s: user-mode networks forward tcp and udp only",
				      key);
	if ((r = net_host_ip_check(key, host_ip, err)) < 0)
		return r;
	const char *hip = host_ip && *host_ip ? host_ip : "0.0.0.0";
	unsigned hport = host_port && *host_port ? (unsigned)atoi(host_port) : 0;
	int p = net_probe_port(host_ip, proto, hport);
	if (p == -EADDRINUSE)
		return hull_error_msg(err, EADDRINUSE, "Bind for %s:%u failed: port is already allocated", hip, hport);
	if (p == -EACCES)
		return hull_error_msg(err, EACCES, "publish %s: bind %s:%u: Permission denied (as a user, host ports "
						   "start at /proc/sys/net/ipv4/ip_unprivileged_port_start)",
				      key, hip, hport);
	if (p < 0)
		return hull_error_set(err, -p, "publish %s: bind %s:%u", key, hip, hport);
	r = fn(data, proto, cport, host_ip && *host_ip ? host_ip : "", (unsigned)p, err);
	/* a free port the kernel picked may be taken by a concurrent run
	 * before the helper binds it: pick again */
	for (int tries = 0; r == -EADDRINUSE && hport == 0 && tries < 8; tries++) {
		hull_error_release(err);
		if ((p = net_probe_port(host_ip, proto, 0)) < 0)
			return hull_error_set(err, -p, "publish %s: bind %s:0", key, hip);
		r = fn(data, proto, cport, host_ip && *host_ip ? host_ip : "", (unsigned)p, err);
	}
	if (r < 0)
		return r;
	net_ports_record(ports, key, hip, p);
	return 0;
}

int usernet_each_port(const struct usernet_request *req, json_t *ports, usernet_forward_fn fn, void *data,
		      struct hull_error **err)
{
	const char *key;
	json_t *v;
	json_object_foreach(req->exposed, key, v)
		if (!json_object_get(ports, key))
			json_object_set_new(ports, key, json_null());
	json_object_foreach(req->port_bindings, key, v)
	{
		size_t i;
		json_t *b;
		json_array_foreach(v, i, b)
		{
			int r = forward_one(key, json_string_value(json_object_get(b, "HostIp")),
					    json_string_value(json_object_get(b, "HostPort")), ports, fn, data, err);
			if (r < 0)
				return r;
		}
	}
	if (!req->publish_all)
		return 0;
	json_object_foreach(req->exposed, key, v)
	{
		if (json_object_get(req->port_bindings, key))
			continue;
		int r = forward_one(key, NULL, NULL, ports, fn, data, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Wait up to ms for pid (our child or not) to be gone; reap it when it
 * is our child. A pidfd wakes us the moment it exits. */
static bool wait_gone(pid_t pid, unsigned long long start, int ms)
{
	_cleanup_close_ int fd = pidfd_open(pid, 0);
	if (fd >= 0 && hull_proc_alive(pid, start)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n;
		while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
			;
		if (n <= 0)
			return false;
	}
	pid_t r = waitpid(pid, NULL, WNOHANG);
	return r == pid || !hull_proc_alive(pid, start) || (r < 0 && errno == ECHILD && fd >= 0);
}

/* One port of wait_ports_free, out of the milliseconds *data left. */
static void wait_port_free(void *data, const char *proto, const char *host_ip, unsigned host_port)
{
	int *ms = data;
	for (; *ms > 0 && net_probe_port(host_ip, proto, host_port) == -EADDRINUSE; *ms -= 1) {
		struct timespec ts = { 0, 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* Until every published port binds again (the helper has closed its
 * sockets: it does so first thing in exit(2), well before it is gone),
 * at most ms. */
static void wait_ports_free(json_t *ports, int ms)
{
	net_ports_each(ports, wait_port_free, &ms);
}

/* Tell the helper to quit and wait until the host ports it published
 * bind again (what a next `run -p` of them needs). */
static void usernet_release(struct usernet *u)
{
	if (u->exit_fd >= 0) {
		/* slirp4netns's --exit-fd: end of file tells it to quit */
		close(u->exit_fd);
		u->exit_fd = -1;
	} else if (u->pid > 0 && !u->signalled && hull_proc_alive(u->pid, u->start)) {
		kill(u->pid, SIGTERM);
	}
	u->signalled = true;
	if (u->pid > 0 && u->ports)
		wait_ports_free(u->ports, 2000);
}

void usernet_stop(struct usernet *u)
{
	usernet_release(u);
	if (u->pid > 0 && !wait_gone(u->pid, u->start, 2000) && hull_proc_alive(u->pid, u->start)) {
		kill(u->pid, SIGKILL);
		wait_gone(u->pid, u->start, 2000);
	}
	u->pid = 0;
	if (u->ports)
		json_decref(u->ports);
	u->ports = NULL;
}

int hull_engine_usernet_check(const char *network, struct hull_error **err)
{
	struct usernet_options o;
	int r = usernet_parse(network, &o, err);
	if (r < 0 || o.kind == USERNET_NONE)
		return r;
	char path[4096];
	r = o.kind == USERNET_SLIRP4NETNS ? usernet_find_binary("slirp4netns", "slirp4netns", path, sizeof(path), err)
					  : usernet_find_binary("pasta", "passt", path, sizeof(path), err);
	usernet_options_clear(&o);
	return r;
}

bool hull_engine_is_usernet(const char *network)
{
	if (!network)
		return false;
	size_t len = strcspn(network, ":");
	return (len == 11 && !strncmp(network, "slirp4netns", 11)) || (len == 5 && !strncmp(network, "pasta", 5));
}

/* Does `pasta --version` run and exit 0? (A pasta that cannot start, a
 * foreign architecture's binary, a broken install: not a default.) */
static bool pasta_runs(const char *path)
{
	char *const argv[] = { (char *)"pasta", (char *)"--version", NULL };
	pid_t pid = usernet_spawn(path, argv, NULL, NULL, 0, -1, -1, NULL);
	int status = 0;
	if (pid < 0)
		return false;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

const char *hull_engine_default_rootless_network(void)
{
	char path[4096];
	if (usernet_find_binary("pasta", "passt", path, sizeof(path), NULL) == 0 && pasta_runs(path))
		return "pasta";
	if (usernet_find_binary("slirp4netns", "slirp4netns", path, sizeof(path), NULL) == 0)
		return "slirp4netns";
	return "none";
}

void hull_engine_usernet_kill(json_t *network_settings)
{
	json_t *h = json_object_get(network_settings, "HullUserNet");
	pid_t pid = (pid_t)json_integer_value(json_object_get(h, "Pid"));
	unsigned long long start = (unsigned long long)json_integer_value(json_object_get(h, "PidStart"));
	if (pid <= 0 || !hull_proc_alive(pid, start))
		return;
	kill(pid, SIGKILL);
	wait_gone(pid, start, 2000);
}
