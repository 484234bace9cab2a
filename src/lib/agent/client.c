/* client.c - the host's side of the agent protocol (docs/vm-agent.md):
 * create, start, then relay stdin, output and signals until the exit
 * status comes. What the agent sends is checked as input: unknown frames
 * are refused, output is written only to the fds we were given. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "hull/agent.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

/* An output frame: its bytes to the caller's fd. */
static int write_output(const struct hull_agent_call *call, json_t *msg, int stream, struct hull_error **err)
{
	const char *data = json_string_value(json_object_get(msg, "data"));
	size_t len = 0;
	_cleanup_free_ void *bytes = data ? hull_agent_b64_decode(data, &len) : NULL;
	if (!bytes)
		return hull_error_msg(err, EPROTO, "agent: an output frame without base64 data");
	int fd = call->stdio[stream];
	/* a reader that went away: the output is dropped, the container goes on */
	if (fd >= 0)
		hull_write_all(fd, bytes, len);
	return 0;
}

/* One frame from the agent. *done: the exit status came; *answer: an ok
 * (1) or error (-1, message in *err) answered a request. */
static int take_frame(const struct hull_agent_call *call, json_t *msg, int *answer, int *status, bool *done,
		      struct hull_error **err)
{
	const char *type = json_string_value(json_object_get(msg, "type"));
	if (!type)
		return hull_error_msg(err, EPROTO, "agent: a frame without a type");
	if (!strcmp(type, "stdout") || !strcmp(type, "stderr"))
		return write_output(call, msg, type[3] == 'o' ? 1 : 2, err);
	if (!strcmp(type, "ok")) {
		*answer = 1;
		return 0;
	}
	if (!strcmp(type, "error")) {
		*answer = -1;
		const char *m = json_string_value(json_object_get(msg, "message"));
		json_int_t code = json_integer_value(json_object_get(msg, "errno"));
		return hull_error_msg(err, code > 0 && code < 4096 ? (int)code : EIO, "agent: %s",
				      m ? m : "request failed");
	}
	if (!strcmp(type, "exit")) {
		json_t *s = json_object_get(msg, "status");
		if (!json_is_integer(s) || json_integer_value(s) < 0 || json_integer_value(s) > 255)
			return hull_error_msg(err, EPROTO, "agent: exit: status must be 0..255");
		*status = (int)json_integer_value(s);
		*done = true;
		return 0;
	}
	return hull_error_msg(err, EPROTO, "agent: unexpected frame type `%s`", type);
}

/* Send a request and read frames until it is answered. */
static int request(int conn, const struct hull_agent_call *call, json_t *msg, struct hull_error **err)
{
	if (hull_agent_send(conn, msg, err) < 0)
		return -EPIPE;
	for (;;) {
		json_t *reply = NULL;
		if (hull_agent_recv(conn, &reply, err) < 0)
			return -EPIPE;
		if (!reply)
			return hull_error_msg(err, EPIPE, "agent: the connection closed before an answer");
		int answer = 0, status = 0;
		bool done = false;
		int r = take_frame(call, reply, &answer, &status, &done, err);
		json_decref(reply);
		if (r < 0)
			return r;
		if (done)
			return hull_error_msg(err, EPROTO, "agent: an exit status before the request was answered");
		if (answer)
			return 0;
	}
}

static int forward_stdin(int conn, int *in, struct hull_error **err)
{
	char buf[16384];
	ssize_t n = read(*in, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	_cleanup_json_ json_t *m = NULL;
	if (n <= 0) {
		*in = -1; /* not ours to close */
		m = json_pack("{s:s,s:b}", "type", "stdin", "eof", 1);
	} else {
		_cleanup_free_ char *b64 = hull_agent_b64_encode(buf, (size_t)n);
		m = json_pack("{s:s,s:s}", "type", "stdin", "data", b64);
	}
	return hull_agent_send(conn, m, err);
}

/* The terminal's size to the guest's pty (none yet: nothing to say); the
 * first one answered before the process starts, later ones on the fly. */
static int send_size(int conn, const struct hull_agent_call *call, bool answered, struct hull_error **err)
{
	struct winsize ws;
	if (ioctl(call->stdio[0], TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0)
		return 0;
	_cleanup_json_ json_t *m = json_pack("{s:s,s:i,s:i}", "type", "resize", "rows", ws.ws_row, "cols", ws.ws_col);
	return answered ? request(conn, call, m, err) : hull_agent_send(conn, m, err);
}

static int forward_signal(int conn, const struct hull_agent_call *call, struct hull_error **err)
{
	struct signalfd_siginfo si;
	if (read(call->signal_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	if (call->terminal && si.ssi_signo == SIGWINCH)
		return send_size(conn, call, false, err);
	_cleanup_json_ json_t *m = json_pack("{s:s,s:i}", "type", "signal", "signal", (int)si.ssi_signo);
	return hull_agent_send(conn, m, err);
}

/* The watched files changed: send those whose content is new. */
static int forward_files(int conn, const struct hull_agent_call *call, struct hull_error **err)
{
	char events[4096];
	while (read(call->files_watch, events, sizeof(events)) > 0)
		;
	const char *name;
	json_t *sent;
	json_object_foreach(call->files, name, sent)
	{
		_cleanup_free_ char *path = hull_path_join(call->files_dir, name);
		_cleanup_free_ char *content = NULL;
		size_t len = 0;
		if (hull_read_file(path, &content, &len, NULL) < 0 || len > HULL_AGENT_FILE_MAX ||
		    (len == json_string_length(sent) && !memcmp(content, json_string_value(sent), len)))
			continue;
		_cleanup_json_ json_t *m =
		    json_pack("{s:s,s:s,s:s%}", "type", "file", "name", name, "content", content, len);
		if (!m || hull_agent_send(conn, m, err) < 0)
			return -EPIPE;
		json_object_set_new(call->files, name, json_stringn(content, len));
	}
	return 0;
}

static int relay(int conn, const struct hull_agent_call *call, int *status, struct hull_error **err)
{
	int in = call->stdio[0];
	if (in < 0) {
		_cleanup_json_ json_t *eof = json_pack("{s:s,s:b}", "type", "stdin", "eof", 1);
		if (hull_agent_send(conn, eof, err) < 0)
			return -EPIPE;
	}
	for (;;) {
		struct pollfd p[5] = {
		    {.fd = conn, .events = POLLIN},
		    {.fd = in, .events = POLLIN},
		    {.fd = call->signal_fd, .events = POLLIN},
		    {.fd = call->stop_fd, .events = POLLIN},
		    {.fd = call->files && call->files_dir ? call->files_watch : -1, .events = POLLIN}};
		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			return hull_error_set(err, errno, "poll");
		}
		if (p[0].revents) {
			json_t *msg = NULL;
			if (hull_agent_recv(conn, &msg, err) < 0)
				return -EPIPE;
			if (!msg)
				return hull_error_msg(err, EPIPE,
						      "agent: the connection closed before the exit status came");
			int answer = 0;
			bool done = false;
			struct hull_error *bad = NULL;
			int r = take_frame(call, msg, &answer, status, &done, &bad);
			json_decref(msg);
			/* a refused signal (the process just exited) is not the end */
			if (r < 0 && answer != -1) {
				if (err)
					*err = bad;
				else
					hull_error_free(bad);
				return r;
			}
			hull_error_free(bad);
			if (done)
				return 0;
		}
		if (p[1].revents && forward_stdin(conn, &in, err) < 0)
			return -EPIPE;
		if (p[2].revents && forward_signal(conn, call, err) < 0)
			return -EPIPE;
		if (p[3].revents)
			return hull_error_msg(err, EPIPE, "the VM ended before the container's exit status came");
		if (p[4].revents && forward_files(conn, call, err) < 0)
			return -EPIPE;
	}
}

/* An exec connection: the process starts when the request is answered. */
static int exec_run(int conn, const struct hull_agent_call *call, int *status, struct hull_error **err)
{
	_cleanup_json_ json_t *process = json_deep_copy(call->process);
	/* the size from the start: the process may ask for it at once */
	struct winsize ws;
	if (call->terminal && ioctl(call->stdio[0], TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
		json_object_set_new(process, "consoleSize",
				    json_pack("{s:i,s:i}", "height", ws.ws_row, "width", ws.ws_col));
	_cleanup_json_ json_t *exec = json_pack("{s:s,s:O}", "type", "exec", "process", process);
	int r = request(conn, call, exec, err);
	if (r < 0)
		return hull_error_wrap(err, r, "exec in the VM");
	if (call->started && (r = call->started(call->hook_data, err)) < 0)
		return r;
	_cleanup_json_ json_t *wait = json_pack("{s:s}", "type", "wait");
	if (hull_agent_send(conn, wait, err) < 0)
		return -EPIPE;
	return relay(conn, call, status, err);
}

int hull_agent_call_run(int conn, const struct hull_agent_call *call, int *status, struct hull_error **err)
{
	if (call->process)
		return exec_run(conn, call, status, err);
	_cleanup_json_ json_t *create =
	    json_pack("{s:s,s:s,s:O}", "type", "create", "id", call->id, "config", call->config);
	if (call->files)
		json_object_set(create, "files", call->files);
	if (call->network)
		json_object_set(create, "network", call->network);
	int r = request(conn, call, create, err);
	if (r < 0)
		return hull_error_wrap(err, r, "create the container in the VM");
	/* the size before the start: the process may ask for it at once */
	if (call->terminal && (r = send_size(conn, call, true, err)) < 0)
		return hull_error_wrap(err, r, "size the container's terminal in the VM");
	if (call->created && (r = call->created(call->hook_data, err)) < 0)
		return r;
	_cleanup_json_ json_t *start = json_pack("{s:s}", "type", "start");
	_cleanup_json_ json_t *wait = json_pack("{s:s}", "type", "wait");
	if ((r = request(conn, call, start, err)) < 0)
		return hull_error_wrap(err, r, "start the container in the VM");
	if (call->started && (r = call->started(call->hook_data, err)) < 0)
		return r;
	if (hull_agent_send(conn, wait, err) < 0)
		return -EPIPE;
	return relay(conn, call, status, err);
}
