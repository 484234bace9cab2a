/* netconf.c - the guest's network interface from the create request's
 * "network" object (docs/vm-agent.md): the virtio-net device the VMM gave
 * the MAC of, found by that MAC, moves into the container's network
 * namespace (netlink) and gets the address, the MTU and the default route
 * there, with ioctls (no ip binary, no shell in the guest).
 *
 * The object comes from the host and is checked as input: every field's
 * type and range, no unknown field. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hull/agent.h"
#include "hull/cleanup.h"

#define NIC_WAIT_MS 5000 /* the driver binds the device while its module loads; a moment at most */

static int parse_ipv4(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (!s || strlen(s) > 15 || inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static int parse_address(const char *s, uint32_t *addr, int *prefix)
{
	const char *slash = s ? strchr(s, '/') : NULL;
	if (!slash || slash - s > 15 || !slash[1] || strlen(slash + 1) > 2)
		return -1;
	char ip[16];
	memcpy(ip, s, (size_t)(slash - s));
	ip[slash - s] = '\0';
	char *end;
	long p = strtol(slash + 1, &end, 10);
	if (*end || slash[1] < '0' || slash[1] > '9' || p < 1 || p > 30 || parse_ipv4(ip, addr) < 0)
		return -1;
	*prefix = (int)p;
	uint32_t host = *addr & ~(0xffffffffU << (32 - p));
	/* neither the network's own address nor its broadcast */
	return host == 0 || host == ~(0xffffffffU << (32 - p)) ? -1 : 0;
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	if (!s || strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		int hi = hex_digit(s[i * 3]), lo = hex_digit(s[i * 3 + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	/* unicast, not all zero */
	return (mac[0] & 1) || !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) ? -1 : 0;
}

int hull_agent_netconf_parse(json_t *j, struct hull_agent_netconf *out, struct hull_error **err)
{
	memset(out, 0, sizeof(*out));
	out->mtu = 1500;
	if (!json_is_object(j))
		return hull_error_msg(err, EINVAL, "create: network: must be an object (address, gateway, mac, mtu)");
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v)
	{
		if (strcmp(key, "address") && strcmp(key, "gateway") && strcmp(key, "mac") && strcmp(key, "mtu"))
			return hull_error_msg(
			    err, EINVAL, "create: network: unknown field `%.64s` (address, gateway, mac, mtu)", key);
	}
	if (parse_address(json_string_value(json_object_get(j, "address")), &out->address, &out->prefix) < 0)
		return hull_error_msg(err, EINVAL,
				      "create: network: address: must be a host address A.B.C.D/N (N from 1 to 30)");
	json_t *gw = json_object_get(j, "gateway");
	uint32_t mask = 0xffffffffU << (32 - out->prefix);
	if (gw && (parse_ipv4(json_string_value(gw), &out->gateway) < 0 ||
		   (out->gateway & mask) != (out->address & mask) || out->gateway == out->address))
		return hull_error_msg(err, EINVAL,
				      "create: network: gateway: must be another IPv4 address in the address's subnet");
	if (parse_mac(json_string_value(json_object_get(j, "mac")), out->mac) < 0)
		return hull_error_msg(err, EINVAL, "create: network: mac: must be a unicast xx:xx:xx:xx:xx:xx");
	json_t *mtu = json_object_get(j, "mtu");
	if (mtu && (!json_is_integer(mtu) || json_integer_value(mtu) < 68 || json_integer_value(mtu) > 65535))
		return hull_error_msg(err, EINVAL, "create: network: mtu: must be an integer from 68 to 65535");
	if (mtu)
		out->mtu = (unsigned)json_integer_value(mtu);
	return 0;
}

/* The interface whose hardware address is mac, into ifname. */
static bool find_by_mac(int s, const uint8_t mac[6], char ifname[IF_NAMESIZE])
{
	struct if_nameindex *all = if_nameindex();
	bool found = false;
	for (struct if_nameindex *i = all; i && i->if_index && !found; i++) {
		struct ifreq ifr = {0};
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		if (ioctl(s, SIOCGIFHWADDR, &ifr) == 0 && ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER &&
		    !memcmp(ifr.ifr_hwaddr.sa_data, mac, 6)) {
			snprintf(ifname, IF_NAMESIZE, "%s", i->if_name);
			found = true;
		}
	}
	if (all)
		if_freenameindex(all);
	return found;
}

static int set_flag_up(int s, const char *ifname, struct hull_error **err)
{
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return hull_error_set(err, errno, "%s: SIOCGIFFLAGS", ifname);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return hull_error_set(err, errno, "%s: bring it up", ifname);
	return 0;
}

static void sin_of(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(addr)};
	memcpy(sa, &sin, sizeof(sin));
}

static int configure(int s, const char *ifname, const struct hull_agent_netconf *nc, struct hull_error **err)
{
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_mtu = (int)nc->mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		return hull_error_set(err, errno, "%s: set the MTU to %u", ifname, nc->mtu);
	sin_of(&ifr.ifr_addr, nc->address);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		return hull_error_set(err, errno, "%s: set its address", ifname);
	sin_of(&ifr.ifr_netmask, 0xffffffffU << (32 - nc->prefix));
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		return hull_error_set(err, errno, "%s: set its netmask", ifname);
	int r = set_flag_up(s, ifname, err);
	if (r < 0 || !nc->gateway)
		return r;
	struct rtentry rt = {0};
	sin_of(&rt.rt_dst, 0);
	sin_of(&rt.rt_genmask, 0);
	sin_of(&rt.rt_gateway, nc->gateway);
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = (char *)ifname;
	if (ioctl(s, SIOCADDRT, &rt) < 0)
		return hull_error_set(err, errno, "%s: add the default route", ifname);
	return 0;
}

/* Move the interface into the namespace netns_fd names: RTM_NEWLINK with
 * IFLA_NET_NS_FD (no ioctl moves a device between namespaces). */
static int move_to_netns(const char *ifname, int netns_fd, struct hull_error **err)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
		struct rtattr ra;
		uint32_t fd;
	} req = {
	    .nh = {.nlmsg_len = sizeof(req), .nlmsg_type = RTM_NEWLINK, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK},
	    .ifi = {.ifi_family = AF_UNSPEC, .ifi_index = (int)if_nametoindex(ifname)},
	    .ra = {.rta_len = RTA_LENGTH(sizeof(uint32_t)), .rta_type = IFLA_NET_NS_FD},
	    .fd = (uint32_t)netns_fd,
	};
	if (!req.ifi.ifi_index)
		return hull_error_set(err, errno, "%s: its index", ifname);
	_cleanup_close_ int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl < 0 || send(nl, &req, sizeof(req), 0) < 0)
		return hull_error_set(err, errno, "%s: netlink", ifname);
	union {
		struct nlmsghdr nh;
		char buf[512];
	} ack;
	ssize_t n = recv(nl, &ack, sizeof(ack), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) || ack.nh.nlmsg_type != NLMSG_ERROR)
		return hull_error_msg(err, EPROTO, "%s: no answer to the move into the container's namespace", ifname);
	int e = -((struct nlmsgerr *)NLMSG_DATA(&ack.nh))->error;
	return e ? hull_error_set(err, e, "%s: move it into the container's network namespace", ifname) : 0;
}

struct in_netns {
	const struct hull_agent_netconf *nc;
	const char *ifname;
	int netns_fd;
	struct hull_error *err;
	int r;
};

/* On a thread of its own: setns(CLONE_NEWNET) changes the calling
 * thread's namespace only, and this one never has to come back. */
static void *configure_thread(void *data)
{
	struct in_netns *a = data;
	if (setns(a->netns_fd, CLONE_NEWNET) < 0) {
		a->r = hull_error_set(&a->err, errno, "enter the container's network namespace");
		return NULL;
	}
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		a->r = hull_error_set(&a->err, errno, "socket");
		return NULL;
	}
	a->r = set_flag_up(s, "lo", &a->err);
	if (a->r == 0)
		a->r = configure(s, a->ifname, a->nc, &a->err);
	return NULL;
}

int hull_agent_netconf_apply(const struct hull_agent_netconf *nc, pid_t pid, struct hull_error **err)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return hull_error_set(err, errno, "network: socket");
	char ifname[IF_NAMESIZE] = "";
	for (int waited = 0; !find_by_mac(s, nc->mac, ifname); waited += 10) {
		if (waited >= NIC_WAIT_MS)
			return hull_error_msg(
			    err, ENODEV,
			    "network: no interface with MAC %02x:%02x:%02x:%02x:%02x:%02x in the guest "
			    "(virtio_net not loaded?)",
			    nc->mac[0], nc->mac[1], nc->mac[2], nc->mac[3], nc->mac[4], nc->mac[5]);
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0)
		return hull_error_set(err, errno, "network: open `%s`", path);
	int r = move_to_netns(ifname, netns, err);
	if (r < 0)
		return hull_error_wrap(err, r, "network");
	struct in_netns a = {.nc = nc, .ifname = ifname, .netns_fd = netns};
	pthread_t thread;
	int e = pthread_create(&thread, NULL, configure_thread, &a);
	if (e)
		return hull_error_set(err, e, "network: a thread to enter the container's namespace");
	pthread_join(thread, NULL);
	if (a.r < 0) {
		if (err)
			*err = steal_ptr(a.err);
		hull_error_free(a.err);
		return hull_error_wrap(err, a.r, "network");
	}
	return 0;
}
