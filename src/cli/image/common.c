/* common.c - printing helpers shared by the image commands. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hull/cleanup.h"
#include "hull/container_lifecycle.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "image_cli.h"

struct hull_image_store *image_cli_open(struct hull_cli *cli)
{
	struct hull_image_store *s = NULL;
	struct hull_error *err = NULL;
	if (hull_image_store_open(&cli->ctx, &s, &err) < 0) {
		cli_fail(cli, err);
		return NULL;
	}
	/* rmi and prune keep images that containers use (the engine knows) */
	hull_image_store_set_in_use(s, hull_engine_image_in_use, &cli->ctx);
	return s;
}

const char *image_cli_size(long long bytes, char *buf, size_t len)
{
	/* docker uses SI units (go-units HumanSize). */
	static const char *units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1000 && u + 1 < HULL_ARRAY_SIZE(units)) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.3g%s", v, units[u]);
	return buf;
}

const char *image_cli_ago(long long t, char *buf, size_t len)
{
	long long d = (long long)time(NULL) - t;
	static const struct {
		long long secs;
		const char *name;
	} steps[] = { { 365 * 86400LL, "year" }, { 30 * 86400LL, "month" }, { 7 * 86400LL, "week" },
		      { 86400, "day" },          { 3600, "hour" },          { 60, "minute" } };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(steps); i++)
		if (d >= steps[i].secs) {
			long long n = d / steps[i].secs;
			snprintf(buf, len, "%lld %s%s ago", n, steps[i].name, n > 1 ? "s" : "");
			return buf;
		}
	snprintf(buf, len, "%s", d < 2 ? "Less than a second ago" : "Less than a minute ago");
	if (d >= 2 && d < 60)
		snprintf(buf, len, "%lld seconds ago", d);
	return buf;
}

void image_cli_print_lines(char **lines)
{
	for (char **l = lines; l && *l; l++)
		printf("%s\n", *l);
	hull_strv_free(lines);
}

static json_t *strv_json(char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

json_t *image_cli_inspect_json(const struct hull_image *img)
{
	json_t *raw = img->config->raw;
	json_t *o = json_object();
	json_object_set_new(o, "Id", json_string(img->id));
	json_t *tags = json_array();
	for (char **n = img->names; *n; n++) {
		_cleanup_free_ char *fam = hull_reference_familiar(*n);
		json_array_append_new(tags, json_string(fam));
	}
	json_object_set_new(o, "RepoTags", tags);
	json_object_set_new(o, "RepoDigests", strv_json(img->repo_digests));
	json_object_set_new(o, "ManifestDigest", json_string(img->manifest_digest));
	json_t *v;
	if ((v = json_object_get(raw, "created")))
		json_object_set(o, "Created", v);
	if ((v = json_object_get(raw, "author")))
		json_object_set(o, "Author", v);
	json_object_set(o, "Config", json_object_get(raw, "config") ? json_object_get(raw, "config") : json_object());
	json_object_set_new(o, "Architecture", json_string(img->config->architecture ? img->config->architecture : ""));
	if (img->config->variant)
		json_object_set_new(o, "Variant", json_string(img->config->variant));
	json_object_set_new(o, "Os", json_string(img->config->os ? img->config->os : ""));
	json_object_set_new(o, "Size", json_integer(img->size));
	json_object_set_new(o, "RootFS", json_pack("{s:s, s:o}", "Type", "layers", "Layers",
						   strv_json(img->config->diff_ids)));
	json_object_set_new(o, "LayerDirs", strv_json(img->layer_dirs));
	if ((v = json_object_get(raw, "history")))
		json_object_set(o, "History", v);
	return o;
}
