/* netns.c - run a function inside a container's network namespace. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "network_internal.h"

struct in_netns {
	int nsfd;
	int (*fn)(void *data, struct hull_error **err);
	void *data;
	struct hull_error *err;
	int r;
};

static void *in_netns_thread(void *opaque)
{
	struct in_netns *t = opaque;
	if (setns(t->nsfd, CLONE_NEWNET) < 0)
		t->r = hull_error_set(&t->err, errno, "enter the container's network namespace");
	else
		t->r = t->fn(t->data, &t->err);
	return NULL;
}

int net_in_netns(pid_t pid, int (*fn)(void *data, struct hull_error **err), void *data, struct hull_error **err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return hull_error_set(err, errno, "open network namespace of %d", (int)pid);
	/* a thread of its own enters the namespace and ends there: nothing
	 * has to come back, which a process in a user namespace could not
	 * (setns to the host's namespace needs CAP_SYS_ADMIN over it) */
	struct in_netns t = { .nsfd = nsfd, .fn = fn, .data = data };
	pthread_t thread;
	int r = pthread_create(&thread, NULL, in_netns_thread, &t);
	if (r != 0)
		return hull_error_set(err, r, "start a thread for the network namespace of %d", (int)pid);
	pthread_join(thread, NULL);
	if (t.r < 0 && err)
		*err = steal_ptr(t.err);
	hull_error_free(t.err);
	return t.r;
}
