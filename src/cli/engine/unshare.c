/* unshare.c - `hull unshare [CMD...]`: a command in the user's rootless
 * namespace, as `podman unshare`: uid 0 there, so files of images and
 * containers owned by subordinate ids can be read or removed. main.c has
 * already joined the namespace (every engine command does). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cli.h"
#include "commands.h"

int cmd_engine_unshare(struct hull_cli *cli, int argc, char **argv)
{
	int first = 1;
	if (argc > 1 && !strcmp(argv[1], "--"))
		first = 2;
	if (argc > 1 && !strcmp(argv[1], "--help")) {
		printf("Usage: hull unshare [COMMAND [ARG...]]\n\n"
		       "Run COMMAND (default: $SHELL, else /bin/sh) in your rootless user namespace, where you are\n"
		       "uid 0 and the subordinate ids of /etc/subuid are mapped: what images and containers made\n"
		       "there can be read or removed (`hull unshare rm -rf ~/.local/share/hull`). As podman unshare.\n");
		return 0;
	}
	if (!cli->ctx.rootless) {
		fprintf(stderr, "hull unshare: only for a user without root: root needs no user namespace\n");
		return 125;
	}
	if (first >= argc) {
		const char *shell = getenv("SHELL");
		char *sh[] = { (char *)(shell && *shell ? shell : "/bin/sh"), NULL };
		execvp(sh[0], sh);
		fprintf(stderr, "hull unshare: execute `%s`: %s\n", sh[0], strerror(errno));
		return 127;
	}
	execvp(argv[first], argv + first);
	fprintf(stderr, "hull unshare: execute `%s`: %s\n", argv[first], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
