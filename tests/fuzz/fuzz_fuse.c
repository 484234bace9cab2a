/* fuzz_fuse.c - fuzz target for the virtio-fs FUSE server
 * (src/lib/vmm/virtio/fuse.c, fuse_ops.c): any sequence of requests a
 * hostile guest can send, on a share that holds a file, a directory and
 * symlinks pointing out of it. After each input, the directory beside the
 * share must be as it was: nothing may resolve outside the share.
 * Input: records of [flags u8][reply room u8][length u16 le][bytes]: the
 * bytes are a request; flags bit 0 sets its header's length right, bit 1
 * sets its nodeid to a small one (likely alive), and with bit 7 clear
 * bits 2-6 its opcode (1 to 32, or with bit 6 33 to 64 as well). An INIT
 * comes first.
 * Corpus: tests/fuzz/corpus/fuse. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "../../src/lib/vmm/virtio/fuse.h"

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void make_share(char *base)
{
	char p[256];
	if (!mkdtemp(base))
		abort();
	snprintf(p, sizeof(p), "%s/share", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/outside", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/outside/secret", base);
	FILE *f = fopen(p, "we");
	fputs("secret\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/share/a", base);
	f = fopen(p, "we");
	fputs("file a\n", f);
	fclose(f);
	snprintf(p, sizeof(p), "%s/share/d", base);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/share/o", base);
	if (symlink("../outside/secret", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/share/up", base);
	if (symlink("..", p) < 0)
		abort();
}

/* The directory beside the share holds its one file, unchanged. */
static void check_outside(const char *base)
{
	char p[256], buf[16] = {0};
	snprintf(p, sizeof(p), "%s/outside/secret", base);
	struct stat st;
	int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || read(fd, buf, sizeof(buf)) != 7 || strcmp(buf, "secret\n") ||
	    (st.st_mode & 07777) != 0644 || st.st_nlink != 1) {
		fprintf(stderr, "the file outside the share changed\n");
		abort();
	}
	close(fd);
	snprintf(p, sizeof(p), "%s/outside", base);
	if (stat(p, &st) < 0 || st.st_nlink != 2 || (st.st_mode & 07777) != 0755) {
		fprintf(stderr, "the directory outside the share changed\n");
		abort();
	}
	snprintf(p, sizeof(p), "%s", base);
	if (stat(p, &st) < 0 || st.st_nlink != 4) {
		fprintf(stderr, "something was made beside the share\n");
		abort();
	}
}

static uint8_t reply[VM_FUSE_MAX_REQUEST];

static void send(struct vm_fuse *fs, uint8_t *req, size_t len, size_t room)
{
	struct iovec out = {req, len}, in = {reply, room};
	size_t n = vm_fuse_handle(fs, &out, 1, &in, 1);
	if (n > room)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char base[] = "/tmp/hull-fuzz-fuse-XXXXXX";
	make_share(base);
	char share[64];
	snprintf(share, sizeof(share), "%s/share", base);
	struct vm_fuse *fs = vm_fuse_open(share, false, NULL);
	if (!fs)
		abort();
	struct {
		struct fuse_in_header h;
		struct fuse_init_in i;
	} init = {{.len = sizeof(init), .opcode = FUSE_INIT, .unique = 1}, {.major = 7, .minor = 38, .flags = ~0u}};
	send(fs, (uint8_t *)&init, sizeof(init), sizeof(reply));
	static uint8_t req[65536 + sizeof(struct fuse_in_header)];
	for (size_t pos = 0; pos + 4 <= size;) {
		uint8_t flags = data[pos], room = data[pos + 1];
		size_t len = (size_t)data[pos + 2] | (size_t)data[pos + 3] << 8;
		pos += 4;
		if (len > size - pos)
			len = size - pos;
		memset(req, 0, sizeof(struct fuse_in_header));
		memcpy(req, data + pos, len);
		pos += len;
		size_t total = len < sizeof(struct fuse_in_header) ? sizeof(struct fuse_in_header) : len;
		struct fuse_in_header h;
		memcpy(&h, req, sizeof(h));
		if (flags & 1)
			h.len = (uint32_t)total;
		if (flags & 2)
			h.nodeid = h.nodeid % 8;
		if (!(flags & 0x80))
			h.opcode = ((flags >> 2) & 0x1f) + 1 + (flags & 0x40 ? 32 : 0);
		memcpy(req, &h, sizeof(h));
		size_t r = room == 0xff ? sizeof(reply) : (size_t)room * 64;
		send(fs, req, total, r);
	}
	vm_fuse_free(fs);
	check_outside(base);
	nftw(base, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}
