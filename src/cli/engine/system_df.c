/* system_df.c - `hull system df -v`: docker's per-image, per-container and
 * per-volume tables under the summary's numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "../human.h"
#include "../output.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/oci_image.h"
#include "hull/prune.h"
#include "hull/timefmt.h"
#include "hull/volume.h"
#include "ps.h"
#include "system_internal.h"

static json_t *human(unsigned long long bytes)
{
	char s[32];
	cli_human_size(bytes, s, sizeof(s));
	return json_string(s);
}

static unsigned long containers_of(struct hull_container **cs, size_t n, const char *image_id)
{
	unsigned long count = 0;
	for (size_t i = 0; i < n; i++)
		count += !strcmp(json_string_value(json_object_get(cs[i]->record, "Image")) ?: "", image_id);
	return count;
}

static void image_rows(struct hull_image **imgs, struct hull_container **cs, size_t n, json_t *rows)
{
	/* how many images hold each layer: docker's SHARED SIZE is what the
	 * image shares with another one */
	_cleanup_json_ json_t *holders = json_object();
	for (struct hull_image **i = imgs; *i; i++)
		for (char **l = (*i)->layer_dirs; l && *l; l++)
			json_object_set_new(holders, *l,
					    json_integer(json_integer_value(json_object_get(holders, *l)) + 1));
	for (struct hull_image **i = imgs; *i; i++) {
		unsigned long long size = 0, shared = 0;
		for (char **l = (*i)->layer_dirs; l && *l; l++) {
			unsigned long long s = hull_du(*l);
			size += s;
			if (json_integer_value(json_object_get(holders, *l)) > 1)
				shared += s;
		}
		_cleanup_free_ char *fam = (*i)->names[0] ? hull_reference_familiar((*i)->names[0]) : NULL;
		char *colon = fam ? strrchr(fam, ':') : NULL;
		if (colon)
			*colon = '\0';
		char ago[64], count[24];
		long long created = hull_time_parse_seconds((*i)->config->created);
		cli_human_ago((created ? created : (*i)->created) * 1000000000LL, ago, sizeof(ago));
		snprintf(count, sizeof(count), "%lu", containers_of(cs, n, (*i)->id));
		json_array_append_new(rows, json_pack("[s,s,s#,s,o,o,o,s]", fam ? fam : "<none>",
						      colon ? colon + 1 : "<none>", (*i)->id + 7, 12, ago,
						      human(size), human(shared), human(size - shared), count));
	}
}

static void container_rows(struct hull_cli *cli, struct hull_container **cs, size_t n, json_t *rows)
{
	for (size_t i = n; i-- > 0;) { /* newest first, as ps */
		_cleanup_json_ json_t *ps = engine_ps_row(cs[i], false);
		unsigned long long rw = 0, total = 0;
		hull_engine_container_size(&cli->ctx, cs[i], &rw, &total, NULL);
		unsigned long volumes = 0;
		size_t k;
		json_t *m;
		json_array_foreach(json_object_get(cs[i]->record, "Mounts"), k, m)
			volumes += !strcmp(json_string_value(json_object_get(m, "Type")) ?: "", "volume");
		char vols[24];
		snprintf(vols, sizeof(vols), "%lu", volumes);
		json_array_append_new(rows, json_pack("[O,O,O,s,o,O,O,O]", json_object_get(ps, "ID"),
						      json_object_get(ps, "Image"), json_object_get(ps, "Command"), vols,
						      human(rw), json_object_get(ps, "RunningFor"),
						      json_object_get(ps, "Status"), json_object_get(ps, "Names")));
	}
}

static void volume_rows(struct hull_cli *cli, json_t *rows)
{
	struct hull_volume **vs;
	size_t n;
	if (hull_volume_list(&cli->ctx, &vs, &n, NULL) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		_cleanup_strv_ char **users = NULL;
		size_t links = 0;
		if (hull_volume_users(&cli->ctx, vs[i]->name, &users, NULL) == 0)
			while (users && users[links])
				links++;
		char count[24];
		snprintf(count, sizeof(count), "%zu", links);
		json_array_append_new(rows, json_pack("[s,s,o]", vs[i]->name, count, human(hull_du(vs[i]->mountpoint))));
		hull_volume_free(vs[i]);
	}
	free(vs);
}

int engine_system_df_verbose(struct hull_cli *cli)
{
	struct hull_error *err = NULL;
	struct hull_container **cs;
	size_t n;
	if (hull_container_list(&cli->ctx, &cs, &n, &err) < 0)
		return cli_fail(cli, err);
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	struct hull_image **imgs = NULL;
	if (hull_image_store_open(&cli->ctx, &store, &err) < 0 || hull_image_list(store, &imgs, &err) < 0) {
		for (size_t i = 0; i < n; i++)
			hull_container_free(cs[i]);
		free(cs);
		return cli_fail(cli, err);
	}
	static const char *const image_heads[] = { "REPOSITORY",  "TAG",         "IMAGE ID",   "CREATED",
						   "SIZE",        "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS" };
	static const char *const container_heads[] = { "CONTAINER ID", "IMAGE",   "COMMAND", "LOCAL VOLUMES",
						       "SIZE",         "CREATED", "STATUS",  "NAMES" };
	static const char *const volume_heads[] = { "VOLUME NAME", "LINKS", "SIZE" };
	static const char *const cache_heads[] = { "CACHE ID", "CACHE TYPE", "SIZE", "CREATED", "LAST USED", "USAGE",
						   "SHARED" };
	_cleanup_json_ json_t *images = json_array(), *containers = json_array(), *volumes = json_array();
	image_rows(imgs, cs, n, images);
	container_rows(cli, cs, n, containers);
	volume_rows(cli, volumes);
	printf("Images space usage:\n\n");
	cli_print_table(image_heads, NULL, 8, images);
	printf("\nContainers space usage:\n\n");
	cli_print_table(container_heads, NULL, 8, containers);
	printf("\nLocal Volumes space usage:\n\n");
	cli_print_table(volume_heads, NULL, 3, volumes);
	/* hull builds no images: no build cache */
	printf("\nBuild cache usage: 0B\n\n");
	_cleanup_json_ json_t *none = json_array();
	cli_print_table(cache_heads, NULL, 7, none);
	hull_image_list_free(imgs);
	for (size_t i = 0; i < n; i++)
		hull_container_free(cs[i]);
	free(cs);
	return 0;
}
