/* _cleanup_pid_: a process a scope owns is killed and reaped when the scope
 * ends, unless take_pid handed it on. */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hull/cleanup.h"

static pid_t sleeper(void)
{
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

Test(cleanup, pid_is_killed_and_reaped_at_scope_end)
{
	pid_t seen;
	{
		_cleanup_pid_ pid_t pid = sleeper();
		seen = pid;
		errno = EAGAIN;
	}
	cr_assert_eq(errno, EAGAIN, "errno kept");
	/* reaped: no child of that pid is left to wait for */
	cr_assert_eq(waitpid(seen, NULL, WNOHANG), -1);
	cr_assert_eq(errno, ECHILD);
}

Test(cleanup, take_pid_hands_the_process_on)
{
	pid_t kept;
	{
		_cleanup_pid_ pid_t pid = sleeper();
		kept = take_pid(pid);
		cr_assert_eq(pid, -1);
	}
	cr_assert_eq(waitpid(kept, NULL, WNOHANG), 0, "still running");
	kill(kept, SIGKILL);
	int status;
	cr_assert_eq(waitpid(kept, &status, 0), kept);
	cr_assert(WIFSIGNALED(status));
}
