/* human.c - docker's go-units sizes and durations. */
#include <stdio.h>
#include <time.h>

#include "hull/cleanup.h"
#include "human.h"

void cli_human_size(unsigned long long bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000.0 && u + 1 < HULL_ARRAY_SIZE(units)) {
		v /= 1000.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%lluB", bytes);
	else
		snprintf(buf, size, "%.4g%s", v, units[u]);
}

void cli_human_duration(int64_t ns, char *buf, size_t size)
{
	int64_t s = ns / 1000000000LL;
	if (s < 1)
		snprintf(buf, size, "Less than a second");
	else if (s == 1)
		snprintf(buf, size, "1 second");
	else if (s < 60)
		snprintf(buf, size, "%lld seconds", (long long)s);
	else if (s / 60 == 1)
		snprintf(buf, size, "About a minute");
	else if (s / 60 < 60)
		snprintf(buf, size, "%lld minutes", (long long)(s / 60));
	else if (s / 3600 == 1)
		snprintf(buf, size, "About an hour");
	else if (s / 3600 < 48)
		snprintf(buf, size, "%lld hours", (long long)(s / 3600));
	else if (s / 86400 < 14)
		snprintf(buf, size, "%lld days", (long long)(s / 86400));
	else if (s / 86400 < 60)
		snprintf(buf, size, "%lld weeks", (long long)(s / 604800));
	else if (s / 86400 < 730)
		snprintf(buf, size, "%lld months", (long long)(s / 2592000));
	else
		snprintf(buf, size, "%lld years", (long long)(s / 31536000));
}

void cli_human_ago(int64_t then_ns, char *buf, size_t size)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	char d[64];
	cli_human_duration(now - then_ns, d, sizeof(d));
	snprintf(buf, size, "%s ago", d);
}
