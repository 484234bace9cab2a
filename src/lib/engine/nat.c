/* nat.c - NAT and port publishing with nftables, in one table of ours:
 *
 *   table ip hull
 *     set subnets       hull networks that get masquerade to the outside
 *     map publish_any   proto . port           -> container ip . port
 *     map publish_ip    host ip . proto . port -> container ip . port
 *     prerouting/output: DNAT what is addressed to a local address
 *     postrouting: masquerade container traffic leaving its networks, and
 *                  loopback-sourced traffic DNATed into them (so that
 *                  `curl 127.0.0.1:8080` works, with route_localnet)
 *
 * Publishing a port is one map element: no rule handles to track, and
 * `create element` fails when another container holds the port. Each
 * element carries its container's id as its comment: the kernel itself
 * says which elements are whose, so `rm` of a container whose monitor was
 * killed between publishing and saving its record still finds them.
 * Commands go through libnftables in-process (no fork of nft). */
#include <errno.h>
#include <jansson.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/lazy.h"
#include "network_internal.h"

static const char table_script[] =
	"table ip hull {\n"
	"  set subnets { type ipv4_addr; flags interval; }\n"
	"  map publish_any { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"  map publish_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"  chain publish {\n"
	"    dnat ip to ip daddr . meta l4proto . th dport map @publish_ip\n"
	"    dnat ip to meta l4proto . th dport map @publish_any\n"
	"  }\n"
	"  chain prerouting { type nat hook prerouting priority dstnat; policy accept;\n"
	"    fib daddr type local jump publish\n  }\n"
	"  chain output { type nat hook output priority -100; policy accept;\n"
	"    fib daddr type local jump publish\n  }\n"
	"  chain postrouting { type nat hook postrouting priority srcnat; policy accept;\n"
	"    ip saddr @subnets ip daddr != @subnets masquerade\n"
	"    ip saddr 127.0.0.0/8 ip daddr @subnets masquerade\n  }\n"
	"}\n";

/* Run one nft command; the error carries nft's own message. */
static int nft(const char *cmd, bool quiet_exists, struct hull_error **err)
{
	int lr = hull_lazy_require(HULL_LIB_NFTABLES, err);
	if (lr < 0)
		return hull_error_wrap(err, lr, "nftables");
	struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!c)
		return hull_error_msg(err, ENOMEM, "nftables: cannot make a context");
	nft_ctx_buffer_output(c);
	nft_ctx_buffer_error(c);
	int r = nft_run_cmd_from_buffer(c, cmd);
	if (r != 0) {
		const char *e = nft_ctx_get_error_buffer(c);
		int code = e && strstr(e, "File exists") ? EEXIST : e && strstr(e, "No such file") ? ENOENT : EIO;
		if (!(quiet_exists && code == EEXIST))
			hull_error_msg(err, code, "nftables: `%.*s` failed: %s", (int)strcspn(cmd, "\n"), cmd,
				       e ? e : "unknown error");
		nft_ctx_free(c);
		return -code;
	}
	nft_ctx_free(c);
	return 0;
}

static int table_exists(void)
{
	return nft("list table ip hull", false, NULL) == 0;
}

int nat_ensure(uint32_t subnet, int prefix, bool masquerade, struct hull_error **err)
{
	/* the kernel drops forwarded packets otherwise; docker sets it too */
	hull_write_file("/proc/sys/net/ipv4/ip_forward", "1", 1, NULL);
	if (!table_exists()) {
		int r = nft(table_script, false, err);
		if (r < 0 && !table_exists())
			return r;
		hull_error_release(err);
	}
	if (!masquerade)
		return 0;
	char net[16];
	net_format_ip(subnet, net, sizeof(net));
	_cleanup_free_ char *cmd = hull_strdup_printf("add element ip hull subnets { %s/%d }", net, prefix);
	int r = nft(cmd, true, err);
	return r == -EEXIST ? 0 : r;
}

int nat_remove_subnet(uint32_t subnet, int prefix, struct hull_error **err)
{
	char net[16];
	net_format_ip(subnet, net, sizeof(net));
	_cleanup_free_ char *cmd = hull_strdup_printf("delete element ip hull subnets { %s/%d }", net, prefix);
	/* a missing table or element is what we wanted: teardown never fails */
	(void)nft(cmd, false, NULL);
	(void)err;
	return 0;
}

static bool any_address(const char *host_ip)
{
	return !host_ip || !*host_ip || !strcmp(host_ip, "0.0.0.0");
}

/* An owner goes into an nft string literal: only what container ids are made of. */
static bool valid_owner(const char *owner)
{
	if (!owner || !*owner || strlen(owner) > 64)
		return false;
	for (const char *p = owner; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
			return false;
	return true;
}

int nat_map_add(const char *host_ip, const char *proto, unsigned host_port, const char *ip, unsigned port,
		const char *owner, struct hull_error **err)
{
	if (!valid_owner(owner))
		return hull_error_msg(err, EINVAL, "publish %s/%u: invalid owner `%s` (a container id)", proto,
				      host_port, owner ? owner : "");
	_cleanup_free_ char *cmd =
	    any_address(host_ip)
		? hull_strdup_printf("create element ip hull publish_any { %s . %u comment \"%s\" : %s . %u }", proto,
				     host_port, owner, ip, port)
		: hull_strdup_printf("create element ip hull publish_ip { %s . %s . %u comment \"%s\" : %s . %u }",
				     host_ip, proto, host_port, owner, ip, port);
	struct hull_error *e = NULL;
	int r = nft(cmd, false, &e);
	if (r == -EEXIST) {
		hull_error_free(e);
		return hull_error_msg(err, EADDRINUSE, "Bind for %s:%u failed: port is already allocated",
				      any_address(host_ip) ? "0.0.0.0" : host_ip, host_port);
	}
	if (r < 0) {
		if (err)
			*err = e;
		else
			hull_error_free(e);
	}
	return r;
}

int nat_map_delete(const char *host_ip, const char *proto, unsigned host_port, struct hull_error **err)
{
	_cleanup_free_ char *cmd =
		any_address(host_ip)
			? hull_strdup_printf("delete element ip hull publish_any { %s . %u }", proto, host_port)
			: hull_strdup_printf("delete element ip hull publish_ip { %s . %s . %u }", host_ip, proto,
					     host_port);
	/* gone already is fine: teardown never fails */
	(void)nft(cmd, false, NULL);
	(void)err;
	return 0;
}

/* "a . b . c" from the key of a listed element ({"concat": [...]} or a
 * single value); NULL when it has a part we would not write back. */
static char *key_text(json_t *key)
{
	json_t *parts = json_object_get(key, "concat");
	_cleanup_json_ json_t *one = parts ? NULL : json_pack("[O]", key);
	if (!parts)
		parts = one;
	char *text = hull_xstrdup("");
	size_t i;
	json_t *v;
	json_array_foreach(parts, i, v)
	{
		char part[64];
		const char *sv = json_string_value(v);
		if (json_is_integer(v))
			snprintf(part, sizeof(part), "%lld", (long long)json_integer_value(v));
		else if (sv && strlen(sv) < sizeof(part) &&
			 strspn(sv, "0123456789abcdefghijklmnopqrstuvwxyz.") == strlen(sv))
			snprintf(part, sizeof(part), "%s", sv);
		else {
			free(text);
			return NULL;
		}
		char *longer = hull_strdup_printf("%s%s%s", text, i ? " . " : "", part);
		free(text);
		text = longer;
	}
	return text;
}

/* Delete the elements of map whose comment is owner. */
static void delete_owned(const char *map, const char *owner)
{
	/* Without libnftables no rule could have been added. */
	if (hull_lazy_require(HULL_LIB_NFTABLES, NULL) < 0)
		return;
	struct nft_ctx *c = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!c)
		return;
	nft_ctx_output_set_flags(c, NFT_CTX_OUTPUT_JSON);
	nft_ctx_buffer_output(c);
	nft_ctx_buffer_error(c);
	_cleanup_free_ char *list = hull_strdup_printf("list map ip hull %s", map);
	_cleanup_json_ json_t *out = NULL;
	if (nft_run_cmd_from_buffer(c, list) == 0)
		out = json_loads(nft_ctx_get_output_buffer(c) ?: "", 0, NULL);
	nft_ctx_free(c);
	size_t i, k;
	json_t *obj, *elem;
	json_array_foreach(json_object_get(out, "nftables"), i, obj)
	{
		json_array_foreach(json_object_get(json_object_get(obj, "map"), "elem"), k, elem)
		{
			/* [{"elem": {"val": KEY, "comment": C}}, VALUE] */
			json_t *e = json_object_get(json_array_get(elem, 0), "elem");
			const char *comment = json_string_value(json_object_get(e, "comment"));
			if (!comment || strcmp(comment, owner))
				continue;
			_cleanup_free_ char *key = key_text(json_object_get(e, "val"));
			if (!key)
				continue;
			_cleanup_free_ char *cmd = hull_strdup_printf("delete element ip hull %s { %s }", map, key);
			(void)nft(cmd, false, NULL);
		}
	}
}

int nat_map_delete_owned(const char *owner)
{
	if (!valid_owner(owner) || !table_exists())
		return 0;
	delete_owned("publish_any", owner);
	delete_owned("publish_ip", owner);
	return 0;
}
