/* virtio/queue.c - the split virtqueue walker (virtio 1.2 section 2.7).
 * Everything it reads comes from a guest that may be hostile: each ring and
 * each descriptor's buffer is bounds-checked against guest RAM through
 * vm_memory_ptr(), descriptors are copied before use (the guest can rewrite
 * them concurrently), and a chain longer than the queue is a loop. */
#include <errno.h>
#include <string.h>

#include "virtio.h"

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static int walk_chain(const struct vm_memory *mem, const struct virtq *q, uint16_t head, struct virtq_elem *e)
{
	const struct virtq_desc *table = vm_memory_ptr(mem, q->desc, (uint64_t)q->size * sizeof(struct virtq_desc));
	if (!table)
		return -EINVAL;
	e->head = head;
	e->n_out = e->n_in = 0;
	uint16_t i = head;
	for (unsigned count = 0;; count++) {
		if (count == q->size || i >= q->size)
			return -EINVAL; /* a loop, or a next index past the table */
		struct virtq_desc d;
		memcpy(&d, &table[i], sizeof(d));
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return -EINVAL; /* VIRTIO_F_INDIRECT_DESC is not offered */
		void *p = d.len ? vm_memory_ptr(mem, d.addr, d.len) : NULL;
		if (d.len && !p)
			return -EINVAL;
		if (d.flags & VIRTQ_DESC_F_WRITE) {
			e->in[e->n_in++] = (struct iovec){ p, d.len };
		} else {
			if (e->n_in)
				return -EINVAL; /* 2.7.4.2: readable descriptors come first */
			e->out[e->n_out++] = (struct iovec){ p, d.len };
		}
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int virtq_pop(const struct vm_memory *mem, struct virtq *q, struct virtq_elem *e)
{
	if (!q->ready || !q->size)
		return 0;
	uint16_t *avail = vm_memory_ptr(mem, q->avail, 4 + 2ULL * q->size + 2);
	if (!avail)
		return -EINVAL;
	uint16_t idx = __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(idx - q->last_avail);
	if (pending == 0)
		return 0;
	if (pending > q->size)
		return -EINVAL; /* 2.7.6: the driver cannot be more than a ring ahead */
	uint16_t head = __atomic_load_n(&avail[2 + q->last_avail % q->size], __ATOMIC_RELAXED);
	int r = walk_chain(mem, q, head, e);
	if (r < 0)
		return r;
	q->last_avail++;
	return 1;
}

int virtq_push(const struct vm_memory *mem, struct virtq *q, uint16_t head, uint32_t len)
{
	uint8_t *used = vm_memory_ptr(mem, q->used, 4 + 8ULL * q->size + 2);
	uint16_t *avail = vm_memory_ptr(mem, q->avail, 4);
	if (!used || !avail)
		return -EINVAL;
	uint32_t elem[2] = { head, len };
	memcpy(used + 4 + 8 * (q->used_idx % q->size), elem, 8);
	q->used_idx++;
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
	/* 2.7.7: without VIRTIO_F_EVENT_IDX the driver may ask for no interrupt. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(__atomic_load_n(&avail[0], __ATOMIC_RELAXED) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

size_t iov_length(const struct iovec *iov, unsigned n)
{
	size_t len = 0;
	for (unsigned i = 0; i < n; i++)
		len += iov[i].iov_len;
	return len;
}

size_t iov_to_buf(const struct iovec *iov, unsigned n, size_t skip, void *buf, size_t len)
{
	size_t done = 0;
	for (unsigned i = 0; i < n && done < len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		size_t chunk = iov[i].iov_len - skip;
		if (chunk > len - done)
			chunk = len - done;
		memcpy((char *)buf + done, (char *)iov[i].iov_base + skip, chunk);
		done += chunk;
		skip = 0;
	}
	return done;
}

size_t iov_from_buf(const struct iovec *iov, unsigned n, size_t skip, const void *buf, size_t len)
{
	size_t done = 0;
	for (unsigned i = 0; i < n && done < len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		size_t chunk = iov[i].iov_len - skip;
		if (chunk > len - done)
			chunk = len - done;
		memcpy((char *)iov[i].iov_base + skip, (const char *)buf + done, chunk);
		done += chunk;
		skip = 0;
	}
	return done;
}
