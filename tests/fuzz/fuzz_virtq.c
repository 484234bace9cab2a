/* fuzz_virtq.c - fuzz target for the split virtqueue walker (virtq_pop and
 * virtq_push): any ring layout and descriptor content a guest can write.
 * Input: a 16-byte header (queue size, last_avail, ring offsets that may
 * point anywhere, even outside guest memory), then guest memory contents.
 * Every iovec the walker returns must lie inside guest memory; the walker
 * must never read or write outside it (ASan checks that under clang).
 * Built with -fsanitize=fuzzer under clang (HULL_LIBFUZZER), or with the
 * main() below, which replays files given as arguments and then 20000
 * generated rings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio.h"

#define MEM_SIZE 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_iov(const struct vm_memory *mem, const struct iovec *iov, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (!iov[i].iov_len)
			continue;
		const uint8_t *p = iov[i].iov_base;
		if (p < mem->host || p + iov[i].iov_len > mem->host + mem->size || p + iov[i].iov_len < p)
			abort();
		/* touch the whole buffer, as a device would */
		volatile uint8_t sink = 0;
		for (size_t k = 0; k < iov[i].iov_len; k += 64)
			sink ^= p[k];
		(void)sink;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 16)
		return 0;
	static struct virtq_elem e;
	uint8_t *host = calloc(1, MEM_SIZE);
	struct vm_memory mem = { .host = host, .size = MEM_SIZE, .low_size = MEM_SIZE };
	memcpy(host, data + 16, size - 16 < MEM_SIZE ? size - 16 : MEM_SIZE);
	struct virtq q = {
		.size = (uint16_t)(1u << (data[0] % 9)),
		.ready = true,
		.last_avail = (uint16_t)(data[1] | data[2] << 8),
		.used_idx = data[3],
	};
	uint32_t off[3];
	memcpy(off, data + 4, 12);
	/* mostly inside memory, sometimes anywhere in the 32-bit space */
	q.desc = (data[0] & 0x80) ? off[0] : off[0] % MEM_SIZE;
	q.avail = (data[1] & 0x80) ? off[1] : off[1] % MEM_SIZE;
	q.used = (data[2] & 0x80) ? off[2] : off[2] % MEM_SIZE;
	for (int i = 0; i < 64; i++) {
		int r = virtq_pop(&mem, &q, &e);
		if (r <= 0)
			break;
		if (e.n_out + e.n_in > q.size)
			abort();
		check_iov(&mem, e.out, e.n_out);
		check_iov(&mem, e.in, e.n_in);
		if (e.n_in)
			memset(e.in[0].iov_base, 0xab, e.in[0].iov_len);
		virtq_push(&mem, &q, e.head, (uint32_t)iov_length(e.in, e.n_in));
	}
	free(host);
	return 0;
}

#ifndef HULL_LIBFUZZER
static uint64_t state = 0x2545f4914f6cdd1dULL;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

/* A ring that is mostly well-formed: chains through a real descriptor
 * table with random flags, lengths, addresses and next links. */
static size_t generate(uint8_t *buf)
{
	size_t size = 16 + 4096;
	uint16_t qsize = 16;
	buf[0] = 4 | (uint8_t)(rnd() % 16 == 0 ? 0x80 : 0);
	buf[1] = 0, buf[2] = 0, buf[3] = 0;
	uint32_t off[3] = { 0, 1024, 2048 };
	memcpy(buf + 4, off, 12);
	uint8_t *mem = buf + 16;
	memset(mem, 0, 4096);
	for (unsigned i = 0; i < qsize; i++) {
		uint64_t addr = rnd() % 8 == 0 ? rnd() : 3072 + rnd() % 1024;
		uint32_t len = rnd() % 8 == 0 ? (uint32_t)rnd() : (uint32_t)(rnd() % 1024);
		uint16_t flags = (uint16_t)(rnd() % 8), next = (uint16_t)(rnd() % 8 == 0 ? rnd() : rnd() % qsize);
		memcpy(mem + 16 * i, &addr, 8);
		memcpy(mem + 16 * i + 8, &len, 4);
		memcpy(mem + 16 * i + 12, &flags, 2);
		memcpy(mem + 16 * i + 14, &next, 2);
	}
	uint16_t idx = (uint16_t)(rnd() % 8 == 0 ? rnd() : rnd() % (qsize + 1));
	memcpy(mem + 1024 + 2, &idx, 2);
	for (unsigned i = 0; i < qsize; i++) {
		uint16_t head = (uint16_t)(rnd() % 16 == 0 ? rnd() : rnd() % qsize);
		memcpy(mem + 1024 + 4 + 2 * i, &head, 2);
	}
	return size;
}

int main(int argc, char **argv)
{
	unsigned n = 0;
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rbe");
		if (!f) {
			perror(argv[i]);
			return 1;
		}
		static uint8_t buf[16 + MEM_SIZE];
		size_t len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		n++;
	}
	static uint8_t gen[16 + 4096];
	for (int i = 0; i < 20000; i++, n++)
		LLVMFuzzerTestOneInput(gen, generate(gen));
	printf("%u inputs ok\n", n);
	return 0;
}
#endif
