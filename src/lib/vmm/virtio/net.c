/* virtio/net.c - the network device (virtio 1.2 section 5.1) on a host tap
 * interface. The tap speaks the same 12-byte virtio_net_hdr as the guest
 * (IFF_VNET_HDR, TUNSETVNETHDRSZ), so frames move between the rings and the
 * tap with one readv/writev and no copy in hull. Queue 0 receives, queue 1
 * transmits. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include "hull/fs.h"
#include "virtio.h"

#define VIRTIO_NET_F_MAC (1ULL << 5)
#define NET_HDR_LEN 12
#define RXQ 0
#define TXQ 1

struct net {
	struct vm_virtio_pci *vp;
	int tap;
	uint8_t mac[6];
	bool rx_watching;
};

static void rx_watch(struct net *n, bool on);

static void net_rx(void *opaque, uint32_t events)
{
	struct net *n = opaque;
	struct vm_virtio_pci *vp = n->vp;
	for (;;) {
		struct virtq *q = virtio_queue(vp, RXQ);
		struct virtq_elem e;
		int r = q ? virtio_pop(vp, RXQ, &e) : 0;
		if (r <= 0) {
			/* no buffer from the driver: wait for its notify */
			rx_watch(n, false);
			return;
		}
		ssize_t len = readv(n->tap, e.in, (int)e.n_in);
		if (len < 0) {
			q->last_avail--; /* give the buffer back; nothing was taken */
			return;
		}
		uint16_t num_buffers = 1;
		iov_from_buf(e.in, e.n_in, 10, &num_buffers, 2);
		virtio_used(vp, RXQ, e.head, (uint32_t)len);
	}
}

static void rx_watch(struct net *n, bool on)
{
	if (n->rx_watching == on)
		return;
	n->rx_watching = on;
	vm_io_mod(n->vp->vm, n->tap, on ? EPOLLIN : 0, net_rx, n);
}

static void net_notify(struct vm_virtio_pci *vp, unsigned queue)
{
	struct net *n = vp->priv;
	if (queue == RXQ) {
		rx_watch(n, true);
		return;
	}
	struct virtq_elem e;
	while (virtio_pop(vp, TXQ, &e) > 0) {
		/* a frame the tap cannot take now is dropped, as a NIC would */
		if (e.n_out && writev(n->tap, e.out, (int)e.n_out) < 0 && errno != EAGAIN)
			virtio_broken(vp);
		virtio_used(vp, TXQ, e.head, 0);
	}
}

static void net_driver_ok(struct vm_virtio_pci *vp)
{
	rx_watch(vp->priv, true);
}

static void net_reset(struct vm_virtio_pci *vp)
{
	struct net *n = vp->priv;
	if (n->vp)
		rx_watch(n, false);
}

static void net_config_read(struct vm_virtio_pci *vp, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct net *n = vp->priv;
	uint8_t cfg[8] = { 0 }; /* mac[6], status */
	memcpy(cfg, n->mac, 6);
	memcpy(data, cfg + offset, len);
}

static void net_free(void *priv)
{
	struct net *n = priv;
	close(n->tap);
	free(n);
}

static const struct virtio_device_ops net_ops = {
	.name = "net",
	.device_id = 1,
	.pci_class = 0x020000,
	.num_queues = 2,
	.config_len = 8,
	.config_read = net_config_read,
	.queue_notify = net_notify,
	.driver_ok = net_driver_ok,
	.reset = net_reset,
	.free = net_free,
};

static int open_tap(const char *name, struct hull_error **err)
{
	if (strlen(name) >= IFNAMSIZ)
		return hull_error_msg(err, EINVAL, "tap name `%s` is longer than %d bytes", name, IFNAMSIZ - 1);
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return hull_error_set(err, errno, "open `/dev/net/tun`");
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	memcpy(ifr.ifr_name, name, strlen(name));
	int hdr = NET_HDR_LEN;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(fd);
		return hull_error_set(err, e, "attach to tap `%s` (TUNSETIFF)", name);
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		int e = errno;
		close(fd);
		return hull_error_set(err, e, "tap `%s`: TUNSETVNETHDRSZ", name);
	}
	return fd;
}

int virtio_net_create(struct hull_vm *vm, const char *tap, const uint8_t mac[6], struct hull_error **err)
{
	int fd = open_tap(tap, err);
	if (fd < 0)
		return fd;
	struct net *n = hull_xcalloc(1, sizeof(*n));
	n->tap = fd;
	static const uint8_t none[6];
	if (mac && memcmp(mac, none, 6)) {
		memcpy(n->mac, mac, 6);
	} else {
		/* a locally administered unicast address, qemu's 52:54:00 prefix */
		n->mac[0] = 0x52;
		n->mac[1] = 0x54;
		if (getrandom(n->mac + 2, 4, 0) != 4)
			n->mac[5] = 1;
	}
	int r = virtio_pci_create(vm, &net_ops, VIRTIO_NET_F_MAC, n, err);
	if (r < 0) {
		net_free(n);
		return r;
	}
	n->vp = vm->virtio[vm->n_virtio - 1];
	r = vm_io_add(vm, fd, 0, net_rx, n, err);
	return r < 0 ? hull_error_wrap(err, r, "tap `%s`", tap) : 0;
}
