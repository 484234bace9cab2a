/* hull/network.h - bridge networks: the store, endpoints, connect/disconnect, published ports. */
#ifndef HULL_NETWORK_H
#define HULL_NETWORK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hull/cleanup.h"
#include "hull/ctx.h"
#include "hull/error.h"

/* A bridge network: the default "bridge" (bridge hull0, 10.88.0.0/16, or
 * what data_root/engine.json sets: {"bridge": "NAME", "bip": "IP/PREFIX"})
 * or one made by `hull network create`. "host" and "none" are modes, not
 * networks with state. */
struct hull_network {
	char *name;
	char *id;          /* 64 hex */
	char *bridge;      /* Linux bridge name */
	uint32_t subnet;   /* network address, host byte order */
	int prefix;
	uint32_t gateway;  /* the bridge's address, host byte order */
	char *created;
	json_t *labels;
	bool internal;     /* no NAT to the outside */
	bool is_default;   /* the "bridge" network: no name resolution (as docker's) */
};

void hull_network_free(struct hull_network *n);
void hull_network_freep(struct hull_network **n);
#define _cleanup_network_ _cleanup_(hull_network_freep)

/* hull_network_create: a user bridge network. subnet "10.89.3.0/24" or
 * NULL (the first free 10.89.N.0/24 that neither another network nor a
 * host route uses); gateway NULL: the first address. EEXIST when taken. */
struct hull_network *hull_network_create(const struct hull_ctx *ctx, const char *name, const char *subnet,
					 const char *gateway, json_t *labels, bool internal, struct hull_error **err);

/* hull_network_get: by name or id (prefix); "bridge" always exists. */
struct hull_network *hull_network_get(const struct hull_ctx *ctx, const char *ref, struct hull_error **err);

/* hull_network_list: "bridge" first, then user networks by name. */
int hull_network_list(const struct hull_ctx *ctx, struct hull_network ***out, size_t *n, struct hull_error **err);

/* hull_network_remove: remove a user network and its bridge; refused
 * (EBUSY, naming them) while containers are attached; "bridge" cannot go. */
int hull_network_remove(const struct hull_ctx *ctx, const char *ref, struct hull_error **err);

/* hull_network_inspect_json: docker's `network inspect` object (new ref),
 * with the attached containers. */
json_t *hull_network_inspect_json(const struct hull_ctx *ctx, const struct hull_network *n);

/* A container's endpoint on a network, as recorded. */
struct hull_endpoint {
	char network[129];
	char ip[16];
	char gateway[16];
	int prefix;
	char mac[18];
	char veth[16]; /* host side */
};

/* Who joins: fills the peers' /etc/hosts on user networks. */
struct hull_endpoint_request {
	const char *container_id;
	const char *name;        /* container name */
	const char *hostname;
	char *const *aliases;    /* --network-alias, may be NULL */
	const char *ip;          /* --ip: this address (in the subnet, free), NULL: the first free one */
	const char *hosts_path;  /* the container's hosts file, kept up to date */
	const char *domainname;  /* for its own hosts line */
	json_t *extra_hosts;     /* --add-host entries (borrowed, may be NULL) */
	pid_t pid;               /* a process in the container's network namespace */
	const char *ifname;      /* the interface inside, NULL: eth0 */
	bool secondary;          /* `network connect`: no default route, a veth name of its own */
	const char *hosts_ip;    /* its own /etc/hosts line's address, NULL: this network's */
	bool tap;                /* a micro-VM's: a persistent tap "tap<id>" on the bridge instead of a veth
				    (pid, ifname unused); its guest configures the address (out->veth names it) */
};

/* hull_network_attach: make sure the bridge, its address and the NAT
 * rules exist; take a free address (under the network's lock, so
 * concurrent runs never collide); make a veth pair with eth0 inside the
 * container's namespace (address, MAC 02:42:<ip>, default route); bring
 * lo up; write the container's /etc/hosts (hosts_path, in place: it is
 * bind-mounted) with its own address, and on user networks add it to its
 * peers' and theirs to its own. On failure everything taken is given back. */
int hull_network_attach(const struct hull_ctx *ctx, const struct hull_network *n,
			const struct hull_endpoint_request *req, struct hull_endpoint *out, struct hull_error **err);

/* hull_network_detach: give the address back, remove the veth (or tap) if it is
 * still there, take the container out of its peers' /etc/hosts. Safe to
 * call twice and after a crash (missing pieces are fine). */
int hull_network_detach(const struct hull_ctx *ctx, const char *network, const char *container_id,
			const char *veth, struct hull_error **err);

/* hull_network_connect: docker's `network connect [--alias A] [--ip IP]
 * NETWORK CONTAINER` for a running container on a bridge network: one
 * more interface (eth1, eth2...) with an address on network (ip, or the
 * first free one), recorded in its NetworkSettings.Networks; its peers
 * there and it resolve each other by name and aliases (/etc/hosts). The
 * connection lasts while the container runs. EEXIST when connected
 * already; EINVAL for a stopped container or a host/none/container:/
 * user-mode network one. */
int hull_network_connect(const struct hull_ctx *ctx, const char *network, const char *container,
			 char *const *aliases, const char *ip, struct hull_error **err);

/* hull_network_disconnect: the reverse; the network a running container
 * was started on only with force (it holds the default route). With
 * force, a network that no longer exists is fine. */
int hull_network_disconnect(const struct hull_ctx *ctx, const char *network, const char *container, bool force,
			    struct hull_error **err);

/* hull_netns_loopback_up: bring lo up in pid's network namespace
 * (--network none and every new namespace). */
int hull_netns_loopback_up(pid_t pid, struct hull_error **err);

/* hull_network_publish: DNAT the record's PortBindings (HostConfig) to ip
 * through nftables (table ip hull); host port 0 gets a free one. A port
 * another container or a host program holds fails with docker's "port is
 * already allocated". Each entry is tagged in the kernel with owner (the
 * container's id), for hull_network_unpublish_owner. Returns docker's
 * NetworkSettings.Ports (new ref). */
json_t *hull_network_publish(const struct hull_ctx *ctx, json_t *port_bindings, json_t *exposed, bool publish_all,
			     const char *ip, const char *owner, struct hull_error **err);

/* hull_network_unpublish: remove the DNAT entries of ports (as returned
 * by publish); missing entries are fine. */
int hull_network_unpublish(const struct hull_ctx *ctx, json_t *ports, const char *ip, struct hull_error **err);

/* hull_network_unpublish_owner: remove every DNAT entry the kernel has
 * tagged with owner (a container id), whether or not a record lists it:
 * what `rm` does for a container whose monitor died. Never fails. */
int hull_network_unpublish_owner(const struct hull_ctx *ctx, const char *owner, struct hull_error **err);

#endif
