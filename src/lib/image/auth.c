/* auth.c - registry credentials and the token flow (distribution
 * token-auth: WWW-Authenticate: Bearer realm, service, scope; RFC 7617
 * Basic). Credentials come from --creds, hull's own file (written by
 * `hull login`, mode 0600) or docker's config.json "auths". */
#include <curl/curl.h>
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "registry.h"

char *auth_file_path(struct hull_image_store *s, const struct hull_registry_options *o)
{
	if (o && o->auth_file)
		return hull_xstrdup(o->auth_file);
	const char *env = getenv("HULL_AUTH_FILE");
	if (env && *env)
		return hull_xstrdup(env);
	return hull_path_join(s->data_root, "auth.json");
}

static char *docker_config_path(void)
{
	const char *dir = getenv("DOCKER_CONFIG");
	if (dir && *dir)
		return hull_path_join(dir, "config.json");
	const char *home = getenv("HOME");
	return home ? hull_strdup_printf("%s/.docker/config.json", home) : NULL;
}

static char *base64(const char *s)
{
	size_t n = strlen(s);
	char *out = hull_xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
	return out;
}

static int unbase64(const char *s, char **out)
{
	size_t n = strlen(s);
	unsigned char *buf = hull_xmalloc(n + 1);
	int len = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
	if (len < 0) {
		free(buf);
		return -EINVAL;
	}
	while (len > 0 && n > 0 && s[n - 1] == '=') { /* EVP_DecodeBlock counts padding */
		len--;
		n--;
	}
	buf[len] = '\0';
	*out = (char *)buf;
	return 0;
}

/* The keys docker uses for one registry in "auths". */
static json_t *find_entry(json_t *auths, const char *registry)
{
	if (!strcmp(registry, "docker.io")) {
		const char *keys[] = { "https://index.docker.io/v1/", "docker.io", "index.docker.io",
				       "registry-1.docker.io", "https://registry-1.docker.io" };
		for (size_t i = 0; i < HULL_ARRAY_SIZE(keys); i++)
			if (json_object_get(auths, keys[i]))
				return json_object_get(auths, keys[i]);
		return NULL;
	}
	json_t *e = json_object_get(auths, registry);
	if (e)
		return e;
	const char *k;
	json_t *v;
	json_object_foreach (auths, k, v) {
		const char *h = strstr(k, "://") ? strstr(k, "://") + 3 : k;
		size_t n = strlen(registry);
		if (!strncmp(h, registry, n) && (h[n] == '\0' || h[n] == '/'))
			return v;
	}
	return NULL;
}

static int from_file(const char *path, const char *registry, char **user, char **password, struct hull_error **err)
{
	if (!path || access(path, F_OK) < 0)
		return 0;
	_cleanup_json_ json_t *j = hull_json_load_file(path, path, err);
	if (!j)
		return -EINVAL;
	json_t *e = find_entry(json_object_get(j, "auths"), registry);
	const char *a = json_string_value(json_object_get(e, "auth"));
	if (a && *a) {
		_cleanup_free_ char *plain = NULL;
		char *colon;
		if (unbase64(a, &plain) < 0 || !(colon = strchr(plain, ':')))
			return hull_error_msg(err, EINVAL, "%s: auths.%s.auth: not base64 of user:password", path, registry);
		*colon = '\0';
		*user = hull_xstrdup(plain);
		*password = hull_xstrdup(colon + 1);
		return 1;
	}
	const char *u = json_string_value(json_object_get(e, "username"));
	const char *p = json_string_value(json_object_get(e, "password"));
	if (u && p) {
		*user = hull_xstrdup(u);
		*password = hull_xstrdup(p);
		return 1;
	}
	return 0;
}

int auth_lookup(struct hull_image_store *s, const struct hull_registry_options *o, const char *registry,
		char **user, char **password, struct hull_error **err)
{
	*user = *password = NULL;
	if (o && o->username) {
		*user = hull_xstrdup(o->username);
		*password = hull_xstrdup(o->password ? o->password : "");
		return 0;
	}
	_cleanup_free_ char *own = auth_file_path(s, o);
	int ret = from_file(own, registry, user, password, err);
	if (ret != 0)
		return ret < 0 ? ret : 0;
	_cleanup_free_ char *docker = docker_config_path();
	ret = from_file(docker, registry, user, password, err);
	return ret < 0 ? ret : 0;
}

/* Parse `Bearer realm="x",service="y",scope="z"` (RFC 7235 auth-param). */
static char *challenge_param(const char *c, const char *key)
{
	size_t n = strlen(key);
	for (const char *p = c; (p = strcasestr(p, key)); p += n) {
		if (p != c && p[-1] != ' ' && p[-1] != ',')
			continue;
		if (p[n] != '=')
			continue;
		const char *v = p + n + 1;
		if (*v == '"') {
			const char *end = strchr(v + 1, '"');
			return end ? strndup(v + 1, (size_t)(end - v - 1)) : NULL;
		}
		return strndup(v, strcspn(v, ", "));
	}
	return NULL;
}

static size_t collect(char *buf, size_t size, size_t n, void *opaque)
{
	struct http_response *r = opaque;
	size_t len = size * n;
	if (r->body_len + len > 1 << 20)
		return 0;
	r->body = hull_xrealloc(r->body, r->body_len + len + 1);
	memcpy(r->body + r->body_len, buf, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return len;
}

static int fetch_token(struct registry *r, const char *challenge, char **token, struct hull_error **err)
{
	_cleanup_free_ char *realm = challenge_param(challenge, "realm");
	_cleanup_free_ char *service = challenge_param(challenge, "service");
	_cleanup_free_ char *scope = challenge_param(challenge, "scope");
	if (!realm)
		return hull_error_msg(err, EPROTO, "registry %s: Bearer challenge without a realm", r->name);
	CURL *curl = curl_easy_init();
	char *esc_service = service ? curl_easy_escape(curl, service, 0) : NULL;
	_cleanup_free_ char *own_scope =
		r->repository && *r->repository ? hull_strdup_printf("repository:%s:%s", r->repository, r->actions) : NULL;
	char *esc_scope = own_scope ? curl_easy_escape(curl, own_scope, 0) : NULL;
	char *esc_extra = scope && (!own_scope || strcmp(scope, own_scope)) ? curl_easy_escape(curl, scope, 0) : NULL;
	_cleanup_free_ char *url = hull_strdup_printf("%s%s%s%s%s%s%s%s", realm, strchr(realm, '?') ? "&" : "?",
						      esc_service ? "service=" : "", esc_service ? esc_service : "",
						      esc_scope ? "&scope=" : "", esc_scope ? esc_scope : "",
						      esc_extra ? "&scope=" : "", esc_extra ? esc_extra : "");
	curl_free(esc_service);
	curl_free(esc_scope);
	curl_free(esc_extra);
	struct http_response resp = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	registry_curl_setup(r, curl);
	curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	if (r->user) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, r->password);
	}
	CURLcode code = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	int ret = 0;
	if (code != CURLE_OK)
		ret = hull_error_msg(err, EIO, "token service %s: %s", realm, errbuf[0] ? errbuf : curl_easy_strerror(code));
	else if (status == 401 || status == 403)
		ret = hull_error_msg(err, EACCES, "registry %s: the token service refused %s (HTTP %ld); %s", r->name,
				     r->user ? "these credentials" : "anonymous access",
				     status, r->user ? "check them with `hull login`" : "log in with `hull login`");
	else if (status != 200)
		ret = hull_error_msg(err, EIO, "token service %s: HTTP %ld", realm, status);
	if (ret >= 0) {
		_cleanup_json_ json_t *j = hull_json_load_str(resp.body ? resp.body : "", resp.body_len, "token response", err);
		const char *t = json_string_value(json_object_get(j, "token"));
		if (!t || !*t)
			t = json_string_value(json_object_get(j, "access_token"));
		if (!j)
			ret = -EINVAL;
		else if (!t || !*t)
			ret = hull_error_msg(err, EPROTO, "token service %s: response has no token", realm);
		else
			*token = hull_xstrdup(t);
	}
	free(resp.body);
	return ret;
}

int auth_answer(struct registry *r, const char *challenge, char **header, struct hull_error **err)
{
	*header = NULL;
	if (!strncasecmp(challenge, "Basic", 5)) {
		if (!r->user)
			return hull_error_msg(err, EACCES, "registry %s requires authentication: run `hull login %s`", r->name,
					      r->name);
		_cleanup_free_ char *pair = hull_strdup_printf("%s:%s", r->user, r->password);
		_cleanup_free_ char *b64 = base64(pair);
		*header = hull_strdup_printf("Authorization: Basic %s", b64);
		return 0;
	}
	if (!strncasecmp(challenge, "Bearer", 6)) {
		_cleanup_free_ char *token = NULL;
		int ret = fetch_token(r, challenge, &token, err);
		if (ret < 0)
			return ret;
		*header = hull_strdup_printf("Authorization: Bearer %s", token);
		return 0;
	}
	return hull_error_msg(err, ENOTSUP, "registry %s: unsupported authentication scheme in `%s`", r->name, challenge);
}

static int update_auth_file(const char *path, const char *registry, const char *user, const char *password,
			    struct hull_error **err)
{
	_cleanup_json_ json_t *j = access(path, F_OK) == 0 ? hull_json_load_file(path, path, err) : json_object();
	if (!j)
		return -EINVAL;
	json_t *auths = json_object_get(j, "auths");
	if (!json_is_object(auths)) {
		auths = json_object();
		json_object_set_new(j, "auths", auths);
	}
	if (user) {
		_cleanup_free_ char *pair = hull_strdup_printf("%s:%s", user, password);
		_cleanup_free_ char *b64 = base64(pair);
		json_object_set_new(auths, registry, json_pack("{s:s}", "auth", b64));
	} else if (json_object_del(auths, registry) < 0) {
		return hull_error_msg(err, ENOENT, "not logged in to %s", registry);
	}
	_cleanup_free_ char *dir = hull_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		int ret = hull_mkdir_p(dir, 0700, err);
		if (ret < 0)
			return ret;
	}
	return hull_json_dump_file(j, path, 0600, err);
}

/* "HOST[:PORT]" from what a user types: a URL, a bare host, docker.io's aliases. */
static char *registry_key(const char *in)
{
	const char *h = strstr(in, "://") ? strstr(in, "://") + 3 : in;
	char *k = strndup(h, strcspn(h, "/"));
	if (!k)
		abort();
	if (!strcmp(k, "index.docker.io") || !strcmp(k, "registry-1.docker.io")) {
		free(k);
		k = hull_xstrdup("docker.io");
	}
	return k;
}

int hull_registry_login(struct hull_image_store *s, const char *registry, const char *user, const char *password,
			const struct hull_registry_options *o, struct hull_error **err)
{
	_cleanup_free_ char *key = registry_key(registry ? registry : "docker.io");
	struct hull_registry_options opts = o ? *o : (struct hull_registry_options){ 0 };
	opts.username = user;
	opts.password = password;
	struct hull_reference ref = { .registry = key, .repository = (char *)"" };
	_cleanup_(registry_freep) struct registry *r = NULL;
	int ret = registry_open(s, &ref, &opts, false, &r, err);
	if (ret < 0)
		return hull_error_wrap(err, ret, "login to %s", key);
	/* /v2/ with the answer to its challenge must now say 200. */
	struct http_response resp = { 0 };
	ret = registry_request(r, "GET", "/v2/", NULL, NULL, 0, NULL, 65536, &resp, err);
	long status = resp.status;
	http_response_clear(&resp);
	if (ret < 0)
		return hull_error_wrap(err, ret, "login to %s", key);
	if (status == 401 || status == 403)
		return hull_error_msg(err, EACCES, "login to %s: unauthorized: wrong user name or password", key);
	if (status != 200)
		return hull_error_msg(err, EIO, "login to %s: GET /v2/ answered HTTP %ld", key, status);
	_cleanup_free_ char *path = auth_file_path(s, o);
	return update_auth_file(path, key, user, password, err);
}

int hull_registry_logout(struct hull_image_store *s, const char *registry, const struct hull_registry_options *o,
			 struct hull_error **err)
{
	_cleanup_free_ char *key = registry_key(registry ? registry : "docker.io");
	_cleanup_free_ char *path = auth_file_path(s, o);
	if (access(path, F_OK) < 0)
		return hull_error_msg(err, ENOENT, "not logged in to %s", key);
	return update_auth_file(path, key, NULL, NULL, err);
}
