/* attach_proto.h - `hull attach` talks to a container's monitor over a
 * SOCK_SEQPACKET unix socket in the container directory: one message per
 * chunk, its first byte saying what the rest is. Between monitor_attach.c
 * (the monitor's side) and attach.c (the client's). */
#ifndef HULL_ENGINE_ATTACH_PROTO_H
#define HULL_ENGINE_ATTACH_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#define ATTACH_SOCKET "attach.sock"
#define ATTACH_MAX_CLIENTS 16
#define ATTACH_MAX_PAYLOAD 16384

enum attach_message {
	ATTACH_STDIN = 0,   /* client -> monitor: bytes for the container's stdin (or pty) */
	ATTACH_STDOUT = 1,  /* monitor -> client: the container's output */
	ATTACH_STDERR = 2,
	ATTACH_RESIZE = 'W', /* client -> monitor: a struct winsize for the pty */
	ATTACH_EXIT = 'E',   /* monitor -> client: decimal exit status; the session ends */
};

/* attach_socket_path: "/proc/self/fd/DIRFD/attach.sock" into buf (sun_path
 * sized): through the directory's fd, as an absolute path under a deep data
 * root can pass sun_path's 108 bytes. */
#define attach_socket_path(buf, size, dirfd) snprintf((buf), (size), "/proc/self/fd/%d/" ATTACH_SOCKET, (dirfd))

/* attach_send_message (attach.c): one message on the socket, the type
 * byte then len (at most ATTACH_MAX_PAYLOAD) bytes of buf; never raises
 * SIGPIPE. Both sides use it. 0, or -EPIPE when the peer is gone or the
 * message did not go out whole. */
int attach_send_message(int sock, char type, const char *buf, size_t len);

/* engine_detach_scan (attach.c): copy n bytes of input from in to out
 * (*out_len of them; out holds n + keys_len), holding back a prefix of the
 * detach sequence keys (*matched bytes of it so far, kept between calls)
 * until the next byte says whether it was input after all. True when the
 * whole sequence was typed: out then has what came before it. */
bool engine_detach_scan(const char *keys, size_t keys_len, size_t *matched, const char *in, size_t n, char *out,
			size_t *out_len);

#endif
