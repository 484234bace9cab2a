/* A process's start time from /proc, the guard against pid reuse. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/proc.h"

Test(proc, start_time_is_field_22_of_proc_stat)
{
	_cleanup_free_ char *stat = NULL;
	cr_assert_eq(hull_read_file("/proc/self/stat", &stat, NULL, NULL), 0);
	char *p = strrchr(stat, ')') + 2;
	unsigned long long start = 0;
	/* fields 3..21 skipped, 22 read */
	cr_assert_eq(sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &start), 1);
	cr_assert_eq(hull_proc_start_time(getpid()), start);
	cr_assert(hull_proc_alive(getpid(), start));
	cr_assert_not(hull_proc_alive(getpid(), start + 1));
}
