/* netlink.h - the few rtnetlink operations the engine's networks need,
 * on libmnl. Each call works in the network namespace of `nl`. */
#ifndef HULL_ENGINE_NETLINK_H
#define HULL_ENGINE_NETLINK_H

#include <netinet/in.h>
#include <stdint.h>

#include "hull/error.h"

struct nl;

/* nl_open: a NETLINK_ROUTE socket in the caller's current network
 * namespace (it stays there after a later setns). */
struct nl *nl_open(struct hull_error **err);
void nl_close(struct nl *nl);

/* nl_link_index: ifindex of name in nl's namespace, 0 when absent. */
int nl_link_index(struct nl *nl, const char *name);

/* nl_bridge_create: a bridge `name`; EEXIST is success. */
int nl_bridge_create(struct nl *nl, const char *name, struct hull_error **err);

/* nl_veth_create: a veth pair, `host` here and `peer` created directly in
 * the namespace open at peer_netns_fd, with the MAC peer_mac (6 bytes). */
int nl_veth_create(struct nl *nl, const char *host, const char *peer, int peer_netns_fd,
		   const uint8_t peer_mac[6], struct hull_error **err);

/* nl_link_set: bring a link up, and attach it to master (0: leave). */
int nl_link_up(struct nl *nl, int ifindex, int master, struct hull_error **err);

/* nl_link_delete: remove a link; ENODEV/absent is success. */
int nl_link_delete(struct nl *nl, const char *name, struct hull_error **err);

/* nl_addr_add: add addr/prefix to ifindex; EEXIST is success. */
int nl_addr_add(struct nl *nl, int ifindex, struct in_addr addr, int prefix, struct hull_error **err);

/* nl_route_default: a default route via gw. */
int nl_route_default(struct nl *nl, struct in_addr gw, struct hull_error **err);

#endif
