/* spawn.c - run a helper program and keep its output (include/hull/spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/fs.h"
#include "hull/spawn.h"

extern char **environ;

int hull_spawn_output(char *const argv[], bool with_stderr, char **out, size_t *len, struct hull_error **err)
{
	*out = NULL;
	size_t n = 0;
	if (len)
		*len = 0;
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return hull_error_set(err, errno, "run `%s`: pipe", argv[0]);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	if (with_stderr)
		posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r == 0)
		hull_read_all(pipefd[0], out, &n);
	close(pipefd[0]);
	if (len)
		*len = n;
	if (r != 0)
		return hull_error_set(err, r, "run `%s`", argv[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return hull_error_set(err, errno, "wait for `%s`", argv[0]);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return hull_error_msg(err, EIO, "`%s` failed (%s %d): %.*s", argv[0],
				      WIFEXITED(status) ? "exit status" : "signal",
				      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				      (int)(n > 512 ? 512 : n), *out ? *out : "");
	return 0;
}
