/* vm/main.c - `hull-vm`, the micro-VM commands as a lean executable of their
 * own: `hull-vm run ...` is `hull vm run ...`. hull's main binary links every
 * room's libraries (libcurl, libcrypto, libarchive... 46 shared objects),
 * and loading them costs milliseconds and megabytes of RSS before main()
 * runs; this one links only the VMM and the base library, which is what a
 * launch-latency and memory budget like Firecracker's needs. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../cli.h"

int cmd_vm(struct hull_cli *cli, int argc, char **argv);

int cli_fail(struct hull_cli *cli, struct hull_error *err)
{
	fprintf(stderr, "hull: %s\n", err && err->msg ? err->msg : "unknown error");
	hull_error_free(err);
	return 1;
}

int main(int argc, char **argv)
{
	struct hull_cli cli;
	memset(&cli, 0, sizeof(cli));
	cli.argv0 = argv[0];
	cli.ctx.log.fd = STDERR_FILENO;
	/* argv[0] plays the part of "vm" in `hull vm ...` */
	return cmd_vm(&cli, argc, argv);
}
