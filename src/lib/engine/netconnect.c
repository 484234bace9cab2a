/* netconnect.c - `hull network connect|disconnect`, as docker's: a
 * container gets (or loses) one more interface, eth1, eth2..., on another
 * bridge network. The wish is kept in HostConfig.HullConnected ({NET:
 * {Aliases, IPv4Address}}, docker keeps it in its endpoint settings): a
 * running container is connected at once, a created or stopped one at its
 * next start, and every start connects it again (the monitor, through
 * engine_network_attach_connected). Each live interface is in
 * NetworkSettings.Networks (HullIfname, HullVeth) and in the network's
 * endpoints, so that its peers there resolve it by name and it resolves
 * them (/etc/hosts, kept by netattach.c across all of its networks). The
 * first network keeps the default route. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/container_record.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/network.h"
#include "hull/usernet.h"
#include "engine_internal.h"
#include "network_internal.h"

/* The modes whose namespace has no bridge interfaces to add to. */
static int check_mode(const struct hull_container *c, struct hull_error **err)
{
	_cleanup_record_ struct hull_container_record r;
	if (hull_container_record_parse(c->record, "container.json", &r, err) < 0)
		return -EINVAL;
	/* its one NIC is plumbed when the VM boots; hot-plugging another is not done */
	if (hull_record_host_config_is_vm(&r.host_config))
		return hull_error_msg(err, ENOTSUP,
				      "container %s runs in a micro-VM (--vm): network connect/disconnect is not "
				      "supported for it; give --network at run",
				      c->name);
	const char *mode = r.host_config.network_mode;
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

static bool is_live(const struct hull_container *c)
{
	return c->state.status == HULL_ENGINE_RUNNING || c->state.status == HULL_ENGINE_PAUSED;
}

static json_t *object_member(json_t *parent, const char *key)
{
	json_t *o = json_object_get(parent, key);
	if (!json_is_object(o)) {
		o = json_object();
		json_object_set_new(parent, key, o);
	}
	return o;
}

static json_t *networks_of(json_t *record)
{
	return object_member(object_member(record, "NetworkSettings"), "Networks");
}

static json_t *connected_of(json_t *record)
{
	return object_member(object_member(record, "HostConfig"), "HullConnected");
}

/* Plumb c (its init is pid) into network n as a second interface and
 * record it in networks. */
static int attach_secondary(const struct hull_ctx *ctx, const struct hull_container *c, pid_t pid,
			    const struct hull_network *n, json_t *wish, json_t *networks, struct hull_error **err)
{
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
	_cleanup_strv_ char **aliases = NULL;
	hull_json_strv(json_object_get(wish, "Aliases"), &aliases, "container.json", "HullConnected.Aliases", NULL);
	struct hull_endpoint_request req = {
		.container_id = c->id, .name = c->name,
		.hostname = json_string_value(json_object_get(config, "Hostname")), .aliases = aliases,
		.hosts_path = hosts, .domainname = json_string_value(json_object_get(config, "Domainname")),
		.extra_hosts = json_object_get(hc, "ExtraHosts"), .pid = pid, .ifname = ifname, .secondary = true,
		.ip = json_string_value(json_object_get(wish, "IPv4Address")), .hosts_ip = first_ip,
	};
	struct hull_endpoint out;
	int r = hull_network_attach(ctx, n, &req, &out, err);
	if (r < 0)
		return r;
	json_object_set_new(networks, n->name,
			    json_pack("{s:s,s:s,s:i,s:s,s:s,s:s,s:s,s:o}", "IPAddress", out.ip, "Gateway", out.gateway,
				      "IPPrefixLen", out.prefix, "MacAddress", out.mac, "NetworkID", n->id, "HullVeth",
				      out.veth, "HullIfname", ifname, "Aliases",
				      json_is_array(json_object_get(wish, "Aliases"))
					      ? json_incref(json_object_get(wish, "Aliases"))
					      : json_array()));
	return 0;
}

int hull_network_connect(const struct hull_ctx *ctx, const char *network, const char *container,
			 char *const *aliases, const char *ip, struct hull_error **err)
{
	_cleanup_network_ struct hull_network *n = hull_network_get(ctx, network, err);
	if (!n)
		return -ENOENT;
	_cleanup_container_ struct hull_container *c = hull_container_load(ctx, container, err);
	if (!c)
		return -ENOENT;
	_cleanup_close_ int lock = hull_container_lock(c, err);
	if (lock < 0)
		return lock;
	if (check_mode(c, err) < 0)
		return -EINVAL;
	if (ip && n->is_default)
		return hull_error_msg(err, EINVAL, "--ip %s: user specified IP address is supported on user defined "
						   "networks only", ip);
	_cleanup_record_ struct hull_container_record rec;
	hull_container_record_parse(c->record, "container.json", &rec, NULL); /* check_mode parsed it */
	const char *primary = rec.host_config.network_mode;
	bool on_primary = (!primary || !*primary || !strcmp(primary, "default") ? !strcmp(n->name, "bridge")
										 : !strcmp(primary, n->name));
	json_t *networks = networks_of(c->record);
	json_t *connected = connected_of(c->record);
	if (on_primary || json_object_get(connected, n->name) || json_object_get(networks, n->name))
		return hull_error_msg(err, EEXIST, "endpoint with name %s already exists in network %s", c->name,
				      n->name);
	json_t *alias_list = json_array();
	for (char *const *a = aliases; a && *a; a++)
		json_array_append_new(alias_list, json_string(*a));
	_cleanup_json_ json_t *wish = json_pack("{s:o}", "Aliases", alias_list);
	if (ip)
		json_object_set_new(wish, "IPv4Address", json_string(ip));
	int r = is_live(c) ? attach_secondary(ctx, c, c->state.pid, n, wish, networks, err) : 0;
	if (r < 0)
		return r;
	json_object_set(connected, n->name, wish);
	if ((r = hull_container_save(c, err)) < 0) {
		json_t *ep = json_object_get(networks, n->name);
		if (ep)
			hull_network_detach(ctx, n->name, c->id, json_string_value(json_object_get(ep, "HullVeth")),
					    NULL);
		return r;
	}
	if (is_live(c))
		spread_network_list(ctx, c, networks);
	return 0;
}

int hull_network_disconnect(const struct hull_ctx *ctx, const char *network, const char *container, bool force,
			    struct hull_error **err)
{
	struct hull_error *lookup = NULL;
	_cleanup_network_ struct hull_network *n = hull_network_get(ctx, network, &lookup);
	if (!n && !force) {
		if (err)
			*err = lookup;
		else
			hull_error_free(lookup);
		return -ENOENT;
	}
	hull_error_free(lookup);
	const char *net_name = n ? n->name : network;
	_cleanup_container_ struct hull_container *c = hull_container_load(ctx, container, err);
	if (!c)
		return -ENOENT;
	_cleanup_close_ int lock = hull_container_lock(c, err);
	if (lock < 0)
		return lock;
	if (engine_vm_enabled(c))
		return check_mode(c, err);
	json_t *networks = networks_of(c->record);
	json_t *connected = connected_of(c->record);
	json_t *ep = json_object_get(networks, net_name);
	bool wished = json_object_get(connected, net_name) != NULL;
	if (!ep && !wished)
		return hull_error_msg(err, ENOENT, "container %s is not connected to network %s", c->name, net_name);
	/* the network it was started on holds its default route: docker lets
	 * it go too, but a running container's monitor owns that endpoint */
	if (ep && !json_object_get(ep, "HullIfname") && !force && is_live(c))
		return hull_error_msg(err, EBUSY,
				      "container %s was started on network %s: stop it, or disconnect with -f",
				      c->name, net_name);
	if (ep && is_live(c)) {
		int r = hull_network_detach(ctx, net_name, c->id, json_string_value(json_object_get(ep, "HullVeth")),
					    err);
		if (r < 0 && !force)
			return r;
	}
	if (ep && is_live(c))
		json_object_del(networks, net_name);
	json_object_del(connected, net_name);
	int r = hull_container_save(c, err);
	if (is_live(c))
		spread_network_list(ctx, c, networks);
	return r;
}

int engine_network_attach_connected(const struct hull_ctx *ctx, struct hull_container *c, pid_t pid,
				    struct hull_error **err)
{
	json_t *connected = json_object_get(json_object_get(c->record, "HostConfig"), "HullConnected");
	if (!json_object_size(connected))
		return 0;
	json_t *networks = networks_of(c->record);
	const char *name;
	json_t *wish;
	json_object_foreach(connected, name, wish)
	{
		_cleanup_network_ struct hull_network *n = hull_network_get(ctx, name, err);
		int r = n ? attach_secondary(ctx, c, pid, n, wish, networks, err) : -ENOENT;
		if (r < 0) {
			engine_network_detach_connected(ctx, networks, c->id);
			return hull_error_wrap(err, r, "network connect %s", name);
		}
	}
	spread_network_list(ctx, c, networks);
	return 0;
}

void engine_network_detach_connected(const struct hull_ctx *ctx, json_t *networks, const char *container_id)
{
	const char *name;
	json_t *ep;
	void *tmp;
	json_object_foreach_safe(networks, tmp, name, ep)
	{
		if (!json_object_get(ep, "HullIfname"))
			continue;
		hull_network_detach(ctx, name, container_id, json_string_value(json_object_get(ep, "HullVeth")), NULL);
		json_object_del(networks, name);
	}
}

void engine_network_disconnect_all_connected(const struct hull_ctx *ctx, const struct hull_container *c)
{
	/* the record on disk: `network connect` wrote it after the monitor
	 * loaded its own copy. HullConnected stays: the next start connects
	 * again. */
	_cleanup_free_ char *path = hull_path_join(c->dir, "container.json");
	_cleanup_json_ json_t *record = hull_json_load_file(path, "container.json", NULL);
	json_t *networks = json_object_get(json_object_get(record, "NetworkSettings"), "Networks");
	size_t before = json_object_size(networks);
	engine_network_detach_connected(ctx, networks, c->id);
	if (json_object_size(networks) != before)
		hull_json_dump_file(record, path, 0600, NULL);
}
