/* server.c - `hull system service`: the Docker Engine API on a unix socket
 * (or, asked for explicitly, a TCP address), served by libmicrohttpd with
 * a thread per connection, so a long request (wait, logs --follow) holds
 * only its own connection.
 *
 * The handlers fork container monitors from this threaded process; the
 * child runs on in the monitor without exec. glibc's fork() takes and
 * resets malloc's locks around the fork, jansson keeps no locks, and the
 * libmicrohttpd threads' own locks are never touched by the monitor. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/lazy.h"

#define DEFAULT_HOST "unix:///run/hull/docker.sock"

/* A thread each: more clients than this wait for a free one. */
#define MAX_CONNECTIONS 256

/* One connection's request being read. */
struct pending {
	char *body;
	size_t len;
	bool too_big;
	int fd;			    /* an upload spooled to disk (upload_to_file), else -1 */
	unsigned long long spooled; /* its bytes */
	int spool_errno;	    /* why spooling failed, 0 when it did not */
};

void api_error(struct api_response *resp, unsigned status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_decref(resp->json);
	resp->status = status;
	resp->json = json_pack("{s:s}", "message", msg);
}

void api_not_found(struct api_response *resp, struct hull_error *err, const char *fmt, ...)
{
	if (!err || err->code != ENOENT) {
		api_fail(resp, err);
		return;
	}
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	hull_error_free(err);
	api_error(resp, 404, "%s", msg);
}

void api_fail(struct api_response *resp, struct hull_error *err)
{
	unsigned status = 500;
	int code = err ? err->code : EIO;
	if (code == ENOENT || code == ESRCH)
		status = 404;
	else if (code == EEXIST || code == EBUSY || code == EALREADY || code == ENOTEMPTY)
		status = 409;
	else if (code == EINVAL || code == E2BIG || code == ENAMETOOLONG)
		status = 400;
	api_error(resp, status, "%s", err && err->msg ? err->msg : "internal error");
	hull_error_free(err);
}

const char *api_query(const struct api_request *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

struct collect {
	const char *key;
	json_t *values;
};

static enum MHD_Result collect_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct collect *c = cls;
	if (key && value && !strcmp(key, c->key))
		json_array_append_new(c->values, json_string(value));
	return MHD_YES;
}

json_t *api_query_all(const struct api_request *req, const char *key)
{
	struct collect c = {key, json_array()};
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, collect_value, &c);
	return c.values;
}

bool api_client_gone(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!info)
		return false;
	struct pollfd p = {.fd = info->connect_fd, .events = POLLRDHUP};
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

bool api_query_bool(const struct api_request *req, const char *key)
{
	const char *v = api_query(req, key);
	return v && (!strcmp(v, "1") || !strcasecmp(v, "true"));
}

json_t *api_body_json(const struct api_request *req, struct api_response *resp)
{
	if (!req->body || !req->body_len) {
		api_error(resp, 400, "request body: a JSON object is required");
		return NULL;
	}
	json_error_t jerr;
	json_t *j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!j || !json_is_object(j)) {
		api_error(resp, 400, "request body: %s", j ? "not a JSON object" : jerr.text);
		json_decref(j);
		return NULL;
	}
	return j;
}

static long stream_read_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct api_stream *s = cls;
	long n = s->read(s->data, buf, max);
	return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void stream_free_cb(void *cls)
{
	struct api_stream *s = cls;
	if (s->done)
		s->done(s->data);
	free(s);
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct api_response *resp)
{
	struct MHD_Response *r;
	const char *type = resp->content_type ? resp->content_type : "application/json";
	if (resp->upgrade) {
		r = MHD_create_response_for_upgrade((MHD_UpgradeHandler)resp->upgrade, resp->upgrade_cls);
		if (r) {
			MHD_add_response_header(r, "Upgrade", "tcp");
			MHD_add_response_header(r, "Connection", "Upgrade");
		}
	} else if (resp->has_stream) {
		struct api_stream *s = malloc(sizeof(*s));
		if (!s)
			return MHD_NO;
		*s = resp->stream;
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read_cb, s, stream_free_cb);
	} else if (resp->json) {
		char *text = json_dumps(resp->json, JSON_COMPACT);
		size_t len = text ? strlen(text) : 0;
		if (text)
			text[len++] = '\n'; /* docker's encoder ends every body with a newline */
		r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
		type = "application/json";
	} else {
		r = MHD_create_response_from_buffer(resp->raw_len, resp->raw, MHD_RESPMEM_MUST_FREE);
		resp->raw = NULL;
	}
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Api-Version", API_VERSION);
	MHD_add_response_header(r, "Docker-Experimental", "false");
	MHD_add_response_header(r, "Ostype", "linux");
	MHD_add_response_header(r, "Server", "hull/" HULL_VERSION " (linux)");
	enum MHD_Result ret = MHD_queue_response(conn, resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* "/v1.41/containers/json" -> "/containers/json"; the version is not checked beyond its shape. */
static const char *strip_version(const char *url)
{
	if (url[0] == '/' && url[1] == 'v' && url[2] >= '0' && url[2] <= '9') {
		const char *p = url + 2;
		while ((*p >= '0' && *p <= '9') || *p == '.')
			p++;
		if (*p == '/')
			return p;
	}
	return url;
}

/* Requests whose body is an archive (a load, an import), not JSON: spooled to an unlinked
 * file in the data root instead of memory, up to API_MAX_UPLOAD. */
static bool upload_to_file(struct MHD_Connection *conn, const char *method, const char *url)
{
	const char *src = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "fromSrc");
	return !strcmp(method, "POST") && (!strcmp(strip_version(url), "/images/load") ||
					   (!strcmp(strip_version(url), "/images/create") && src && !strcmp(src, "-")));
}

static int spool_open(struct hull_cli *cli)
{
	_cleanup_free_ char *path = hull_strdup_printf("%s/.api-upload.XXXXXX", cli->ctx.data_root);
	int fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static void spool(struct pending *p, const char *data, size_t len)
{
	if (p->spool_errno || p->too_big)
		return;
	if (p->spooled + len > (unsigned long long)API_MAX_UPLOAD) {
		p->too_big = true;
		return;
	}
	while (len > 0) {
		ssize_t n = write(p->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			p->spool_errno = n < 0 ? errno : EIO;
			return;
		}
		data += n;
		len -= (size_t)n;
		p->spooled += (unsigned long long)n;
	}
}

static void dispatch(struct hull_cli *cli, struct MHD_Connection *conn, const char *url, const char *method,
		     struct pending *p, struct api_response *resp)
{
	struct api_request req = {.cli = cli,
				  .conn = conn,
				  .method = method,
				  .path = strip_version(url),
				  .body = p->body,
				  .body_len = p->len,
				  .body_fd = p->fd};
	if (p->too_big) {
		api_error(resp, 400, "request body larger than %lld bytes", p->fd >= 0 ? API_MAX_UPLOAD : API_MAX_BODY);
		return;
	}
	if (p->spool_errno || (p->fd >= 0 && lseek(p->fd, 0, SEEK_SET) < 0)) {
		api_error(resp, 500, "spool the upload to %s: %s", cli->ctx.data_root,
			  strerror(p->spool_errno ? p->spool_errno : errno));
		return;
	}
	bool allowed;
	api_handler h = api_route(&req, &allowed);
	if (!h) {
		if (allowed)
			api_error(resp, 405, "method %s not allowed on %s", method, req.path);
		else
			api_error(resp, 404, "page not found: %s %s (not served by hull, see docs/docker-api.md)",
				  method, req.path);
		return;
	}
	h(&req, resp);
	for (size_t i = 0; i < API_MAX_PARAMS; i++)
		free(req.params[i]);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct hull_cli *cli = cls;
	struct pending *p = *con_cls;
	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return MHD_NO;
		p->fd = -1;
		if (upload_to_file(conn, method, url)) {
			p->fd = spool_open(cli);
			if (p->fd < 0)
				p->spool_errno = errno;
		}
		*con_cls = p;
		return MHD_YES;
	}
	if (*upload_size) {
		if (p->fd >= 0 || p->spool_errno)
			spool(p, upload, *upload_size);
		else if (!p->too_big && p->len + *upload_size <= API_MAX_BODY) {
			char *nb = realloc(p->body, p->len + *upload_size + 1);
			if (!nb)
				return MHD_NO;
			p->body = nb;
			memcpy(p->body + p->len, upload, *upload_size);
			p->len += *upload_size;
			p->body[p->len] = '\0';
		} else {
			p->too_big = true;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	struct api_response resp = {.status = 200};
	dispatch(cli, conn, url, method, p, &resp);
	if (cli->ctx.debug)
		fprintf(stderr, "hull service: %s %s -> %u\n", method, url, resp.status);
	enum MHD_Result ret = send_response(conn, &resp);
	json_decref(resp.json);
	free(resp.raw);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct pending *p = *con_cls;
	if (p) {
		if (p->fd >= 0)
			close(p->fd);
		free(p->body);
		free(p);
		*con_cls = NULL;
	}
}

/* Listen on a unix socket at path, mode 0660, replacing a stale socket
 * (never another kind of file). */
static int listen_unix(const char *path, struct stat *bound, struct hull_error **err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path))
		return hull_error_msg(err, ENAMETOOLONG, "--host unix://%s: the path is too long for a socket", path);
	strcpy(sa.sun_path, path);
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return hull_error_msg(err, EEXIST, "--host unix://%s: a file that is not a socket is there",
					      path);
		unlink(path);
	}
	_cleanup_free_ char *dir = strdup(path);
	char *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash && slash != dir) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_error_set(err, errno, "socket");
	mode_t old = umask(0117);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0)
		return hull_error_set(err, errno, "bind `%s`", path);
	if (chmod(path, 0660) < 0 || listen(fd, 64) < 0 || lstat(path, bound) < 0)
		return hull_error_set(err, errno, "listen on `%s`", path);
	return take_fd(fd);
}

/* "127.0.0.1:2375" (or after tcp://): an IPv4 address and a port. */
static int listen_tcp(const char *addr, struct hull_error **err)
{
	_cleanup_free_ char *host = strdup(addr);
	char *colon = host ? strrchr(host, ':') : NULL;
	if (!colon)
		return hull_error_msg(err, EINVAL, "--host tcp://%s: expected IP:PORT", addr);
	*colon = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	if (*end || port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return hull_error_msg(err, EINVAL, "--host tcp://%s: expected an IPv4 address and a port", addr);
	_cleanup_close_ int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return hull_error_set(err, errno, "socket");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0)
		return hull_error_set(err, errno, "listen on %s", addr);
	return take_fd(fd);
}

/* The listening socket for --host; *unix_path gets the socket to remove at exit. */
static int open_host(const char *host, const char **unix_path, struct stat *bound, struct hull_error **err)
{
	*unix_path = NULL;
	if (!strncmp(host, "unix://", 7)) {
		*unix_path = host + 7;
		return listen_unix(host + 7, bound, err);
	}
	const char *addr = !strncmp(host, "tcp://", 6) ? host + 6 : host;
	if (addr == host && strncmp(host, "127.0.0.1:", 10))
		return hull_error_msg(err, EINVAL,
				      "--host %s: give unix:///PATH, 127.0.0.1:PORT, or tcp://IP:PORT to listen on TCP",
				      host);
	fprintf(stderr,
		"hull: WARNING: the API on %s has no authentication and no TLS: whoever reaches it is root "
		"on this machine\n",
		addr);
	return listen_tcp(addr, err);
}

/* Close the listening socket and remove its path, unless another server
 * has since put its own socket there. */
static void remove_socket(int fd, const char *unix_path, const struct stat *bound)
{
	struct stat there;
	close(fd);
	if (unix_path && lstat(unix_path, &there) == 0 && there.st_dev == bound->st_dev &&
	    there.st_ino == bound->st_ino)
		unlink(unix_path);
}

int cmd_system_service(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"host", required_argument, NULL, 'H'}, {"help", no_argument, NULL, 'h'}, {0}};
	const char *host = DEFAULT_HOST;
	int c;
	while ((c = getopt_long(argc, argv, "+H:", opts, NULL)) != -1) {
		if (c == 'H')
			host = optarg;
		else if (c == 'h') {
			printf(
			    "Usage: hull system service [-H|--host ADDR]\n\nServe the Docker Engine API (v%s) so the "
			    "docker CLI works against hull (docs/docker-api.md)\n\n  -H, --host ADDR   unix:///PATH "
			    "(default %s, mode 0660), 127.0.0.1:PORT or tcp://IP:PORT\n",
			    API_VERSION, DEFAULT_HOST);
			return 0;
		} else
			return cli_usage_error("system service", "unknown flag");
	}
	if (optind < argc)
		return cli_usage_error("system service", "accepts no arguments");
	struct hull_error *err = NULL;
	if (hull_lazy_require(HULL_LIB_MICROHTTPD, &err) < 0)
		return cli_fail(cli, err);
	const char *unix_path;
	struct stat bound = {0};
	int fd = open_host(host, &unix_path, &bound, &err);
	if (fd < 0)
		return cli_fail(cli, err);
	/* the MHD threads inherit this mask: only the main thread takes the stop signals */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG, 0,
	    NULL, NULL, on_request, cli, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)0, MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
	    MHD_OPTION_END);
	if (!d) {
		remove_socket(fd, unix_path, &bound);
		hull_error_msg(&err, EIO, "start the API server on %s", host);
		return cli_fail(cli, err);
	}
	fprintf(stderr, "hull: serving the Docker API v%s on %s\n", API_VERSION, host);
	int sig = 0;
	sigwait(&stop, &sig);
	MHD_stop_daemon(d);
	remove_socket(fd, unix_path, &bound);
	return 0;
}
