/* api.h - the Docker Engine API server of `hull system service`: what the
 * server, the router and the handler files (system, images, containers)
 * share. The server (server.c) reads a request, the router (router.c)
 * picks a handler by method and path, the handler calls the engine
 * library and fills a response; nothing here forks the hull CLI. */
#ifndef HULL_CLI_API_H
#define HULL_CLI_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../cli.h"
#include "service.h"
#include "hull/container_store.h"
#include "hull/error.h"

/* The newest API version served (docker 20.10) and the oldest accepted. */
#define API_VERSION "1.41"
#define API_MIN_VERSION "1.12"

/* The largest request body read; a bigger one is refused with 400. */
#define API_MAX_BODY (1024 * 1024)

#define API_MAX_PARAMS 2

struct MHD_Connection;

struct api_request {
	struct hull_cli *cli;	      /* the service's context (roots, logging) */
	struct MHD_Connection *conn;  /* for query arguments and headers */
	const char *method;	      /* "GET", "POST", ... */
	const char *path;	      /* without the /vX.Y prefix */
	char *params[API_MAX_PARAMS]; /* the {name} parts of the route, url-decoded */
	const char *body;	      /* NUL-ended, NULL when none */
	size_t body_len;
	int body_fd; /* an upload's body (POST /images/load) in an unlinked file at offset 0, else -1 */
};

/* The largest upload (an image archive to load) spooled to disk. */
#define API_MAX_UPLOAD (64LL * 1024 * 1024 * 1024)

/* A streamed body: read(data, buf, max) fills buf, returns the bytes (0:
 * nothing yet, try again), -1 at the end; done(data) frees data. */
struct api_stream {
	long (*read)(void *data, char *buf, size_t max);
	void (*done)(void *data);
	void *data;
};

/* What a handler hands back: a JSON body (owned), a raw body (owned,
 * malloc'd), a stream, or nothing (204/304, and HEAD). */
struct api_response {
	unsigned status;
	json_t *json;
	char *raw;
	size_t raw_len;
	const char *content_type; /* of raw or a stream; default application/json */
	struct api_stream stream;
	bool has_stream;
	/* status 101: the connection is handed to upgrade (a
	 * libmicrohttpd MHD_UpgradeHandler) with upgrade_cls */
	void *upgrade;
	void *upgrade_cls;
};

typedef void (*api_handler)(struct api_request *req, struct api_response *resp);

/* api_route: the handler for method and path (versionless), the path's
 * {name} parts in req->params; NULL when no route matches (*allowed set
 * when the path exists for another method). */
api_handler api_route(struct api_request *req, bool *allowed);

/* api_error: a docker error body {"message": ...} with status. */
void api_error(struct api_response *resp, unsigned status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* api_fail: err (consumed) as a docker error, its code mapped to docker's
 * status: ENOENT 404, EEXIST/EBUSY/EALREADY 409, EINVAL 400, else 500. */
void api_fail(struct api_response *resp, struct hull_error *err);

/* api_not_found: a lookup's err (consumed): docker's 404 with the message
 * fmt makes when it says ENOENT, api_fail's answer otherwise. */
void api_not_found(struct api_response *resp, struct hull_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* api_query: the query argument key, NULL when absent. */
const char *api_query(const struct api_request *req, const char *key);

/* api_query_all: every value of the query argument key, in order (a
 * new JSON array of strings: ?names=a&names=b). */
json_t *api_query_all(const struct api_request *req, const char *key);

/* api_client_gone: the client of conn (req->conn) has hung up (for a long stream that
 * has nothing to send yet, which would not notice it otherwise). */
bool api_client_gone(struct MHD_Connection *conn);

/* api_query_bool: docker's boolean query arguments ("1", "true", "True"). */
bool api_query_bool(const struct api_request *req, const char *key);

/* api_body_json: the request body as a JSON object; NULL with a 400 set
 * in resp when it is missing, not JSON or not an object. */
json_t *api_body_json(const struct api_request *req, struct api_response *resp);

/* api_filters: the `filters` query argument, every key one of known
 * (NULL-ended), normalized to {"key":["value",...]} in *out (NULL when
 * absent); -1 with a 400 in resp when malformed or a key is unknown. */
int api_filters(const struct api_request *req, const char *const *known, json_t **out, struct api_response *resp);

/* api_filter_any: true when filters has no key, or match(obj, v) holds for
 * one of its values (docker ORs the values of one key). */
bool api_filter_any(json_t *filters, const char *key, bool (*match)(const void *obj, const char *value),
		    const void *obj);

/* api_label_match: labels (an object of strings) has "K", or "K=V". */
bool api_label_match(json_t *labels, const char *value);

/* api_labels_match: every "label" filter holds for labels (docker ANDs them). */
bool api_labels_match(json_t *filters, json_t *labels);

/* api_job_stream: answer with what run(data, out) writes to out, in a
 * thread of its own, as it comes (docker's progress streams); done(data)
 * (may be NULL) frees data after run. On failure to start, a 500 in resp
 * and done(data) at once. */
void api_job_stream(struct api_response *resp, void (*run)(void *data, int out), void (*done)(void *data), void *data);

/* api_json_line: line (consumed) and a newline to out; a client that went
 * away is not an error. */
void api_json_line(int out, json_t *line);

/* api_json_error_line: docker's in-stream error {"errorDetail":{"message"},"error"}. */
void api_json_error_line(int out, const char *msg);

struct hull_image_store;

/* api_image_store: the image store, which keeps the images containers use
 * from rmi and prune; NULL with the error in resp. */
struct hull_image_store *api_image_store(struct api_request *req, struct api_response *resp);

struct hull_container;

/* api_container_get: the container named by the route's first part, or
 * NULL with docker's "No such container" 404 (or another error) in resp. */
struct hull_container *api_container_get(struct api_request *req, struct api_response *resp);

/* Handlers, one concern a file. */
void api_ping(struct api_request *req, struct api_response *resp);
void api_version(struct api_request *req, struct api_response *resp);
void api_info(struct api_request *req, struct api_response *resp);
void api_images_list(struct api_request *req, struct api_response *resp);
void api_image_inspect(struct api_request *req, struct api_response *resp);
void api_image_create(struct api_request *req, struct api_response *resp);
void api_image_push(struct api_request *req, struct api_response *resp);
void api_image_get(struct api_request *req, struct api_response *resp);
void api_images_get(struct api_request *req, struct api_response *resp);
void api_images_load(struct api_request *req, struct api_response *resp);
void api_image_tag(struct api_request *req, struct api_response *resp);
void api_image_delete(struct api_request *req, struct api_response *resp);
void api_image_history(struct api_request *req, struct api_response *resp);
void api_images_prune(struct api_request *req, struct api_response *resp);
void api_containers_list(struct api_request *req, struct api_response *resp);
void api_container_inspect(struct api_request *req, struct api_response *resp);
void api_container_create(struct api_request *req, struct api_response *resp);
void api_container_start(struct api_request *req, struct api_response *resp);
void api_container_stop(struct api_request *req, struct api_response *resp);
void api_container_restart(struct api_request *req, struct api_response *resp);
void api_container_kill(struct api_request *req, struct api_response *resp);
void api_container_wait(struct api_request *req, struct api_response *resp);
void api_container_delete(struct api_request *req, struct api_response *resp);
void api_container_logs(struct api_request *req, struct api_response *resp);
void api_container_attach(struct api_request *req, struct api_response *resp);
void api_container_top(struct api_request *req, struct api_response *resp);
void api_container_stats(struct api_request *req, struct api_response *resp);
void api_events(struct api_request *req, struct api_response *resp);
void api_container_export(struct api_request *req, struct api_response *resp);
void api_commit(struct api_request *req, struct api_response *resp);
void api_system_df(struct api_request *req, struct api_response *resp);
void api_build_prune(struct api_request *req, struct api_response *resp);
void api_container_resize(struct api_request *req, struct api_response *resp);
void api_exec_resize(struct api_request *req, struct api_response *resp);
void api_exec_create(struct api_request *req, struct api_response *resp);
void api_exec_start(struct api_request *req, struct api_response *resp);
void api_exec_inspect(struct api_request *req, struct api_response *resp);

void api_container_rename(struct api_request *req, struct api_response *resp);
void api_container_pause(struct api_request *req, struct api_response *resp);
void api_container_unpause(struct api_request *req, struct api_response *resp);
void api_containers_prune(struct api_request *req, struct api_response *resp);
void api_networks_list(struct api_request *req, struct api_response *resp);
void api_network_inspect(struct api_request *req, struct api_response *resp);
void api_network_create(struct api_request *req, struct api_response *resp);
void api_network_delete(struct api_request *req, struct api_response *resp);
void api_network_connect(struct api_request *req, struct api_response *resp);
void api_network_disconnect(struct api_request *req, struct api_response *resp);
void api_networks_prune(struct api_request *req, struct api_response *resp);
void api_volumes_list(struct api_request *req, struct api_response *resp);
void api_volume_inspect(struct api_request *req, struct api_response *resp);
void api_volume_create(struct api_request *req, struct api_response *resp);
void api_volume_delete(struct api_request *req, struct api_response *resp);
void api_volumes_prune(struct api_request *req, struct api_response *resp);

#endif
