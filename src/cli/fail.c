/* fail.c - how a command's error reaches the user, and the --log and
 * --log-format settings that decide it; linked into hull and hull-vm. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hull/log.h"

int cli_fail(struct hull_cli *cli, struct hull_error *err)
{
	const char *msg = err && err->msg ? err->msg : "unknown error";
	/* The error goes to the --log sink (json for containerd's shim) and,
	 * when that sink is not stderr, to stderr as well, as runc does. */
	hull_log_write(&cli->ctx.log, HULL_LOG_ERROR, "%s", msg);
	if (cli->ctx.log.fd != STDERR_FILENO)
		fprintf(stderr, "hull: %s\n", msg);
	hull_error_free(err);
	return 1;
}

int cli_log_open(struct hull_cli *cli, const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		fprintf(stderr, "hull: open log file `%s`: %s\n", path, strerror(errno));
		return -1;
	}
	cli->ctx.log.fd = fd;
	cli->ctx.log.to_terminal = false;
	return 0;
}

int cli_log_format(struct hull_cli *cli, const char *name)
{
	if (!strcmp(name, "json"))
		cli->ctx.log.format = HULL_LOG_JSON;
	else if (!strcmp(name, "text"))
		cli->ctx.log.format = HULL_LOG_TEXT;
	else {
		fprintf(stderr, "hull: --log-format: unknown format `%s` (use text or json)\n", name);
		return -1;
	}
	return 0;
}
