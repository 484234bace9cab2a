/* proc.c - a running container's processes and their usage, from /proc
 * (top, stats): every process in the init's pid namespace. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/container_proc.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/proc.h"

static ino_t pidns_of(pid_t pid)
{
	char p[64];
	struct stat st;
	snprintf(p, sizeof(p), "/proc/%d/ns/pid", (int)pid);
	return stat(p, &st) == 0 ? st.st_ino : 0;
}

int hull_engine_pids(const struct hull_container *c, pid_t **out, size_t *n, struct hull_error **err)
{
	*out = NULL;
	*n = 0;
	if (c->state.status != HULL_ENGINE_RUNNING && c->state.status != HULL_ENGINE_PAUSED)
		return hull_error_msg(err, ESRCH, "container %s is not running", c->name);
	ino_t ns = pidns_of(c->state.pid);
	if (!ns || !hull_proc_alive(c->state.pid, c->state.pid_start))
		return hull_error_msg(err, ESRCH, "container %s is not running", c->name);
	_cleanup_closedir_ DIR *d = opendir("/proc");
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid_t pid = (pid_t)atoi(de->d_name);
		if (pidns_of(pid) != ns)
			continue;
		*out = hull_xrealloc(*out, (*n + 1) * sizeof(pid_t));
		(*out)[(*n)++] = pid;
	}
	return 0;
}

static unsigned long long field_after(const char *text, const char *key)
{
	const char *p = strstr(text, key);
	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

int hull_engine_usage(const struct hull_container *c, struct hull_usage *u, struct hull_error **err)
{
	memset(u, 0, sizeof(*u));
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r = hull_engine_pids(c, &pids, &n, err);
	if (r < 0)
		return r;
	long tick = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < n; i++) {
		char p[64];
		_cleanup_free_ char *stat = NULL, *io = NULL;
		snprintf(p, sizeof(p), "/proc/%d/stat", (int)pids[i]);
		if (hull_read_file(p, &stat, NULL, NULL) == 0) {
			char *rp = strrchr(stat, ')');
			unsigned long long ut = 0, st = 0, rss = 0;
			/* after "pid (comm)": field 14 utime, 15 stime, 24 rss */
			if (rp && sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d "
						 "%*d %*d %*u %*u %llu",
					 &ut, &st, &rss) == 3) {
				u->cpu_ns += (ut + st) * 1000000000ULL / (unsigned long long)tick;
				u->memory += rss * (unsigned long long)page;
			}
		}
		snprintf(p, sizeof(p), "/proc/%d/io", (int)pids[i]);
		if (hull_read_file(p, &io, NULL, NULL) == 0) {
			u->block_read += field_after(io, "read_bytes: ");
			u->block_write += field_after(io, "\nwrite_bytes: ");
		}
	}
	u->pids = n;
	char p[64];
	snprintf(p, sizeof(p), "/proc/%d/net/dev", (int)c->state.pid);
	_cleanup_free_ char *dev = NULL;
	if (hull_read_file(p, &dev, NULL, NULL) == 0) {
		for (char *save = NULL, *line = strtok_r(dev, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char name[32];
			unsigned long long rx, tx;
			if (sscanf(line, " %31[^:]: %llu %*u %*u %*u %*u %*u %*u %*u %llu", name, &rx, &tx) == 3 &&
			    strcmp(name, "lo")) {
				u->net_rx += rx;
				u->net_tx += tx;
			}
		}
	}
	return 0;
}
