/* attach.h - POST /containers/{id}/attach (the hijacked connection) and
 * the start that hands it to the container's monitor. */
#ifndef HULL_CLI_API_ATTACH_H
#define HULL_CLI_API_ATTACH_H

#include <stdbool.h>

#include "api.h"

#include "hull/container_store.h"

struct hull_container;

/* api_attach_start: start c; when an attach to it is waiting (docker run
 * attaches before it starts), its connection gets the container's stdio,
 * multiplexed as docker's stream format unless c has a tty, and is closed
 * once the container has exited. */
int api_attach_start(struct hull_cli *cli, struct hull_container *c, struct hull_error **err);

/* api_attach_exit_code: the exit code an attached run of id reported, for
 * a wait that found the container removed (--rm): waits for it while the
 * run is still being relayed. false when id was not run attached. */
bool api_attach_exit_code(const char *id, int *code);

/* api_relay_frames: copy the pipes out and err (closed and set to -1 at
 * their EOF) to sock as docker's multiplexed stream until both end. */
void api_relay_frames(int sock, int *out, int *err);

/* api_attach_running: answer an attach to the running container c
 * (attach_live.c): the connection is hijacked and joined to its stdio. */
void api_attach_running(struct api_request *req, struct api_response *resp, const struct hull_container *c);

/* api_resize_args: ?h=ROWS&w=COLS; -1 with a 400 in resp when bad. */
int api_resize_args(struct api_request *req, struct api_response *resp, unsigned *rows, unsigned *cols);

#endif
