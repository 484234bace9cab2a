/* publish.c - -p HOST:CONTAINER[/PROTO] and -P through nat.c's maps. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/network.h"
#include "network_internal.h"

/* Try to bind host_ip:port (0 = let the kernel pick); returns the port
 * that was free, or -EADDRINUSE when a host program holds it. */
int net_probe_port(const char *host_ip, const char *proto, unsigned port)
{
	int type = !strcmp(proto, "udp") ? SOCK_DGRAM : SOCK_STREAM;
	_cleanup_close_ int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a connection of the port's last holder waiting out TIME_WAIT does
	 * not hold it (a listener still does): what the helpers that bind it
	 * for real (slirp4netns, pasta) set too */
	int one = 1;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (host_ip && *host_ip && inet_pton(AF_INET, host_ip, &sa.sin_addr) != 1)
		return -EINVAL;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	socklen_t len = sizeof(sa);
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return -errno;
	return ntohs(sa.sin_port);
}

int net_port_key_parse(const char *key, unsigned *cport, char proto[8], struct hull_error **err)
{
	*cport = 0;
	if (sscanf(key, "%u/%7s", cport, proto) < 1 || *cport == 0 || *cport > 65535)
		return hull_error_msg(err, EINVAL, "invalid port `%s`", key);
	return 0;
}

int net_host_ip_check(const char *key, const char *host_ip, struct hull_error **err)
{
	if (host_ip && *host_ip && strchr(host_ip, ':'))
		return hull_error_msg(err, EAFNOSUPPORT, "publish %s on %s: IPv6 host addresses are not supported; "
							 "publish on an IPv4 address",
				      key, host_ip);
	return 0;
}

void net_ports_record(json_t *ports, const char *key, const char *host_ip, int port)
{
	json_t *list = json_object_get(ports, key);
	if (!json_is_array(list)) {
		list = json_array();
		json_object_set_new(ports, key, list);
	}
	char hp[16];
	snprintf(hp, sizeof(hp), "%d", port);
	json_array_append_new(list, json_pack("{s:s,s:s}", "HostIp", host_ip, "HostPort", hp));
}

void net_ports_each(json_t *ports, void (*fn)(void *data, const char *proto, const char *host_ip, unsigned host_port),
		    void *data)
{
	const char *key;
	json_t *list;
	json_object_foreach(ports, key, list)
	{
		unsigned cport;
		char proto[8] = "tcp";
		if (sscanf(key, "%u/%7s", &cport, proto) < 1)
			continue;
		size_t i;
		json_t *b;
		json_array_foreach(list, i, b)
		{
			const char *host_ip = json_string_value(json_object_get(b, "HostIp"));
			const char *host_port = json_string_value(json_object_get(b, "HostPort"));
			if (host_port && *host_port)
				fn(data, proto, host_ip, (unsigned)atoi(host_port));
		}
	}
}

static int publish_one(const char *key, const char *host_ip, const char *host_port, const char *ip, const char *owner,
		       json_t *ports, struct hull_error **err)
{
	unsigned cport;
	char proto[8] = "tcp";
	int r = net_port_key_parse(key, &cport, proto, err);
	if (r == 0)
		r = net_host_ip_check(key, host_ip, err);
	if (r < 0)
		return r;
	unsigned hport = host_port && *host_port ? (unsigned)atoi(host_port) : 0;
	int p = net_probe_port(host_ip, proto, hport);
	if (p == -EADDRINUSE)
		return hull_error_msg(err, EADDRINUSE, "Bind for %s:%u failed: port is already allocated",
				      host_ip && *host_ip ? host_ip : "0.0.0.0", hport);
	if (p < 0)
		return hull_error_set(err, -p, "publish %s: bind %s:%u", key, host_ip && *host_ip ? host_ip : "0.0.0.0",
				      hport);
	r = nat_map_add(host_ip, proto, (unsigned)p, ip, cport, owner, err);
	if (r < 0)
		return r;
	net_ports_record(ports, key, host_ip && *host_ip ? host_ip : "0.0.0.0", p);
	return 0;
}

json_t *hull_network_publish(const struct hull_ctx *ctx, json_t *port_bindings, json_t *exposed, bool publish_all,
			     const char *ip, const char *owner, struct hull_error **err)
{
	_cleanup_json_ json_t *ports = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(exposed, key, v)
		json_object_set_new(ports, key, json_null());
	if (json_object_size(port_bindings) == 0 && !publish_all)
		return steal_ptr(ports);
	int r = nat_ensure(0, 0, false, err);
	json_object_foreach(port_bindings, key, v)
	{
		size_t i;
		json_t *b;
		json_array_foreach(v, i, b)
		{
			if (r == 0)
				r = publish_one(key, json_string_value(json_object_get(b, "HostIp")),
						json_string_value(json_object_get(b, "HostPort")), ip, owner, ports,
						err);
		}
	}
	if (publish_all) {
		json_object_foreach(exposed, key, v)
		{
			if (r == 0 && !json_object_get(port_bindings, key))
				r = publish_one(key, NULL, NULL, ip, owner, ports, err);
		}
	}
	if (r < 0) {
		hull_network_unpublish(ctx, ports, ip, NULL);
		return NULL;
	}
	return steal_ptr(ports);
}

static void unpublish_one(void *data, const char *proto, const char *host_ip, unsigned host_port)
{
	nat_map_delete(host_ip, proto, host_port, NULL);
}

int hull_network_unpublish(const struct hull_ctx *ctx, json_t *ports, const char *ip, struct hull_error **err)
{
	net_ports_each(ports, unpublish_one, NULL);
	return 0;
}

int hull_network_unpublish_owner(const struct hull_ctx *ctx, const char *owner, struct hull_error **err)
{
	(void)ctx;
	(void)err;
	return nat_map_delete_owned(owner);
}
