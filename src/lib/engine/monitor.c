/* monitor.c - one small process per running container, as conmon is for
 * podman: it sets the container up (rootfs, network, runtime create and
 * start), then stays as its parent to keep its stdio and logs, reap it
 * and record its exit code, and tears it down (with --rm, removes it).
 *
 * It runs in a mount namespace of its own (a slave of the host's), so the
 * overlay and every mount made for the container vanish with it, even when
 * it is killed: nothing is left mounted on the host. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/engine_spec.h"
#include "hull/etc_files.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/logs.h"
#include "hull/network.h"
#include "hull/proc.h"
#include "hull/restart.h"
#include "hull/runtime.h"
#include "hull/size.h"
#include "hull/timefmt.h"
#include "engine_internal.h"
#include "monitor_internal.h"
#include "usernet_internal.h"

struct monitor {
	struct hull_ctx *ctx;      /* the caller's */
	struct hull_ctx rt;        /* runtime_root = the engine's */
	struct hull_container *c;
	/* c->record as the monitor loaded it: the members made at create, which
	 * no command changes later (the restart policy is read again) */
	struct hull_container_record rec;
	const struct hull_attach *attach;
	struct hull_endpoint ep;
	bool attached_net;
	bool default_route;        /* its network is not --internal */
	json_t *ports;             /* published, to undo */
	struct usernet_options usernet_opts; /* --network slirp4netns|pasta[:...] */
	struct usernet usernet;    /* its helper process, while it runs */
	struct attach_hub hub;     /* `hull attach` */
	int ready_fd;              /* the starting CLI's pipe */
	bool detached;             /* the attached CLI detached (ctrl-p ctrl-q) */
	bool created;
	int console_listen;        /* -t: where the runtime sends the pty master */
	int master;
	int pipes[3][2];           /* stdin, stdout, stderr */
	pid_t pid;
	pid_t health;              /* the HEALTHCHECK prober while the process runs, -1: none */
};

static json_t *hc_of(struct monitor *m)
{
	return json_object_get(m->c->record, "HostConfig");
}

static const char *network_mode(struct monitor *m)
{
	const char *mode = m->rec.host_config.network_mode;
	return mode && *mode && strcmp(mode, "default") ? mode : "bridge";
}

/* resolv.conf: with a user-mode network and no --dns, its helper's
 * resolver (slirp4netns's 10.0.2.3, pasta's --dns-forward address), which
 * forwards to the host's, as podman writes it. */
static char *usernet_resolv_conf(struct monitor *m)
{
	json_t *dns = json_object_get(hc_of(m), "Dns");
	json_t *search = json_object_get(hc_of(m), "DnsSearch");
	bool host = !strcmp(network_mode(m), "host");
	if (m->usernet_opts.kind == USERNET_NONE || json_array_size(dns))
		return hull_engine_resolv_conf(dns, search, host);
	char ip[16], gw[16], ns[16] = USERNET_PASTA_DNS;
	if (m->usernet_opts.kind == USERNET_SLIRP4NETNS)
		usernet_slirp_addresses(&m->usernet_opts, ip, gw, ns);
	_cleanup_json_ json_t *ours = json_pack("[s]", ns);
	return hull_engine_resolv_conf(ours, search, false);
}

static int write_etc_files(struct monitor *m, struct hull_error **err)
{
	/* --network container:X: X's files are bound instead (spec.c) */
	if (engine_share_target(hc_of(m), "NetworkMode"))
		return 0;
	const struct hull_record_config *config = &m->rec.config;
	bool host = !strcmp(network_mode(m), "host");
	char hostname[256] = "";
	if (host)
		gethostname(hostname, sizeof(hostname) - 1);
	else
		snprintf(hostname, sizeof(hostname), "%s", config->hostname);
	_cleanup_free_ char *h = hull_strdup_printf("%s\n", hostname);
	_cleanup_free_ char *hp = hull_path_join(m->c->dir, "hostname");
	_cleanup_free_ char *rp = hull_path_join(m->c->dir, "resolv.conf");
	_cleanup_free_ char *hosts = hull_path_join(m->c->dir, "hosts");
	_cleanup_free_ char *resolv = usernet_resolv_conf(m);
	_cleanup_free_ char *base = NULL;
	if (host) {
		hull_read_file("/etc/hosts", &base, NULL, NULL);
		if (!base)
			base = hull_xstrdup("127.0.0.1\tlocalhost\n");
	} else {
		/* slirp4netns's address is known now; a bridge's comes with attach */
		char ip[16] = "", gw[16], dns[16];
		if (m->usernet_opts.kind == USERNET_SLIRP4NETNS)
			usernet_slirp_addresses(&m->usernet_opts, ip, gw, dns);
		base = hull_engine_hosts_base(ip, hostname, config->domainname,
					      json_object_get(hc_of(m), "ExtraHosts"), err);
		if (!base)
			return -EINVAL;
	}
	int r;
	if ((r = hull_write_file_atomic(hp, h, strlen(h), 0644, false, err)) < 0 ||
	    (r = hull_write_file_atomic(rp, resolv, strlen(resolv), 0644, false, err)) < 0 ||
	    (r = hull_write_file_atomic(hosts, base, strlen(base), 0644, false, err)) < 0)
		return r;
	return 0;
}

static int write_spec(struct monitor *m, struct hull_error **err)
{
	/* the runtime wants root.path real, no symlink on the way (runc's rule):
	 * a data root reached through one must not break every container */
	_cleanup_free_ char *dir = realpath(m->c->dir, NULL);
	_cleanup_free_ char *rootfs = hull_path_join(dir ? dir : m->c->dir, "rootfs");
	struct hull_spec_inputs in = { .rootfs = rootfs, .dir = m->c->dir, .cgroup_parent = "/hull",
				       .rootless = m->ctx->rootless };
	/* rootless: the containers' cgroups go in the subtree delegated to
	 * the user, when there is one (rootless.c) */
	_cleanup_free_ char *delegated = NULL;
	if (m->ctx->rootless && engine_rootless_cgroup_parent(&delegated, NULL) == 0) {
		in.cgroup_parent = delegated;
		in.rootless_cgroup = true;
	}
	_cleanup_(engine_shared_clear) struct engine_shared shared = { 0 };
	int r = engine_share_paths(m->ctx, hc_of(m), &shared, err);
	if (r < 0)
		return r;
	in.netns_path = shared.net;
	in.ipc_path = shared.ipc;
	in.pid_path = shared.pid;
	in.uts_path = shared.uts;
	in.etc_dir = shared.etc_dir;
	_cleanup_free_ char *shm = shared.ipc_pid ? hull_path_join(m->c->dir, "shm") : NULL;
	if (shm && (r = engine_share_shm(shared.ipc_pid, shm, err)) < 0)
		return r;
	in.shm_source = shm;
	r = hull_engine_resolve_user(rootfs, m->rec.config.user,
					 json_object_get(hc_of(m), "GroupAdd"), &in.uid, &in.gid, &in.gids, &in.n_gids,
					 err);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *spec = hull_engine_spec(m->c->record, &in, err);
	free(in.gids);
	if (!spec)
		return -EINVAL;
	_cleanup_free_ char *p = hull_path_join(m->c->dir, "config.json");
	return hull_json_dump_file(spec, p, 0600, err);
}

static int open_stdio(struct monitor *m, struct hull_runtime_opts *opts, struct hull_error **err)
{
	if (m->rec.config.tty && hull_record_host_config_is_vm(&m->rec.host_config)) {
		/* a VM's terminal is the guest's pty; its bytes reach us through
		 * the shim on a pty of ours (raw: the guest's does the editing) */
		int slave = -1;
		int r = engine_vm_open_pty(&m->master, &slave, err);
		if (r < 0)
			return r;
		opts->stdio[0] = opts->stdio[1] = opts->stdio[2] = slave;
		return 0;
	}
	if (m->rec.config.tty) {
		/* relative to the container directory (the monitor's cwd): an
		 * absolute path under a deep data root can pass sun_path's 108 */
		const char *path = "console.sock";
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		if (chdir(m->c->dir) < 0)
			return hull_error_set(err, errno, "chdir `%s`", m->c->dir);
		strcpy(sa.sun_path, path);
		unlink(path);
		m->console_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (m->console_listen < 0 || bind(m->console_listen, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(m->console_listen, 1) < 0)
			return hull_error_set(err, errno, "console socket `%s/%s`", m->c->dir, path);
		opts->console_socket = hull_xstrdup(path);
		return 0;
	}
	for (int i = 0; i < 3; i++)
		if ((i > 0 || m->rec.config.open_stdin) && pipe2(m->pipes[i], O_CLOEXEC) < 0)
			return hull_error_set(err, errno, "pipe for the container's stdio");
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	opts->stdio[0] = m->pipes[0][0] >= 0 ? m->pipes[0][0] : devnull;
	opts->stdio[1] = m->pipes[1][1];
	opts->stdio[2] = m->pipes[2][1];
	return 0;
}

/* The pty master the runtime sent over the console socket (SCM_RIGHTS). */
static int receive_master(struct monitor *m, struct hull_error **err)
{
	_cleanup_close_ int conn = accept4(m->console_listen, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return hull_error_set(err, errno, "accept on the console socket");
	char data[64];
	char control[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = sizeof(control) };
	if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) < 0)
		return hull_error_set(err, errno, "receive the pty master");
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return hull_error_msg(err, EPROTO, "the runtime sent no pty master");
	memcpy(&m->master, CMSG_DATA(cm), sizeof(int));
	return 0;
}

static pid_t read_pid(const char *dir)
{
	_cleanup_free_ char *p = hull_path_join(dir, "init.pid");
	_cleanup_free_ char *buf = NULL;
	return hull_read_file(p, &buf, NULL, NULL) == 0 ? (pid_t)atoi(buf) : 0;
}

static void record_network(struct monitor *m, const struct hull_network *net)
{
	json_t *ns = json_object();
	json_t *eps = json_object();
	if (m->attached_net) {
		json_object_set_new(eps, net->name,
				    json_pack("{s:s,s:s,s:i,s:s,s:s,s:s}", "IPAddress", m->ep.ip, "Gateway", m->ep.gateway,
					      "IPPrefixLen", m->ep.prefix, "MacAddress", m->ep.mac, "NetworkID", net->id,
					      "HullVeth", m->ep.veth));
		json_object_set_new(ns, "IPAddress", json_string(net->is_default ? m->ep.ip : ""));
		json_object_set_new(ns, "Gateway", json_string(net->is_default ? m->ep.gateway : ""));
		json_object_set_new(ns, "IPPrefixLen", json_integer(net->is_default ? m->ep.prefix : 0));
		json_object_set_new(ns, "MacAddress", json_string(net->is_default ? m->ep.mac : ""));
	}
	json_object_set_new(ns, "Networks", eps);
	json_object_set(ns, "Ports", m->ports ? m->ports : json_object());
	char sandbox[64] = ""; /* a VM's network stack is in its guest */
	if (!engine_vm_enabled(m->c))
		snprintf(sandbox, sizeof(sandbox), "/proc/%d/ns/net", (int)m->pid);
	json_object_set_new(ns, "SandboxKey", json_string(sandbox));
	json_object_set_new(m->c->record, "NetworkSettings", ns);
}

/* NetworkSettings of a user-mode network: the container's address
 * (slirp4netns's fixed one, the host's that pasta copied), the ports, and
 * the helper's pid for `rm` after a monitor crash. */
static void record_usernet(struct monitor *m)
{
	bool slirp = m->usernet.kind == USERNET_SLIRP4NETNS;
	json_t *ns = json_pack("{s:s,s:s,s:i,s:s,s:{}}", "IPAddress", m->usernet.ip, "Gateway", m->usernet.gateway,
			       "IPPrefixLen", m->usernet.prefix, "MacAddress", "", "Networks");
	json_object_set(ns, "Ports", m->usernet.ports);
	char sandbox[64];
	snprintf(sandbox, sizeof(sandbox), "/proc/%d/ns/net", (int)m->pid);
	json_object_set_new(ns, "SandboxKey", json_string(sandbox));
	json_object_set_new(ns, "HullUserNet", json_pack("{s:s,s:I,s:I}", "Mode", slirp ? "slirp4netns" : "pasta",
							 "Pid", (json_int_t)m->usernet.pid, "PidStart",
							 (json_int_t)m->usernet.start));
	json_object_set_new(m->c->record, "NetworkSettings", ns);
}

static int connect_usernet(struct monitor *m, struct hull_error **err)
{
	/* both helpers bring lo up themselves with the tap device */
	json_t *config = json_object_get(m->c->record, "Config");
	struct usernet_request req = { .pid = m->pid, .dir = m->c->dir,
				       .port_bindings = json_object_get(hc_of(m), "PortBindings"),
				       .exposed = json_object_get(config, "ExposedPorts"),
				       .publish_all = m->rec.host_config.publish_all_ports };
	bool slirp = m->usernet_opts.kind == USERNET_SLIRP4NETNS;
	int r = slirp ? usernet_slirp_start(&m->usernet_opts, &req, &m->usernet, err)
		      : usernet_pasta_start(&m->usernet_opts, &req, &m->usernet, err);
	if (r < 0)
		return r;
	record_usernet(m);
	if (!slirp && *m->usernet.ip) {
		/* pasta's address is known only now: the hostname line. In
		 * place, as the file may be bind-mounted already. */
		_cleanup_free_ char *base = hull_engine_hosts_base(
			m->usernet.ip, json_string_value(json_object_get(config, "Hostname")),
			json_string_value(json_object_get(config, "Domainname")), json_object_get(hc_of(m), "ExtraHosts"),
			NULL);
		_cleanup_free_ char *hosts = hull_path_join(m->c->dir, "hosts");
		_cleanup_close_ int fd = open(hosts, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
		if (base && fd >= 0)
			hull_write_all(fd, base, strlen(base));
	}
	return 0;
}

/* The container (a VM's: a tap for it) on its bridge network, its ports
 * published to its address. */
static int attach_bridge(struct monitor *m, const char *mode, bool tap, struct hull_error **err)
{
	_cleanup_network_ struct hull_network *net = hull_network_get(m->ctx, mode, err);
	if (!net)
		return -ENOENT;
	json_t *config = json_object_get(m->c->record, "Config");
	const char *hostname = m->rec.config.hostname;
	_cleanup_free_ char *hosts = hull_path_join(m->c->dir, "hosts");
	struct hull_endpoint_request req = {.container_id = m->c->id,
					    .name = m->c->name,
					    .hostname = hostname,
					    .aliases = m->rec.host_config.network_aliases,
					    .hosts_path = hosts,
					    .pid = m->pid,
					    .tap = tap,
					    .ip = m->rec.host_config.hull_ipv4_address,
					    .domainname = m->rec.config.domainname,
					    .extra_hosts = json_object_get(hc_of(m), "ExtraHosts")};
	int r = hull_network_attach(m->ctx, net, &req, &m->ep, err);
	if (r < 0)
		return r;
	m->attached_net = true;
	m->default_route = !net->internal;
	m->ports = hull_network_publish(
	    m->ctx, json_object_get(hc_of(m), "PortBindings"), json_object_get(config, "ExposedPorts"),
	    m->rec.host_config.publish_all_ports, m->ep.ip, m->c->id, err);
	record_network(m, net);
	return m->ports ? 0 : -EADDRINUSE;
}

static int connect_network(struct monitor *m, struct hull_error **err)
{
	const char *mode = network_mode(m);
	/* host, or another container's namespace: nothing of ours to plumb */
	if (!strcmp(mode, "host") || engine_share_target(hc_of(m), "NetworkMode"))
		return 0;
	if (!strcmp(mode, "none"))
		return hull_netns_loopback_up(m->pid, err);
	if (m->usernet_opts.kind != USERNET_NONE)
		return connect_usernet(m, err);
	int r = attach_bridge(m, mode, false, err);
	if (r < 0)
		return r;
	return engine_network_attach_connected(m->ctx, m->c, m->pid, err);
}

/* What must be undone before the user hears the container has stopped:
 * its published ports (a next `run -p` of the same port must work). */
static void teardown_ports(struct monitor *m)
{
	/* the helper holds the ports: they are free once it has closed them;
	 * and it is the container's, so it is gone when `stop` returns */
	if (m->usernet.kind != USERNET_NONE)
		usernet_stop(&m->usernet);
	if (m->ports)
		hull_network_unpublish(m->ctx, m->ports, m->ep.ip, NULL);
	if (m->ports)
		json_decref(m->ports);
	m->ports = NULL;
	/* `network connect`: its peers there must not see it after it stops */
	if (m->attached_net)
		engine_network_disconnect_all_connected(m->ctx, m->c);
}

/* The rest can follow: the address (a next container takes another), the
 * runtime state and cgroups (keyed by this id), the console socket. */
static void teardown(struct monitor *m)
{
	teardown_ports(m);
	if (m->usernet.kind != USERNET_NONE) {
		usernet_stop(&m->usernet);
		m->usernet.kind = USERNET_NONE;
		_cleanup_free_ char *sock = hull_path_join(m->c->dir, "slirp4netns.sock");
		unlink(sock);
	}
	if (m->attached_net)
		hull_network_detach(m->ctx, m->ep.network, m->c->id, m->ep.veth, NULL);
	m->attached_net = false;
	if (m->created) {
		struct hull_error *ignored = NULL;
		hull_runtime_delete(&m->rt, m->c->id, true, &ignored);
		hull_error_free(ignored);
	}
	m->created = false;
	_cleanup_free_ char *sock = hull_path_join(m->c->dir, "console.sock");
	unlink(sock);
}

/* The runtime's place hook: the child exists with its namespaces and
 * waits; put it in its cgroups (what the runtime does without a hook),
 * then connect its network namespace. */
struct placement {
	struct monitor *m;
	const struct hull_oci_config *cfg;
	struct hull_error *err;
	int r;
};

static void *place_in_cgroups(void *data)
{
	struct placement *p = data;
	p->r = hull_container_cgroup_setup(&p->m->rt, p->m->c->id, p->m->pid, p->cfg, &p->err);
	return NULL;
}

static int place(void *data, pid_t pid, const struct hull_oci_config *cfg, struct hull_error **err)
{
	struct monitor *m = data;
	m->pid = pid;
	/* on cgroup v1 the first write of a pid to cgroup.procs sleeps for an
	 * RCU grace period (the kernel's threadgroup rwsem, ~8-10 ms here):
	 * the network is plumbed meanwhile, from this thread. Neither needs
	 * the other; the child waits for both. */
	struct placement p = { .m = m, .cfg = cfg };
	pthread_t thread;
	bool threaded = pthread_create(&thread, NULL, place_in_cgroups, &p) == 0;
	if (!threaded)
		place_in_cgroups(&p);
	int r = connect_network(m, err);
	if (threaded)
		pthread_join(thread, NULL);
	if (p.r < 0) {
		/* the cgroup's error first: it is what failed before the network was tried */
		if (err) {
			hull_error_free(*err);
			*err = steal_ptr(p.err);
		}
		hull_error_free(p.err);
		return p.r;
	}
	return r < 0 ? hull_error_wrap(err, r, "network") : 0;
}

static int launch(struct monitor *m, struct hull_error **err);

static int setup(struct monitor *m, struct hull_error **err)
{
	/* private mounts: see the top of this file. Slave, not private, so
	 * that mounts the host makes later (a volume on a new disk) still
	 * reach us. */
	if (unshare(CLONE_NEWNS) < 0)
		return hull_error_set(err, errno, "unshare the monitor's mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return hull_error_set(err, errno, "make the monitor's mounts slaves of the host's");
	int r = usernet_parse(network_mode(m), &m->usernet_opts, err);
	if (r < 0)
		return r;
	/* the room for the exit code is taken now, while there is some */
	if ((r = engine_exit_status_prepare(m->c, err)) < 0)
		return r;
	if ((r = engine_rootfs_mount(m->c, err)) < 0 || (r = engine_rootfs_prepare(m->c, err)) < 0 ||
	    (r = write_etc_files(m, err)) < 0 || (r = write_spec(m, err)) < 0)
		return r;
	return launch(m, err);
}

/* Create and start the container's process on the prepared rootfs: its
 * stdio, the runtime, the network (from the place hook). Run again by
 * --restart. */
/* --vm: the VM shim instead of the runtime (vm.c); no runtime state or
 * cgroup of ours: the VM has its own. On a bridge network, the VM's tap
 * is plumbed (and its ports published) before it boots. */
static int launch_vm(struct monitor *m, struct hull_runtime_opts *opts, struct hull_error **err)
{
	const char *mode = network_mode(m);
	int r = strcmp(mode, "none") ? attach_bridge(m, mode, true, err) : 0;
	struct engine_vm_nic nic = {.ep = &m->ep, .default_route = m->default_route};
	if (r == 0)
		r = engine_vm_launch(m->ctx, m->c, opts->stdio, m->attached_net ? &nic : NULL, &m->pid, err);
	else
		r = hull_error_wrap(err, r, "network");
	if (m->master >= 0) {
		close(opts->stdio[0]); /* the pty's slave end is the shim's */
		return r;
	}
	for (int i = 0; i < 3; i++) {
		int child_end = i == 0 ? m->pipes[0][0] : m->pipes[i][1];
		if (child_end >= 0)
			close(child_end);
	}
	if (m->pipes[0][0] < 0 && opts->stdio[0] >= 0)
		close(opts->stdio[0]); /* /dev/null */
	return r;
}

static int launch(struct monitor *m, struct hull_error **err)
{
	int r;
	struct hull_runtime_opts opts = HULL_RUNTIME_OPTS_INIT;
	opts.bundle = m->c->dir;
	_cleanup_free_ char *pidfile = hull_path_join(m->c->dir, "init.pid");
	opts.pid_file = pidfile;
	r = open_stdio(m, &opts, err);
	_cleanup_free_ char *console = (char *)opts.console_socket;
	if (r < 0)
		return r;
	if (engine_vm_enabled(m->c))
		return launch_vm(m, &opts, err);
	opts.detach = true;
	opts.place = place;
	opts.place_data = m;
	int ignored_status = 0;
	/* run, not create + start: one round trip less, and the network is
	 * plumbed by the place hook while the child waits, its namespaces
	 * made (runtime.h) */
	r = hull_runtime_run(&m->rt, m->c->id, &opts, &ignored_status, err);
	m->created = r == 0 || m->pid > 0;
	/* the child's ends belong to the container now */
	for (int i = 0; i < 3; i++) {
		int child_end = i == 0 ? m->pipes[0][0] : m->pipes[i][1];
		if (child_end >= 0)
			close(child_end);
	}
	if (opts.stdio[0] >= 0 && m->pipes[0][0] < 0 && !console)
		close(opts.stdio[0]); /* /dev/null */
	if (r < 0)
		return r;
	if (console && (r = receive_master(m, err)) < 0)
		return r;
	if (m->pid <= 0)
		m->pid = read_pid(m->c->dir);
	if (m->pid <= 0)
		return hull_error_msg(err, ESRCH, "the runtime wrote no init pid");
	return 0;
}

static void save_state(struct monitor *m, enum hull_engine_status st, int code, const char *why)
{
	struct hull_engine_state *s = &m->c->state;
	s->status = st;
	if (st == HULL_ENGINE_RUNNING) {
		s->pid = m->pid;
		s->pid_start = hull_proc_start_time(m->pid);
		s->monitor_pid = getpid();
		s->monitor_start = hull_proc_start_time(getpid());
		s->exit_code = 0;
		s->error[0] = '\0';
		s->finished_at[0] = '\0';
		hull_time_now_rfc3339_into(s->started_at, sizeof(s->started_at));
	} else {
		/* the monitor's pid stays: `rm` waits for it to finish its
		 * cleanup before doing anything itself */
		s->pid = 0;
		s->exit_code = code;
		snprintf(s->error, sizeof(s->error), "%s", why ? why : "");
		hull_time_now_rfc3339_into(s->finished_at, sizeof(s->finished_at));
		if (st == HULL_ENGINE_EXITED)
			engine_exit_status_record(m->c); /* first: state.json may find the disk full */
	}
	hull_container_save_state(m->c, NULL);
}

/* One line to the starting CLI; keep the pipe when it waits for the exit. */
static void report(int fd, const char *msg, bool keep)
{
	if (fd < 0)
		return;
	_cleanup_free_ char *line = hull_strdup_printf("%s\n", msg);
	hull_write_all(fd, line, strlen(line));
	if (!keep)
		close(fd);
}

static struct hull_logfile *open_log(struct monitor *m, struct hull_logfile *lf)
{
	const struct hull_record_log_config *lc = &m->rec.host_config.log_config;
	if (lc->type && !strcmp(lc->type, "none"))
		return NULL;
	unsigned long long max_size = HULL_LOG_DEFAULT_MAX_SIZE;
	unsigned max_files = HULL_LOG_DEFAULT_MAX_FILES;
	const char *ms = hull_record_strmap_get(&lc->config, "max-size");
	const char *mf = hull_record_strmap_get(&lc->config, "max-file");
	if (ms)
		hull_parse_size(ms, &max_size);
	if (mf)
		max_files = (unsigned)atoi(mf);
	const char *path = m->rec.log_path;
	return path && hull_logfile_open(lf, path, max_size, max_files, NULL) == 0 ? lf : NULL;
}

/* --restart: put the container back in the state launch() expects: the
 * network, ports and runtime state of the last run undone, its fds gone. */
static int relaunch(struct monitor *m, struct hull_error **err)
{
	teardown(m);
	if (m->console_listen >= 0)
		close(m->console_listen);
	m->console_listen = -1;
	m->master = -1; /* closed with the io of the last run */
	memset(m->pipes, -1, sizeof(m->pipes));
	memset(&m->ep, 0, sizeof(m->ep));
	m->pid = 0;
	/* `network connect` while it ran: the record on disk has it */
	_cleanup_free_ char *path = hull_path_join(m->c->dir, "container.json");
	_cleanup_json_ json_t *disk = hull_json_load_file(path, "container.json", NULL);
	json_t *connected = json_object_get(json_object_get(disk, "HostConfig"), "HullConnected");
	if (connected)
		json_object_set(hc_of(m), "HullConnected", connected);
	/* a donor restarted since: its namespaces are under a new pid */
	int r;
	for (const char *const *f = (const char *const[]){ "NetworkMode", "IpcMode", "PidMode", "UTSMode", NULL };
	     *f; f++)
		if (engine_share_target(hc_of(m), *f))
			return (r = write_spec(m, err)) < 0 ? r : launch(m, err);
	return launch(m, err);
}

static unsigned long long monotonic_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL + (unsigned long long)ts.tv_nsec / 1000000ULL;
}

/* The back-off before a restart, cut short by a stop or kill of the user
 * (then false): checked every 50 ms, as a `hull stop` waits for it. */
static bool restart_backoff(struct monitor *m, unsigned delay_ms)
{
	for (unsigned waited = 0; waited < delay_ms; waited += 50) {
		if (engine_stop_requested(m->c))
			return false;
		unsigned slice = delay_ms - waited < 50 ? delay_ms - waited : 50;
		struct timespec ts = { 0, (long)slice * 1000000L };
		nanosleep(&ts, NULL);
	}
	return !engine_stop_requested(m->c);
}

/* The restart policy as the record on disk has it now (`hull update
 * --restart` may have changed it since the start), into our record too
 * so that our own saves keep it. The caller holds the container's lock. */
static struct hull_restart_policy current_policy(struct monitor *m)
{
	_cleanup_free_ char *p = hull_path_join(m->c->dir, "container.json");
	_cleanup_json_ json_t *disk = hull_json_load_file(p, "container.json", NULL);
	json_t *rp = json_object_get(json_object_get(disk, "HostConfig"), "RestartPolicy");
	if (json_is_object(rp))
		json_object_set(hc_of(m), "RestartPolicy", rp);
	json_t *name = json_object_get(disk, "Name"); /* and a `hull rename` */
	if (json_is_string(name))
		json_object_set(m->c->record, "Name", name);
	_cleanup_record_ struct hull_container_record r;
	hull_container_record_parse(m->c->record, "container.json", &r, NULL); /* a bad member reads as absent */
	struct hull_restart_policy policy = { HULL_RESTART_NO, 0 };
	hull_restart_policy_parse(r.host_config.restart_policy.name, &policy, NULL);
	policy.max_retries = (int)r.host_config.restart_policy.maximum_retry_count;
	return policy;
}

/* Keep the container's process, and run it again while its restart policy
 * says so (docker's restartmanager). Returns its last exit status; *why
 * gets a reason when a restart failed to start. */
static int supervise(struct monitor *m, struct hull_logfile *log, char *why, size_t why_size)
{
	struct hull_restart_tracker tracker = { 0 };
	for (;;) {
		struct monitor_io io = { .init = m->pid, .master = m->master, .out = m->pipes[1][0],
					 .errfd = m->pipes[2][0], .in = m->pipes[0][1],
					 .attach = m->detached ? NULL : m->attach, .log = log, .hub = &m->hub,
					 .notify_fd = m->ready_fd };
		unsigned long long started = monotonic_ms();
		int code = monitor_io_loop(&io);
		monitor_io_close(&io);
		engine_health_stop(m->health); /* a restart begins again from starting, as docker's */
		m->health = -1;
		m->detached = m->detached || io.detached;
		unsigned delay = 0;
		int lock = hull_container_lock(m->c, NULL);
		struct hull_restart_policy policy = current_policy(m);
		bool again = hull_restart_next(&policy, &tracker, code, engine_stop_requested(m->c),
					       monotonic_ms() - started, &delay);
		if (again) {
			/* counted as it is decided, as docker does: "Restarting" shows the new count */
			json_object_set_new(m->c->record, "RestartCount", json_integer(tracker.count));
			hull_container_save(m->c, NULL);
		}
		if (lock >= 0)
			close(lock);
		if (!again)
			return code;
		teardown_ports(m);
		save_state(m, HULL_ENGINE_RESTARTING, code, NULL);
		if (!restart_backoff(m, delay))
			return code;
		struct hull_error *err = NULL;
		if (relaunch(m, &err) < 0) {
			snprintf(why, why_size, "restart %u: %s", tracker.count, err ? err->msg : "failed");
			hull_error_free(err);
			return code;
		}
		lock = hull_container_lock(m->c, NULL);
		current_policy(m); /* an update made during the back-off stays */
		hull_container_save(m->c, NULL); /* NetworkSettings */
		if (lock >= 0)
			close(lock);
		save_state(m, HULL_ENGINE_RUNNING, 0, NULL);
		m->health = engine_health_start(&m->rt, m->c);
		/* a stop that came while it was starting found no process */
		if (engine_stop_requested(m->c))
			kill(m->pid, SIGKILL);
	}
}

static void ignore_signal(int sig)
{
	(void)sig;
}

void hull_engine_monitor_main(struct hull_ctx *ctx, const char *id, const struct hull_attach *attach, int ready_fd)
{
	struct monitor m = { .ctx = ctx, .rt = *ctx, .attach = attach, .console_listen = -1, .master = -1,
			     .usernet = { .exit_fd = -1 }, .ready_fd = ready_fd };
	memset(m.pipes, -1, sizeof(m.pipes));
	_cleanup_free_ char *rt_root = hull_engine_runtime_root(ctx);
	m.rt.runtime_root = rt_root;
	/* a daemonised grandchild of the container comes back to us, not to init */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Ctrl-C at the terminal is for the container (the CLI relays it), a
	 * closed terminal must not take the container's monitor with it. A
	 * handler, not SIG_IGN: ignored signals stay ignored across execve,
	 * and a shell in the container could then never trap SIGTERM. */
	struct sigaction sa = { .sa_handler = ignore_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct hull_error *err = NULL;
	m.c = hull_container_load(ctx, id, &err);
	if (!m.c) {
		_cleanup_free_ char *msg = hull_strdup_printf("ERR %d %s", err ? err->code : EIO, err ? err->msg : "load failed");
		report(ready_fd, msg, false);
		_exit(125);
	}
	if (hull_container_record_parse(m.c->record, "container.json", &m.rec, &err) < 0) {
		_cleanup_free_ char *msg = hull_strdup_printf("ERR %d %s", err ? err->code : EIO, err ? err->msg : "load failed");
		report(ready_fd, msg, false);
		_exit(125);
	}
	if (setup(&m, &err) < 0) {
		_cleanup_free_ char *msg = hull_strdup_printf("ERR %d %s", err ? err->code : EIO, err ? err->msg : "setup failed");
		teardown(&m);
		engine_rootfs_unmount(m.c);
		save_state(&m, HULL_ENGINE_EXITED, 128, err ? err->msg : "start failed");
		report(ready_fd, msg, false);
		_exit(125);
	}
	hull_container_save(m.c, NULL); /* NetworkSettings */
	monitor_attach_init(&m.hub);
	if (monitor_attach_listen(&m.hub, m.c->dir, &err) < 0) {
		/* the container runs; only `hull attach` cannot reach it */
		hull_error_free(err);
		err = NULL;
	}
	save_state(&m, HULL_ENGINE_RUNNING, 0, NULL);
	bool attached = attach && attach->attach;
	report(ready_fd, "OK", attached);
	if (!attached)
		m.ready_fd = -1; /* closed by report */
	struct hull_logfile lf;
	struct hull_logfile *log = open_log(&m, &lf);
	char why[256] = "";
	m.health = engine_health_start(&m.rt, m.c); /* HEALTHCHECK probes, a process of their own */
	int code = supervise(&m, log, why, sizeof(why));
	if (log)
		hull_logfile_close(log);
	monitor_attach_close(&m.hub, m.c->dir);
	teardown_ports(&m);
	save_state(&m, HULL_ENGINE_EXITED, code, why[0] ? why : NULL);
	/* the user waits until the container is stopped and, with --rm, gone
	 * from every listing; the rest of the teardown, unmounting and
	 * deleting files can follow */
	_cleanup_free_ char *trash = NULL;
	/* held while the hidden directory is deleted: a `ps` meanwhile leaves it to us */
	_cleanup_close_ int trash_lock = -1;
	if (m.rec.host_config.auto_remove)
		trash = engine_remove_for_monitor(ctx, m.c, &trash_lock);
	_cleanup_free_ char *word = hull_strdup_printf("EXIT %d", code);
	report(attached && !m.detached ? ready_fd : -1, word, false);
	teardown(&m);
	if (trash) {
		_cleanup_free_ char *merged = hull_path_join(trash, "rootfs");
		_cleanup_free_ char *shm = hull_path_join(trash, "shm"); /* --ipc container:X's /dev/shm */
		umount2(merged, MNT_DETACH);
		umount2(shm, MNT_DETACH);
		engine_trash_remove(trash, NULL);
	} else {
		engine_rootfs_unmount(m.c);
	}
	_exit(code);
}
