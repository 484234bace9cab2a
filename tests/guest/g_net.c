/* net: virtio-net through the host tap: send an ARP request for the host's
 * address ("host=A.B.C.D", from "self=A.B.C.D") and wait for the host
 * kernel's ARP reply to come back in through the receive queue. */
#include "vdrv.h"

static struct vdev d;
static struct vqueue rxq, txq;
static uint8_t rxbuf[8][2048];

static bool parse_ip(const char *cmdline, const char *key, uint8_t ip[4])
{
	const char *p = strstr(cmdline, key);
	if (!p)
		return false;
	p += strlen(key);
	for (int i = 0; i < 4; i++) {
		unsigned v = 0;
		while (*p >= '0' && *p <= '9')
			v = v * 10 + (unsigned)(*p++ - '0');
		ip[i] = (uint8_t)v;
		if (*p == '.')
			p++;
	}
	return true;
}

void guest_main(struct boot_info *bi)
{
	uint8_t self[4], host[4], mac[6];
	check(parse_ip(bi->cmdline, "self=", self) && parse_ip(bi->cmdline, "host=", host), "addresses on the command line",
	      NULL);
	check(vdev_open(&d, 1, 0), "virtio-net found", NULL);
	uint64_t f = vdev_init(&d, 1ULL << 5);
	check(f & (1ULL << 5), "virtio-net offers a MAC", NULL);
	for (int i = 0; i < 6; i++)
		mac[i] = mmio_read8(d.device + (uint64_t)i);
	printf_serial("mac %02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	vdev_queue(&d, &rxq, 0, 16, 0xffff);
	vdev_queue(&d, &txq, 1, 16, 0xffff);
	vdev_driver_ok(&d);
	for (int i = 0; i < 8; i++)
		vq_submit(&rxq, &(struct vbuf){ rxbuf[i], sizeof(rxbuf[i]), true }, 1);
	static uint8_t frame[12 + 60];
	uint8_t *eth = frame + 12; /* virtio_net_hdr (v1, 12 bytes) all zero: no offloads */
	memset(eth, 0xff, 6);
	memcpy(eth + 6, mac, 6);
	eth[12] = 0x08, eth[13] = 0x06;                                     /* ARP */
	static const uint8_t arp_head[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };      /* Ethernet/IPv4, request */
	memcpy(eth + 14, arp_head, 8);
	memcpy(eth + 22, mac, 6);
	memcpy(eth + 28, self, 4);
	memset(eth + 32, 0, 6);
	memcpy(eth + 38, host, 4);
	bool got = false;
	for (int attempt = 0; attempt < 5 && !got; attempt++) {
		vq_submit(&txq, &(struct vbuf){ frame, sizeof(frame), false }, 1);
		check(vq_wait(&txq, NULL, 2000000), "virtio-net frame sent", "attempt %d", attempt);
		uint32_t len;
		while (!got && vq_wait(&rxq, &len, 3000000)) {
			const volatile uint32_t *e = (const volatile uint32_t *)(rxq.used + 4 + 8 * ((rxq.last_used - 1) % rxq.size));
			uint8_t *buf = (uint8_t *)rxq.desc[e[0] % rxq.size].addr;
			uint8_t *r = buf + 12;
			got = len >= 12 + 42 && r[12] == 0x08 && r[13] == 0x06 && r[21] == 2 && !memcmp(r + 28, host, 4) &&
			      !memcmp(r + 32, mac, 6);
			if (got)
				printf_serial("ARP reply: %u.%u.%u.%u is at %02x:%02x:%02x:%02x:%02x:%02x (%u bytes)\n", r[28],
					      r[29], r[30], r[31], r[22], r[23], r[24], r[25], r[26], r[27], len - 12);
			vq_submit(&rxq, &(struct vbuf){ buf, sizeof(rxbuf[0]), true }, 1);
		}
	}
	check(got, "virtio-net ARP reply received from the host", NULL);
}
