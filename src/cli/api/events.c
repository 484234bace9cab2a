/* events.c - GET /events: docker's event stream. hull has no daemon to
 * see things happen: the stream looks at the containers, networks and
 * volumes every 200 ms and reports what changed since (containers:
 * create, start, die with its exitCode, pause, unpause, rename, destroy;
 * networks and volumes: create, destroy). What happens and is undone
 * between two looks is not seen; `since` (a replay) is not served. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/network.h"
#include "hull/volume.h"

struct watch {
	struct hull_cli *cli;
	struct MHD_Connection *conn;
	json_t *filters;
	json_t *seen;	 /* {"container/ID": {...}, "network/NAME": {}, "volume/NAME": {}} */
	json_t *pending; /* events to send */
	long long until; /* unix seconds, 0: none */
};

static void watch_free(void *data)
{
	struct watch *w = data;
	json_decref(w->filters);
	json_decref(w->seen);
	json_decref(w->pending);
	free(w);
}

/* What is there now. */
static json_t *snapshot(struct hull_cli *cli)
{
	json_t *now = json_object();
	struct hull_container **list = NULL;
	size_t n = 0;
	if (hull_container_list(&cli->ctx, &list, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++) {
			json_t *labels = json_object_get(json_object_get(list[i]->record, "Config"), "Labels");
			char key[HULL_ID_LEN + 16];
			snprintf(key, sizeof(key), "container/%s", list[i]->id);
			json_object_set_new(now, key,
					    json_pack("{s:s,s:s,s:s,s:s,s:s,s:i,s:o}", "name", list[i]->name, "image",
						      hull_container_image(list[i]), "status",
						      hull_engine_status_name(list[i]->state.status), "started",
						      list[i]->state.started_at, "finished", list[i]->state.finished_at,
						      "exitCode", list[i]->state.exit_code, "labels",
						      json_is_object(labels) ? json_incref(labels) : json_object()));
			hull_container_free(list[i]);
		}
		free(list);
	}
	struct hull_network **ns = NULL;
	if (hull_network_list(&cli->ctx, &ns, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++) {
			char key[300];
			snprintf(key, sizeof(key), "network/%s", ns[i]->name);
			json_object_set_new(now, key, json_object());
			hull_network_free(ns[i]);
		}
		free(ns);
	}
	struct hull_volume **vs = NULL;
	if (hull_volume_list(&cli->ctx, &vs, &n, NULL) == 0) {
		for (size_t i = 0; i < n; i++) {
			char key[300];
			snprintf(key, sizeof(key), "volume/%s", vs[i]->name);
			json_object_set_new(now, key, json_object());
			hull_volume_free(vs[i]);
		}
		free(vs);
	}
	return now;
}

/* Does the event pass the filters (type, event, container, image, label,
 * network, volume)? */
static bool wanted(json_t *filters, const char *type, const char *action, const char *id, json_t *attrs)
{
	const char *name = json_string_value(json_object_get(attrs, "name"));
	const char *key;
	json_t *vals;
	json_object_foreach(filters, key, vals)
	{
		bool any = false;
		size_t i;
		json_t *v;
		json_array_foreach(vals, i, v)
		{
			const char *want = json_string_value(v);
			if (!strcmp(key, "type"))
				any |= !strcmp(want, type);
			else if (!strcmp(key, "event"))
				any |= !strcmp(want, action);
			else if (!strcmp(key, "label"))
				any |= api_label_match(attrs, want);
			else if (!strcmp(key, "image"))
				any |= !strcmp(type, "container") &&
				       !strcmp(want, json_string_value(json_object_get(attrs, "image")) ?: "");
			else if (!strcmp(key, type)) /* container=, network=, volume= */
				any |= !strncmp(id, want, strlen(want)) || (name && !strcmp(name, want));
		}
		/* docker ANDs labels; the rest: one value of each */
		if (!strcmp(key, "label")) {
			json_array_foreach(vals, i, v) any &= api_label_match(attrs, json_string_value(v));
		}
		if (!any)
			return false;
	}
	return true;
}

static void emit(struct watch *w, const char *type, const char *action, const char *id, json_t *attrs)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (wanted(w->filters, type, action, id, attrs)) {
		json_t *e = json_pack("{s:s,s:s,s:{s:s,s:O},s:s,s:I,s:I}", "Type", type, "Action", action, "Actor",
				      "ID", id, "Attributes", attrs, "scope", "local", "time", (json_int_t)now.tv_sec,
				      "timeNano", (json_int_t)now.tv_sec * 1000000000LL + now.tv_nsec);
		if (!strcmp(type, "container")) {
			/* the API's older members, which the docker CLI still prints */
			json_object_set_new(e, "status", json_string(action));
			json_object_set_new(e, "id", json_string(id));
			json_object_set(e, "from", json_object_get(attrs, "image"));
		}
		json_array_append_new(w->pending, e);
	}
	json_decref(attrs);
}

/* A container's attributes: its labels, image, name (and exitCode). */
static json_t *attributes(json_t *c, bool exit_code)
{
	json_t *a = json_deep_copy(json_object_get(c, "labels"));
	json_object_set(a, "image", json_object_get(c, "image"));
	json_object_set(a, "name", json_object_get(c, "name"));
	if (exit_code)
		json_object_set_new(a, "exitCode",
				    json_sprintf("%lld", json_integer_value(json_object_get(c, "exitCode"))));
	return a;
}

static bool is_up(const char *status)
{
	return !strcmp(status, "running") || !strcmp(status, "paused") || !strcmp(status, "restarting");
}

static const char *member(json_t *c, const char *key)
{
	const char *v = json_string_value(json_object_get(c, key));
	return v ? v : "";
}

/* By the start and finish times, so a run that began and ended between
 * two looks still gives its start and its die. */
static void container_changes(struct watch *w, const char *id, json_t *was, json_t *now)
{
	json_t *last = now ? now : was;
	const char *s0 = member(was, "status"), *s1 = member(now, "status");
	const char *st0 = member(was, "started"), *st1 = now ? member(now, "started") : st0;
	const char *fi0 = member(was, "finished"), *fi1 = now ? member(now, "finished") : fi0;
	bool started = *st1 && strcmp(st0, st1);
	/* a running container whose record went: it died with it */
	bool died = (*fi1 && strcmp(fi0, fi1)) || (!now && is_up(s0));
	if (!was)
		emit(w, "container", "create", id, attributes(now, false));
	if (was && now && strcmp(member(was, "name"), member(now, "name")))
		emit(w, "container", "rename", id, attributes(now, false));
	/* a restart between two looks: the old run's die comes first */
	if (died && started && strcmp(fi1, st1) < 0)
		emit(w, "container", "die", id, attributes(last, true));
	if (started)
		emit(w, "container", "start", id, attributes(last, false));
	if (died && !(started && strcmp(fi1, st1) < 0))
		emit(w, "container", "die", id, attributes(last, true));
	if (!strcmp(s1, "paused") && strcmp(s0, "paused"))
		emit(w, "container", "pause", id, attributes(now, false));
	if (!strcmp(s0, "paused") && !strcmp(s1, "running"))
		emit(w, "container", "unpause", id, attributes(now, false));
	if (!now)
		emit(w, "container", "destroy", id, attributes(was, false));
}

/* What changed from w->seen to now, as events in w->pending. */
static void compare(struct watch *w, json_t *now)
{
	const char *key;
	json_t *v;
	json_object_foreach(now, key, v)
	{
		const char *slash = strchr(key, '/');
		json_t *was = json_object_get(w->seen, key);
		if (!strncmp(key, "container/", 10))
			container_changes(w, slash + 1, was, v);
		else if (!was)
			emit(w, !strncmp(key, "network/", 8) ? "network" : "volume", "create", slash + 1,
			     json_pack("{s:s}", "name", slash + 1));
	}
	json_object_foreach(w->seen, key, v)
	{
		const char *slash = strchr(key, '/');
		if (json_object_get(now, key))
			continue;
		if (!strncmp(key, "container/", 10))
			container_changes(w, slash + 1, v, NULL);
		else
			emit(w, !strncmp(key, "network/", 8) ? "network" : "volume", "destroy", slash + 1,
			     json_pack("{s:s}", "name", slash + 1));
	}
}

static long events_read(void *data, char *buf, size_t max)
{
	struct watch *w = data;
	while (!json_array_size(w->pending)) {
		struct timespec nap = {0, 200 * 1000 * 1000};
		nanosleep(&nap, NULL);
		if (api_client_gone(w->conn) || (w->until && time(NULL) >= w->until))
			return -1;
		json_t *now = snapshot(w->cli);
		compare(w, now);
		json_decref(w->seen);
		w->seen = now;
	}
	_cleanup_free_ char *text = json_dumps(json_array_get(w->pending, 0), JSON_COMPACT);
	json_array_remove(w->pending, 0);
	int n = text ? snprintf(buf, max, "%s\n", text) : -1;
	return n > 0 && (size_t)n < max ? n : -1;
}

void api_events(struct api_request *req, struct api_response *resp)
{
	static const char *const known[] = {"type", "event", "container", "image", "label", "network", "volume", NULL};
	json_t *filters = NULL;
	if (api_filters(req, known, &filters, resp) < 0)
		return;
	const char *since = api_query(req, "since");
	const char *until = api_query(req, "until");
	if (since && *since && atoll(since) < (long long)time(NULL)) {
		json_decref(filters);
		api_error(resp, 400, "events: since (a replay of past events) is not served: hull keeps no event log");
		return;
	}
	struct watch *w = hull_xcalloc(1, sizeof(*w));
	w->cli = req->cli;
	w->conn = req->conn;
	w->filters = filters ? filters : json_object();
	w->pending = json_array();
	w->seen = snapshot(req->cli);
	w->until = until && *until ? atoll(until) : 0;
	resp->has_stream = true;
	resp->stream = (struct api_stream){.read = events_read, .done = watch_free, .data = w};
	resp->content_type = "application/json";
}
