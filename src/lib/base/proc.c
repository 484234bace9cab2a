/* proc.c - a process's start time from /proc, the guard against pid reuse (see hull/proc.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/proc.h"

unsigned long long hull_proc_start_time(pid_t pid)
{
	if (pid <= 0)
		return 0;
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm (field 2) may hold spaces and parens: count from the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* p + 1 is the space before field 3; 19 more spaces reach field 22 */
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return 0;
	/* field 3 is the state: a zombie has exited already. */
	char *st = strrchr(buf, ')') + 2;
	if (*st == 'Z' || *st == 'X')
		return 0;
	return strtoull(p + 1, NULL, 10);
}

bool hull_proc_alive(pid_t pid, unsigned long long start)
{
	return pid > 0 && start != 0 && hull_proc_start_time(pid) == start;
}
