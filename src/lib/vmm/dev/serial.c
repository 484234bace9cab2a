/* dev/serial.c - a 16550A UART (National Semiconductor PC16550D data sheet)
 * as the guest console: THR bytes go to the host's output fd, bytes read
 * from the input fd arrive in the receive FIFO. Interrupt on IRQ 4 when the
 * guest enables them (IER) and gates them with MCR OUT2, as on a PC.
 *
 * Output is buffered: a guest writes its console a byte per port exit, and
 * a write(2) for each would cost more than the exit itself. The buffer goes
 * out at each newline, when it is full, FLUSH_MS after its first byte
 * (a prompt without a newline; a timerfd served by the I/O thread), and when
 * the VM ends (vm_serial_free), whatever the reason. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hull/fs.h"
#include "../vm.h"

#define RX_FIFO 1024
#define TAIL 4096
#define OUT_BUF 4096
#define FLUSH_MS 10

#define UART_IER_RDI 0x01
#define UART_IER_THRI 0x02
#define UART_LCR_DLAB 0x80
#define UART_MCR_OUT2 0x08
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR 0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

struct vm_serial {
	struct hull_vm *vm;
	unsigned irq;
	int in_fd, out_fd;
	bool in_watched, in_eof;
	uint8_t ier, iir_fifo, lcr, mcr, msr, scr, dll, dlm;
	bool thr_pending;        /* a THR-empty interrupt is owed */
	bool irq_level;
	uint8_t rx[RX_FIFO];
	unsigned rx_head, rx_len;
	char out[OUT_BUF];       /* output not written yet */
	unsigned out_len;
	int timer_fd;            /* flushes a partial line; -1: every byte is written at once */
	bool timer_armed;
	char tail[TAIL];         /* ring of the last output, for crash reports */
	unsigned tail_pos;
	bool tail_wrapped;
};

static uint8_t iir(struct vm_serial *s)
{
	if ((s->ier & UART_IER_RDI) && s->rx_len)
		return 0x04 | s->iir_fifo;
	if ((s->ier & UART_IER_THRI) && s->thr_pending)
		return 0x02 | s->iir_fifo;
	return 0x01 | s->iir_fifo;
}

static void update_irq(struct vm_serial *s)
{
	bool level = !(iir(s) & 1) && (s->mcr & UART_MCR_OUT2);
	if (level != s->irq_level) {
		s->irq_level = level;
		vm_irq_line(s->vm, s->irq, level);
	}
}

static void input_cb(void *opaque, uint32_t events);

static void watch_input(struct vm_serial *s, bool on)
{
	if (s->in_fd < 0 || s->in_eof || s->in_watched == on)
		return;
	s->in_watched = on;
	vm_io_mod(s->vm, s->in_fd, on ? EPOLLIN : 0, input_cb, s);
}

static void rx_push(struct vm_serial *s, uint8_t b)
{
	if (s->rx_len == RX_FIFO)
		return;
	s->rx[(s->rx_head + s->rx_len++) % RX_FIFO] = b;
}

static void input_cb(void *opaque, uint32_t events)
{
	struct vm_serial *s = opaque;
	uint8_t buf[RX_FIFO];
	size_t room = RX_FIFO - s->rx_len;
	ssize_t n = room ? read(s->in_fd, buf, room) : 0;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 && room) {
		/* EOF or error: stop listening, keep the guest running. */
		s->in_eof = true;
		vm_io_del(s->vm, s->in_fd);
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		rx_push(s, buf[i]);
	if (s->rx_len == RX_FIFO)
		watch_input(s, false);
	update_irq(s);
}

static void flush(struct vm_serial *s)
{
	if (s->out_len && s->out_fd >= 0 && hull_write_all(s->out_fd, s->out, s->out_len) < 0)
		s->out_fd = -1; /* the reader went away; the guest keeps running */
	s->out_len = 0;
}

static void flush_timer(void *opaque, uint32_t events)
{
	struct vm_serial *s = opaque;
	uint64_t n;
	(void)events;
	if (read(s->timer_fd, &n, sizeof(n)) < 0 && errno == EAGAIN)
		return;
	s->timer_armed = false;
	flush(s);
}

static void output(struct vm_serial *s, uint8_t b)
{
	if (s->mcr & UART_MCR_LOOP) {
		rx_push(s, b);
		return;
	}
	if (s->out_fd >= 0)
		s->out[s->out_len++] = b;
	if (b == '\n' || s->out_len == OUT_BUF || s->timer_fd < 0) {
		flush(s);
	} else if (s->out_len && !s->timer_armed) {
		struct itimerspec t = {.it_value = {.tv_nsec = FLUSH_MS * 1000000L}};
		if (timerfd_settime(s->timer_fd, 0, &t, NULL) == 0)
			s->timer_armed = true;
		else
			flush(s);
	}
	s->tail[s->tail_pos++] = (char)b;
	if (s->tail_pos == TAIL) {
		s->tail_pos = 0;
		s->tail_wrapped = true;
	}
}

static uint8_t reg_read(struct vm_serial *s, unsigned reg)
{
	switch (reg) {
	case 0:
		if (s->lcr & UART_LCR_DLAB)
			return s->dll;
		if (!s->rx_len)
			return 0;
		uint8_t b = s->rx[s->rx_head];
		s->rx_head = (s->rx_head + 1) % RX_FIFO;
		s->rx_len--;
		watch_input(s, true);
		return b;
	case 1:
		return (s->lcr & UART_LCR_DLAB) ? s->dlm : s->ier;
	case 2: {
		uint8_t v = iir(s);
		if ((v & 0x0f) == 0x02)
			s->thr_pending = false; /* reading IIR clears a THRE interrupt */
		return v;
	}
	case 3:
		return s->lcr;
	case 4:
		return s->mcr;
	case 5:
		return UART_LSR_THRE | UART_LSR_TEMT | (s->rx_len ? UART_LSR_DR : 0);
	case 6:
		if (s->mcr & UART_MCR_LOOP) /* DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
			return (uint8_t)(((s->mcr & 0x0c) << 4) | ((s->mcr & 0x01) << 5) | ((s->mcr & 0x02) << 3));
		return s->msr;
	default:
		return s->scr;
	}
}

static void reg_write(struct vm_serial *s, unsigned reg, uint8_t v)
{
	switch (reg) {
	case 0:
		if (s->lcr & UART_LCR_DLAB) {
			s->dll = v;
			return;
		}
		output(s, v);
		s->thr_pending = true; /* the byte left at once: THR is empty again */
		break;
	case 1:
		if (s->lcr & UART_LCR_DLAB) {
			s->dlm = v;
			return;
		}
		if (!(s->ier & UART_IER_THRI) && (v & UART_IER_THRI))
			s->thr_pending = true;
		s->ier = v & 0x0f;
		break;
	case 2:
		s->iir_fifo = (v & 1) ? 0xc0 : 0;
		if (v & 2) {
			s->rx_len = 0;
			watch_input(s, true);
		}
		break;
	case 3:
		s->lcr = v;
		break;
	case 4:
		s->mcr = v & 0x1f;
		break;
	case 7:
		s->scr = v;
		break;
	default:
		break;
	}
	update_irq(s);
}

static void serial_io(void *opaque, uint64_t offset, uint8_t *data, uint32_t len, bool is_write)
{
	struct vm_serial *s = opaque;
	if (is_write)
		reg_write(s, (unsigned)offset, data[0]);
	else {
		memset(data, 0, len);
		data[0] = reg_read(s, (unsigned)offset);
		update_irq(s);
	}
}

int vm_serial_create(struct hull_vm *vm, uint16_t port, unsigned irq, int in_fd, int out_fd,
		     struct vm_serial **out, struct hull_error **err)
{
	struct vm_serial *s = hull_xcalloc(1, sizeof(*s));
	s->vm = vm;
	s->irq = irq;
	s->in_fd = in_fd;
	s->out_fd = out_fd;
	s->msr = 0xb0; /* DCD, DSR, CTS */
	s->mcr = UART_MCR_OUT2;
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	int r = vm_bus_add(&vm->pio, port, 8, serial_io, s, err);
	if (r == 0 && s->timer_fd >= 0 && vm_io_add(vm, s->timer_fd, EPOLLIN, flush_timer, s, NULL) < 0) {
		close(s->timer_fd);
		s->timer_fd = -1;
	}
	if (r == 0 && in_fd >= 0) {
		r = vm_io_add(vm, in_fd, EPOLLIN, input_cb, s, err);
		if (r == -EPERM) {
			/* A regular file or /dev/null cannot be polled: no input. */
			hull_error_release(err);
			s->in_fd = -1;
			r = 0;
		}
		s->in_watched = s->in_fd >= 0;
	}
	if (r < 0) {
		vm_serial_free(s);
		return r;
	}
	*out = s;
	return 0;
}

void vm_serial_free(struct vm_serial *s)
{
	if (!s)
		return;
	flush(s);
	if (s->timer_fd >= 0) {
		vm_io_del(s->vm, s->timer_fd);
		close(s->timer_fd);
	}
	free(s);
}

char *vm_serial_tail(struct vm_serial *s, unsigned lines)
{
	char buf[TAIL + 1];
	size_t n = 0;
	if (s->tail_wrapped) {
		memcpy(buf, s->tail + s->tail_pos, TAIL - s->tail_pos);
		n = TAIL - s->tail_pos;
	}
	memcpy(buf + n, s->tail, s->tail_pos);
	n += s->tail_pos;
	buf[n] = 0;
	/* Walk back over `lines` newlines (ignoring a trailing one). */
	size_t start = n;
	if (start && buf[start - 1] == '\n')
		start--;
	unsigned seen = 0;
	while (start > 0) {
		if (buf[start - 1] == '\n' && ++seen == lines)
			break;
		start--;
	}
	char *out = hull_xmalloc(n - start + 2);
	size_t o = 0;
	for (size_t i = start; i < n; i++)
		if (buf[i] != '\r')
			out[o++] = buf[i];
	if (o && out[o - 1] != '\n')
		out[o++] = '\n';
	out[o] = 0;
	return out;
}

void vm_serial_save(struct vm_serial *s, struct vm_serial_state *st)
{
	*st = (struct vm_serial_state){ s->ier, s->iir_fifo, s->lcr, s->mcr, s->msr, s->scr, s->dll, s->dlm,
					s->thr_pending, s->irq_level, s->rx_head, s->rx_len };
	memcpy(st->rx, s->rx, sizeof(st->rx));
}

void vm_serial_load(struct vm_serial *s, const struct vm_serial_state *st)
{
	s->ier = st->ier, s->iir_fifo = st->iir_fifo, s->lcr = st->lcr, s->mcr = st->mcr;
	s->msr = st->msr, s->scr = st->scr, s->dll = st->dll, s->dlm = st->dlm;
	s->thr_pending = st->thr_pending;
	s->rx_head = st->rx_head % RX_FIFO;
	s->rx_len = st->rx_len <= RX_FIFO ? st->rx_len : RX_FIFO;
	memcpy(s->rx, st->rx, sizeof(s->rx));
	s->irq_level = false;
	update_irq(s);
}
