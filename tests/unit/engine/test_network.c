/* Networks for real: bridges, veths and nftables on this host, with
 * "containers" that are forked children in network namespaces of their
 * own. Traffic goes only to those namespaces and to 127.0.0.1. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/etc_files.h"
#include "hull/json.h"
#include "hull/network.h"

static struct hull_ctx ctx;
static char dir[64];
static char bridge[16];
static int third; /* 10.199.<third>.0/24 */

static void setup(void)
{
	test_root_setup(&ctx, dir);
	third = 100 + getpid() % 100;
	snprintf(bridge, sizeof(bridge), "hullt%d", (int)(getpid() % 100000));
	_cleanup_free_ char *conf = hull_path_join(dir, "engine.json");
	_cleanup_free_ char *text = hull_strdup_printf("{\"bridge\":\"%s\",\"bip\":\"10.199.%d.1/24\"}", bridge, third);
	cr_assert_eq(hull_write_file(conf, text, strlen(text), NULL), 0);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "ip link del %s 2>/dev/null; nft delete element ip hull subnets '{ 10.199.%d.0/24 }' 2>/dev/null", bridge, third);
	if (system(cmd) < 0)
		perror("system");
	test_root_teardown(dir);
}

TestSuite(network, .init = setup, .fini = teardown, .timeout = 60);

/* A child in its own network namespace that answers "hello" once on :80
 * after the parent says go. */
struct peer {
	pid_t pid;
	int go;
};

static struct peer spawn_peer(void)
{
	int ready[2], go[2];
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(go), 0);
	pid_t pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(10);
		char b = 1;
		if (write(ready[1], &b, 1) != 1 || read(go[0], &b, 1) != 1)
			_exit(11);
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int one = 1;
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
		if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 4) < 0)
			_exit(12);
		if (write(ready[1], &b, 1) != 1)
			_exit(13);
		alarm(20);
		for (;;) {
			int c = accept(s, NULL, NULL);
			if (c < 0)
				_exit(14);
			if (write(c, "hello", 5) != 5)
				_exit(15);
			close(c);
		}
	}
	close(ready[1]);
	close(go[0]);
	char b;
	cr_assert_eq(read(ready[0], &b, 1), 1);
	struct peer p = { pid, go[1] };
	p.go = go[1] | (ready[0] << 16);
	return p;
}

static void peer_listen(struct peer *p)
{
	char b = 1;
	cr_assert_eq(write(p->go & 0xffff, &b, 1), 1);
	cr_assert_eq(read(p->go >> 16, &b, 1), 1);
}

static void peer_kill(struct peer *p)
{
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
}

static char *fetch(const char *ip, int port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, ip, &sa.sin_addr);
	struct timeval tv = { 5, 0 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(s);
		return hull_strdup_printf("connect: %s", strerror(errno));
	}
	char buf[16] = "";
	ssize_t n = read(s, buf, sizeof(buf) - 1);
	close(s);
	buf[n > 0 ? n : 0] = '\0';
	return hull_xstrdup(buf);
}

static struct hull_container *fake_container(const char *name)
{
	struct hull_container *c = hull_container_reserve(&ctx, name, NULL);
	cr_assert_not_null(c);
	json_object_set_new(c->record, "Created", json_string("2026-01-01T00:00:00Z"));
	cr_assert_eq(hull_container_save(c, NULL), 0);
	return c;
}

Test(network, bridge_veth_address_and_published_port)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_network_ struct hull_network *net = hull_network_get(&ctx, "bridge", &err);
	cr_assert_not_null(net);
	cr_assert_str_eq(net->bridge, bridge);
	_cleanup_container_ struct hull_container *c = fake_container("eng-net1");
	struct peer p = spawn_peer();
	struct hull_endpoint_request req = { .container_id = c->id, .name = c->name, .hostname = "h", .pid = p.pid };
	struct hull_endpoint ep;
	int r = hull_network_attach(&ctx, net, &req, &ep, &err);
	cr_assert_eq(r, 0, "attach: %s", err ? err->msg : "");
	char expect[32];
	snprintf(expect, sizeof(expect), "10.199.%d.2", third);
	cr_assert_str_eq(ep.ip, expect);
	cr_assert_eq(strncmp(ep.mac, "02:42:0a:c7:", 12), 0);
	peer_listen(&p);
	_cleanup_free_ char *direct = fetch(ep.ip, 80);
	cr_assert_str_eq(direct, "hello");
	_cleanup_json_ json_t *bindings = json_pack("{s:[{s:s,s:s}]}", "80/tcp", "HostIp", "", "HostPort", "8097");
	_cleanup_json_ json_t *exposed = json_pack("{s:{}}", "80/tcp");
	_cleanup_json_ json_t *ports = hull_network_publish(&ctx, bindings, exposed, false, ep.ip, c->id, &err);
	cr_assert_not_null(ports, "publish: %s", err ? err->msg : "");
	_cleanup_free_ char *via_lo = fetch("127.0.0.1", 8097);
	cr_assert_str_eq(via_lo, "hello");
	/* the port is taken now: a second container cannot have it */
	_cleanup_json_ json_t *again = hull_network_publish(&ctx, bindings, exposed, false, "10.199.0.3", c->id, &err);
	cr_assert_null(again);
	cr_assert_not_null(strstr(err->msg, "port is already allocated"), "%s", err->msg);
	hull_network_unpublish(&ctx, ports, ep.ip, NULL);
	_cleanup_free_ char *after = fetch("127.0.0.1", 8097);
	cr_assert_str_neq(after, "hello");
	peer_kill(&p);
	cr_assert_eq(hull_network_detach(&ctx, "bridge", c->id, ep.veth, NULL), 0);
}

Test(network, concurrent_attaches_never_share_an_address)
{
	enum { N = 6 };
	struct hull_container *cs[N];
	struct peer peers[N];
	for (int i = 0; i < N; i++) {
		cs[i] = fake_container(NULL);
		peers[i] = spawn_peer();
	}
	int pipes[N][2];
	pid_t kids[N];
	for (int i = 0; i < N; i++) {
		cr_assert_eq(pipe(pipes[i]), 0);
		kids[i] = fork();
		if (kids[i] == 0) {
			_cleanup_network_ struct hull_network *net = hull_network_get(&ctx, "bridge", NULL);
			struct hull_endpoint_request req = { .container_id = cs[i]->id, .name = cs[i]->name,
							     .pid = peers[i].pid };
			struct hull_endpoint ep;
			struct hull_error *e = NULL;
			if (!net || hull_network_attach(&ctx, net, &req, &ep, &e) < 0) {
				if (e)
					fprintf(stderr, "%s\n", e->msg);
				_exit(1);
			}
			if (write(pipes[i][1], ep.ip, sizeof(ep.ip)) != sizeof(ep.ip))
				_exit(2);
			_exit(0);
		}
	}
	char ips[N][16];
	for (int i = 0; i < N; i++) {
		int st;
		waitpid(kids[i], &st, 0);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		cr_assert_eq(read(pipes[i][0], ips[i], sizeof(ips[i])), sizeof(ips[i]));
	}
	for (int i = 0; i < N; i++)
		for (int k = i + 1; k < N; k++)
			cr_assert_str_neq(ips[i], ips[k]);
	for (int i = 0; i < N; i++) {
		peer_kill(&peers[i]);
		hull_network_detach(&ctx, "bridge", cs[i]->id, NULL, NULL);
		hull_container_free(cs[i]);
	}
	_cleanup_json_ json_t *none_left = NULL;
	_cleanup_network_ struct hull_network *net = hull_network_get(&ctx, "bridge", NULL);
	none_left = hull_network_inspect_json(&ctx, net);
	cr_assert_eq(json_object_size(json_object_get(none_left, "Containers")), 0);
}

Test(network, user_network_peers_resolve_each_other_by_hosts)
{
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_free_ char *subnet = hull_strdup_printf("10.198.%d.0/24", third);
	_cleanup_network_ struct hull_network *net = hull_network_create(&ctx, "eng-mynet", subnet, NULL, NULL, false, &err);
	cr_assert_not_null(net, "%s", err ? err->msg : "");
	cr_assert_null(hull_network_create(&ctx, "eng-mynet", NULL, NULL, NULL, false, &err));
	hull_error_release(&err);
	struct hull_container *a = fake_container("eng-a"), *b = fake_container("eng-b");
	struct peer pa = spawn_peer(), pb = spawn_peer();
	_cleanup_free_ char *ha = hull_path_join(a->dir, "hosts");
	_cleanup_free_ char *hb = hull_path_join(b->dir, "hosts");
	hull_write_file(ha, "", 0, NULL);
	hull_write_file(hb, "", 0, NULL);
	char *alias[] = { "db", NULL };
	struct hull_endpoint_request ra = { .container_id = a->id, .name = "eng-a", .hostname = "ha", .hosts_path = ha,
					    .pid = pa.pid };
	struct hull_endpoint_request rb = { .container_id = b->id, .name = "eng-b", .hostname = "hb", .aliases = alias,
					    .hosts_path = hb, .pid = pb.pid };
	struct hull_endpoint ea, eb;
	cr_assert_eq(hull_network_attach(&ctx, net, &ra, &ea, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(hull_network_attach(&ctx, net, &rb, &eb, &err), 0, "%s", err ? err->msg : "");
	_cleanup_free_ char *text = NULL;
	cr_assert_eq(hull_read_file(ha, &text, NULL, NULL), 0);
	_cleanup_free_ char *line = hull_strdup_printf("%s\teng-b", eb.ip);
	cr_assert_not_null(strstr(text, line), "%s", text);
	cr_assert_not_null(strstr(text, " db"), "%s", text);
	_cleanup_free_ char *own = hull_strdup_printf("%s\tha\n", ea.ip);
	cr_assert_not_null(strstr(text, own), "%s", text);
	/* in use: cannot be removed */
	cr_assert_lt(hull_network_remove(&ctx, "eng-mynet", &err), 0);
	cr_assert_not_null(strstr(err->msg, "active endpoints"));
	hull_error_release(&err);
	peer_kill(&pb);
	cr_assert_eq(hull_network_detach(&ctx, "eng-mynet", b->id, eb.veth, NULL), 0);
	free(text);
	text = NULL;
	cr_assert_eq(hull_read_file(ha, &text, NULL, NULL), 0);
	cr_assert_null(strstr(text, "eng-b"), "%s", text);
	peer_kill(&pa);
	cr_assert_eq(hull_network_detach(&ctx, "eng-mynet", a->id, ea.veth, NULL), 0);
	cr_assert_eq(hull_network_remove(&ctx, "eng-mynet", &err), 0, "%s", err ? err->msg : "");
	hull_container_free(a);
	hull_container_free(b);
}

Test(network, etc_files)
{
	_cleanup_json_ json_t *dns = json_pack("[s]", "1.1.1.1");
	_cleanup_free_ char *r = hull_engine_resolv_conf(dns, NULL, false);
	cr_assert_not_null(strstr(r, "nameserver 1.1.1.1\n"));
	_cleanup_json_ json_t *extra = json_pack("[s]", "db:10.0.0.5");
	_cleanup_free_ char *h = hull_engine_hosts_base("10.88.0.2", "web", NULL, extra, NULL);
	cr_assert_not_null(strstr(h, "10.0.0.5\tdb\n"));
	cr_assert_not_null(strstr(h, "10.88.0.2\tweb\n"));
	_cleanup_json_ json_t *bad = json_pack("[s]", "nocolon");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_null(hull_engine_hosts_base("10.88.0.2", "web", NULL, bad, &err));
}
