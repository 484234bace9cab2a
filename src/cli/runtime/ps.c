/* ps.c - `hull ps [--format table|json] ID [PS_ARGS...]`: the processes in
 * the container's cgroup; json prints their pids, table runs ps(1) (default
 * -ef) and keeps its header and the container's lines, as runc does. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/cgroup.h"
#include "hull/engine_vm.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "runtime_cli.h"

int cli_runtime_ps(struct hull_cli *cli, int argc, char **argv);

static const char help[] =
	"List the processes running in the container.\n\n"
	"Options:\n"
	"  -f, --format table|json   json prints an array of host pids (default table)\n"
	"  -h, --help                this help\n"
	"PS_ARGS go to ps(1) (default -ef).\n";

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

/* Run ps with args and print the header plus the lines of our pids. */
static int ps_table(char **args, int n_args, const pid_t *pids, size_t n, struct hull_error **err)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return hull_error_set(err, errno, "pipe");
	char **argv = hull_xcalloc((size_t)n_args + 3, sizeof(char *));
	argv[0] = (char *)"ps";
	if (n_args == 0)
		argv[1] = (char *)"-ef";
	for (int i = 0; i < n_args; i++)
		argv[i + 1] = args[i];
	pid_t child = fork();
	if (child < 0) {
		int e = errno;
		free(argv);
		close(fds[0]);
		close(fds[1]);
		return hull_error_set(err, e, "fork ps");
	}
	if (child == 0) {
		dup2(fds[1], STDOUT_FILENO);
		execvp("ps", argv);
		_exit(127);
	}
	free(argv);
	close(fds[1]);
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	hull_read_all(fds[0], &out, &len);
	close(fds[0]);
	int status = 0;
	waitpid(child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hull_error_msg(err, EIO, "ps failed (status %d): %s", WEXITSTATUS(status), out ? out : "");
	char *save = NULL, *line = strtok_r(out, "\n", &save);
	if (!line)
		return 0;
	/* which column is PID */
	int col = -1, k = 0;
	_cleanup_free_ char *hdr = hull_xstrdup(line);
	char *hs = NULL;
	for (char *t = strtok_r(hdr, " \t", &hs); t; t = strtok_r(NULL, " \t", &hs), k++)
		if (!strcmp(t, "PID"))
			col = k;
	if (col < 0)
		return hull_error_msg(err, EINVAL, "ps output has no PID column: `%s`", line);
	printf("%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save))) {
		_cleanup_free_ char *copy = hull_xstrdup(line);
		char *ls = NULL, *t = strtok_r(copy, " \t", &ls);
		for (int i = 0; t && i < col; i++)
			t = strtok_r(NULL, " \t", &ls);
		if (t && has_pid(pids, n, strtol(t, NULL, 10)))
			printf("%s\n", line);
	}
	return 0;
}

int cli_runtime_ps(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *format = "table";
	int c;
	/* "+": options stop at the id, the rest is for ps */
	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'h': return rt_usage(stdout, "ps", "[--format table|json] ID [PS_ARGS...]", help);
		default: return cli_usage_error("ps", "unknown option");
		}
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error("ps", "--format: `%s` is not table or json", format);
	if (argc - optind < 1)
		return cli_usage_error("ps", "`ps` requires a container id");
	if (!strcmp(format, "json") && argc - optind > 1)
		return cli_usage_error("ps", "PS_ARGS cannot be combined with --format json");
	struct hull_error *err = NULL;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (hull_engine_vm_bundle_is(&cli->ctx, argv[optind])) {
		/* a VM: the host processes that make it, the shim and the VMM */
		if (hull_engine_vm_bundle_pids(&cli->ctx, argv[optind], &pids, &n, &err) < 0)
			return cli_fail(cli, err);
	} else {
		_cleanup_(hull_cgroup_freep) struct hull_cgroup *cg =
			hull_container_cgroup(&cli->ctx, argv[optind], &err);
		if (!cg)
			return cli_fail(cli, err);
		if (hull_cgroup_pids(cg, &pids, &n, &err) < 0)
			return cli_fail(cli, err);
	}
	if (!strcmp(format, "json")) {
		_cleanup_json_ json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_integer(pids[i]));
		_cleanup_free_ char *text = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", text);
		return 0;
	}
	if (ps_table(argv + optind + 1, argc - optind - 1, pids, n, &err) < 0)
		return cli_fail(cli, err);
	return 0;
}
