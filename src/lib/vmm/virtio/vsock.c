/* virtio/vsock.c - the socket device (virtio 1.2 section 5.10) in user
 * space, with Firecracker's host side: a guest stream connection to CID 2
 * port P becomes a connection to the host unix socket "<path>_P", and a host
 * program connecting to the unix socket "<path>" and writing "CONNECT P\n"
 * reaches the guest's listener on port P (answered "OK <host port>\n"). Queue 0
 * carries packets to the guest, queue 1 from it, queue 2 events. Flow
 * control follows 5.10.6.3: we advertise buf_alloc/fwd_cnt and never send
 * the guest more than its credit. Host sockets are non-blocking: what the
 * guest sends while its host peer is not reading waits in the connection's
 * buffer (at most BUF_ALLOC, the credit we advertise), so a stalled peer
 * slows only its own stream, never a vCPU or the I/O thread.
 *
 * The other way, host bytes go to the guest only within the credit it
 * advertised. A connection out of credit stops reading its host socket and
 * asks the guest for a CREDIT_UPDATE (OP_CREDIT_REQUEST, as Firecracker
 * does) instead of only waiting for the update Linux sends on its own once
 * its reader has drained most of the window; should neither answer nor
 * update come (a packet or an interrupt lost on the way), it asks again
 * every CREDIT_RETRY_MS, so a host-to-guest stream can slow down but never
 * stall for good. Any packet from the guest carries its credit and lets the
 * connection read its socket again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "virtio.h"

#define RXQ 0
#define TXQ 1
#define HOST_CID 2
#define TYPE_STREAM 1
#define OP_REQUEST 1
#define OP_RESPONSE 2
#define OP_RST 3
#define OP_SHUTDOWN 4
#define OP_RW 5
#define OP_CREDIT_UPDATE 6
#define OP_CREDIT_REQUEST 7
#define SHUTDOWN_RCV 1
#define SHUTDOWN_SEND 2
#define BUF_ALLOC (256 * 1024)
#define MAX_CONNS 64
#define MAX_PENDING 128
/* Tell the guest its credit grew once this much went to the host socket
 * since the last packet it saw (virtio 1.2 5.10.6.3). */
#define CREDIT_UPDATE_AFTER (BUF_ALLOC / 4)
/* How long a connection out of credit waits for the guest before asking again. */
#define CREDIT_RETRY_MS 1000

struct vsock_hdr {
	uint64_t src_cid, dst_cid;
	uint32_t src_port, dst_port, len;
	uint16_t type, op;
	uint32_t flags, buf_alloc, fwd_cnt;
} __attribute__((packed));

enum conn_state {
	CONN_ESTABLISHED,
	CONN_HOST_HANDSHAKE,  /* host side connected, its "CONNECT P" line not read yet */
	CONN_HOST_CONNECTING, /* REQUEST sent to the guest, waiting for RESPONSE */
};

struct conn {
	bool used;
	enum conn_state state;
	char line[32]; /* the CONNECT line so far */
	unsigned line_len;
	int fd;
	uint32_t guest_port, host_port;
	uint32_t peer_buf_alloc, peer_fwd_cnt; /* the guest's credit */
	uint32_t tx_cnt;		       /* bytes we sent the guest */
	uint32_t fwd_cnt;		       /* bytes we passed to the host socket */
	uint32_t fwd_cnt_told;		       /* fwd_cnt the guest last saw */
	bool watching;			       /* want EPOLLIN: host -> guest may flow */
	uint8_t *tx;			       /* guest -> host bytes the socket did not take yet */
	uint32_t tx_head, tx_len;	       /* ring of BUF_ALLOC bytes */
	bool shut_wr_pending, close_pending;   /* the guest's SHUTDOWN, done once tx is written */
	bool out_armed;			       /* EPOLLOUT is asked for */
	bool credit_wait;		       /* out of credit with host bytes to send: CREDIT_REQUEST sent */
	bool heard;			       /* a packet from the guest since that request */
	struct vsock *vs;
};

struct vsock {
	struct vm_virtio_pci *vp;
	uint64_t cid;
	char *path;
	struct stat bound; /* the socket file at path, once listening */
	struct conn conns[MAX_CONNS];
	struct vsock_hdr pending[MAX_PENDING]; /* control packets waiting for rx buffers */
	unsigned n_pending;
	bool rx_starved;    /* waiting for the driver to add rx buffers */
	uint8_t buf[65536]; /* bounce buffer between rings and sockets */
	int listen_fd;	    /* host-initiated connections arrive here */
	int retry_fd;	    /* timerfd: asks again for the credit of connections still waiting */
	bool retry_armed;
	uint32_t next_host_port;
};

static void conn_readable(void *opaque, uint32_t events);
static void conn_event(void *opaque, uint32_t events);

static struct conn *find(struct vsock *vs, uint32_t guest_port, uint32_t host_port)
{
	for (unsigned i = 0; i < MAX_CONNS; i++)
		if (vs->conns[i].used && vs->conns[i].guest_port == guest_port && vs->conns[i].host_port == host_port)
			return &vs->conns[i];
	return NULL;
}

static struct vsock_hdr reply(struct vsock *vs, struct conn *c, uint32_t guest_port, uint32_t host_port, uint16_t op)
{
	if (c)
		c->fwd_cnt_told = c->fwd_cnt;
	return (struct vsock_hdr){.src_cid = HOST_CID,
				  .dst_cid = vs->cid,
				  .src_port = host_port,
				  .dst_port = guest_port,
				  .type = TYPE_STREAM,
				  .op = op,
				  .buf_alloc = BUF_ALLOC,
				  .fwd_cnt = c ? c->fwd_cnt : 0};
}

/* Deliver one packet (header + payload from the socket when c and room) to the guest. */
static bool deliver(struct vsock *vs, const struct vsock_hdr *h)
{
	struct virtq_elem e;
	int r = virtio_pop(vs->vp, RXQ, &e);
	if (r <= 0) {
		vs->rx_starved = r == 0;
		return false;
	}
	if (iov_from_buf(e.in, e.n_in, 0, h, sizeof(*h)) != sizeof(*h)) {
		virtio_broken(vs->vp);
		return false;
	}
	virtio_used(vs->vp, RXQ, e.head, sizeof(*h));
	return true;
}

static void send_ctrl(struct vsock *vs, struct vsock_hdr h)
{
	if (vs->n_pending == 0 && deliver(vs, &h))
		return;
	/* a newer credit update (or request) replaces a waiting one: the
	 * guest needs only the latest counters, and the queue stays short */
	for (unsigned i = 0; i < vs->n_pending; i++) {
		struct vsock_hdr *p = &vs->pending[i];
		if (p->op == h.op && (h.op == OP_CREDIT_UPDATE || h.op == OP_CREDIT_REQUEST) &&
		    p->src_port == h.src_port && p->dst_port == h.dst_port) {
			*p = h;
			return;
		}
	}
	if (vs->n_pending < MAX_PENDING)
		vs->pending[vs->n_pending++] = h;
}

static void flush_pending(struct vsock *vs)
{
	unsigned i = 0;
	while (i < vs->n_pending && deliver(vs, &vs->pending[i]))
		i++;
	memmove(vs->pending, vs->pending + i, (vs->n_pending - i) * sizeof(vs->pending[0]));
	vs->n_pending -= i;
}

static void conn_set_events(struct conn *c)
{
	c->out_armed = c->tx_len != 0;
	uint32_t ev = (c->watching ? EPOLLIN : 0) | (c->out_armed ? EPOLLOUT : 0);
	vm_io_mod(c->vs->vp->vm, c->fd, ev, conn_event, c);
}

static void conn_watch(struct conn *c, bool on)
{
	if (c->watching == on)
		return;
	c->watching = on;
	conn_set_events(c);
}

static void conn_close(struct vsock *vs, struct conn *c)
{
	vm_io_del(vs->vp->vm, c->fd);
	close(c->fd);
	free(c->tx);
	memset(c, 0, sizeof(*c));
}

/* Write what the connection holds for the host socket, as far as it takes
 * it; wait for EPOLLOUT for the rest. Tells the guest about the room made. */
static void conn_flush(struct vsock *vs, struct conn *c)
{
	while (c->tx_len) {
		uint32_t chunk = BUF_ALLOC - c->tx_head < c->tx_len ? BUF_ALLOC - c->tx_head : c->tx_len;
		ssize_t n = send(c->fd, c->tx + c->tx_head, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0) {
			/* the host end is gone: what it did not take is lost, as on a socket */
			c->fwd_cnt += c->tx_len;
			c->tx_len = 0;
			break;
		}
		c->tx_head = (c->tx_head + (uint32_t)n) % BUF_ALLOC;
		c->tx_len -= (uint32_t)n;
		c->fwd_cnt += (uint32_t)n;
	}
	if (c->tx_len == 0 && c->close_pending) {
		send_ctrl(vs, reply(vs, c, c->guest_port, c->host_port, OP_RST));
		conn_close(vs, c);
		return;
	}
	if (c->tx_len == 0 && c->shut_wr_pending) {
		shutdown(c->fd, SHUT_WR);
		c->shut_wr_pending = false;
	}
	if (c->out_armed != (c->tx_len != 0))
		conn_set_events(c);
	if (c->fwd_cnt - c->fwd_cnt_told >= CREDIT_UPDATE_AFTER)
		send_ctrl(vs, reply(vs, c, c->guest_port, c->host_port, OP_CREDIT_UPDATE));
}

static void conn_event(void *opaque, uint32_t events)
{
	struct conn *c = opaque;
	if (c->tx_len && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		conn_flush(c->vs, c);
	if (c->used && c->watching && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		conn_readable(c, events);
	/* epoll reports a hang-up whatever it was asked for: a socket with
	 * nothing to do is watched edge-triggered until conn_set_events wants it again */
	if (c->used && !c->watching && !c->tx_len && (events & (EPOLLHUP | EPOLLERR))) {
		vm_io_mod(c->vs->vp->vm, c->fd, EPOLLET, conn_event, c);
	}
}

static uint32_t credit(const struct conn *c)
{
	return c->peer_buf_alloc - (c->tx_cnt - c->peer_fwd_cnt);
}

static void retry_arm(struct vsock *vs)
{
	if (vs->retry_armed || vs->retry_fd < 0)
		return;
	struct itimerspec t = {
	    .it_value = {.tv_sec = CREDIT_RETRY_MS / 1000, .tv_nsec = CREDIT_RETRY_MS % 1000 * 1000000L}};
	vs->retry_armed = timerfd_settime(vs->retry_fd, 0, &t, NULL) == 0;
}

/* The connection has host bytes for the guest and no credit: ask for it
 * (virtio 1.2 5.10.6.3) and stop reading until the guest says something. */
static void ask_credit(struct vsock *vs, struct conn *c)
{
	c->credit_wait = true;
	c->heard = false;
	send_ctrl(vs, reply(vs, c, c->guest_port, c->host_port, OP_CREDIT_REQUEST));
	retry_arm(vs);
}

/* Every CREDIT_RETRY_MS while a connection waits: ask those the guest has
 * said nothing to since the last request (their request or its answer may
 * have been lost); those it answered without credit wait for its update. */
static void credit_retry(void *opaque, uint32_t events)
{
	struct vsock *vs = opaque;
	uint64_t n;
	(void)events;
	if (read(vs->retry_fd, &n, sizeof(n)) < 0 && errno == EAGAIN)
		return;
	vs->retry_armed = false;
	for (unsigned i = 0; i < MAX_CONNS; i++) {
		struct conn *c = &vs->conns[i];
		if (!c->used || !c->credit_wait || credit(c) > 0)
			continue;
		if (!c->heard)
			ask_credit(vs, c);
		else
			retry_arm(vs);
		c->heard = false;
	}
}

/* Host socket -> guest: as much as the guest's credit and one rx buffer allow. */
static void conn_readable(void *opaque, uint32_t events)
{
	struct conn *c = opaque;
	struct vsock *vs = c->vs;
	if (c->state != CONN_ESTABLISHED)
		return;
	for (;;) {
		if (!c->used)
			return;
		if (credit(c) == 0) {
			/* we are here on EPOLLIN: the socket holds bytes (or its end) for the guest */
			conn_watch(c, false);
			if (!c->credit_wait)
				ask_credit(vs, c);
			return;
		}
		if (vs->n_pending) {
			flush_pending(vs);
			if (vs->n_pending)
				break;
		}
		struct virtq_elem e;
		int r = virtio_pop(vs->vp, RXQ, &e);
		if (r <= 0) {
			vs->rx_starved = r == 0;
			break;
		}
		size_t room = iov_length(e.in, e.n_in);
		if (room <= sizeof(struct vsock_hdr)) {
			virtio_broken(vs->vp);
			return;
		}
		size_t want = room - sizeof(struct vsock_hdr);
		if (want > credit(c))
			want = credit(c);
		if (want > 65536)
			want = 65536;
		uint8_t *buf = vs->buf;
		ssize_t n = recv(c->fd, buf, want, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			vs->vp->queues[RXQ].last_avail--; /* the buffer goes back unused */
			return;
		}
		struct vsock_hdr h = reply(vs, c, c->guest_port, c->host_port, n > 0 ? OP_RW : OP_SHUTDOWN);
		if (n > 0) {
			h.len = (uint32_t)n;
			c->tx_cnt += (uint32_t)n;
			iov_from_buf(e.in, e.n_in, sizeof(h), buf, (size_t)n);
		} else {
			h.flags = SHUTDOWN_RCV | SHUTDOWN_SEND; /* the host end closed */
		}
		iov_from_buf(e.in, e.n_in, 0, &h, sizeof(h));
		virtio_used(vs->vp, RXQ, e.head, (uint32_t)(sizeof(h) + (n > 0 ? (size_t)n : 0)));
		if (n <= 0) {
			conn_watch(c, false);
			return;
		}
	}
	/* no rx buffers: wait for the driver's notify (vsock_notify watches every connection again) */
	conn_watch(c, false);
}

static struct conn *free_conn(struct vsock *vs)
{
	for (unsigned i = 0; i < MAX_CONNS; i++)
		if (!vs->conns[i].used)
			return &vs->conns[i];
	return NULL;
}

/* Host side: read "CONNECT <port>\n" a byte at a time (what follows is data
 * for the guest and stays in the socket), then ask the guest. */
static void conn_handshake(void *opaque, uint32_t events)
{
	struct conn *c = opaque;
	struct vsock *vs = c->vs;
	char ch;
	ssize_t n = recv(c->fd, &ch, 1, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || c->line_len + 1 >= sizeof(c->line)) {
		conn_close(vs, c);
		return;
	}
	if (ch != '\n') {
		c->line[c->line_len++] = ch;
		return;
	}
	c->line[c->line_len] = 0;
	unsigned port;
	char extra;
	if (sscanf(c->line, "CONNECT %u%c", &port, &extra) != 1) {
		hull_write_all(c->fd, "error: expected \"CONNECT <port>\"\n", 34);
		conn_close(vs, c);
		return;
	}
	c->guest_port = port;
	c->host_port = vs->next_host_port++;
	c->state = CONN_HOST_CONNECTING;
	c->watching = false;
	vm_io_mod(vs->vp->vm, c->fd, 0, conn_event, c);
	struct vsock_hdr h = reply(vs, c, c->guest_port, c->host_port, OP_REQUEST);
	send_ctrl(vs, h);
}

static void host_accept(void *opaque, uint32_t events)
{
	struct vsock *vs = opaque;
	int fd = accept4(vs->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	struct conn *c = free_conn(vs);
	struct hull_error *err = NULL;
	if (!c || !(vs->vp->status & VIRTIO_STATUS_DRIVER_OK) ||
	    vm_io_add(vs->vp->vm, fd, EPOLLIN, conn_handshake, c, &err) < 0) {
		hull_error_free(err);
		close(fd);
		return;
	}
	*c = (struct conn){.used = true,
			   .state = CONN_HOST_HANDSHAKE,
			   .fd = fd,
			   .vs = vs,
			   .watching = true,
			   .tx = hull_xcalloc(1, BUF_ALLOC)};
}

static int host_listen(struct vsock *vs, struct hull_error **err)
{
	int fd = vm_unix_listen(vs->path, &vs->bound, err);
	if (fd < 0)
		return hull_error_wrap(err, fd, "vsock");
	vs->listen_fd = fd; /* from here on the path is ours, and vsock_free removes it */
	return vm_io_add(vs->vp->vm, vs->listen_fd, EPOLLIN, host_accept, vs, err);
}

static void handle_request(struct vsock *vs, const struct vsock_hdr *h)
{
	struct conn *c = NULL;
	for (unsigned i = 0; i < MAX_CONNS && !c; i++)
		if (!vs->conns[i].used)
			c = &vs->conns[i];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = -1;
	if (c && h->dst_cid == HOST_CID &&
	    (size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s_%u", vs->path, h->dst_port) < sizeof(sa.sun_path)) {
		/* a non-blocking connect to a unix socket completes at once or fails */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			fd = -1;
		}
	}
	struct hull_error *err = NULL;
	if (fd < 0 || vm_io_add(vs->vp->vm, fd, 0, conn_event, c, &err) < 0) {
		hull_error_free(err);
		if (fd >= 0)
			close(fd);
		send_ctrl(vs, reply(vs, NULL, h->src_port, h->dst_port, OP_RST));
		return;
	}
	*c = (struct conn){.used = true,
			   .fd = fd,
			   .guest_port = h->src_port,
			   .host_port = h->dst_port,
			   .peer_buf_alloc = h->buf_alloc,
			   .peer_fwd_cnt = h->fwd_cnt,
			   .vs = vs,
			   .tx = hull_xcalloc(1, BUF_ALLOC)};
	send_ctrl(vs, reply(vs, c, c->guest_port, c->host_port, OP_RESPONSE));
	conn_watch(c, true);
}

/* The guest answered a host-initiated REQUEST: tell the host program "OK <port>". */
static void host_connect_answer(struct vsock *vs, struct conn *c, const struct vsock_hdr *h)
{
	if (h->op != OP_RESPONSE) {
		conn_close(vs, c); /* the guest refused (RST) or answered nonsense */
		return;
	}
	char ok[32];
	int n = snprintf(ok, sizeof(ok), "OK %u\n", c->host_port);
	c->state = CONN_ESTABLISHED;
	if (hull_write_all(c->fd, ok, (size_t)n) < 0) {
		send_ctrl(vs, reply(vs, c, c->guest_port, c->host_port, OP_RST));
		conn_close(vs, c);
		return;
	}
	c->watching = false;
	conn_watch(c, true);
}

/* OP_RW from the guest: its payload goes to the connection's buffer and on
 * to the host socket. Returns false when the guest sent past its credit. */
static bool forward_to_host(struct vsock *vs, struct conn *c, const struct vsock_hdr *h, struct virtq_elem *e)
{
	size_t len = h->len, avail = iov_length(e->out, e->n_out) - sizeof(*h);
	if (len > avail)
		len = avail;
	if (len > BUF_ALLOC - c->tx_len)
		return false;
	for (size_t done = 0; done < len;) {
		uint32_t tail = (c->tx_head + c->tx_len) % BUF_ALLOC;
		size_t room = BUF_ALLOC - tail < len - done ? BUF_ALLOC - tail : len - done;
		iov_to_buf(e->out, e->n_out, sizeof(*h) + done, c->tx + tail, room);
		c->tx_len += (uint32_t)room;
		done += room;
	}
	conn_flush(vs, c);
	return true;
}

static void handle_packet(struct vsock *vs, const struct vsock_hdr *h, struct virtq_elem *e)
{
	if (h->type != TYPE_STREAM || h->src_cid != vs->cid) {
		send_ctrl(vs, reply(vs, NULL, h->src_port, h->dst_port, OP_RST));
		return;
	}
	if (h->op == OP_REQUEST) {
		handle_request(vs, h);
		return;
	}
	struct conn *c = find(vs, h->src_port, h->dst_port);
	if (!c) {
		if (h->op != OP_RST)
			send_ctrl(vs, reply(vs, NULL, h->src_port, h->dst_port, OP_RST));
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;
	c->heard = true;
	if (credit(c) > 0)
		c->credit_wait = false;
	if (c->state == CONN_HOST_CONNECTING) {
		host_connect_answer(vs, c, h);
		return;
	}
	switch (h->op) {
	case OP_RW:
		if (!forward_to_host(vs, c, h, e)) {
			send_ctrl(vs, reply(vs, c, c->guest_port, c->host_port, OP_RST));
			conn_close(vs, c);
			return;
		}
		break;
	case OP_CREDIT_REQUEST:
		send_ctrl(vs, reply(vs, c, c->guest_port, c->host_port, OP_CREDIT_UPDATE));
		break;
	case OP_SHUTDOWN:
		if ((h->flags & (SHUTDOWN_RCV | SHUTDOWN_SEND)) == (SHUTDOWN_RCV | SHUTDOWN_SEND)) {
			c->close_pending = true;
			conn_flush(vs, c); /* closes it once the buffered bytes are written */
			return;
		}
		if (h->flags & SHUTDOWN_SEND) {
			c->shut_wr_pending = true;
			conn_flush(vs, c);
		} else {
			shutdown(c->fd, SHUT_RD);
		}
		break;
	case OP_RST:
		conn_close(vs, c);
		return;
	default:
		break;
	}
	if (!c->used)
		return; /* a hostile guest's RW after its close */
	if (credit(c) > 0)
		conn_watch(c, true); /* any packet may bring credit: read the host socket again */
}

static void vsock_notify(struct vm_virtio_pci *vp, unsigned queue)
{
	struct vsock *vs = vp->priv;
	if (queue == RXQ) {
		vs->rx_starved = false;
		flush_pending(vs);
		for (unsigned i = 0; i < MAX_CONNS; i++)
			if (vs->conns[i].used)
				conn_watch(&vs->conns[i], true);
		return;
	}
	if (queue != TXQ)
		return; /* the event queue only carries device->driver events */
	struct virtq_elem e;
	while (virtio_pop(vp, TXQ, &e) > 0) {
		struct vsock_hdr h;
		if (iov_to_buf(e.out, e.n_out, 0, &h, sizeof(h)) != sizeof(h)) {
			virtio_broken(vp);
			return;
		}
		handle_packet(vs, &h, &e);
		virtio_used(vp, TXQ, e.head, 0);
	}
}

static void vsock_config_read(struct vm_virtio_pci *vp, uint32_t offset, uint8_t *data, uint32_t len)
{
	struct vsock *vs = vp->priv;
	memcpy(data, (uint8_t *)&vs->cid + offset, len);
}

static void vsock_reset(struct vm_virtio_pci *vp)
{
	struct vsock *vs = vp->priv;
	if (!vs->vp)
		return;
	for (unsigned i = 0; i < MAX_CONNS; i++)
		if (vs->conns[i].used)
			conn_close(vs, &vs->conns[i]);
	vs->n_pending = 0;
}

static void vsock_free(void *priv)
{
	struct vsock *vs = priv;
	if (vs->listen_fd > 0) {
		close(vs->listen_fd);
		vm_unix_unlink(vs->path, &vs->bound);
	}
	if (vs->retry_fd >= 0)
		close(vs->retry_fd);
	for (unsigned i = 0; i < MAX_CONNS; i++) {
		if (vs->conns[i].used)
			close(vs->conns[i].fd);
		free(vs->conns[i].tx);
	}
	free(vs->path);
	free(vs);
}

static const struct virtio_device_ops vsock_ops = {
    .name = "vsock",
    .device_id = 19,
    .pci_class = 0x078000,
    .num_queues = 3,
    .config_len = 8,
    .config_read = vsock_config_read,
    .queue_notify = vsock_notify,
    .reset = vsock_reset,
    .free = vsock_free,
};

int virtio_vsock_create(struct hull_vm *vm, uint32_t cid, const char *path, struct hull_error **err)
{
	if (cid < 3 || cid == 0xffffffffu)
		return hull_error_msg(err, EINVAL, "vsock CID %u is reserved: give 3 or more", cid);
	if (!path || strlen(path) + 12 > sizeof(((struct sockaddr_un *)0)->sun_path))
		return hull_error_msg(err, EINVAL, "vsock path `%s` is too long for a unix socket", path ? path : "");
	struct vsock *vs = hull_xcalloc(1, sizeof(*vs));
	vs->cid = cid;
	vs->path = hull_xstrdup(path);
	vs->retry_fd = -1;
	int r = virtio_pci_create(vm, &vsock_ops, 0, vs, err);
	if (r < 0) {
		vsock_free(vs);
		return r;
	}
	vs->vp = vm->virtio[vm->n_virtio - 1];
	vs->next_host_port = 1u << 30;
	vs->retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (vs->retry_fd < 0)
		return hull_error_set(err, errno, "vsock: timerfd_create");
	if ((r = vm_io_add(vm, vs->retry_fd, EPOLLIN, credit_retry, vs, err)) < 0)
		return hull_error_wrap(err, r, "vsock");
	return host_listen(vs, err);
}
