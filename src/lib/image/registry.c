/* registry.c - HTTP for the OCI distribution spec (distribution-spec
 * spec.md) on libcurl: scheme choice, auth challenges, manual redirects. */
#include <curl/curl.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/lazy.h"
#include "registry.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_response_clear(struct http_response *r)
{
	free(r->content_type);
	free(r->location);
	free(r->docker_digest);
	free(r->www_authenticate);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

void registry_free(struct registry *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->host);
	free(r->repository);
	free(r->actions);
	free(r->ca_file);
	free(r->cert_file);
	free(r->key_file);
	free(r->user);
	free(r->password);
	free(r->auth);
	free(r->challenge);
	if (r->share)
		curl_share_cleanup(r->share);
	for (size_t i = 0; i < HULL_ARRAY_SIZE(r->share_locks); i++)
		pthread_mutex_destroy(&r->share_locks[i]);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static bool is_loopback(const char *host)
{
	return !strncmp(host, "127.", 4) || !strncmp(host, "localhost", 9) || !strncmp(host, "[::1]", 5);
}

/* docker's certs.d: <dir>/<host[:port]>/ca.crt, client.cert, client.key. */
static void find_certs(struct registry *r)
{
	_cleanup_free_ char *own = hull_strdup_printf("%s/certs.d/%s", r->s->data_root, r->name);
	_cleanup_free_ char *docker = hull_strdup_printf("/etc/docker/certs.d/%s", r->name);
	const char *dirs[] = { own, docker };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *ca = hull_path_join(dirs[i], "ca.crt");
		_cleanup_free_ char *cert = hull_path_join(dirs[i], "client.cert");
		_cleanup_free_ char *key = hull_path_join(dirs[i], "client.key");
		if (!r->ca_file && access(ca, R_OK) == 0)
			r->ca_file = steal_ptr(ca);
		if (!r->cert_file && access(cert, R_OK) == 0 && access(key, R_OK) == 0) {
			r->cert_file = steal_ptr(cert);
			r->key_file = steal_ptr(key);
		}
	}
}

static void share_lock(CURL *c, curl_lock_data data, curl_lock_access access, void *opaque)
{
	(void)c, (void)access;
	struct registry *r = opaque;
	pthread_mutex_lock(&r->share_locks[(size_t)data % HULL_ARRAY_SIZE(r->share_locks)]);
}

static void share_unlock(CURL *c, curl_lock_data data, void *opaque)
{
	(void)c;
	struct registry *r = opaque;
	pthread_mutex_unlock(&r->share_locks[(size_t)data % HULL_ARRAY_SIZE(r->share_locks)]);
}

/* One TLS handshake per registry, not per request: the layer threads
 * share a connection cache (libcurl share interface, locked per kind). */
static void share_init(struct registry *r)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(r->share_locks); i++)
		pthread_mutex_init(&r->share_locks[i], NULL);
	CURLSH *sh = curl_share_init();
	if (!sh)
		return;
	curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(sh, CURLSHOPT_USERDATA, r);
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	r->share = sh;
}

void registry_curl_setup(struct registry *r, void *curl)
{
	if (r->share)
		curl_easy_setopt(curl, CURLOPT_SHARE, r->share);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "hull/" HULL_VERSION);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled transfer fails instead of hanging: < 1 kB/s for 60 s. */
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	if (r->o && r->o->insecure) {
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (r->ca_file) {
		/* certs.d adds to the system roots, as docker does: give both. */
		curl_easy_setopt(curl, CURLOPT_CAINFO, r->ca_file);
		curl_easy_setopt(curl, CURLOPT_CAPATH, "/etc/ssl/certs");
	}
	if (r->cert_file) {
		curl_easy_setopt(curl, CURLOPT_SSLCERT, r->cert_file);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, r->key_file);
	}
}

struct request_state {
	struct http_response *resp;
	struct http_sink *sink;
	size_t max_body;
	size_t cap;
	bool too_big;
};

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return NULL;
	const char *v = line + n + 1;
	const char *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	return strndup(v, (size_t)(end - v));
}

static size_t on_header(char *buf, size_t size, size_t n, void *opaque)
{
	struct request_state *st = opaque;
	struct http_response *r = st->resp;
	size_t len = size * n;
	char *v;
	if (len > 5 && !strncmp(buf, "HTTP/", 5)) {
		/* A new response (after 100 Continue): forget the previous headers. */
		long status = 0;
		const char *sp = memchr(buf, ' ', len);
		if (sp)
			status = strtol(sp + 1, NULL, 10);
		char *body = r->body;
		r->body = NULL;
		http_response_clear(r);
		free(body);
		r->status = status;
		r->content_length = -1;
	} else if ((v = header_value(buf, len, "Content-Type"))) {
		free(r->content_type);
		r->content_type = v;
	} else if ((v = header_value(buf, len, "Location"))) {
		free(r->location);
		r->location = v;
	} else if ((v = header_value(buf, len, "Docker-Content-Digest"))) {
		free(r->docker_digest);
		r->docker_digest = v;
	} else if ((v = header_value(buf, len, "WWW-Authenticate"))) {
		free(r->www_authenticate);
		r->www_authenticate = v;
	} else if ((v = header_value(buf, len, "Content-Length"))) {
		r->content_length = strtoll(v, NULL, 10);
		free(v);
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *opaque)
{
	struct request_state *st = opaque;
	size_t len = size * n;
	if (st->sink && st->resp->status >= 200 && st->resp->status < 300) {
		if (st->sink->write(st->sink->opaque, buf, len, &st->sink->error) < 0)
			return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
		return len;
	}
	struct http_response *r = st->resp;
	size_t limit = st->sink ? 65536 : st->max_body;
	if (r->body_len + len > limit) {
		st->too_big = true;
		return 0;
	}
	if (r->body_len + len + 1 > st->cap) {
		st->cap = (r->body_len + len + 1) * 2;
		r->body = hull_xrealloc(r->body, st->cap);
	}
	memcpy(r->body + r->body_len, buf, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return len;
}

static char *base_url(const struct registry *r)
{
	return hull_strdup_printf("%s://%s", r->https ? "https" : "http", r->host);
}

/* Perform one HTTP exchange, no retries. */
static int perform(struct registry *r, const char *method, const char *url, const char *const *extra,
		   bool send_auth, const void *upload, size_t upload_len, struct http_sink *sink, size_t max_body,
		   struct http_response *resp, CURLcode *code, struct hull_error **err)
{
	CURL *curl = curl_easy_init();
	if (!curl)
		return hull_error_msg(err, ENOMEM, "curl init failed");
	struct curl_slist *headers = NULL;
	bool accept = false;
	for (const char *const *h = extra; h && *h; h++) {
		headers = curl_slist_append(headers, *h);
		accept |= !strncasecmp(*h, "Accept:", 7);
	}
	/* Every registry request names the four manifest types: some answer by
	 * the Accept header even where no manifest is asked for (/v2/ pings,
	 * HEADs by digest). Blob stores we are redirected to get none. */
	if (!accept && send_auth)
		headers = curl_slist_append(headers, HULL_MANIFEST_ACCEPT);
	pthread_mutex_lock(&r->lock);
	if (send_auth && r->auth)
		headers = curl_slist_append(headers, r->auth);
	pthread_mutex_unlock(&r->lock);
	if (upload)
		headers = curl_slist_append(headers, "Expect:");
	struct request_state st = { .resp = resp, .sink = sink, .max_body = max_body };
	http_response_clear(resp);
	resp->content_length = -1;
	registry_curl_setup(r, curl);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &st);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &st);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET"))
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	if (upload || !strcmp(method, "POST") || !strcmp(method, "PUT")) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, upload ? upload : "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)upload_len);
	}
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	*code = curl_easy_perform(curl);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	if (*code == CURLE_WRITE_ERROR && sink && sink->error) {
		int ret = -sink->error->code;
		if (err) {
			hull_error_free(*err);
			*err = steal_ptr(sink->error);
		} else {
			hull_error_free(steal_ptr(sink->error));
		}
		return ret;
	}
	if (st.too_big)
		return hull_error_msg(err, EFBIG, "%s %s: response larger than %zu bytes", method, url, max_body);
	if (*code != CURLE_OK)
		return hull_error_msg(err, EIO, "%s %s: %s", method, url, errbuf[0] ? errbuf : curl_easy_strerror(*code));
	return 0;
}

static bool same_host(const struct registry *r, const char *url)
{
	_cleanup_free_ char *base = base_url(r);
	size_t n = strlen(base);
	return !strncmp(url, base, n) && (url[n] == '/' || url[n] == '\0');
}

/* Resolve a Location against the current URL (absolute, or a path). */
static char *resolve_location(const char *current, const char *loc)
{
	if (strstr(loc, "://"))
		return hull_xstrdup(loc);
	const char *p = strstr(current, "://");
	const char *slash = p ? strchr(p + 3, '/') : NULL;
	int n = slash ? (int)(slash - current) : (int)strlen(current);
	return hull_strdup_printf("%.*s%s%s", n, current, loc[0] == '/' ? "" : "/", loc);
}

int registry_request(struct registry *r, const char *method, const char *path, const char *const *extra,
		     const void *upload, size_t upload_len, struct http_sink *sink, size_t max_body,
		     struct http_response *resp, struct hull_error **err)
{
	_cleanup_free_ char *base = base_url(r);
	_cleanup_free_ char *url = strstr(path, "://") ? hull_xstrdup(path) : hull_strdup_printf("%s%s", base, path);
	bool retried_auth = false;
	for (int hops = 0; hops < 8; hops++) {
		CURLcode code;
		/* Credentials go to the registry only: never to a blob store it
		 * redirects to (S3/CDN URLs carry their own signature). */
		int ret = perform(r, method, url, extra, same_host(r, url), upload, upload_len, sink, max_body, resp,
				  &code, err);
		if (ret < 0)
			return ret;
		if (resp->status == 401 && resp->www_authenticate && !retried_auth && same_host(r, url)) {
			retried_auth = true;
			_cleanup_free_ char *header = NULL;
			if ((ret = auth_answer(r, resp->www_authenticate, &header, err)) < 0)
				return ret;
			pthread_mutex_lock(&r->lock);
			free(r->auth);
			r->auth = steal_ptr(header);
			pthread_mutex_unlock(&r->lock);
			continue;
		}
		if ((resp->status == 301 || resp->status == 302 || resp->status == 303 || resp->status == 307 ||
		     resp->status == 308) &&
		    resp->location) {
			char *next = resolve_location(url, resp->location);
			free(url);
			url = next;
			continue;
		}
		return 0;
	}
	return hull_error_msg(err, ELOOP, "%s %s: too many redirects", method, path);
}

/* Answer /v2/: choose the scheme, learn the challenge, get a token. */
static int ping(struct registry *r, struct hull_error **err)
{
	struct http_response resp = { 0 };
	_cleanup_free_ char *url = hull_strdup_printf("https://%s/v2/", r->host);
	CURLcode code = CURLE_OK;
	_cleanup_error_ struct hull_error *tls_err = NULL;
	r->https = true;
	int ret = perform(r, "GET", url, NULL, true, NULL, 0, NULL, 65536, &resp, &code, &tls_err);
	if (ret < 0 && r->may_http &&
	    (code == CURLE_SSL_CONNECT_ERROR || code == CURLE_COULDNT_CONNECT || code == CURLE_RECV_ERROR ||
	     code == CURLE_GOT_NOTHING)) {
		r->https = false;
		free(url);
		url = hull_strdup_printf("http://%s/v2/", r->host);
		ret = perform(r, "GET", url, NULL, true, NULL, 0, NULL, 65536, &resp, &code, err);
	} else if (ret < 0) {
		const char *hint = "";
		if (code == CURLE_PEER_FAILED_VERIFICATION)
			hint = " (give its CA as certs.d/<host:port>/ca.crt under the data root, or use --tls-verify=false)";
		else if (code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_CONNECT ||
			 code == CURLE_OPERATION_TIMEDOUT)
			hint = " (no network? offline, `hull image build-default` makes busybox and `hull load` / "
			       "`hull import` bring in other images)";
		ret = hull_error_msg(err, tls_err->code, "%s%s", tls_err->msg, hint);
	}
	if (ret < 0) {
		http_response_clear(&resp);
		return ret;
	}
	if (resp.status == 401 && resp.www_authenticate) {
		_cleanup_free_ char *header = NULL;
		ret = auth_answer(r, resp.www_authenticate, &header, err);
		if (ret >= 0) {
			free(r->auth);
			r->auth = steal_ptr(header);
		}
	} else if (resp.status != 200 && resp.status != 404) {
		ret = hull_error_msg(err, EPROTO, "%s does not answer like a registry (GET /v2/: HTTP %ld)", url,
				     resp.status);
	}
	http_response_clear(&resp);
	return ret;
}

int registry_open(struct hull_image_store *s, const struct hull_reference *ref, const struct hull_registry_options *o,
		  bool push, struct registry **out, struct hull_error **err)
{
	*out = NULL;
	int lr = hull_lazy_require(HULL_LIB_CURL, err);
	if (lr >= 0)
		lr = hull_lazy_require(HULL_LIB_CRYPTO, err); /* base64 of credentials */
	if (lr < 0)
		return hull_error_wrap(err, lr, "registry %s", ref->registry);
	pthread_once(&curl_once, curl_init_once);
	struct registry *r = hull_xcalloc(1, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	share_init(r);
	r->s = s;
	r->o = o;
	r->name = hull_xstrdup(ref->registry);
	r->host = hull_xstrdup(hull_reference_api_host(ref));
	r->repository = hull_xstrdup(ref->repository);
	r->actions = hull_xstrdup(push ? "pull,push" : "pull");
	r->may_http = (o && o->insecure) || is_loopback(r->host);
	find_certs(r);
	int ret = auth_lookup(s, o, r->name, &r->user, &r->password, err);
	if (ret >= 0)
		ret = ping(r, err);
	if (ret < 0) {
		registry_free(r);
		return hull_error_wrap(err, ret, "registry %s", ref->registry);
	}
	*out = r;
	return 0;
}
