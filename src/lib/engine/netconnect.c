/* netconnect.c - `hull network connect|disconnect`: a running container
 * gets (or loses) one more interface, eth1, eth2..., on another bridge
 * network, as docker's. Its address and aliases are recorded in its
 * NetworkSettings.Networks and in the network's endpoints, so that its
 * peers there resolve it by name and it resolves them (/etc/hosts, kept by
 * netattach.c across all of its networks). The first network keeps the
 * default route. A connection lasts while the container runs: its monitor
 * takes the extra interfaces down when it stops. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "engine_internal.h"
#include "network_internal.h"

/* The modes whose namespace has no bridge interfaces to add to. */
static int check_mode(const struct hull_container *c, struct hull_error **err)
{
	const char *mode = json_string_value(json_object_get(json_object_get(c->record, "HostConfig"), "NetworkMode"));
	if (!mode)
		return 0;
	if (!strcmp(mode, "host") || !strcmp(mode, "none") || !strncmp(mode, "container:", 10) ||
	    hull_engine_is_usernet(mode))
		return hull_error_msg(err, EINVAL,
				      "container %s uses --network %s: only containers on bridge networks can be "
				      "connected to more",
				      c->name, mode);
	return 0;
}

/* eth<N> with the smallest N no recorded endpoint of c uses. */
static void free_ifname(json_t *networks, char *out, size_t size)
{
	for (int n = 1;; n++) {
		snprintf(out, size, "eth%d", n);
		bool used = false;
		const char *name;
		json_t *ep;
		json_object_foreach(networks, name, ep)
		{
			const char *ifname = json_string_value(json_object_get(ep, "HullIfname"));
			used |= ifname && !strcmp(ifname, out);
		}
		if (!used)
			return;
	}
}

/* Tell every network c is on the full list, so each rewrites its
 * /etc/hosts with the peers of all (one lock at a time: no ordering). */
static void spread_network_list(const struct hull_ctx *ctx, const struct hull_container *c, json_t *networks)
{
	_cleanup_json_ json_t *names = json_array();
	const char *name;
	json_t *ep;
	json_object_foreach(networks, name, ep)
		json_array_append_new(names, json_string(name));
	json_object_foreach(networks, name, ep)
		net_set_container_networks(ctx, name, c->id, names, NULL);
}

/* The running container and its recorded networks, under its lock. */
static struct hull_container *load_running(const struct hull_ctx *ctx, const char *ref, int *lock,
					   struct hull_error **err)
{
	_cleanup_container_ struct hull_container *c = hull_container_load(ctx, ref, err);
	if (!c)
		return NULL;
	if ((*lock = hull_container_lock(c, err)) < 0)
		return NULL;
	if (c->state.status != HULL_ENGINE_RUNNING && c->state.status != HULL_ENGINE_PAUSED) {
		hull_error_msg(err, EINVAL,
			       "container %s is not running: a connection lasts while it runs (start it first)",
			       c->name);
		return NULL;
	}
	return steal_ptr(c);
}

static json_t *networks_of(struct hull_container *c)
{
	json_t *ns = json_object_get(c->record, "NetworkSettings");
	if (!json_is_object(ns)) {
		ns = json_object();
		json_object_set_new(c->record, "NetworkSettings", ns);
	}
	json_t *networks = json_object_get(ns, "Networks");
	if (!json_is_object(networks)) {
		networks = json_object();
		json_object_set_new(ns, "Networks", networks);
	}
	return networks;
}

int hull_network_connect(const struct hull_ctx *ctx, const char *network, const char *container,
			 char *const *aliases, const char *ip, struct hull_error **err)
{
	_cleanup_network_ struct hull_network *n = hull_network_get(ctx, network, err);
	if (!n)
		return -ENOENT;
	_cleanup_close_ int lock = -1;
	_cleanup_container_ struct hull_container *c = load_running(ctx, container, &lock, err);
	if (!c)
		return -EINVAL;
	if (check_mode(c, err) < 0)
		return -EINVAL;
	if (ip && n->is_default)
		return hull_error_msg(err, EINVAL, "--ip %s: user specified IP address is supported on user defined "
						   "networks only", ip);
	json_t *networks = networks_of(c);
	if (json_object_get(networks, n->name))
		return hull_error_msg(err, EEXIST, "endpoint with name %s already exists in network %s", c->name,
				      n->name);
	char ifname[16];
	free_ifname(networks, ifname, sizeof(ifname));
	json_t *config = json_object_get(c->record, "Config");
	json_t *hc = json_object_get(c->record, "HostConfig");
	_cleanup_free_ char *hosts = hull_path_join(c->dir, "hosts");
	/* its own line in /etc/hosts stays the address of its first network */
	const char *first_ip = NULL;
	const char *name;
	json_t *ep;
	json_object_foreach(networks, name, ep)
		if (!json_object_get(ep, "HullIfname") && !first_ip)
			first_ip = json_string_value(json_object_get(ep, "IPAddress"));
	struct hull_endpoint_request req = {
		.container_id = c->id, .name = c->name,
		.hostname = json_string_value(json_object_get(config, "Hostname")), .aliases = aliases,
		.hosts_path = hosts, .domainname = json_string_value(json_object_get(config, "Domainname")),
		.extra_hosts = json_object_get(hc, "ExtraHosts"), .pid = c->state.pid, .ifname = ifname,
		.secondary = true, .ip = ip, .hosts_ip = first_ip,
	};
	struct hull_endpoint out;
	int r = hull_network_attach(ctx, n, &req, &out, err);
	if (r < 0)
		return r;
	json_t *alias_list = json_array();
	for (char *const *a = aliases; a && *a; a++)
		json_array_append_new(alias_list, json_string(*a));
	json_object_set_new(networks, n->name,
			    json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:o}", "IPAddress", out.ip, "Gateway", out.gateway,
				      "IPPrefixLen", out.prefix, "MacAddress", out.mac, "NetworkID", n->id, "HullVeth",
				      out.veth, "HullIfname", ifname, "Aliases", alias_list));
	if ((r = hull_container_save(c, err)) < 0) {
		hull_network_detach(ctx, n->name, c->id, out.veth, NULL);
		return r;
	}
	spread_network_list(ctx, c, networks);
	return 0;
}

int hull_network_disconnect(const struct hull_ctx *ctx, const char *network, const char *container, bool force,
			    struct hull_error **err)
{
	_cleanup_network_ struct hull_network *n = hull_network_get(ctx, network, err);
	if (!n && !force)
		return -ENOENT;
	const char *net_name = n ? n->name : network;
	if (!n) {
		hull_error_free(*err);
		*err = NULL;
	}
	_cleanup_container_ struct hull_container *c = hull_container_load(ctx, container, err);
	if (!c)
		return -ENOENT;
	_cleanup_close_ int lock = hull_container_lock(c, err);
	if (lock < 0)
		return lock;
	json_t *networks = networks_of(c);
	json_t *ep = json_object_get(networks, net_name);
	if (!ep)
		return hull_error_msg(err, ENOENT, "container %s is not connected to network %s", c->name, net_name);
	/* the network it was started on holds its default route: docker lets
	 * it go too, but a running container's monitor owns that endpoint */
	if (!json_object_get(ep, "HullIfname") && !force && (c->state.status == HULL_ENGINE_RUNNING ||
							     c->state.status == HULL_ENGINE_PAUSED))
		return hull_error_msg(err, EBUSY,
				      "container %s was started on network %s: stop it, or disconnect with -f",
				      c->name, net_name);
	int r = hull_network_detach(ctx, net_name, c->id, json_string_value(json_object_get(ep, "HullVeth")), err);
	if (r < 0 && !force)
		return r;
	json_object_del(networks, net_name);
	r = hull_container_save(c, err);
	spread_network_list(ctx, c, networks);
	return r;
}

void engine_network_disconnect_all_connected(const struct hull_ctx *ctx, const struct hull_container *c)
{
	/* the record on disk: `network connect` wrote it after the monitor
	 * loaded its own copy */
	_cleanup_free_ char *path = hull_path_join(c->dir, "container.json");
	_cleanup_json_ json_t *record = hull_json_load_file(path, "container.json", NULL);
	json_t *networks = json_object_get(json_object_get(record, "NetworkSettings"), "Networks");
	const char *name;
	json_t *ep;
	void *tmp;
	bool changed = false;
	json_object_foreach_safe(networks, tmp, name, ep)
	{
		if (!json_object_get(ep, "HullIfname"))
			continue;
		hull_network_detach(ctx, name, c->id, json_string_value(json_object_get(ep, "HullVeth")), NULL);
		json_object_del(networks, name);
		changed = true;
	}
	if (changed)
		hull_json_dump_file(record, path, 0600, NULL);
}
