/* cgroup_delegate.c - the cgroup v2 subtree an ordinary user may manage
 * (kernel Documentation/admin-guide/cgroup-v2.rst, "Delegation"): a
 * directory chowned to the user together with its cgroup.procs,
 * cgroup.subtree_control and cgroup.threads, as systemd's user@.service
 * (Delegate=yes) does. Below it the user makes cgroups, enables the
 * controllers the delegation offers, and moves its processes between them. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

/* May this process manage the cgroup directory dir (a delegation)? */
static bool managed(const char *dir)
{
	_cleanup_free_ char *procs = hull_path_join(dir, "cgroup.procs");
	_cleanup_free_ char *subtree = hull_path_join(dir, "cgroup.subtree_control");
	return access(dir, W_OK) == 0 && access(procs, W_OK) == 0 && access(subtree, W_OK) == 0;
}

int hull_cgroup_delegated(const struct hull_cgroup_layout *layout, char **out, struct hull_error **err)
{
	*out = NULL;
	if (layout->mode != HULL_CGROUP_V2)
		return hull_error_msg(err, EPERM,
				      "cgroups %s: a user gets a cgroup of its own only from a cgroup v2 "
				      "subtree delegated to it (a pure v2 host, e.g. systemd.unified_cgroup_"
				      "hierarchy=1)",
				      layout->mode == HULL_CGROUP_V1 ? "v1" : "v1 (hybrid host)");
	const char *own = layout->unified_own ? layout->unified_own : "/";
	_cleanup_free_ char *cur = hull_xstrdup(own), *best = NULL;
	/* climb from the own cgroup while the parent is still ours */
	for (;;) {
		_cleanup_free_ char *dir = hull_path_join(layout->unified, cur);
		if (!managed(dir))
			break;
		free(best);
		best = hull_xstrdup(cur);
		char *slash = strrchr(cur, '/');
		if (!slash || slash == cur)
			break; /* the root cgroup itself is nobody's delegation */
		*slash = '\0';
	}
	if (!best || !strcmp(best, "/"))
		return hull_error_msg(err, EACCES,
				      "your cgroup `%s` is not delegated to you (its cgroup.procs and "
				      "cgroup.subtree_control are not yours to write): ask for a delegated subtree, "
				      "e.g. run under systemd's user@.service (Delegate=yes) or chown a cgroup and "
				      "those files to your user",
				      own);
	*out = steal_ptr(best);
	return 0;
}
