/* rootless.c - what a container made by an ordinary user may ask for.
 *
 * A rootless engine runs in the user's namespace (userns.c): uid 0 there,
 * nothing more on the host. Two things follow, as with rootless podman:
 *  - a cgroup of its own only in a cgroup v2 subtree delegated to the
 *    user (systemd's user@.service, or a chowned cgroup): there the
 *    container's cgroup is <delegated>/hull/<id> and limits work; elsewhere
 *    (cgroups v1, nothing delegated) it stays in the caller's cgroup, so
 *    resource limits are refused up front with the reason;
 *  - no host bridge: veths, NAT and a bridge need root on the host; the
 *    user-mode networks (pasta, slirp4netns) take its place. */
#include <errno.h>
#include <string.h>

#include "hull/cgroup.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/run_options.h"
#include "hull/usernet.h"
#include "engine_internal.h"

/* The rootless default for --network: THE place to change it. pasta as
 * podman's (else slirp4netns, else none: usernet.c); "bridge" given
 * explicitly is refused below with the alternatives named. */
static const char *rootless_default_network(void)
{
	return hull_engine_default_rootless_network();
}

static bool network_allowed(const char *mode)
{
	return !strcmp(mode, "none") || !strcmp(mode, "host") || !strncmp(mode, "container:", 10) ||
	       !strcmp(mode, "pasta") || !strcmp(mode, "slirp4netns") || !strncmp(mode, "pasta:", 6) ||
	       !strncmp(mode, "slirp4netns:", 12);
}

static const char *first_limit(const struct hull_run_options *o)
{
	if (o->memory > 0)
		return "-m/--memory";
	if (o->memory_swap > 0)
		return "--memory-swap";
	if (o->nano_cpus > 0)
		return "--cpus";
	if (o->cpu_shares > 0)
		return "-c/--cpu-shares";
	if (o->pids_limit > 0)
		return "--pids-limit";
	return NULL;
}

int engine_rootless_cgroup_parent(char **out, struct hull_error **err)
{
	_cleanup_(hull_cgroup_layout_freep) struct hull_cgroup_layout *layout = NULL;
	_cleanup_free_ char *delegated = NULL;
	*out = NULL;
	int r = hull_cgroup_layout_detect(&layout, err);
	if (r < 0)
		return r;
	if ((r = hull_cgroup_delegated(layout, &delegated, err)) < 0)
		return r;
	*out = hull_path_join(delegated, "hull");
	return 0;
}

int engine_rootless_prepare(const struct hull_ctx *ctx, struct hull_run_options *o, struct hull_error **err)
{
	if (!ctx->rootless)
		return 0;
	const char *limit = first_limit(o);
	_cleanup_free_ char *parent = NULL;
	if (limit && engine_rootless_cgroup_parent(&parent, err) < 0)
		return hull_error_wrap(err, -EPERM,
				       "%s: cannot set resource limits in a rootless container: it gets no cgroup of "
				       "its own here; limits need cgroups v2 with a subtree delegated to you, or root",
				       limit);
	if (!o->network || !strcmp(o->network, "default"))
		o->network = rootless_default_network();
	if (!network_allowed(o->network))
		return hull_error_msg(err, EPERM,
				      "--network %s: a rootless container cannot join a host bridge (veths and NAT "
				      "need root on the host): use --network pasta|slirp4netns|none|host",
				      o->network);
	return 0;
}
