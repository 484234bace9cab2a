/* netlink.c - rtnetlink on libmnl: links, addresses, routes (rtnetlink(7)). */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hull/fs.h"
#include "netlink.h"

/* requests here are small; replies to RTM_GETLINK fit a page or two */
#define NL_BUF 8192

struct nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
};

struct nl *nl_open(struct hull_error **err)
{
	struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s) {
		hull_error_set(err, errno, "open a netlink socket");
		return NULL;
	}
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		hull_error_set(err, errno, "bind a netlink socket");
		mnl_socket_close(s);
		return NULL;
	}
	struct nl *nl = hull_xcalloc(1, sizeof(*nl));
	nl->sock = s;
	nl->portid = mnl_socket_get_portid(s);
	nl->seq = (unsigned)time(NULL);
	return nl;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

/* Send one request with NLM_F_ACK and read the kernel's answer: 0 or -errno. */
static int transact(struct nl *nl, struct nlmsghdr *h)
{
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return -errno;
	char buf[NL_BUF];
	ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	int r = mnl_cb_run(buf, (size_t)n, h->nlmsg_seq, nl->portid, NULL, NULL);
	return r < 0 ? -errno : 0;
}

static struct nlmsghdr *link_msg(char *buf, int type, int flags, int ifindex)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = (uint16_t)type;
	h->nlmsg_flags = (uint16_t)flags;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return h;
}

int nl_link_index(struct nl *nl, const char *name)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	h->nlmsg_flags |= NLM_F_REQUEST;
	h->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, h, h->nlmsg_len) < 0)
		return 0;
	ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	struct nlmsghdr *reply = (struct nlmsghdr *)buf;
	if (reply->nlmsg_type != RTM_NEWLINK)
		return 0;
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(reply);
	return ifi->ifi_index;
}

int nl_bridge_create(struct nl *nl, const char *name, struct hull_error **err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(h, info);
	int r = transact(nl, h);
	if (r < 0 && r != -EEXIST)
		return hull_error_set(err, -r, "create bridge `%s`", name);
	return 0;
}

int nl_veth_create(struct nl *nl, const char *host, const char *peer, int peer_netns_fd,
		   const uint8_t peer_mac[6], struct hull_error **err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, host);
	struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	struct nlattr *peer_attr = mnl_attr_nest_start(h, VETH_INFO_PEER);
	/* VETH_INFO_PEER carries a struct ifinfomsg, then the peer's attributes */
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(h, sizeof(struct ifinfomsg));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, peer);
	mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_put(h, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_nest_end(h, peer_attr);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, info);
	int r = transact(nl, h);
	if (r < 0)
		return hull_error_set(err, -r, "create veth pair `%s` / `%s`", host, peer);
	return 0;
}

int nl_link_up(struct nl *nl, int ifindex, int master, struct hull_error **err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = IFF_UP;
	if (master)
		mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
	int r = transact(nl, h);
	if (r < 0)
		return hull_error_set(err, -r, "bring up link %d", ifindex);
	return 0;
}

int nl_link_delete(struct nl *nl, const char *name, struct hull_error **err)
{
	int idx = nl_link_index(nl, name);
	if (!idx)
		return 0;
	char buf[NL_BUF];
	struct nlmsghdr *h = link_msg(buf, RTM_DELLINK, 0, idx);
	int r = transact(nl, h);
	if (r < 0 && r != -ENODEV)
		return hull_error_set(err, -r, "delete link `%s`", name);
	return 0;
}

int nl_addr_add(struct nl *nl, int ifindex, struct in_addr addr, int prefix, struct hull_error **err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = RTM_NEWADDR;
	h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (uint8_t)prefix;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(h, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(h, IFA_ADDRESS, sizeof(addr), &addr);
	if (prefix < 31) {
		uint32_t mask = prefix ? htonl(~((1U << (32 - prefix)) - 1)) : 0;
		struct in_addr brd = { .s_addr = addr.s_addr | ~mask };
		mnl_attr_put(h, IFA_BROADCAST, sizeof(brd), &brd);
	}
	int r = transact(nl, h);
	if (r < 0 && r != -EEXIST)
		return hull_error_set(err, -r, "add address to link %d", ifindex);
	return 0;
}

int nl_route_default(struct nl *nl, struct in_addr gw, struct hull_error **err)
{
	char buf[NL_BUF];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = RTM_NEWROUTE;
	h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put(h, RTA_GATEWAY, sizeof(gw), &gw);
	int r = transact(nl, h);
	if (r < 0 && r != -EEXIST)
		return hull_error_set(err, -r, "add default route");
	return 0;
}
