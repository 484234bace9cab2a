/* monitor_internal.h - between monitor.c (setup, teardown) and
 * monitor_io.c (the stdio/log/reap loop). */
#ifndef HULL_ENGINE_MONITOR_INTERNAL_H
#define HULL_ENGINE_MONITOR_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "hull/engine.h"

struct monitor_io {
	pid_t init;              /* the container's init (our child) */
	int master;              /* pty master (-t), else -1 */
	int out, errfd;          /* read ends of the container's stdout/stderr pipes, or -1 */
	int in;                  /* write end of the container's stdin pipe, or -1 */
	const struct hull_attach *attach;
	struct hull_logfile *log; /* NULL with --log-driver none */
};

/* Run until the init has exited and its output is drained; returns the
 * exit status (128+signal when killed), as a shell reports it. */
int monitor_io_loop(struct monitor_io *io);

/* Close what is left open of io's fds (the stdin pipe, undrained
 * outputs): the run is over, a restart makes new ones. */
void monitor_io_close(struct monitor_io *io);

#endif
