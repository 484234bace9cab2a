/* list.c - `hull list [--format table|json] [--quiet]`: runc's table
 * (ID PID STATUS BUNDLE CREATED OWNER) or a JSON array. */
#include <getopt.h>
#include <string.h>

#include "hull/fs.h"
#include "hull/json.h"
#include "hull/runtime.h"
#include "runtime_cli.h"

int cli_runtime_list(struct hull_cli *cli, int argc, char **argv);

static const char help[] =
	"List the containers under the state root.\n\n"
	"Options:\n"
	"  -f, --format FMT  table (default) or json\n"
	"  -q, --quiet       only the ids\n"
	"  -h, --help        this help\n";

enum { COLS = 6 };

/* Go's tabwriter as runc sets it up: min width 12, padding 3; the last
 * column is not padded. */
static void print_table(struct hull_container_state **list)
{
	static const char *const head[COLS] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	size_t width[COLS];
	size_t n = 0;
	while (list[n])
		n++;
	char (*pids)[16] = hull_xcalloc(n + 1, sizeof(*pids));
	for (size_t i = 0; i < n; i++)
		snprintf(pids[i], sizeof(pids[i]), "%d", list[i]->oci->pid);
	for (int c = 0; c < COLS; c++)
		width[c] = strlen(head[c]);
	for (size_t i = 0; i < n; i++) {
		const char *row[COLS] = { list[i]->oci->id, pids[i], hull_status_name(list[i]->status),
					  list[i]->oci->bundle, list[i]->oci->created, list[i]->oci->owner };
		for (int c = 0; c < COLS; c++)
			if (strlen(row[c]) > width[c])
				width[c] = strlen(row[c]);
	}
	for (size_t i = 0; i <= n; i++) {
		const char *row[COLS] = { head[0], head[1], head[2], head[3], head[4], head[5] };
		if (i > 0) {
			const struct hull_container_state *s = list[i - 1];
			const char *r[COLS] = { s->oci->id, pids[i - 1], hull_status_name(s->status), s->oci->bundle,
						s->oci->created, s->oci->owner };
			memcpy(row, r, sizeof(row));
		}
		for (int c = 0; c < COLS - 1; c++) {
			int w = (int)(width[c] + 3 < 12 ? 12 : width[c] + 3);
			printf("%-*s", w, row[c]);
		}
		printf("%s\n", row[COLS - 1]);
	}
	free(pids);
}

int cli_runtime_list(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool json = false, quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") && strcmp(optarg, "table"))
				return cli_usage_error("list", "--format: `%s` is not table or json", optarg);
			json = !strcmp(optarg, "json");
			break;
		case 'q': quiet = true; break;
		case 'h': return rt_usage(stdout, "list", "[--format table|json] [--quiet]", help);
		default: return cli_usage_error("list", "unknown option");
		}
	}
	if (rt_operands("list", argc - optind, 0, 0))
		return 1;
	struct hull_error *err = NULL;
	struct hull_container_state **list = NULL;
	if (hull_runtime_list(&cli->ctx, &list, &err) < 0)
		return cli_fail(cli, err);
	if (quiet) {
		for (size_t i = 0; list[i]; i++)
			printf("%s\n", list[i]->oci->id);
	} else if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; list[i]; i++)
			json_array_append_new(arr, hull_oci_state_to_json(list[i]->oci,
									  hull_status_name(list[i]->status)));
		char *s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n", s);
		free(s);
		json_decref(arr);
	} else {
		print_table(list);
	}
	hull_runtime_list_free(list);
	return 0;
}
