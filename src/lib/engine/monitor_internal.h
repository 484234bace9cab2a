/* monitor_internal.h - between monitor.c (setup, teardown) and
 * monitor_io.c (the stdio/log/reap loop). */
#ifndef HULL_ENGINE_MONITOR_INTERNAL_H
#define HULL_ENGINE_MONITOR_INTERNAL_H

#include <poll.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hull/container_lifecycle.h"
#include "hull/logs.h"
#include "attach_proto.h"

/* monitor_attach.c: the clients of `hull attach` (attach_proto.h). */
struct attach_hub {
	int listen;                      /* the socket in the container directory, -1: none */
	int clients[ATTACH_MAX_CLIENTS]; /* -1: free slot */
	bool input_open[ATTACH_MAX_CLIENTS]; /* the client may still send input */
};

/* Number of pollfds monitor_attach_pollfds fills at most. */
#define MONITOR_ATTACH_POLLFDS (1 + ATTACH_MAX_CLIENTS)

void monitor_attach_init(struct attach_hub *hub);

/* Listen on dir/attach.sock (a stale one is replaced). */
int monitor_attach_listen(struct attach_hub *hub, const char *dir, struct hull_error **err);

/* Fill p with the listener and the client slots (fd -1 for free ones);
 * returns how many (0 without a listener). */
size_t monitor_attach_pollfds(const struct attach_hub *hub, struct pollfd *p);

/* After poll: accept, take input (to the stdin pipe `in` or the pty
 * `master`, whichever the container has), drop clients that went. */
void monitor_attach_handle(struct attach_hub *hub, const struct pollfd *p, int in, int master);

/* Copy output of stream (enum hull_log_stream) to every client. */
void monitor_attach_send(struct attach_hub *hub, int stream, const char *buf, size_t len);

/* The process ended with code: tell the clients and let them go. */
void monitor_attach_end(struct attach_hub *hub, int code);

/* Stop listening and remove the socket. */
void monitor_attach_close(struct attach_hub *hub, const char *dir);

struct monitor_io {
	pid_t init;              /* the container's init (our child) */
	int master;              /* pty master (-t), else -1 */
	int out, errfd;          /* read ends of the container's stdout/stderr pipes, or -1 */
	int in;                  /* write end of the container's stdin pipe, or -1 */
	const struct hull_attach *attach;
	struct hull_logfile *log; /* NULL with --log-driver none */
	struct attach_hub *hub;   /* `hull attach` clients, may be NULL */
	int notify_fd;            /* the attached CLI's pipe: told "DETACHED" (-1: none) */
	size_t detach_matched;    /* detach keys typed so far */
	bool detached;            /* the user detached: the terminal is no longer ours */
};

/* Run until the init has exited and its output is drained; returns the
 * exit status (128+signal when killed), as a shell reports it. */
int monitor_io_loop(struct monitor_io *io);

/* Close what is left open of io's fds (the stdin pipe, undrained
 * outputs): the run is over, a restart makes new ones. */
void monitor_io_close(struct monitor_io *io);

#endif
