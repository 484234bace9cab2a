/* tests/nested/streamio.c - a byte-stream tool for the nested device tests,
 * built static (gcc -static) so it runs in L1 and in hull's Linux guests,
 * whose busybox has no vsock and no way to speak hull's vsock handshake.
 *
 *   streamio gen BYTES               deterministic pseudo-random bytes on stdout
 *   streamio send ADDR               stdin to the stream, then half-close it
 *   streamio recv ADDR               the stream to stdout until its end
 *   streamio stall ADDR SECONDS      accept or connect, read nothing for SECONDS, then
 *                                    read to the end and print "drained N bytes"
 *
 * ADDR: vsock:CID:PORT, vsock-listen:PORT, tcp:IPV4:PORT, tcp-listen:PORT,
 * unix-listen:PATH, or hull:PATH:PORT (connect to hull's vsock socket PATH
 * and ask for guest port PORT with "CONNECT PORT\n"). A connecting ADDR is
 * retried for 120 s while nobody listens. Exits 0 on success, 1 with a
 * message on failure. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "streamio: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int accept_one(int fd)
{
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listen(fd, 1) < 0)
		die("listen");
	int c = accept(fd, NULL, NULL);
	if (c < 0)
		die("accept");
	close(fd);
	return c;
}

static int connect_retry(int domain, const struct sockaddr *sa, socklen_t len)
{
	for (int i = 0; i < 1200; i++) {
		int fd = socket(domain, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket");
		if (domain == AF_VSOCK) {
			/* the 2 s default is short for a nested guest on a busy host */
			struct timeval tv = { 30, 0 };
			setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT_OLD, &tv, sizeof(tv));
		}
		if (connect(fd, sa, len) == 0)
			return fd;
		close(fd);
		if (errno != ECONNREFUSED && errno != ENOENT && errno != ECONNRESET && errno != ETIMEDOUT &&
		    errno != EHOSTUNREACH && errno != ENETUNREACH)
			die("connect");
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	die("connect (gave up after 120 s)");
	return -1;
}

static int open_addr(char *addr)
{
	char *sep = strchr(addr, ':');
	if (!sep) {
		errno = EINVAL;
		die(addr);
	}
	*sep = 0;
	char *rest = sep + 1;
	if (!strcmp(addr, "vsock") || !strcmp(addr, "vsock-listen")) {
		struct sockaddr_vm sa = { .svm_family = AF_VSOCK };
		if (!strcmp(addr, "vsock")) {
			sa.svm_cid = (unsigned)strtoul(rest, &rest, 10);
			sa.svm_port = (unsigned)strtoul(rest + 1, NULL, 10);
			return connect_retry(AF_VSOCK, (struct sockaddr *)&sa, sizeof(sa));
		}
		sa.svm_cid = VMADDR_CID_ANY;
		sa.svm_port = (unsigned)strtoul(rest, NULL, 10);
		int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("vsock bind");
		return accept_one(fd);
	}
	if (!strcmp(addr, "tcp") || !strcmp(addr, "tcp-listen")) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		if (!strcmp(addr, "tcp")) {
			char *port = strchr(rest, ':');
			if (!port)
				die("tcp:IPV4:PORT");
			*port++ = 0;
			inet_pton(AF_INET, rest, &sa.sin_addr);
			sa.sin_port = htons((uint16_t)atoi(port));
			return connect_retry(AF_INET, (struct sockaddr *)&sa, sizeof(sa));
		}
		sa.sin_port = htons((uint16_t)atoi(rest));
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		int one = 1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("tcp bind");
		return accept_one(fd);
	}
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (!strcmp(addr, "unix-listen")) {
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", rest);
		unlink(rest);
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("unix bind");
		return accept_one(fd);
	}
	if (!strcmp(addr, "hull")) {
		char *port = strrchr(rest, ':');
		if (!port)
			die("hull:PATH:PORT");
		*port++ = 0;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", rest);
		for (int i = 0; i < 1200; i++) {
			int fd = connect_retry(AF_UNIX, (struct sockaddr *)&sa, sizeof(sa));
			char line[64];
			int n = snprintf(line, sizeof(line), "CONNECT %s\n", port);
			/* hull closes a connection that comes before the guest's driver is up:
			 * a failed write is retried like a refused CONNECT */
			size_t got = 0;
			if (send(fd, line, (size_t)n, MSG_NOSIGNAL) == n) {
				/* "OK <port>\n", a byte at a time so no data is read past it */
				while (got < sizeof(line) - 1 && read(fd, line + got, 1) == 1 && line[got] != '\n')
					got++;
			}
			line[got] = 0;
			if (!strncmp(line, "OK ", 3))
				return fd;
			close(fd); /* the guest is not listening yet: hull closed the socket */
			struct timespec ts = { 0, 100 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
		errno = ECONNREFUSED;
		die("hull CONNECT");
	}
	errno = EINVAL;
	die(addr);
	return -1;
}

static void copy(int in, int out)
{
	static char buf[1 << 16];
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("read");
		if (n == 0)
			return;
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				die("write");
			done += w;
		}
	}
}

static void gen(unsigned long long bytes)
{
	static uint64_t buf[8192];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	while (bytes) {
		for (size_t i = 0; i < sizeof(buf) / 8; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[i] = x;
		}
		size_t n = bytes < sizeof(buf) ? (size_t)bytes : sizeof(buf);
		for (size_t done = 0; done < n;) {
			ssize_t w = write(1, (char *)buf + done, n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				die("write");
			done += (size_t)w;
		}
		bytes -= n;
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "gen")) {
		gen(strtoull(argv[2], NULL, 0));
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "send")) {
		int fd = open_addr(argv[2]);
		copy(0, fd);
		shutdown(fd, SHUT_WR);
		char c;
		while (read(fd, &c, 1) > 0) /* until the receiver closes: every byte is taken */
			;
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "recv")) {
		int fd = open_addr(argv[2]);
		copy(fd, 1);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "stall")) {
		int fd = open_addr(argv[2]);
		sleep((unsigned)atoi(argv[3]));
		static char buf[1 << 16];
		unsigned long long total = 0;
		for (ssize_t n; (n = read(fd, buf, sizeof(buf))) != 0;) {
			if (n < 0 && errno != EINTR)
				die("read");
			total += n > 0 ? (unsigned long long)n : 0;
		}
		printf("drained %llu bytes\n", total);
		return 0;
	}
	fprintf(stderr, "usage: streamio gen BYTES | send ADDR | recv ADDR | stall ADDR SECONDS\n");
	return 2;
}
