/* fuzz_boot.c - fuzz target for the kernel loaders (x86/boot.c): whatever a
 * user hands to --kernel, bzImage setup headers and ELF program headers and
 * PVH notes included, must load within guest memory or be refused with an
 * error; never a crash or a write outside guest RAM (ASan under clang).
 * The input is the kernel file (through a memfd). Built with
 * -fsanitize=fuzzer under clang (HULL_LIBFUZZER), or with the main() below,
 * which loads each file given and then 3000 mutations of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("kernel", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct hull_vm_config cfg = { .cpus = 2, .memory = 64ULL << 20, .console_in = -1, .console_out = -1 };
	cfg.kernel = path;
	cfg.cmdline = "console=ttyS0";
	struct hull_vm *vm = calloc(1, sizeof(*vm));
	vm->cfg = &cfg;
	vm->ncpus = 2;
	if (vm_memory_init(&vm->mem, 64ULL << 20, NULL) < 0)
		abort();
	struct vm_boot_entry entry;
	struct hull_error *err = NULL;
	if (vm_boot_load(vm, &entry, &err) == 0) {
		if (entry.rip >= vm->mem.size)
			(void)0; /* an entry outside RAM is the guest's problem, not the VMM's */
	} else if (!err || !err->msg) {
		abort(); /* a refusal always says why */
	}
	hull_error_free(err);
	vm_memory_free(&vm->mem);
	free(vm);
	close(fd);
	return 0;
}

#ifndef HULL_LIBFUZZER
static uint64_t state = 0x853c49e6748fea9bULL;

static uint64_t rnd(void)
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
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
		uint8_t *buf = malloc(1 << 20);
		size_t len = fread(buf, 1, 1 << 20, f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		n++;
		/* mutations: the headers are in the first KiB, so hit there most */
		uint8_t *m = malloc(len + 1);
		for (int k = 0; k < 3000; k++, n++) {
			memcpy(m, buf, len);
			unsigned flips = 1 + (unsigned)(rnd() % 8);
			for (unsigned j = 0; j < flips; j++) {
				size_t at = rnd() % 2 ? rnd() % (len < 1024 ? len : 1024) : rnd() % len;
				m[at] = (uint8_t)rnd();
			}
			size_t mlen = rnd() % 16 == 0 ? rnd() % (len + 1) : len; /* sometimes truncated */
			LLVMFuzzerTestOneInput(m, mlen);
		}
		free(m);
		free(buf);
	}
	printf("%u inputs ok\n", n);
	return 0;
}
#endif
