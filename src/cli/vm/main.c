/* vm/main.c - `hull-vm`, the micro-VM commands as a lean executable of their
 * own: `hull-vm run ...` is `hull vm run ...`. hull's main binary links every
 * room's libraries (libcurl, libcrypto, libarchive... 46 shared objects),
 * and loading them costs milliseconds and megabytes of RSS before main()
 * runs; this one links only the VMM and the base library, which is what a
 * launch-latency and memory budget like Firecracker's needs. */
#include <string.h>

#include "../cli.h"
#include "hull/log.h"

int cmd_vm(struct hull_cli *cli, int argc, char **argv);

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"),
 * *i moved past it; NULL when argv[*i] is not that option. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t len = strlen(name);
	if (strncmp(a, "--", 2) || strncmp(a + 2, name, len))
		return NULL;
	if (a[2 + len] == '=') {
		(*i)++;
		return a + 3 + len;
	}
	if (a[2 + len] || *i + 1 >= argc)
		return NULL;
	*i += 2;
	return argv[*i - 1];
}

int main(int argc, char **argv)
{
	struct hull_cli cli;
	memset(&cli, 0, sizeof(cli));
	cli.argv0 = argv[0];
	hull_log_init(&cli.ctx.log);
	/* hull's global --log and --log-format, before the subcommand */
	int i = 1;
	const char *log_path = NULL, *v;
	while (i < argc) {
		if ((v = option_value(argc, argv, &i, "log-format"))) {
			if (cli_log_format(&cli, v) < 0)
				return 1;
		} else if ((v = option_value(argc, argv, &i, "log")))
			log_path = v;
		else
			break;
	}
	if (log_path && cli_log_open(&cli, log_path) < 0)
		return 1;
	/* argv[0] plays the part of "vm" in `hull vm ...` */
	argv[i - 1] = argv[0];
	return cmd_vm(&cli, argc - (i - 1), argv + (i - 1));
}
