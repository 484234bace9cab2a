/* hull/attach.h - joining a running container's stdio (docker attach) and sizing its pty. */
#ifndef HULL_ATTACH_H
#define HULL_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include "hull/error.h"

struct hull_container;

#define HULL_DETACH_KEYS_MAX 16

/* How `hull attach` joins a running container's stdio through its monitor. */
struct hull_attach_options {
	int fds[3];              /* our stdin, stdout, stderr */
	bool stdin;              /* send fds[0] to the container (when it was started with -i) */
	const char *detach_keys; /* the bytes that detach (docker's ctrl-p,ctrl-q: "\x10\x11") */
	size_t detach_len;       /* 0: no detach sequence */
	void (*interrupted)(void *data); /* a signal interrupted the wait: relay it (--sig-proxy) */
	void *data;
};

/* hull_engine_parse_detach_keys: docker's --detach-keys ("ctrl-p,ctrl-q",
 * "ctrl-a,d": single characters or ctrl-X, comma separated) into keys
 * (HULL_DETACH_KEYS_MAX bytes), *len of them; EINVAL naming a bad one. */
int hull_engine_parse_detach_keys(const char *spec, char *keys, size_t *len, struct hull_error **err);

/* hull_engine_attach: attach to a running container (docker attach):
 * copy its output from now on to fds[1]/fds[2] (one stream on a pty), our
 * input to it, the size of our terminal to its pty. Returns 0 when the
 * process exits (*code its status) or when the detach keys were typed
 * (*detached; the container runs on). Refused for a container that is not
 * running, in docker's words. Our stdin's end leaves the container's stdin
 * open (docker without --stdin-once) and keeps the output coming. */
int hull_engine_attach(struct hull_container *c, const struct hull_attach_options *o, int *code, bool *detached,
		       struct hull_error **err);

/* hull_engine_resize: set the size of a running container's pty (docker's
 * POST /containers/{id}/resize), through its monitor. EINVAL for a
 * container without a tty. */
int hull_engine_resize(struct hull_container *c, unsigned rows, unsigned cols, struct hull_error **err);

#endif
