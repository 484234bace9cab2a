/* state.c - `hull state ID`: the container's state as JSON (runc's shape). */
#include <getopt.h>
#include <stdlib.h>

#include "hull/json.h"
#include "hull/runtime.h"
#include "runtime_cli.h"

int cli_runtime_state(struct hull_cli *cli, int argc, char **argv);

int cli_runtime_state(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return rt_usage(stdout, "state", "ID",
					"Print the container's state as JSON: ociVersion, id, pid, status\n"
					"(created, running, paused or stopped), bundle, rootfs, created, owner,\n"
					"annotations.\n");
		return cli_usage_error("state", "unknown option");
	}
	if (rt_operands("state", argc - optind, 1, 1))
		return 1;
	struct hull_error *err = NULL;
	_cleanup_(hull_container_state_freep) struct hull_container_state *st =
		hull_runtime_state(&cli->ctx, argv[optind], &err);
	if (!st)
		return cli_fail(cli, err);
	_cleanup_json_ json_t *j = hull_oci_state_to_json(st->oci, hull_status_name(st->status));
	/* runc's `state` leaves the owner empty; `list` fills it in. */
	json_object_set_new(j, "owner", json_string(""));
	_cleanup_free_ char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", s);
	return 0;
}
