/* network_internal.h - shared between the network files. */
#ifndef HULL_ENGINE_NETWORK_INTERNAL_H
#define HULL_ENGINE_NETWORK_INTERNAL_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "hull/network.h"

/* data_root/networks[/name] (malloc'd). */
char *net_dir(const struct hull_ctx *ctx, const char *name);

/* Lock one network (name) or the network store (NULL); fd to close. */
int net_lock(const struct hull_ctx *ctx, const char *name, struct hull_error **err);

int net_parse_cidr(const char *s, uint32_t *addr, int *prefix);
void net_format_ip(uint32_t addr, char *buf, size_t size);
uint32_t net_mask(int prefix);

/* endpoints.json of a network: {"IP": {"Id", "Name", ...}}; an empty
 * object when absent (new ref). */
json_t *net_endpoints_load(const struct hull_ctx *ctx, const char *name);
int net_endpoints_save(const struct hull_ctx *ctx, const char *name, json_t *eps, struct hull_error **err);

/* net_rename_container: the endpoints of container_id on every user network
 * take its new name, and their peers' /etc/hosts follow (docker rename; the
 * default bridge has no names). Best effort: a network that cannot be
 * locked keeps the old name until the container's next start. */
void net_rename_container(const struct hull_ctx *ctx, const char *container_id, const char *name);

/* netattach.c: under network's lock, record in container_id's endpoint
 * the names of every network it is on (json array; one: none kept) and
 * rewrite its /etc/hosts with the peers of all of them. */
int net_set_container_networks(const struct hull_ctx *ctx, const char *network, const char *container_id,
			       json_t *networks, struct hull_error **err);

/* Delete the network's bridge and take its subnet out of the NAT set. */
int net_bridge_remove(const struct hull_network *n, struct hull_error **err);

/* nftables (table ip hull): see nat.c. */
int nat_ensure(uint32_t subnet, int prefix, bool masquerade, struct hull_error **err);
int nat_remove_subnet(uint32_t subnet, int prefix, struct hull_error **err);
/* nat_map_add: publish host_ip:host_port/proto to ip:port, the element
 * tagged with owner (a container id: lowercase hex) as its comment. */
int nat_map_add(const char *host_ip, const char *proto, unsigned host_port, const char *ip, unsigned port,
		const char *owner, struct hull_error **err);
int nat_map_delete(const char *host_ip, const char *proto, unsigned host_port, struct hull_error **err);
/* nat_map_delete_owned: delete every published element tagged with owner,
 * whatever a record says; never fails (nothing there is what we want). */
int nat_map_delete_owned(const char *owner);

/* Run fn(data, err) in pid's network namespace, on a thread of its own
 * (works inside a user namespace too); fn's result. */
int net_in_netns(pid_t pid, int (*fn)(void *data, struct hull_error **err), void *data, struct hull_error **err);

/* Try to bind host_ip:port for proto (0: let the kernel pick); the port
 * that was free, or -errno (-EADDRINUSE when a host program holds it). */
int net_probe_port(const char *host_ip, const char *proto, unsigned port);

/* net_port_key_parse: a published port's key, "PORT[/PROTO]" as docker
 * writes it (proto defaults to tcp, at most 7 characters), into *cport
 * (1..65535) and proto[8]. 0, or -EINVAL ("invalid port `KEY`"). */
int net_port_key_parse(const char *key, unsigned *cport, char proto[8], struct hull_error **err);

/* net_host_ip_check: refuse an IPv6 host address for the key's binding
 * (host_ip NULL or "" means every IPv4 address). 0, or -EAFNOSUPPORT. */
int net_host_ip_check(const char *key, const char *host_ip, struct hull_error **err);

/* net_ports_record: append {"HostIp": host_ip, "HostPort": "PORT"} to the
 * array ports[key] of a container's NetworkSettings.Ports, making the
 * array when ports[key] is absent or null. */
void net_ports_record(json_t *ports, const char *key, const char *host_ip, int port);

/* net_ports_each: fn(data, proto, host_ip, host_port) for every binding
 * net_ports_record wrote in ports, in order; keys that do not parse and
 * bindings without a HostPort are passed over. host_ip may be NULL. */
void net_ports_each(json_t *ports, void (*fn)(void *data, const char *proto, const char *host_ip, unsigned host_port),
		    void *data);

#endif
