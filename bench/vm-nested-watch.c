/* bench/vm-nested-watch.c - run a VMM and time it from the outside, for
 * bench/vm-nested (built static: it runs in the nested machine's L1).
 *
 *   vm-nested-watch GUEST_MIB LINE COMMAND...
 *
 * Starts COMMAND with its stdout and stderr on a pipe and prints:
 *   first_line_ms   launch to the first output line containing LINE
 *   own_rss_kib     RSS of every mapping but guest RAM, one second after that
 *   own_pss_kib     the same as PSS (shared pages counted by their share)
 *   guest_rss_kib   RSS of the guest RAM (mappings of at least GUEST_MIB)
 *   exit_after_ms   the guest's last byte to the VMM's exit
 *   status          the VMM's exit status
 * The VMM's output is copied to stderr. A VMM still running 120 s after
 * LINE is killed (status 137). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void memory(pid_t pid, unsigned long guest_kib, long *own_rss, long *own_pss, long *guest_rss)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	FILE *f = fopen(path, "r");
	*own_rss = *own_pss = *guest_rss = -1;
	if (!f)
		return;
	*own_rss = *own_pss = *guest_rss = 0;
	int guest = 0;
	long v;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Size: %ld kB", &v) == 1)
			guest = (unsigned long)v >= guest_kib;
		else if (sscanf(line, "Rss: %ld kB", &v) == 1)
			*(guest ? guest_rss : own_rss) += v;
		else if (sscanf(line, "Pss: %ld kB", &v) == 1 && !guest)
			*own_pss += v;
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: vm-nested-watch GUEST_MIB LINE COMMAND...\n");
		return 2;
	}
	unsigned long guest_kib = strtoul(argv[1], NULL, 10) * 1024;
	const char *want = argv[2];
	int p[2];
	if (pipe(p) < 0)
		return 1;
	double start = now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	close(p[1]);
	char buf[4096], cur[1024];
	size_t cur_len = 0;
	double first = -1, last = start, sample_at = -1;
	long own_rss = -1, own_pss = -1, guest_rss = -1;
	for (;;) {
		int timeout = -1;
		double t = now_ms();
		if (sample_at > 0 && own_rss < 0)
			timeout = sample_at > t ? (int)(sample_at - t) + 1 : 0;
		else if (first > 0 && t - first > 120000)
			kill(pid, SIGKILL);
		else if (first > 0)
			timeout = 1000;
		struct pollfd pfd = { p[0], POLLIN, 0 };
		int r = poll(&pfd, 1, timeout);
		t = now_ms();
		if (sample_at > 0 && own_rss < 0 && t >= sample_at)
			memory(pid, guest_kib, &own_rss, &own_pss, &guest_rss);
		if (r <= 0)
			continue;
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		last = t;
		fwrite(buf, 1, (size_t)n, stderr);
		for (ssize_t i = 0; i < n && first < 0; i++) {
			if (buf[i] == '\n' || cur_len == sizeof(cur) - 1) {
				cur[cur_len] = 0;
				cur_len = 0;
				if (strstr(cur, want)) {
					first = t;
					sample_at = t + 1000;
				}
			} else {
				cur[cur_len++] = buf[i];
			}
		}
	}
	double end = now_ms();
	int st;
	waitpid(pid, &st, 0);
	double reaped = now_ms();
	printf("first_line_ms %.1f\nown_rss_kib %ld\nown_pss_kib %ld\nguest_rss_kib %ld\nexit_after_ms %.1f\n"
	       "status %d\n",
	       first > 0 ? first - start : -1, own_rss, own_pss, guest_rss, (end > reaped ? end : reaped) - last,
	       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	(void)errno;
	return 0;
}
