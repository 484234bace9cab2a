/* registry.h - an OCI distribution-spec client on libcurl (private). */
#ifndef HULL_IMAGE_REGISTRY_H
#define HULL_IMAGE_REGISTRY_H

#include <pthread.h>
#include <stdbool.h>

#include "store.h"

struct registry {
	struct hull_image_store *s;
	const struct hull_registry_options *o;
	char *name;       /* as written in references: "docker.io", "127.0.0.1:5100" */
	char *host;       /* where the API lives: "registry-1.docker.io" */
	char *repository; /* "library/busybox" */
	char *actions;    /* token scope actions: "pull" or "pull,push" */
	bool https;       /* scheme in use (may drop to http: insecure or loopback) */
	bool may_http;
	char *ca_file;    /* certs.d/<host>/ca.crt when present */
	char *cert_file, *key_file;
	char *user, *password; /* credentials, or NULL */
	pthread_mutex_t lock;  /* guards auth (shared by the layer threads) */
	void *share;           /* CURLSH: connections, TLS sessions and DNS reused across requests */
	pthread_mutex_t share_locks[8]; /* one per curl_lock_data */
	char *auth;            /* "Authorization: ..." header, or NULL */
	char *challenge;       /* last WWW-Authenticate */
};

/* A response. body is NUL-terminated when collected into memory. */
struct http_response {
	long status;
	char *content_type;
	char *location;
	char *docker_digest;
	char *www_authenticate;
	long long content_length;
	char *body;
	size_t body_len;
};
void http_response_clear(struct http_response *r);

/* Where a download's bytes go; write returns 0 or negative errno with *err set. */
struct http_sink {
	int (*write)(void *opaque, const void *data, size_t len, struct hull_error **err);
	void *opaque;
	struct hull_error *error; /* set by write */
};

/* registry_open: a client for ref's registry and repository, with
 * credentials looked up, scheme chosen and the /v2/ challenge answered.
 * push asks for push access too. */
int registry_open(struct hull_image_store *s, const struct hull_reference *ref, const struct hull_registry_options *o,
		  bool push, struct registry **out, struct hull_error **err);
void registry_free(struct registry *r);
static inline void registry_freep(struct registry **r)
{
	registry_free(*r);
	*r = NULL;
}

/* registry_request: one call with auth, retry after a 401 challenge, and
 * redirects followed by hand (Authorization is never sent to another host).
 * path is "/v2/..." or an absolute URL. extra: NULL-terminated headers.
 * upload (may be NULL, upload_len bytes) is the body. sink NULL collects
 * the body in resp->body up to max_body bytes. */
int registry_request(struct registry *r, const char *method, const char *path, const char *const *extra,
		     const void *upload, size_t upload_len, struct http_sink *sink, size_t max_body,
		     struct http_response *resp, struct hull_error **err);

/* ---- auth.c ---- */

/* auth_lookup: user/password for registry name from o->username, the hull
 * credentials file or docker's config.json; 0 with NULLs when none. */
int auth_lookup(struct hull_image_store *s, const struct hull_registry_options *o, const char *registry,
		char **user, char **password, struct hull_error **err);

/* auth_answer: given a WWW-Authenticate challenge, produce the
 * Authorization header (Basic with the credentials, or Bearer after asking
 * the token service for repository:<repo>:<actions>). */
int auth_answer(struct registry *r, const char *challenge, char **header, struct hull_error **err);

/* auth_file_path: o->auth_file or data_root/auth.json (malloc'd). */
char *auth_file_path(struct hull_image_store *s, const struct hull_registry_options *o);

/* registry_curl_setup: TLS and common options for an easy handle. */
void registry_curl_setup(struct registry *r, void *curl);

#endif
