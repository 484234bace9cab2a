/* netattach.c - a container joins a bridge network: address (IPAM under
 * the network's flock), veth pair, eth0 inside, routes, peers' hosts. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/etc_files.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/network.h"
#include "engine_internal.h"
#include "netlink.h"
#include "network_internal.h"

json_t *net_endpoints_load(const struct hull_ctx *ctx, const char *name)
{
	_cleanup_free_ char *d = net_dir(ctx, name);
	_cleanup_free_ char *p = hull_path_join(d, "endpoints.json");
	json_t *j = access(p, F_OK) == 0 ? hull_json_load_file(p, "endpoints.json", NULL) : NULL;
	return json_is_object(j) ? j : (j ? (json_decref(j), json_object()) : json_object());
}

int net_endpoints_save(const struct hull_ctx *ctx, const char *name, json_t *eps, struct hull_error **err)
{
	_cleanup_free_ char *d = net_dir(ctx, name);
	int r = hull_mkdir_p(d, 0700, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *p = hull_path_join(d, "endpoints.json");
	return hull_json_dump_file(eps, p, 0600, err);
}

/* Entries whose container directory is gone (rm after a crash, a wiped
 * data root) hold addresses nobody uses: give them back. */
static void reclaim_stale(const struct hull_ctx *ctx, json_t *eps)
{
	_cleanup_free_ char *cd = hull_engine_containers_dir(ctx);
	const char *ip;
	json_t *e;
	void *tmp;
	json_object_foreach_safe(eps, tmp, ip, e)
	{
		const char *id = json_string_value(json_object_get(e, "Id"));
		_cleanup_free_ char *d = id ? hull_path_join(cd, id) : NULL;
		if (!d || access(d, F_OK) < 0)
			json_object_del(eps, ip);
	}
}

/* --ip: docker's rules and words; the address is the container's while
 * it runs, given back when it stops. */
static int take_address(const struct hull_network *n, json_t *eps, const char *ip, uint32_t *out,
			struct hull_error **err)
{
	struct in_addr a;
	if (inet_pton(AF_INET, ip, &a) != 1)
		return hull_error_msg(err, EINVAL, "--ip %s: not an IPv4 address", ip);
	uint32_t addr = ntohl(a.s_addr), last = n->subnet | ~net_mask(n->prefix);
	char subnet[16];
	net_format_ip(n->subnet, subnet, sizeof(subnet));
	if ((addr & net_mask(n->prefix)) != n->subnet || addr == n->subnet || addr == last)
		return hull_error_msg(err, EINVAL, "--ip %s: not a host address of network %s (%s/%d)", ip, n->name,
				      subnet, n->prefix);
	if (addr == n->gateway)
		return hull_error_msg(err, EADDRINUSE, "--ip %s: Address already in use (the gateway of %s)", ip,
				      n->name);
	json_t *holder = json_object_get(eps, ip);
	if (holder)
		return hull_error_msg(err, EADDRINUSE, "--ip %s: Address already in use by container %s on %s", ip,
				      json_string_value(json_object_get(holder, "Name")) ?: "?", n->name);
	*out = addr;
	return 0;
}

static int pick_address(const struct hull_network *n, json_t *eps, uint32_t *out, struct hull_error **err)
{
	uint32_t last = n->subnet | ~net_mask(n->prefix);
	for (uint32_t a = n->subnet + 1; a < last; a++) {
		char s[16];
		net_format_ip(a, s, sizeof(s));
		if (a != n->gateway && !json_object_get(eps, s)) {
			*out = a;
			return 0;
		}
	}
	return hull_error_msg(err, ENOSPC, "network %s: no free address left in its subnet", n->name);
}

/* Write the file in place: it is bind-mounted into running containers,
 * and a rename would leave them looking at the old inode. */
static void rewrite_in_place(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0)
		hull_write_all(fd, text, strlen(text));
}

static void append_line(char **text, size_t *len, size_t *cap, const char *line)
{
	size_t l = strlen(line);
	if (*len + l + 2 > *cap)
		*text = hull_xrealloc(*text, *cap = (*len + l + 2) * 2);
	memcpy(*text + *len, line, l);
	*len += l;
	(*text)[(*len)++] = '\n';
	(*text)[*len] = '\0';
}

/* One line per peer of e in eps: its address, name, short id, aliases. */
static void append_peers(char **text, size_t *len, size_t *cap, json_t *eps, const char *self_id)
{
	const char *peer_ip;
	json_t *p;
	json_object_foreach(eps, peer_ip, p)
	{
		const char *id = json_string_value(json_object_get(p, "Id"));
		if (id && self_id && !strcmp(id, self_id))
			continue;
		const char *name = json_string_value(json_object_get(p, "Name"));
		_cleanup_free_ char *line = hull_strdup_printf("%s\t%s %.12s", peer_ip, name ? name : "", id ? id : "");
		size_t k;
		json_t *alias;
		json_array_foreach(json_object_get(p, "Aliases"), k, alias)
		{
			char *longer = hull_strdup_printf("%s %s", line, json_string_value(alias));
			free(line);
			line = longer;
		}
		append_line(text, len, cap, line);
	}
}

/* Each endpoint's hosts file = its base + a line per peer (docker's
 * embedded DNS answers names, aliases and short ids; /etc/hosts does
 * the same here without a resolver process). A container on several user
 * networks (`network connect`) lists its other networks in "Networks":
 * their peers are in its file too, whichever network changed. */
static void refresh_hosts(const struct hull_ctx *ctx, const char *network, json_t *eps, const char *only_id)
{
	const char *ip;
	json_t *e;
	json_object_foreach(eps, ip, e)
	{
		const char *path = json_string_value(json_object_get(e, "HostsPath"));
		const char *base = json_string_value(json_object_get(e, "HostsBase"));
		const char *self = json_string_value(json_object_get(e, "Id"));
		if (!path || !base || (only_id && (!self || strcmp(self, only_id))))
			continue;
		size_t cap = strlen(base) + 64, len = strlen(base);
		char *text = hull_xmalloc(cap);
		memcpy(text, base, len + 1);
		if (strcmp(network, "bridge"))
			append_peers(&text, &len, &cap, eps, self);
		size_t k;
		json_t *other;
		json_array_foreach(json_object_get(e, "Networks"), k, other)
		{
			const char *name = json_string_value(other);
			if (!name || !strcmp(name, network) || !strcmp(name, "bridge"))
				continue;
			_cleanup_json_ json_t *theirs = net_endpoints_load(ctx, name);
			append_peers(&text, &len, &cap, theirs, self);
		}
		rewrite_in_place(path, text);
		free(text);
	}
}

/* Make the bridge with its address, up, and the NAT rules; quick when it
 * exists (one netlink lookup). */
static int ensure_bridge(const struct hull_network *n, struct nl *nl, int *index, struct hull_error **err)
{
	*index = nl_link_index(nl, n->bridge);
	if (*index)
		return 0;
	int r = nl_bridge_create(nl, n->bridge, err);
	if (r < 0)
		return r;
	*index = nl_link_index(nl, n->bridge);
	struct in_addr gw = { .s_addr = htonl(n->gateway) };
	if ((r = nl_addr_add(nl, *index, gw, n->prefix, err)) < 0 || (r = nl_link_up(nl, *index, 0, err)) < 0)
		return r;
	/* published ports answer on 127.0.0.1: DNAT from loopback into the
	 * bridge needs route_localnet there (docker sets it the same way). */
	_cleanup_free_ char *knob = hull_strdup_printf("/proc/sys/net/ipv4/conf/%s/route_localnet", n->bridge);
	hull_write_file(knob, "1", 1, NULL);
	return nat_ensure(n->subnet, n->prefix, !n->internal, err);
}

struct nl_in_netns {
	int target;
	struct nl *nl;
	struct hull_error *err;
	int errno_setns;
};

static void *nl_open_thread(void *data)
{
	struct nl_in_netns *a = data;
	/* a thread of its own: it never has to go back (setns(2) on a network
	 * namespace is per thread), which the rootless engine could not do,
	 * the host's namespace belonging to the initial user namespace */
	if (setns(a->target, CLONE_NEWNET) < 0)
		a->errno_setns = errno;
	else
		a->nl = nl_open(&a->err);
	return NULL;
}

int hull_netns_loopback_up(pid_t pid, struct hull_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return hull_error_set(err, errno, "open network namespace of %d", (int)pid);
	struct nl_in_netns a = { .target = target };
	pthread_t thread;
	int e = pthread_create(&thread, NULL, nl_open_thread, &a);
	if (e)
		return hull_error_set(err, e, "thread to enter network namespace of %d", (int)pid);
	pthread_join(thread, NULL);
	if (a.errno_setns)
		return hull_error_set(err, a.errno_setns, "enter network namespace of %d", (int)pid);
	struct nl *nl = a.nl;
	if (!nl) {
		if (err)
			*err = steal_ptr(a.err);
		hull_error_free(a.err);
		return -EIO;
	}
	int r = nl_link_up(nl, 1, 0, err); /* lo is ifindex 1 in every namespace */
	nl_close(nl);
	return r;
}

/* eth0 (or ifname) inside: address, up, and for the first network the
 * default route via the gateway (docker routes through the network the
 * container was created on). inner was opened inside the container's
 * namespace. */
static int configure_inside(struct nl *inner, uint32_t addr, const struct hull_network *n,
			    const struct hull_endpoint_request *req, struct hull_error **err)
{
	const char *ifname = req->ifname ? req->ifname : "eth0";
	int r = nl_link_up(inner, 1, 0, err);
	int link = r < 0 ? 0 : nl_link_index(inner, ifname);
	if (r < 0)
		return r;
	if (!link)
		return hull_error_msg(err, ENODEV, "%s did not appear in the container's namespace", ifname);
	struct in_addr a = { .s_addr = htonl(addr) }, gw = { .s_addr = htonl(n->gateway) };
	if ((r = nl_addr_add(inner, link, a, n->prefix, err)) < 0 || (r = nl_link_up(inner, link, 0, err)) < 0)
		return r;
	return n->internal || req->secondary ? 0 : nl_route_default(inner, gw, err);
}

static int plumb(const struct hull_network *n, const struct hull_endpoint_request *req, uint32_t addr,
		 struct hull_endpoint *out, struct hull_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)req->pid);
	_cleanup_close_ int target = open(path, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (target < 0 || self < 0)
		return hull_error_set(err, errno, "open network namespace of %d", (int)req->pid);
	struct nl *host = nl_open(err);
	if (!host)
		return -EIO;
	int bridge = 0, r = ensure_bridge(n, host, &bridge, err);
	uint8_t mac[6] = { 0x02, 0x42, (uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
			   (uint8_t)addr };
	if (r == 0)
		r = nl_veth_create(host, out->veth, req->ifname ? req->ifname : "eth0", target, mac, err);
	if (r == 0)
		r = nl_link_up(host, nl_link_index(host, out->veth), bridge, err);
	struct nl *inner = NULL;
	if (r == 0 && setns(target, CLONE_NEWNET) == 0) {
		inner = nl_open(err);
		if (setns(self, CLONE_NEWNET) < 0)
			abort(); /* cannot go home: continuing would configure the wrong namespace */
	} else if (r == 0) {
		r = hull_error_set(err, errno, "enter network namespace of %d", (int)req->pid);
	}
	if (r == 0)
		r = inner ? configure_inside(inner, addr, n, req, err) : -EIO;
	if (r < 0)
		nl_link_delete(host, out->veth, NULL);
	nl_close(inner);
	nl_close(host);
	return r;
}

/* A micro-VM's port on the bridge: a persistent tap (the VMM attaches to
 * it by name, with the same flags) whose life is the endpoint's, deleted
 * by name as a veth is. The guest's address is configured in the guest. */
static int tap_create(const char *name, struct hull_error **err)
{
	_cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open `/dev/net/tun` (the tun module?)");
	struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return hull_error_set(err, errno, "create tap `%s`", name);
	if (ioctl(fd, TUNSETPERSIST, 1) < 0)
		return hull_error_set(err, errno, "tap `%s`: TUNSETPERSIST", name);
	return 0;
}

static int plumb_tap(const struct hull_network *n, struct hull_endpoint *out, struct hull_error **err)
{
	struct nl *host = nl_open(err);
	if (!host)
		return -EIO;
	int bridge = 0, r = ensure_bridge(n, host, &bridge, err);
	/* one left by a monitor killed before it recorded it */
	if (r == 0 && nl_link_index(host, out->veth))
		nl_link_delete(host, out->veth, NULL);
	if (r == 0)
		r = tap_create(out->veth, err);
	if (r == 0)
		r = nl_link_up(host, nl_link_index(host, out->veth), bridge, err);
	if (r < 0)
		nl_link_delete(host, out->veth, NULL);
	nl_close(host);
	return r;
}

void engine_vm_tap_remove(const char *container_id)
{
	char name[16];
	snprintf(name, sizeof(name), "tap%.11s", container_id);
	struct nl *nl = nl_open(NULL);
	if (nl) {
		if (nl_link_index(nl, name))
			nl_link_delete(nl, name, NULL);
		nl_close(nl);
	}
}

static void fill_endpoint(const struct hull_network *n, const struct hull_endpoint_request *req, uint32_t addr,
			  struct hull_endpoint *out)
{
	const char *id = req->container_id;
	memset(out, 0, sizeof(*out));
	snprintf(out->network, sizeof(out->network), "%s", n->name);
	net_format_ip(addr, out->ip, sizeof(out->ip));
	net_format_ip(n->gateway, out->gateway, sizeof(out->gateway));
	out->prefix = n->prefix;
	snprintf(out->mac, sizeof(out->mac), "02:42:%02x:%02x:%02x:%02x", (addr >> 24) & 255, (addr >> 16) & 255,
		 (addr >> 8) & 255, addr & 255);
	/* IFNAMSIZ is 16: "veth" + 11 hex of the container id; a connected
	 * network's: 8 of the container's and 3 of the network's */
	if (req->tap)
		snprintf(out->veth, sizeof(out->veth), "tap%.11s", id);
	else if (req->secondary)
		snprintf(out->veth, sizeof(out->veth), "veth%.8s%.3s", id, n->id);
	else
		snprintf(out->veth, sizeof(out->veth), "veth%.11s", id);
}

int hull_network_attach(const struct hull_ctx *ctx, const struct hull_network *n,
			const struct hull_endpoint_request *req, struct hull_endpoint *out, struct hull_error **err)
{
	_cleanup_close_ int lock = net_lock(ctx, n->name, err);
	if (lock < 0)
		return lock;
	_cleanup_json_ json_t *eps = net_endpoints_load(ctx, n->name);
	reclaim_stale(ctx, eps);
	uint32_t addr = 0;
	int r = req->ip ? take_address(n, eps, req->ip, &addr, err) : pick_address(n, eps, &addr, err);
	if (r < 0)
		return r;
	fill_endpoint(n, req, addr, out);
	json_t *e = json_pack("{s:s,s:s,s:s,s:s,s:s}", "Id", req->container_id, "Name", req->name, "Hostname",
			      req->hostname ? req->hostname : "", "Mac", out->mac, "Veth", out->veth);
	json_t *aliases = json_array();
	for (char *const *a = req->aliases; a && *a; a++)
		json_array_append_new(aliases, json_string(*a));
	json_object_set_new(e, "Aliases", aliases);
	_cleanup_free_ char *base = NULL;
	if (req->hosts_path) {
		base = hull_engine_hosts_base(req->hosts_ip ? req->hosts_ip : out->ip, req->hostname, req->domainname, req->extra_hosts, err);
		if (!base) {
			json_decref(e);
			return -EINVAL;
		}
		json_object_set_new(e, "HostsPath", json_string(req->hosts_path));
		json_object_set_new(e, "HostsBase", json_string(base));
	}
	json_object_set_new(eps, out->ip, e);
	/* record first: a crash after this leaves an entry reclaim_stale or
	 * detach removes, never two containers on one address */
	if ((r = net_endpoints_save(ctx, n->name, eps, err)) < 0)
		return r;
	if ((r = req->tap ? plumb_tap(n, out, err) : plumb(n, req, addr, out, err)) < 0) {
		json_object_del(eps, out->ip);
		net_endpoints_save(ctx, n->name, eps, NULL);
		return hull_error_wrap(err, r, "connect to network %s", n->name);
	}
	/* the default bridge has no name resolution (as docker's docker0) */
	if (!n->is_default)
		refresh_hosts(ctx, n->name, eps, NULL);
	else if (base)
		rewrite_in_place(req->hosts_path, base);
	return 0;
}

int hull_network_detach(const struct hull_ctx *ctx, const char *network, const char *container_id,
			const char *veth, struct hull_error **err)
{
	/* before the lock: the kernel waits out an RCU grace period (~20 ms
	 * here) to unregister a device, and the next container's attach
	 * needs the lock. Before the address is freed: it is never on two
	 * live links. Usually the link is gone with the container's
	 * namespace already. */
	if (veth && *veth) {
		struct nl *nl = nl_open(NULL);
		if (nl) {
			nl_link_delete(nl, veth, NULL);
			nl_close(nl);
		}
	}
	_cleanup_close_ int lock = net_lock(ctx, network, err);
	if (lock < 0)
		return lock;
	_cleanup_json_ json_t *eps = net_endpoints_load(ctx, network);
	const char *ip;
	json_t *e;
	void *tmp;
	bool changed = false;
	json_object_foreach_safe(eps, tmp, ip, e)
	{
		const char *id = json_string_value(json_object_get(e, "Id"));
		if (id && !strcmp(id, container_id)) {
			json_object_del(eps, ip);
			changed = true;
		}
	}
	if (!changed)
		return 0;
	int r = net_endpoints_save(ctx, network, eps, err);
	if (strcmp(network, "bridge"))
		refresh_hosts(ctx, network, eps, NULL);
	return r;
}

int net_bridge_remove(const struct hull_network *n, struct hull_error **err)
{
	struct nl *nl = nl_open(err);
	if (!nl)
		return -EIO;
	int r = nl_link_delete(nl, n->bridge, err);
	nl_close(nl);
	nat_remove_subnet(n->subnet, n->prefix, NULL);
	return r;
}

int net_set_container_networks(const struct hull_ctx *ctx, const char *network, const char *container_id,
			       json_t *networks, struct hull_error **err)
{
	_cleanup_close_ int lock = net_lock(ctx, network, err);
	if (lock < 0)
		return lock;
	_cleanup_json_ json_t *eps = net_endpoints_load(ctx, network);
	const char *ip;
	json_t *e;
	bool found = false;
	json_object_foreach(eps, ip, e)
	{
		const char *id = json_string_value(json_object_get(e, "Id"));
		if (!id || strcmp(id, container_id))
			continue;
		found = true;
		if (json_array_size(networks) > 1)
			json_object_set(e, "Networks", networks);
		else
			json_object_del(e, "Networks");
	}
	if (!found)
		return 0;
	int r = net_endpoints_save(ctx, network, eps, err);
	refresh_hosts(ctx, network, eps, container_id);
	return r;
}

void net_rename_container(const struct hull_ctx *ctx, const char *container_id, const char *name)
{
	struct hull_network **ns = NULL;
	size_t n = 0;
	struct hull_error *ignored = NULL;
	if (hull_network_list(ctx, &ns, &n, &ignored) < 0) {
		hull_error_free(ignored);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int lock = ns[i]->is_default ? -1 : net_lock(ctx, ns[i]->name, NULL);
		_cleanup_json_ json_t *eps = lock < 0 ? NULL : net_endpoints_load(ctx, ns[i]->name);
		const char *ip;
		json_t *e;
		bool changed = false;
		json_object_foreach(eps, ip, e)
		{
			const char *id = json_string_value(json_object_get(e, "Id"));
			if (id && !strcmp(id, container_id)) {
				json_object_set_new(e, "Name", json_string(name));
				changed = true;
			}
		}
		if (changed && net_endpoints_save(ctx, ns[i]->name, eps, NULL) == 0)
			refresh_hosts(ctx, ns[i]->name, eps, NULL);
	}
	for (size_t i = 0; i < n; i++)
		hull_network_free(ns[i]);
	free(ns);
}
