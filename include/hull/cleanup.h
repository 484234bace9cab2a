/* hull/cleanup.h - scope-bound cleanup, as crun and systemd do.
 * Early returns never leak: declare with a _cleanup_ attribute, hand
 * ownership away with steal_ptr() / take_fd(). */
#ifndef HULL_CLEANUP_H
#define HULL_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* `unused`: a variable that exists only to be cleaned up at scope exit (an fd
 * owned for the duration) is used by design; clang would warn otherwise. */
#define _cleanup_(f) __attribute__((cleanup(f), unused))

static inline void hull_freep(void *p)
{
	free(*(void **)p);
}

static inline void hull_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
	*fd = -1;
}

static inline void hull_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
	*f = NULL;
}

static inline void hull_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
	*d = NULL;
}

/* Free a NULL-terminated array of strings and the array itself. */
static inline void hull_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static inline void hull_strv_freep(char ***v)
{
	hull_strv_free(*v);
	*v = NULL;
}

/* hull_killp: a process the scope owns, when *pid > 0: SIGKILL it and
 * reap it (waitpid retried on EINTR; a process that is not our child is
 * only killed). errno is kept; *pid becomes -1. */
static inline void hull_killp(pid_t *pid)
{
	if (*pid > 0) {
		int saved = errno;
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = saved;
	}
	*pid = -1;
}

#define _cleanup_free_ _cleanup_(hull_freep)
#define _cleanup_close_ _cleanup_(hull_closep)
#define _cleanup_fclose_ _cleanup_(hull_fclosep)
#define _cleanup_closedir_ _cleanup_(hull_closedirp)
#define _cleanup_strv_ _cleanup_(hull_strv_freep)
#define _cleanup_error_ _cleanup_(hull_error_freep)
#define _cleanup_pid_ _cleanup_(hull_killp)

/* steal_ptr: return the pointer and leave the variable NULL. */
#define steal_ptr(p)                        \
	({                                  \
		__typeof__(p) _tmp_ = (p);  \
		(p) = NULL;                 \
		_tmp_;                      \
	})

/* take_fd: return the fd and leave the variable -1. */
#define take_fd(fd)                 \
	({                          \
		int _tmp_ = (fd);   \
		(fd) = -1;          \
		_tmp_;              \
	})

/* take_pid: return the pid and leave the variable -1 (a _cleanup_pid_
 * process whose ownership passes on). */
#define take_pid(pid)                 \
	({                            \
		pid_t _tmp_ = (pid);  \
		(pid) = -1;           \
		_tmp_;                \
	})

#define HULL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
