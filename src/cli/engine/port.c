/* port.c - `hull port CONTAINER [PRIVATE_PORT[/PROTO]]`: the published
 * ports of a container as docker port prints them, from its record's
 * NetworkSettings.Ports (bridge, slirp4netns and pasta alike). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/fs.h"

/* Print the bindings of one "PORT/PROTO" key; with_key: "80/tcp -> "
 * before each. Returns how many. */
static int print_bindings(const char *key, json_t *list, bool with_key)
{
	size_t i;
	json_t *b;
	int n = 0;
	json_array_foreach(list, i, b)
	{
		const char *ip = json_string_value(json_object_get(b, "HostIp"));
		const char *port = json_string_value(json_object_get(b, "HostPort"));
		if (!port || !*port)
			continue;
		printf("%s%s%s:%s\n", with_key ? key : "", with_key ? " -> " : "", ip && *ip ? ip : "0.0.0.0", port);
		n++;
	}
	return n;
}

int cmd_engine_port(struct hull_cli *cli, int argc, char **argv)
{
	if (argc < 2 || argc > 3 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("Usage: hull port CONTAINER [PRIVATE_PORT[/PROTO]]\n\n"
		       "List port mappings or a specific mapping for the container\n");
		return argc < 2 || argc > 3;
	}
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *c = hull_container_load(&cli->ctx, argv[1], &err);
	if (!c)
		return cli_fail(cli, err);
	json_t *ports = json_object_get(json_object_get(c->record, "NetworkSettings"), "Ports");
	bool running = c->state.status == HULL_ENGINE_RUNNING || c->state.status == HULL_ENGINE_PAUSED;
	if (argc == 2) {
		const char *key;
		json_t *list;
		json_object_foreach(ports, key, list)
			if (running)
				print_bindings(key, list, true);
		return 0;
	}
	char *end;
	unsigned long want = strtoul(argv[2], &end, 10);
	if (want == 0 || want > 65535 || (*end && *end != '/'))
		return cli_usage_error("port", "`%s`: expected PRIVATE_PORT[/PROTO]", argv[2]);
	_cleanup_free_ char *key = *end ? hull_xstrdup(argv[2]) : hull_strdup_printf("%lu/tcp", want);
	if (running && print_bindings(key, json_object_get(ports, key), false) > 0)
		return 0;
	fprintf(stderr, "Error: No public port '%s' published for %s\n", key, c->name);
	return 1;
}
