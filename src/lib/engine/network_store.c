/* network_store.c - bridge networks: data_root/networks/<name>/network.json
 * (plus endpoints.json, the address allocations, and a lock file).
 *
 * The default network "bridge" is made on first use from data_root/
 * engine.json ({"bridge": "hull0", "bip": "10.88.0.1/16"} by default), the
 * way dockerd's daemon.json sets docker0. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/network.h"
#include "hull/timefmt.h"
#include "hull/usernet.h"
#include "network_internal.h"

#define DEFAULT_BRIDGE "hull0"
#define DEFAULT_BIP "10.88.0.1/16"

void hull_network_free(struct hull_network *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->id);
	free(n->bridge);
	free(n->created);
	if (n->labels)
		json_decref(n->labels);
	free(n);
}

void hull_network_freep(struct hull_network **n)
{
	hull_network_free(*n);
	*n = NULL;
}

char *net_dir(const struct hull_ctx *ctx, const char *name)
{
	return name ? hull_strdup_printf("%s/networks/%s", ctx->data_root, name)
		    : hull_strdup_printf("%s/networks", ctx->data_root);
}

int net_lock(const struct hull_ctx *ctx, const char *name, struct hull_error **err)
{
	_cleanup_free_ char *d = net_dir(ctx, NULL);
	int r = hull_mkdir_p(d, 0700, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *p = hull_strdup_printf("%s/.lock-%s", d, name ? name : "all");
	_cleanup_close_ int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return hull_error_set(err, errno, "lock network %s: open `%s`", name ? name : "store", p);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "lock network %s", name ? name : "store");
	return take_fd(fd);
}

int net_parse_cidr(const char *s, uint32_t *addr, int *prefix)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	char *end;
	long p = strtol(slash + 1, &end, 10);
	struct in_addr a;
	if (*end || p < 8 || p > 30 || inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*addr = ntohl(a.s_addr);
	*prefix = (int)p;
	return 0;
}

void net_format_ip(uint32_t addr, char *buf, size_t size)
{
	struct in_addr a = { .s_addr = htonl(addr) };
	inet_ntop(AF_INET, &a, buf, (socklen_t)size);
}

uint32_t net_mask(int prefix)
{
	return prefix ? ~((1U << (32 - prefix)) - 1) : 0;
}

static struct hull_network *from_json(json_t *j, struct hull_error **err)
{
	const char *name = json_string_value(json_object_get(j, "Name"));
	const char *id = json_string_value(json_object_get(j, "Id"));
	const char *bridge = json_string_value(json_object_get(j, "Bridge"));
	const char *subnet = json_string_value(json_object_get(j, "Subnet"));
	const char *gw = json_string_value(json_object_get(j, "Gateway"));
	struct hull_network *n = hull_xcalloc(1, sizeof(*n));
	struct in_addr g;
	if (!name || !id || !bridge || !subnet || !gw || net_parse_cidr(subnet, &n->subnet, &n->prefix) < 0 ||
	    inet_pton(AF_INET, gw, &g) != 1) {
		hull_network_free(n);
		hull_error_msg(err, EINVAL, "network.json: Name, Id, Bridge, Subnet and Gateway are required");
		return NULL;
	}
	n->name = hull_xstrdup(name);
	n->id = hull_xstrdup(id);
	n->bridge = hull_xstrdup(bridge);
	n->gateway = ntohl(g.s_addr);
	const char *created = json_string_value(json_object_get(j, "Created"));
	n->created = hull_xstrdup(created ? created : "");
	json_t *labels = json_object_get(j, "Labels");
	n->labels = json_is_object(labels) ? json_incref(labels) : json_object();
	n->internal = json_is_true(json_object_get(j, "Internal"));
	n->is_default = !strcmp(name, "bridge");
	return n;
}

static json_t *to_json(const struct hull_network *n)
{
	char subnet[40], gw[16], net[16];
	net_format_ip(n->subnet, net, sizeof(net));
	snprintf(subnet, sizeof(subnet), "%s/%d", net, n->prefix);
	net_format_ip(n->gateway, gw, sizeof(gw));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:b}", "Name", n->name, "Id", n->id, "Bridge", n->bridge,
			 "Subnet", subnet, "Gateway", gw, "Created", n->created, "Labels", n->labels, "Internal",
			 n->internal);
}

static int save_network(const struct hull_ctx *ctx, const struct hull_network *n, struct hull_error **err)
{
	_cleanup_free_ char *d = net_dir(ctx, n->name);
	int r = hull_mkdir_p(d, 0700, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *p = hull_path_join(d, "network.json");
	_cleanup_json_ json_t *j = to_json(n);
	return hull_json_dump_file(j, p, 0600, err);
}

static struct hull_network *load_network(const struct hull_ctx *ctx, const char *name, struct hull_error **err)
{
	_cleanup_free_ char *d = net_dir(ctx, name);
	_cleanup_free_ char *p = hull_path_join(d, "network.json");
	if (access(p, F_OK) < 0) {
		hull_error_msg(err, ENOENT, "network %s not found", name);
		return NULL;
	}
	_cleanup_free_ char *display = hull_strdup_printf("network %s: network.json", name);
	_cleanup_json_ json_t *j = hull_json_load_file(p, display, err);
	return j ? from_json(j, err) : NULL;
}

/* The default network's settings from engine.json, or hull0 10.88.0.1/16. */
static struct hull_network *make_default(const struct hull_ctx *ctx, struct hull_error **err)
{
	_cleanup_free_ char *conf = hull_path_join(ctx->data_root, "engine.json");
	_cleanup_json_ json_t *j = NULL;
	if (access(conf, F_OK) == 0 && !(j = hull_json_load_file(conf, "engine.json", err)))
		return NULL;
	const char *bridge = json_string_value(json_object_get(j, "bridge"));
	const char *bip = json_string_value(json_object_get(j, "bip"));
	uint32_t gw;
	int prefix;
	if (net_parse_cidr(bip ? bip : DEFAULT_BIP, &gw, &prefix) < 0) {
		hull_error_msg(err, EINVAL, "engine.json: bip: `%s` must be an address with a prefix, like %s",
			       bip, DEFAULT_BIP);
		return NULL;
	}
	struct hull_network *n = hull_xcalloc(1, sizeof(*n));
	n->name = hull_xstrdup("bridge");
	char id[HULL_ID_LEN + 1];
	hull_engine_new_id(id, NULL);
	n->id = hull_xstrdup(id);
	n->bridge = hull_xstrdup(bridge ? bridge : DEFAULT_BRIDGE);
	n->prefix = prefix;
	n->subnet = gw & net_mask(prefix);
	n->gateway = gw;
	char now[40];
	hull_time_now_rfc3339_into(now, sizeof(now));
	n->created = hull_xstrdup(now);
	n->labels = json_object();
	n->is_default = true;
	return n;
}

static struct hull_network *get_default(const struct hull_ctx *ctx, struct hull_error **err)
{
	struct hull_network *n = load_network(ctx, "bridge", NULL);
	if (n)
		return n;
	_cleanup_close_ int lock = net_lock(ctx, NULL, err);
	if (lock < 0)
		return NULL;
	if ((n = load_network(ctx, "bridge", NULL)))
		return n;
	n = make_default(ctx, err);
	if (n && save_network(ctx, n, err) < 0) {
		hull_network_free(n);
		return NULL;
	}
	return n;
}

struct hull_network *hull_network_get(const struct hull_ctx *ctx, const char *ref, struct hull_error **err)
{
	if (!strcmp(ref, "bridge") || !strcmp(ref, "default"))
		return get_default(ctx, err);
	if (hull_engine_valid_name(ref)) {
		struct hull_network *n = load_network(ctx, ref, NULL);
		if (n)
			return n;
	}
	struct hull_network **all = NULL, *found = NULL;
	size_t count = 0;
	if (hull_network_list(ctx, &all, &count, NULL) == 0) {
		for (size_t i = 0; i < count; i++) {
			if (!found && strlen(ref) >= 3 && !strncmp(all[i]->id, ref, strlen(ref)))
				found = steal_ptr(all[i]);
			hull_network_free(all[i]);
		}
		free(all);
	}
	if (!found)
		hull_error_msg(err, ENOENT, "network %s not found", ref);
	return found;
}

static int by_name(const void *a, const void *b)
{
	const struct hull_network *x = *(struct hull_network *const *)a, *y = *(struct hull_network *const *)b;
	if (x->is_default != y->is_default)
		return x->is_default ? -1 : 1;
	return strcmp(x->name, y->name);
}

int hull_network_list(const struct hull_ctx *ctx, struct hull_network ***out, size_t *n, struct hull_error **err)
{
	*out = NULL;
	*n = 0;
	struct hull_network *def = get_default(ctx, err);
	if (!def)
		return -EIO;
	*out = hull_xcalloc(1, sizeof(**out));
	(*out)[(*n)++] = def;
	_cleanup_free_ char *d = net_dir(ctx, NULL);
	_cleanup_closedir_ DIR *dir = opendir(d);
	struct dirent *de;
	while (dir && (de = readdir(dir))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "bridge"))
			continue;
		struct hull_network *net = load_network(ctx, de->d_name, NULL);
		if (!net)
			continue;
		*out = hull_xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = net;
	}
	qsort(*out, *n, sizeof(**out), by_name);
	return 0;
}

/* Does [net, prefix] overlap a route of the host (/proc/net/route) or an
 * existing hull network? Then a new network must not take it. */
static bool subnet_taken(struct hull_network **nets, size_t count, uint32_t net, int prefix)
{
	for (size_t i = 0; i < count; i++) {
		int p = nets[i]->prefix < prefix ? nets[i]->prefix : prefix;
		if ((nets[i]->subnet & net_mask(p)) == (net & net_mask(p)))
			return true;
	}
	_cleanup_fclose_ FILE *f = fopen("/proc/net/route", "re");
	char line[256];
	while (f && fgets(line, sizeof(line), f)) {
		unsigned dst, mask;
		char ifname[32];
		if (sscanf(line, "%31s %x %*x %*x %*d %*d %*d %x", ifname, &dst, &mask) != 3 || dst == 0)
			continue;
		uint32_t d = ntohl(dst), m = ntohl(mask);
		uint32_t common = m & net_mask(prefix);
		if ((d & common) == (net & common))
			return true;
	}
	return false;
}

static int pick_subnet(struct hull_network **nets, size_t count, const char *subnet, const char *gateway,
		       struct hull_network *n, struct hull_error **err)
{
	if (subnet) {
		if (net_parse_cidr(subnet, &n->subnet, &n->prefix) < 0)
			return hull_error_msg(err, EINVAL, "invalid subnet `%s`: use IPv4 CIDR like 10.89.3.0/24 "
							   "(prefix 8-30)",
					      subnet);
		n->subnet &= net_mask(n->prefix);
		if (subnet_taken(nets, count, n->subnet, n->prefix))
			return hull_error_msg(err, EEXIST, "subnet %s overlaps an existing network or a host route",
					      subnet);
	} else {
		bool found = false;
		for (uint32_t k = 0; k < 256 && !found; k++) {
			n->subnet = (10U << 24) | (89U << 16) | (k << 8);
			n->prefix = 24;
			found = !subnet_taken(nets, count, n->subnet, n->prefix);
		}
		if (!found)
			return hull_error_msg(err, ENOSPC, "no free subnet in 10.89.0.0/16: give one with --subnet");
	}
	n->gateway = n->subnet + 1;
	if (gateway) {
		struct in_addr g;
		if (inet_pton(AF_INET, gateway, &g) != 1 || (ntohl(g.s_addr) & net_mask(n->prefix)) != n->subnet)
			return hull_error_msg(err, EINVAL, "invalid gateway `%s`: it must be an address in the subnet",
					      gateway);
		n->gateway = ntohl(g.s_addr);
	}
	return 0;
}

struct hull_network *hull_network_create(const struct hull_ctx *ctx, const char *name, const char *subnet,
					 const char *gateway, json_t *labels, bool internal, struct hull_error **err)
{
	if (ctx->rootless) {
		/* a bridge, its veths and NAT need root on the host (rootless.c) */
		hull_error_msg(err, EPERM, "network create %s: bridge networks need root on the host; rootless "
				      "containers use --network pasta|slirp4netns|none|host", name);
		return NULL;
	}
	if (!hull_engine_valid_name(name) || !strcmp(name, "host") || !strcmp(name, "none") ||
	    !strcmp(name, "bridge") || !strcmp(name, "default") || hull_engine_is_usernet(name)) {
		hull_error_msg(err, EINVAL, "network name `%s` is reserved or invalid ([a-zA-Z0-9][a-zA-Z0-9_.-]*)",
			       name);
		return NULL;
	}
	struct hull_network **nets = NULL;
	size_t count = 0;
	if (hull_network_list(ctx, &nets, &count, err) < 0)
		return NULL;
	_cleanup_close_ int lock = net_lock(ctx, NULL, err);
	_cleanup_network_ struct hull_network *n = hull_xcalloc(1, sizeof(*n));
	int r = lock < 0 ? lock : 0;
	for (size_t i = 0; r == 0 && i < count; i++)
		if (!strcmp(nets[i]->name, name))
			r = hull_error_msg(err, EEXIST, "network with name %s already exists", name);
	if (r == 0)
		r = pick_subnet(nets, count, subnet, gateway, n, err);
	for (size_t i = 0; i < count; i++)
		hull_network_free(nets[i]);
	free(nets);
	if (r < 0)
		return NULL;
	n->name = hull_xstrdup(name);
	char id[HULL_ID_LEN + 1];
	if (hull_engine_new_id(id, err) < 0)
		return NULL;
	n->id = hull_xstrdup(id);
	/* Linux bridge names are at most 15 bytes: "hull-" + 10 hex of the id */
	n->bridge = hull_strdup_printf("hull-%.10s", id);
	char now[40];
	hull_time_now_rfc3339_into(now, sizeof(now));
	n->created = hull_xstrdup(now);
	n->labels = labels ? json_deep_copy(labels) : json_object();
	n->internal = internal;
	if (save_network(ctx, n, err) < 0)
		return NULL;
	return steal_ptr(n);
}

int hull_network_remove(const struct hull_ctx *ctx, const char *ref, struct hull_error **err)
{
	_cleanup_network_ struct hull_network *n = hull_network_get(ctx, ref, err);
	if (!n)
		return -ENOENT;
	if (n->is_default)
		return hull_error_msg(err, EPERM, "bridge is a pre-defined network and cannot be removed");
	_cleanup_close_ int lock = net_lock(ctx, n->name, err);
	if (lock < 0)
		return lock;
	_cleanup_json_ json_t *eps = net_endpoints_load(ctx, n->name);
	if (json_object_size(eps)) {
		const char *ip;
		json_t *e;
		size_t cap = 1, len = 0;
		_cleanup_free_ char *list = hull_xcalloc(1, 1);
		json_object_foreach(eps, ip, e)
		{
			const char *name = json_string_value(json_object_get(e, "Name"));
			len += strlen(name ? name : "") + 2;
			list = hull_xrealloc(list, cap = len + 1);
			strcat(list, list[0] ? ", " : "");
			strcat(list, name ? name : "");
		}
		return hull_error_msg(err, EBUSY, "error while removing network: network %s has active endpoints (%s)",
				      n->name, list);
	}
	int r = net_bridge_remove(n, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *d = net_dir(ctx, n->name);
	return hull_rm_rf(d, err);
}

json_t *hull_network_inspect_json(const struct hull_ctx *ctx, const struct hull_network *n)
{
	char subnet[40], gw[16], net[16];
	net_format_ip(n->subnet, net, sizeof(net));
	snprintf(subnet, sizeof(subnet), "%s/%d", net, n->prefix);
	net_format_ip(n->gateway, gw, sizeof(gw));
	json_t *containers = json_object();
	_cleanup_json_ json_t *eps = net_endpoints_load(ctx, n->name);
	const char *ip;
	json_t *e;
	json_object_foreach(eps, ip, e)
	{
		const char *id = json_string_value(json_object_get(e, "Id"));
		_cleanup_free_ char *cidr = hull_strdup_printf("%s/%d", ip, n->prefix);
		json_object_set_new(containers, id ? id : ip,
				    json_pack("{s:O,s:O,s:s}", "Name", json_object_get(e, "Name"), "MacAddress",
					      json_object_get(e, "Mac"), "IPv4Address", cidr));
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:{s:s,s:[{s:s,s:s}]},s:b,s:o,s:{s:s},s:O}", "Name", n->name,
			 "Id", n->id, "Created", n->created, "Scope", "local", "Driver", "bridge", "EnableIPv6", false,
			 "IPAM", "Driver", "default", "Config", "Subnet", subnet, "Gateway", gw, "Internal",
			 n->internal, "Containers", containers, "Options", "com.docker.network.bridge.name",
			 n->bridge, "Labels", n->labels);
}
