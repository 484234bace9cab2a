/* test_usernet.c - --network slirp4netns[:OPTIONS] / pasta[:ARGS] checks
 * and the rootless default, through the public API. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/error.h"
#include "hull/fs.h"
#include "hull/network.h"
#include "hull/usernet.h"

static int check(const char *network, char **msg)
{
	struct hull_error *err = NULL;
	int r = hull_engine_usernet_check(network, &err);
	if (msg)
		*msg = err ? strdup(err->msg) : NULL;
	hull_error_free(err);
	return r;
}

Test(usernet, names_the_modes)
{
	cr_assert(hull_engine_is_usernet("slirp4netns"));
	cr_assert(hull_engine_is_usernet("slirp4netns:mtu=1500"));
	cr_assert(hull_engine_is_usernet("pasta"));
	cr_assert(hull_engine_is_usernet("pasta:-t,80"));
	cr_assert_not(hull_engine_is_usernet("pastaa"));
	cr_assert_not(hull_engine_is_usernet("slirp"));
	cr_assert_not(hull_engine_is_usernet("bridge"));
	cr_assert_not(hull_engine_is_usernet(NULL));
}

Test(usernet, accepts_podmans_slirp4netns_options)
{
	cr_assert_eq(check("slirp4netns", NULL), 0);
	cr_assert_eq(check("slirp4netns:allow_host_loopback=true,mtu=1500,cidr=10.41.0.0/24,enable_ipv6=false,"
			   "port_handler=slirp4netns,outbound_addr=192.0.2.2,outbound_addr6=fd00::2",
			   NULL),
		     0);
	cr_assert_eq(check("bridge", NULL), 0);
	cr_assert_eq(check("host", NULL), 0);
}

Test(usernet, refuses_bad_slirp4netns_options_by_name)
{
	static const struct {
		const char *network, *says;
	} cases[] = {
		{ "slirp4netns:mtu=abc", "mtu=abc: expected 68 to 65521" },
		{ "slirp4netns:mtu=70000", "mtu=70000" },
		{ "slirp4netns:allow_host_loopback=yes", "allow_host_loopback=yes: expected true or false" },
		{ "slirp4netns:cidr=10.0.2.0/28", "cidr=10.0.2.0/28: expected an IPv4 network of at most /25" },
		{ "slirp4netns:cidr=banana", "cidr=banana" },
		{ "slirp4netns:port_handler=rootlesskit", "rootlesskit is not packaged in Debian" },
		{ "slirp4netns:outbound_addr=eth0", "outbound_addr=eth0: expected an IPv4 address" },
		{ "slirp4netns:nope=1", "unknown option `nope`" },
		{ "slirp4netns:mtu", "`mtu`: expected OPTION=VALUE" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *msg = NULL;
		cr_assert_lt(check(cases[i].network, &msg), 0, "%s was accepted", cases[i].network);
		cr_assert(msg && strstr(msg, cases[i].says), "%s: %s", cases[i].network, msg);
		free(msg);
	}
}

Test(usernet, pasta_args_hull_manages_are_refused)
{
	cr_assert_eq(check("pasta:-t,8080,--mtu,1500,--map-gw", NULL), 0);
	static const char *const managed[] = { "pasta:--netns,/x", "pasta:--netns=/x", "pasta:-f", "pasta:-P,/tmp/p",
					       "pasta:--userns,/proc/1/ns/user", "pasta:--config-net" };
	for (size_t i = 0; i < sizeof(managed) / sizeof(managed[0]); i++) {
		char *msg = NULL;
		cr_assert_lt(check(managed[i], &msg), 0, "%s was accepted", managed[i]);
		cr_assert(msg && strstr(msg, "is hull's to set"), "%s: %s", managed[i], msg);
		free(msg);
	}
}

/* PATH decides which helpers exist: a directory with fakes of our own. */
static void fake_bin(const char *dir, const char *name, const char *body)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

Test(usernet, missing_helper_names_the_debian_package)
{
	setenv("PATH", "/nonexistent", 1);
	char *msg = NULL;
	cr_assert_lt(check("slirp4netns", &msg), 0);
	cr_assert(strstr(msg, "apt-get install slirp4netns"), "%s", msg);
	free(msg);
	cr_assert_lt(check("pasta:--mtu,1500", &msg), 0);
	cr_assert(strstr(msg, "install Debian's passt package"), "%s", msg);
	free(msg);
}

Test(usernet, default_rootless_network_prefers_a_working_pasta)
{
	char dir[] = "/tmp/hull-usernet-test.XXXXXX";
	cr_assert(mkdtemp(dir));
	setenv("PATH", dir, 1);
	cr_assert_str_eq(hull_engine_default_rootless_network(), "none");
	fake_bin(dir, "slirp4netns", "exit 0");
	cr_assert_str_eq(hull_engine_default_rootless_network(), "slirp4netns");
	fake_bin(dir, "pasta", "exit 1"); /* installed but broken: not the default */
	cr_assert_str_eq(hull_engine_default_rootless_network(), "slirp4netns");
	fake_bin(dir, "pasta", "exit 0");
	cr_assert_str_eq(hull_engine_default_rootless_network(), "pasta");
	cr_assert_eq(hull_rm_rf(dir, NULL), 0);
}

Test(usernet, user_network_names_cannot_shadow_the_modes)
{
	char dir[] = "/tmp/hull-usernet-test.XXXXXX";
	cr_assert(mkdtemp(dir));
	struct hull_ctx ctx = { .data_root = dir, .runtime_root = dir };
	struct hull_error *err = NULL;
	struct hull_network *n = hull_network_create(&ctx, "pasta", "10.199.77.0/24", NULL, NULL, false, &err);
	cr_assert_null(n);
	cr_assert(err && strstr(err->msg, "reserved"));
	hull_error_free(err);
	cr_assert_eq(hull_rm_rf(dir, NULL), 0);
}
