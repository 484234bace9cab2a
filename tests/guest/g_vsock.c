/* vsock: a stream from the guest to the host: connect to CID 2 port
 * "port=P", send a line, read the host's reply ("reply=WORD" is expected in
 * it), shut down; and a connection to a port nobody listens on is reset.
 * "cid=N" is the CID the VMM should report.
 *
 * "listen=P bulk=N": take N bytes from a host connection with a window of
 * 8 KiB, never sending a credit update of its own (a driver that only
 * answers OP_CREDIT_REQUEST), and leaving the first request unanswered (as
 * if it had been lost): the stream completes only if the device asks for
 * credit when it runs out, and asks again when no answer comes. */
#include "vdrv.h"

struct hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

enum { OP_REQUEST = 1, OP_RESPONSE, OP_RST, OP_SHUTDOWN, OP_RW, OP_CREDIT_UPDATE, OP_CREDIT_REQUEST };

static struct vdev d;
static struct vqueue rxq, txq, evq;
static uint8_t rxbuf[16][4096];
static uint64_t cid;
static uint32_t fwd_cnt;
static uint32_t buf_alloc = 65536;

static uint64_t arg(const char *cmdline, const char *key)
{
	const char *p = strstr(cmdline, key);
	uint64_t v = 0;
	for (p = p ? p + strlen(key) : ""; *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (uint64_t)(*p - '0');
	return v;
}

static void post_rx(uint8_t *buf)
{
	vq_submit(&rxq, &(struct vbuf){buf, sizeof(rxbuf[0]), true}, 1);
}

static void send(uint32_t sport, uint32_t dport, uint16_t op, uint32_t flags, const void *data, uint32_t len)
{
	static struct hdr h;
	static uint8_t payload[1024];
	h = (struct hdr){cid, 2, sport, dport, len, 1, op, flags, buf_alloc, fwd_cnt};
	memcpy(payload, data, len);
	if (len)
		vq_submit(&txq, (struct vbuf[]){{&h, sizeof(h), false}, {payload, len, false}}, 2);
	else
		vq_submit(&txq, &(struct vbuf){&h, sizeof(h), false}, 1);
	vq_wait(&txq, NULL, 2000000);
}

/* The next packet from the device; its payload copied to out. */
static bool recv(struct hdr *h, char *out, uint32_t max)
{
	uint32_t len;
	uint16_t slot = rxq.last_used;
	if (!vq_wait(&rxq, &len, 20000000))
		return false;
	const volatile uint32_t *e = (const volatile uint32_t *)(rxq.used + 4 + 8 * (slot % rxq.size));
	uint8_t *buf = (uint8_t *)rxq.desc[e[0] % rxq.size].addr;
	memcpy(h, buf, sizeof(*h));
	uint32_t n = h->len < max - 1 ? h->len : max - 1;
	memcpy(out, buf + sizeof(*h), n);
	out[n] = 0;
	fwd_cnt += h->len;
	post_rx(buf);
	return true;
}

/* Server mode ("listen=P"): accept a connection the host opened with
 * "CONNECT P" on the base socket, answer one line with "pong: LINE". */
static void serve(uint32_t port)
{
	struct hdr h;
	char data[1024];
	bool ok = recv(&h, data, sizeof(data));
	check(ok && h.op == OP_REQUEST && h.src_cid == 2 && h.dst_cid == cid && h.dst_port == port,
	      "vsock connection request from the host", "op %u port %u", h.op, h.dst_port);
	uint32_t host_port = h.src_port;
	send(port, host_port, OP_RESPONSE, 0, NULL, 0);
	char got[256] = {0};
	size_t n = 0;
	for (unsigned tries = 0; tries < 16 && !strstr(got, "\n"); tries++) {
		if (!recv(&h, data, sizeof(data)))
			break;
		if (h.op == OP_RW && h.src_port == host_port && n + h.len < sizeof(got)) {
			memcpy(got + n, data, h.len);
			n += h.len;
		}
	}
	printf_serial("vsock server got: %s", got);
	check(n > 0, "vsock data from the host connection", NULL);
	char answer[300] = "pong: ";
	memcpy(answer + 6, got, n + 1);
	send(port, host_port, OP_RW, 0, answer, (uint32_t)strlen(answer));
}

static void serve_bulk(uint32_t port, uint64_t want)
{
	static char data[4097];
	struct hdr h;
	buf_alloc = 8192;
	bool ok = false;
	for (unsigned tries = 0; tries < 8 && !ok; tries++)
		ok = recv(&h, data, sizeof(data));
	check(ok && h.op == OP_REQUEST && h.dst_port == port, "vsock bulk: connection request", "op %u", h.op);
	uint32_t host_port = h.src_port;
	send(port, host_port, OP_RESPONSE, 0, NULL, 0);
	uint64_t got = 0;
	uint32_t fnv = 2166136261u;
	unsigned requests = 0, quiet = 0;
	while (got < want && quiet < 64) {
		if (!recv(&h, data, sizeof(data))) {
			quiet++; /* the device has nothing for us: it waits for credit */
			continue;
		}
		quiet = 0;
		if (h.op == OP_RW && h.src_port == host_port) {
			for (uint32_t i = 0; i < h.len; i++)
				fnv = (fnv ^ (uint8_t)data[i]) * 16777619u;
			got += h.len;
		} else if (h.op == OP_CREDIT_REQUEST && ++requests > 1) {
			send(port, host_port, OP_CREDIT_UPDATE, 0, NULL, 0);
		}
	}
	printf_serial("vsock bulk got %lu bytes fnv %x after %u credit requests\n", got, fnv, requests);
	check(got == want, "vsock bulk: every byte within the advertised credit", "%lu of %lu", got, want);
	send(port, host_port, OP_RW, 0, "done\n", 5);
}

void guest_main(struct boot_info *bi)
{
	uint32_t port = (uint32_t)arg(bi->cmdline, "port=");
	check(vdev_open(&d, 19, 0), "virtio-vsock found", NULL);
	vdev_init(&d, 0);
	vdev_queue(&d, &rxq, 0, 16, 0xffff);
	vdev_queue(&d, &txq, 1, 16, 0xffff);
	vdev_queue(&d, &evq, 2, 16, 0xffff);
	vdev_driver_ok(&d);
	cid = mmio_read32(d.device) | ((uint64_t)mmio_read32(d.device + 4) << 32);
	check(cid == arg(bi->cmdline, "cid="), "vsock guest CID", "%lu", cid);
	for (unsigned i = 0; i < 16; i++)
		post_rx(rxbuf[i]);
	if (strstr(bi->cmdline, "bulk=")) {
		puts_serial("vsock listening\n");
		serve_bulk((uint32_t)arg(bi->cmdline, "listen="), arg(bi->cmdline, "bulk="));
		return;
	}
	if (strstr(bi->cmdline, "listen=")) {
		puts_serial("vsock listening\n");
		serve((uint32_t)arg(bi->cmdline, "listen="));
		return;
	}
	struct hdr h;
	char data[1024];
	/* nobody listens on port+1: the host resets the connection */
	send(2000, port + 1, OP_REQUEST, 0, NULL, 0);
	bool ok = recv(&h, data, sizeof(data));
	check(ok && h.op == OP_RST && h.dst_port == 2000, "vsock connect to a closed port is reset", "op %u", h.op);
	send(1234, port, OP_REQUEST, 0, NULL, 0);
	ok = recv(&h, data, sizeof(data));
	check(ok && h.op == OP_RESPONSE && h.src_cid == 2 && h.src_port == port && h.dst_port == 1234 &&
		  h.buf_alloc > 0,
	      "vsock connected to the host", "op %u", h.op);
	const char *msg = "hello from the guest over vsock\n";
	send(1234, port, OP_RW, 0, msg, (uint32_t)strlen(msg));
	/* the host's answer may come in pieces, with credit updates between */
	char got[2048] = {0};
	size_t n = 0;
	for (unsigned tries = 0; tries < 16 && !strstr(got, "\n"); tries++) {
		if (!recv(&h, data, sizeof(data)))
			break;
		if (h.op == OP_RW && n + h.len < sizeof(got)) {
			memcpy(got + n, data, h.len);
			n += h.len;
		}
	}
	printf_serial("host says: %s", got);
	check(strstr(got, "reply=") != NULL, "vsock data from the host", NULL);
	send(1234, port, OP_SHUTDOWN, 3, NULL, 0);
	/* the host may have closed first (a SHUTDOWN from it); the RST answers ours */
	bool rst = false;
	for (unsigned tries = 0; tries < 4 && !rst; tries++)
		rst = recv(&h, data, sizeof(data)) && h.op == OP_RST;
	check(rst, "vsock shutdown acknowledged with RST", "last op %u", h.op);
}
