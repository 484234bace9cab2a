/* usernet_internal.h - user-mode networks (podman's slirp4netns and pasta
 * modes), shared by usernet.c (options, helper processes), slirp.c and
 * pasta.c (the two helpers) and monitor.c (when and what to record). */
#ifndef HULL_ENGINE_USERNET_INTERNAL_H
#define HULL_ENGINE_USERNET_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>


enum usernet_kind { USERNET_NONE = 0, USERNET_SLIRP4NETNS, USERNET_PASTA };

/* --network slirp4netns[:OPT=V,...] or pasta[:ARG,...], parsed. */
struct usernet_options {
	enum usernet_kind kind;
	/* slirp4netns (podman's option names) */
	bool allow_host_loopback; /* allow_host_loopback=true: 10.0.2.2 reaches the host's 127.0.0.1 */
	bool enable_ipv6;         /* enable_ipv6= (podman 4's default: true) */
	unsigned mtu;             /* mtu= (65520) */
	uint32_t subnet;          /* cidr= (10.0.2.0/24), host byte order */
	int prefix;
	char outbound_addr[64];   /* outbound_addr=, outbound_addr6= */
	char outbound_addr6[64];
	/* pasta: the user's arguments, passed through (NULL-ended, owned) */
	char **pasta_args;
	bool pasta_map_gw;        /* podman's --map-gw: do not pass --no-map-gw */
	bool pasta_tcp_given, pasta_udp_given; /* the user forwards ports with -t / -u */
};

/* The nameserver pasta answers on (--dns-forward), as podman 5 uses. */
#define USERNET_PASTA_DNS "169.254.1.1"

/* Parse a NetworkMode; kind USERNET_NONE (0 returned) for every other
 * mode. Errors name the option and what is accepted. */
int usernet_parse(const char *mode, struct usernet_options *o, struct hull_error **err);
void usernet_options_clear(struct usernet_options *o);

/* The container's side of a slirp4netns network: address (subnet + 100),
 * gateway (+2), DNS (+3), as dotted quads. */
void usernet_slirp_addresses(const struct usernet_options *o, char ip[16], char gateway[16], char dns[16]);

/* A running helper. */
struct usernet {
	enum usernet_kind kind;
	pid_t pid;                /* slirp4netns, or pasta's daemon */
	unsigned long long start; /* its start time (pid reuse guard) */
	int exit_fd;              /* slirp4netns: our end of its --exit-fd; -1 */
	bool signalled;           /* told to quit already */
	char ip[16], gateway[16];
	int prefix;
	json_t *ports;            /* NetworkSettings.Ports (owned) */
};

/* What a helper needs to know about the container. */
struct usernet_request {
	pid_t pid;                /* the container's init: its network namespace */
	const char *dir;          /* the container directory: logs, API socket */
	json_t *port_bindings;    /* HostConfig.PortBindings (borrowed) */
	json_t *exposed;          /* Config.ExposedPorts (borrowed) */
	bool publish_all;         /* -P */
};

/* Find a helper binary in PATH (the default path when PATH is unset);
 * ENOENT names the Debian package that provides it. */
int usernet_find_binary(const char *name, const char *package, char *path, size_t size, struct hull_error **err);

/* Fork and exec path with argv in directory cwd (NULL: ours): stdin on /dev/null, stdout and stderr on
 * stdout_fd and stderr_fd (-1: /dev/null), fds[i] as fd 3+i, every other fd closed.
 * Only async-signal-safe calls in the child (the monitor has threads).
 * Returns the pid or -errno. */
pid_t usernet_spawn(const char *path, char *const argv[], const char *cwd, const int *fds, size_t n_fds,
		    int stdout_fd, int stderr_fd, struct hull_error **err);

/* The last meaningful line of a helper's log (malloc'd, "" when none):
 * what the error shows. */
char *usernet_log_tail(const char *log_path);

/* Each host port to publish, as the record holds them: calls fn with the
 * container port and protocol, the host address ("" for all) and the host
 * port (a free one picked when the record has none), then adds the
 * binding to *ports. A port a host program holds fails with docker's
 * "port is already allocated". */
typedef int (*usernet_forward_fn)(void *data, const char *proto, unsigned container_port, const char *host_ip,
				  unsigned host_port, struct hull_error **err);
int usernet_each_port(const struct usernet_request *req, json_t *ports, usernet_forward_fn fn, void *data,
		      struct hull_error **err);

/* Start slirp4netns / pasta for req with options o; fills *u. On failure
 * nothing is left: no process, no socket; the error says which helper
 * failed and shows its log's last line. */
int usernet_slirp_start(const struct usernet_options *o, const struct usernet_request *req, struct usernet *u,
			struct hull_error **err);
int usernet_pasta_start(const struct usernet_options *o, const struct usernet_request *req, struct usernet *u,
			struct hull_error **err);

/* Stop the helper and reap it (our child, or pasta's daemon which the
 * monitor, a child subreaper, inherits); safe to call twice. */
void usernet_stop(struct usernet *u);

#endif
