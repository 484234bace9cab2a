/* crc32c.c - CRC-32C (Castagnoli, iSCSI RFC 3720 appendix B.4), the
 * checksum of snapshot files: the SSE4.2 crc32 instruction where the CPU
 * has it (several GB/s), a table otherwise. No library: hull-vm links
 * nothing but libc, and loading libcrypto would cost milliseconds of a
 * restore that must take few. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vm.h"

#define POLY 0x82f63b78u /* reflected Castagnoli polynomial */

static uint32_t crc_table(uint32_t crc, const uint8_t *p, size_t n)
{
	static uint32_t table[256];
	static int ready;
	if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;
			for (int k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
			table[i] = c; /* two threads compute the same values */
		}
		__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	}
	while (n--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc_sse42(uint32_t crc, const uint8_t *p, size_t n)
{
	uint64_t c = crc;
	for (; n >= 8; n -= 8, p += 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	uint32_t c32 = (uint32_t)c;
	for (; n; n--)
		c32 = __builtin_ia32_crc32qi(c32, *p++);
	return c32;
}
#endif

uint32_t vm_crc32c(uint32_t crc, const void *data, size_t len)
{
	crc = ~crc;
#if defined(__x86_64__)
	if (__builtin_cpu_supports("sse4.2"))
		return ~crc_sse42(crc, data, len);
#endif
	return ~crc_table(crc, data, len);
}
