/* test_netconf.c - the create request's "network" object (docs/vm-agent.md):
 * what the guest agent accepts before it touches an interface. */
#include <criterion/criterion.h>
#include <string.h>

#include "hull/agent.h"

static int parse(const char *text, struct hull_agent_netconf *nc)
{
	json_t *j = json_loads(text, 0, NULL);
	cr_assert_not_null(j, "bad test JSON: %s", text);
	struct hull_error *err = NULL;
	int r = hull_agent_netconf_parse(j, nc, &err);
	if (r < 0) {
		cr_assert_not_null(err);
		cr_assert(strstr(err->msg, "create: network"), "%s", err->msg);
	}
	hull_error_free(err);
	json_decref(j);
	return r;
}

Test(agent_netconf, full)
{
	struct hull_agent_netconf nc;
	cr_assert_eq(parse("{\"address\":\"172.18.0.2/16\",\"gateway\":\"172.18.0.1\","
			   "\"mac\":\"02:42:ac:12:00:02\",\"mtu\":1400}",
			   &nc),
		     0);
	cr_assert_eq(nc.address, 0xac120002u);
	cr_assert_eq(nc.prefix, 16);
	cr_assert_eq(nc.gateway, 0xac120001u);
	const uint8_t mac[6] = {0x02, 0x42, 0xac, 0x12, 0x00, 0x02};
	cr_assert_arr_eq(nc.mac, mac, 6);
	cr_assert_eq(nc.mtu, 1400);
}

Test(agent_netconf, defaults)
{
	struct hull_agent_netconf nc;
	/* an --internal network: no gateway, no default route */
	cr_assert_eq(parse("{\"address\":\"10.1.2.3/24\",\"mac\":\"02:42:0A:01:02:03\"}", &nc), 0);
	cr_assert_eq(nc.gateway, 0);
	cr_assert_eq(nc.mtu, 1500);
	cr_assert_eq(nc.mac[2], 0x0a);
}

Test(agent_netconf, refused)
{
	static const char *const bad[] = {
	    "[]",
	    "{}",
	    "{\"address\":\"10.1.2.3\",\"mac\":\"02:00:00:00:00:01\"}",	  /* no prefix */
	    "{\"address\":\"10.1.2.3/0\",\"mac\":\"02:00:00:00:00:01\"}", /* prefix range */
	    "{\"address\":\"10.1.2.3/31\",\"mac\":\"02:00:00:00:00:01\"}",
	    "{\"address\":\"10.1.2.3/+8\",\"mac\":\"02:00:00:00:00:01\"}",
	    "{\"address\":\"10.1.2.3/ 8\",\"mac\":\"02:00:00:00:00:01\"}",
	    "{\"address\":\"10.1.2.0/24\",\"mac\":\"02:00:00:00:00:01\"}",   /* the network itself */
	    "{\"address\":\"10.1.2.255/24\",\"mac\":\"02:00:00:00:00:01\"}", /* its broadcast */
	    "{\"address\":\"10.1.2.300/24\",\"mac\":\"02:00:00:00:00:01\"}",
	    "{\"address\":\"fe80::1/64\",\"mac\":\"02:00:00:00:00:01\"}",
	    "{\"address\":7,\"mac\":\"02:00:00:00:00:01\"}",
	    "{\"address\":\"10.1.2.3/24\"}",				   /* no mac */
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"03:00:00:00:00:01\"}", /* multicast */
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"00:00:00:00:00:00\"}",
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02:00:00:00:00:0g\"}",
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02-00-00-00-00-01\"}",
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02:00:00:00:00:01:\"}",
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02:00:00:00:00:01\",\"gateway\":\"10.1.3.1\"}", /* elsewhere */
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02:00:00:00:00:01\",\"gateway\":\"10.1.2.3\"}", /* itself */
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02:00:00:00:00:01\",\"gateway\":1}",
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":67}",
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":65536}",
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":\"1500\"}",
	    "{\"address\":\"10.1.2.3/24\",\"mac\":\"02:00:00:00:00:01\",\"ifname\":\"eth1\"}", /* unknown */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hull_agent_netconf nc;
		cr_assert_lt(parse(bad[i], &nc), 0, "accepted: %s", bad[i]);
	}
}
