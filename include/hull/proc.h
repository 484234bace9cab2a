/* hull/proc.h - what /proc says about a process: is a pid still the process it was. */
#ifndef HULL_PROC_H
#define HULL_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* hull_proc_start_time: field 22 of /proc/PID/stat, 0 when the process is
 * gone. Used to tell a live pid from a reused one. */
unsigned long long hull_proc_start_time(pid_t pid);

/* hull_proc_alive: pid exists and has the recorded start time. */
bool hull_proc_alive(pid_t pid, unsigned long long start);

#endif
