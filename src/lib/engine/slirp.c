/* slirp.c - --network slirp4netns: slirp4netns(1) 1.x attached to the
 * container's network namespace, as podman runs it:
 *
 *   slirp4netns --configure --mtu=65520 --disable-host-loopback
 *               --enable-sandbox --enable-seccomp --exit-fd=3 --ready-fd=4
 *               --api-socket slirp4netns.sock --netns-type=path
 *               /proc/self/fd/5 tap0
 *
 * The namespace is our fd, inherited: slirp4netns given a PID opens
 * /proc/PID/ns/{user,net} itself, which ptrace access rules refuse inside
 * a user namespace (the container's init is not dumpable) while the
 * monitor, its parent, may.
 *
 * --configure gives tap0 10.0.2.100/24, the route via 10.0.2.2 and DNS on
 * 10.0.2.3 (slirp4netns(1) "DESCRIPTION"); it writes "1" to the ready fd
 * once done and quits when the exit fd reaches end of file, i.e. when the
 * monitor that holds the other end is gone, however it went. Published
 * ports are added through the API socket ("add_hostfwd",
 * slirp4netns(1) "API SOCKET"). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/proc.h"
#include "usernet_internal.h"

#define API_SOCKET "slirp4netns.sock"
#define LOG_FILE "slirp4netns.log"
#define READY_TIMEOUT_MS 10000

/* slirp4netns --help lists --enable-seccomp when it was built with it
 * (podman asks it the same way). */
static bool has_seccomp(const char *path)
{
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		return false;
	char *const argv[] = { (char *)"slirp4netns", (char *)"--help", NULL };
	pid_t pid = usernet_spawn(path, argv, NULL, NULL, 0, out[1], -1, NULL);
	close(out[1]);
	char buf[8192];
	size_t len = 0;
	ssize_t n;
	while (pid > 0 && len < sizeof(buf) - 1 && (n = read(out[0], buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(out[0]);
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return strstr(buf, "--enable-seccomp") != NULL;
}

/* One request on the API socket (a connection each, as slirp4netns
 * answers one and closes): the reply object, or NULL with an error. */
static json_t *api_call(int dirfd, json_t *request, struct hull_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* through our fd of the container directory: its absolute path can
	 * pass sun_path's 108 bytes */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/" API_SOCKET, dirfd);
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return hull_error_set(err, errno, "slirp4netns: connect to its API socket"), NULL;
	_cleanup_free_ char *text = json_dumps(request, JSON_COMPACT);
	if (hull_write_all(fd, text, strlen(text)) < 0)
		return hull_error_set(err, errno, "slirp4netns: send to its API socket"), NULL;
	char buf[4096];
	size_t len = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0)
			return hull_error_msg(err, ETIMEDOUT, "slirp4netns: no answer on its API socket"), NULL;
		ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (len += (size_t)n) >= sizeof(buf) - 1)
			break;
		buf[len] = '\0';
		json_t *reply = json_loads(buf, 0, NULL);
		if (reply)
			return reply;
	}
	buf[len] = '\0';
	json_t *reply = json_loads(buf, 0, NULL);
	if (!reply)
		hull_error_msg(err, EPROTO, "slirp4netns: unreadable answer on its API socket: %.200s", buf);
	return reply;
}

struct forward_ctx {
	int dirfd;
	const char *guest_ip;
};

static int add_hostfwd(void *data, const char *proto, unsigned container_port, const char *host_ip,
		       unsigned host_port, struct hull_error **err)
{
	struct forward_ctx *f = data;
	_cleanup_json_ json_t *req =
		json_pack("{s:s,s:{s:s,s:s,s:i,s:s,s:i}}", "execute", "add_hostfwd", "arguments", "proto", proto,
			  "host_addr", *host_ip ? host_ip : "0.0.0.0", "host_port", (int)host_port, "guest_addr",
			  f->guest_ip, "guest_port", (int)container_port);
	_cleanup_json_ json_t *reply = api_call(f->dirfd, req, err);
	if (!reply)
		return -EIO;
	json_t *error = json_object_get(reply, "error");
	if (error || !json_object_get(reply, "return")) {
		const char *desc = json_string_value(json_object_get(error, "desc"));
		return hull_error_msg(err, EADDRINUSE, "slirp4netns: forward %s:%u/%s to %s:%u: %s",
				      *host_ip ? host_ip : "0.0.0.0", host_port, proto, f->guest_ip, container_port,
				      desc ? desc : "refused");
	}
	return 0;
}

static char **slirp_argv(const struct usernet_options *o, bool seccomp, char **store, size_t cap)
{
	size_t n = 0;
	store[n++] = hull_xstrdup("slirp4netns");
	store[n++] = hull_xstrdup("--configure");
	store[n++] = hull_strdup_printf("--mtu=%u", o->mtu);
	if (!o->allow_host_loopback)
		store[n++] = hull_xstrdup("--disable-host-loopback");
	if (o->enable_ipv6)
		store[n++] = hull_xstrdup("--enable-ipv6");
	char net[16];
	snprintf(net, sizeof(net), "%u.%u.%u.%u", o->subnet >> 24, (o->subnet >> 16) & 255, (o->subnet >> 8) & 255,
		 o->subnet & 255);
	store[n++] = hull_strdup_printf("--cidr=%s/%d", net, o->prefix);
	if (*o->outbound_addr)
		store[n++] = hull_strdup_printf("--outbound-addr=%s", o->outbound_addr);
	if (*o->outbound_addr6)
		store[n++] = hull_strdup_printf("--outbound-addr6=%s", o->outbound_addr6);
	store[n++] = hull_xstrdup("--enable-sandbox");
	if (seccomp)
		store[n++] = hull_xstrdup("--enable-seccomp");
	store[n++] = hull_xstrdup("--exit-fd=3");
	store[n++] = hull_xstrdup("--ready-fd=4");
	store[n++] = hull_xstrdup("--api-socket");
	store[n++] = hull_xstrdup(API_SOCKET);
	store[n++] = hull_xstrdup("--netns-type=path");
	store[n++] = hull_xstrdup("/proc/self/fd/5");
	store[n++] = hull_xstrdup("tap0");
	store[n] = NULL;
	(void)cap;
	return store;
}

/* Wait for "1" on the ready fd; EOF means slirp4netns died first. */
static int wait_ready(int ready, pid_t pid, const char *log, struct hull_error **err)
{
	struct pollfd p = { .fd = ready, .events = POLLIN };
	int n;
	while ((n = poll(&p, 1, READY_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	char c = 0;
	if (n > 0 && read(ready, &c, 1) == 1 && c == '1')
		return 0;
	_cleanup_free_ char *tail = usernet_log_tail(log);
	if (n == 0)
		return hull_error_msg(err, ETIMEDOUT, "slirp4netns (pid %d) did not set up the network in %d s%s%s",
				      (int)pid, READY_TIMEOUT_MS / 1000, *tail ? ": " : "", tail);
	return hull_error_msg(err, EIO, "slirp4netns failed to set up the network: %s",
			      *tail ? tail : "it exited without a word");
}

int usernet_slirp_start(const struct usernet_options *o, const struct usernet_request *req, struct usernet *u,
			struct hull_error **err)
{
	char path[4096];
	int r = usernet_find_binary("slirp4netns", "slirp4netns", path, sizeof(path), err);
	if (r < 0)
		return r;
	_cleanup_close_ int dirfd = open(req->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *log = hull_path_join(req->dir, LOG_FILE);
	_cleanup_close_ int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char ns[64];
	snprintf(ns, sizeof(ns), "/proc/%d/ns/net", (int)req->pid);
	_cleanup_close_ int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (dirfd < 0 || logfd < 0 || nsfd < 0)
		return hull_error_set(err, errno, "slirp4netns: open `%s`", dirfd < 0 ? req->dir : logfd < 0 ? log : ns);
	unlinkat(dirfd, API_SOCKET, 0);
	int exit_pipe[2], ready_pipe[2];
	if (pipe2(exit_pipe, O_CLOEXEC) < 0)
		return hull_error_set(err, errno, "slirp4netns: pipe");
	if (pipe2(ready_pipe, O_CLOEXEC) < 0) {
		close(exit_pipe[0]);
		close(exit_pipe[1]);
		return hull_error_set(err, errno, "slirp4netns: pipe");
	}
	char *store[24];
	char **argv = slirp_argv(o, has_seccomp(path), store, HULL_ARRAY_SIZE(store));
	int fds[3] = { exit_pipe[0], ready_pipe[1], nsfd };
	pid_t pid = usernet_spawn(path, argv, req->dir, fds, 3, -1, logfd, err);
	for (char **a = argv; *a; a++)
		free(*a);
	close(exit_pipe[0]);
	close(ready_pipe[1]);
	*u = (struct usernet){ .kind = USERNET_SLIRP4NETNS, .pid = pid, .exit_fd = exit_pipe[1], .prefix = o->prefix };
	if (pid < 0) {
		close(ready_pipe[0]);
		close(exit_pipe[1]);
		u->exit_fd = -1;
		u->pid = 0;
		return pid;
	}
	u->start = hull_proc_start_time(pid);
	r = wait_ready(ready_pipe[0], pid, log, err);
	close(ready_pipe[0]);
	char dns[16];
	usernet_slirp_addresses(o, u->ip, u->gateway, dns);
	u->ports = json_object();
	struct forward_ctx f = { .dirfd = dirfd, .guest_ip = u->ip };
	if (r == 0)
		r = usernet_each_port(req, u->ports, add_hostfwd, &f, err);
	if (r < 0) {
		usernet_stop(u);
		unlinkat(dirfd, API_SOCKET, 0);
	}
	return r;
}
