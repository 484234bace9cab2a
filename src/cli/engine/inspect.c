/* inspect.c - `hull inspect [-f FORMAT] [--type T] NAME...`: containers,
 * then volumes, networks and images, as docker looks them up. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "../output.h"
#include "../template.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/image.h"
#include "hull/inspect.h"
#include "hull/json.h"
#include "hull/network.h"
#include "hull/prune.h"
#include "hull/volume.h"

static json_t *image_json(struct hull_cli *cli, const char *ref)
{
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	if (hull_image_store_open(&cli->ctx, &store, NULL) < 0)
		return NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	if (hull_image_get(store, ref, &img, NULL) < 0)
		return NULL;
	json_t *tags = json_array();
	for (char **n = img->names; n && *n; n++)
		json_array_append_new(tags, json_string(*n));
	json_t *raw = img->config->raw;
	return json_pack("{s:s,s:o,s:O,s:O,s:O,s:I}", "Id", img->id, "RepoTags", tags, "Config",
			 json_object_get(raw, "config") ? json_object_get(raw, "config") : json_object(), "Architecture",
			 json_object_get(raw, "architecture") ? json_object_get(raw, "architecture") : json_string(""),
			 "RootFS", json_object_get(raw, "rootfs") ? json_object_get(raw, "rootfs") : json_object(), "Size",
			 (json_int_t)img->size);
}

static json_t *find(struct hull_cli *cli, const char *name, const char *type, bool size)
{
	if (!type || !strcmp(type, "container")) {
		_cleanup_container_ struct hull_container *c = hull_container_load(&cli->ctx, name, NULL);
		if (c) {
			json_t *j = hull_engine_inspect_json(c);
			unsigned long long rw, rootfs;
			/* docker's --size: SizeRw and SizeRootFs */
			if (size && hull_engine_container_size(&cli->ctx, c, &rw, &rootfs, NULL) == 0) {
				json_object_set_new(j, "SizeRw", json_integer((json_int_t)rw));
				json_object_set_new(j, "SizeRootFs", json_integer((json_int_t)rootfs));
			}
			return j;
		}
	}
	if (!type || !strcmp(type, "volume")) {
		_cleanup_volume_ struct hull_volume *v = hull_volume_get(&cli->ctx, name, NULL);
		if (v)
			return hull_volume_inspect_json(v);
	}
	if (!type || !strcmp(type, "image")) {
		json_t *img = image_json(cli, name);
		if (img)
			return img;
	}
	if (!type || !strcmp(type, "network")) {
		_cleanup_network_ struct hull_network *n = hull_network_get(&cli->ctx, name, NULL);
		if (n)
			return hull_network_inspect_json(&cli->ctx, n);
	}
	return NULL;
}

int cmd_engine_inspect(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
					      { "type", required_argument, NULL, 'T' },
					      { "size", no_argument, NULL, 's' },
					      { "help", no_argument, NULL, 'H' },
					      { 0 } };
	const char *format = NULL, *type = NULL;
	bool size = false;
	int c;
	while ((c = getopt_long(argc, argv, "+f:s", opts, NULL)) != -1) {
		if (c == 'f')
			format = optarg;
		else if (c == 'T')
			type = optarg;
		else if (c == 's')
			size = true;
		else if (c == 'H') {
			printf("Usage: hull inspect [-f TEMPLATE] [-s] [--type container|image|volume|network] NAME...\n\n"
			       "Low-level information on containers, images, volumes and networks (JSON)\n");
			return 0;
		} else
			return cli_usage_error("inspect", "unknown flag");
	}
	if (optind >= argc)
		return cli_usage_error("inspect", "requires at least 1 argument");
	_cleanup_json_ json_t *all = json_array();
	int status = 0;
	for (int i = optind; i < argc; i++) {
		json_t *j = find(cli, argv[i], type, size);
		if (!j) {
			/* docker container inspect names what it looked for */
			if (type && !strcmp(type, "container"))
				fprintf(stderr, "Error: No such container: %s\n", argv[i]);
			else
				fprintf(stderr, "Error: No such object: %s\n", argv[i]);
			status = 1;
			continue;
		}
		if (format) {
			const char *why = NULL;
			_cleanup_free_ char *line = cli_template_render(format, j, &why);
			json_decref(j);
			if (!line)
				return cli_usage_error("inspect", "--format: %s", why);
			printf("%s\n", line);
			continue;
		}
		json_array_append_new(all, j);
	}
	if (!format)
		cli_print_json(all);
	return status;
}
