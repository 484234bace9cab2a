/* top.c - `hull top CONTAINER [ps OPTIONS]`: the host's ps(1), rows of
 * the container's processes only, as docker top does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_proc.h"
#include "hull/container_store.h"
#include "hull/fs.h"

/* Which column of ps's header is PID? */
static int pid_column(const char *header)
{
	int col = 0;
	_cleanup_free_ char *h = hull_xstrdup(header);
	for (char *save = NULL, *w = strtok_r(h, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), col++)
		if (!strcmp(w, "PID"))
			return col;
	return -1;
}

static pid_t pid_in(const char *line, int column)
{
	_cleanup_free_ char *l = hull_xstrdup(line);
	int col = 0;
	for (char *save = NULL, *w = strtok_r(l, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), col++)
		if (col == column)
			return (pid_t)atoi(w);
	return -1;
}

int cmd_engine_top(struct hull_cli *cli, int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		printf("Usage: hull top CONTAINER [ps OPTIONS]\n\nDisplay the running processes of a container\n");
		return argc < 2;
	}
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *c = hull_container_load(&cli->ctx, argv[1], &err);
	if (!c)
		return cli_fail(cli, err);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (hull_engine_pids(c, &pids, &n, &err) < 0)
		return cli_fail(cli, err);
	int fds[2];
	if (pipe(fds) < 0)
		return 1;
	pid_t child = fork();
	if (child == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		char *args[64] = { "ps", "-ef", NULL };
		int k = 1;
		for (int i = 2; i < argc && k < 62; i++)
			args[k++] = argv[i];
		if (argc > 2)
			args[k] = NULL;
		execvp("ps", args);
		fprintf(stderr, "hull top: cannot run ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");
	char line[4096];
	int column = -1;
	bool header = true;
	while (in && fgets(line, sizeof(line), in)) {
		if (header) {
			column = pid_column(line);
			fputs(line, stdout);
			header = false;
			continue;
		}
		pid_t p = column >= 0 ? pid_in(line, column) : -1;
		for (size_t i = 0; i < n; i++)
			if (pids[i] == p)
				fputs(line, stdout);
	}
	if (in)
		fclose(in);
	int st = 0;
	waitpid(child, &st, 0);
	if (column < 0) {
		fprintf(stderr, "hull top: ps printed no PID column (try `hull top %s -ef`)\n", argv[1]);
		return 1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
