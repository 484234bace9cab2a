/* fuzz_flags.c - fuzz target for what users type on the command line and
 * hull parses itself: docker run's -p, -v, --mount, --tmpfs, -m sizes,
 * log timestamps (src/lib/engine/) and signal names (runtime kill).
 * Input: a selector byte, then the flag's text. Each parser accepts or
 * refuses with a message; what it accepts must be usable: ports in range,
 * absolute destinations, known mount types and protocols, real signals.
 * Corpus: tests/fuzz/corpus/flags. */
#include <signal.h>
#include <string.h>

#include "fuzz_common.h"
#include "hull/run_options.h"
#include "hull/runtime.h"
#include "hull/size.h"
#include "hull/timefmt.h"

static void fuzz_publish(const char *s)
{
	struct hull_port_mapping *m = NULL;
	size_t n = 0;
	struct hull_error *err = NULL;
	int ret = hull_parse_publish(s, &m, &n, &err);
	fuzz_check_error(ret, err);
	if (ret < 0)
		return;
	if (n == 0 || n > 65536)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (m[i].container_port < 1 || m[i].container_port > 65535 || m[i].host_port > 65535)
			abort();
		if (strcmp(m[i].proto, "tcp") && strcmp(m[i].proto, "udp") && strcmp(m[i].proto, "sctp")) {
			fprintf(stderr, "`%s`: protocol `%s`\n", s, m[i].proto);
			abort();
		}
		if (!memchr(m[i].host_ip, '\0', sizeof(m[i].host_ip)))
			abort();
	}
	free(m);
}

static void fuzz_mount(int kind, const char *s)
{
	struct hull_mount_spec m = { 0 };
	struct hull_error *err = NULL;
	int ret = kind == 0 ? hull_parse_volume_flag(s, &m, &err)
		: kind == 1 ? hull_parse_mount_flag(s, &m, &err)
			    : hull_parse_tmpfs_flag(s, &m, &err);
	fuzz_check_error(ret, err);
	if (ret == 0) {
		if (!m.type || (strcmp(m.type, "volume") && strcmp(m.type, "bind") && strcmp(m.type, "tmpfs")))
			abort();
		if (!m.destination || m.destination[0] != '/')
			abort();
		if (!strcmp(m.type, "bind") && (!m.source || !m.source[0]))
			abort();
	}
	hull_mount_spec_clear(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *s = strndup((const char *)data + 1, size - 1);
	switch (data[0] % 7) {
	case 0: fuzz_publish(s); break;
	case 1: fuzz_mount(0, s); break;
	case 2: fuzz_mount(1, s); break;
	case 3: fuzz_mount(2, s); break;
	case 4: {
		unsigned long long bytes;
		hull_parse_size(s, &bytes);
		break;
	}
	case 5: hull_time_parse_ns(s); break;
	case 6: {
		int sig = 0;
		struct hull_error *err = NULL;
		int ret = hull_signal_parse(s, &sig, &err);
		fuzz_check_error(ret, err);
		/* 0 is valid, as for kill(1) and runc: it checks the container is there */
		if (ret == 0 && (sig < 0 || sig > SIGRTMAX))
			abort();
		break;
	}
	}
	free(s);
	return 0;
}
