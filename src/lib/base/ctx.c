/* ctx.c - context defaults.
 *
 * Root keeps /run/hull and /var/lib/hull. An ordinary user gets roots of
 * their own, where podman puts its own (containers-storage.conf(5)):
 * data in $XDG_DATA_HOME/hull or ~/.local/share/hull, runtime state in
 * $XDG_RUNTIME_DIR/hull or /tmp/hull-run-UID. */
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "hull/ctx.h"
#include "hull/fs.h"

/* The user's home: $HOME, else the passwd entry (CI runs with a bare
 * environment, no HOME), else NULL. */
static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	if (home && *home == '/')
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir == '/' ? pw->pw_dir : NULL;
}

char *hull_ctx_user_data_root(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return hull_path_join(xdg, "hull");
	const char *home = home_dir();
	if (home)
		return hull_path_join(home, ".local/share/hull");
	return hull_strdup_printf("/tmp/hull-data-%u", (unsigned)getuid());
}

char *hull_ctx_user_runtime_root(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && *xdg == '/')
		return hull_path_join(xdg, "hull");
	return hull_strdup_printf("/tmp/hull-run-%u", (unsigned)getuid());
}

void hull_ctx_init(struct hull_ctx *ctx)
{
	const char *root = getenv("HULL_ROOT");
	const char *data = getenv("HULL_DATA_ROOT");
	/* a rootless command re-executed inside the user's namespace is uid 0
	 * there, its roots passed on in HULL_ROOT/HULL_DATA_ROOT */
	const char *joined = getenv(HULL_ROOTLESS_ENV);
	bool user = geteuid() != 0 || (joined && *joined);
	ctx->owned_roots[0] = !(root && *root) && user ? hull_ctx_user_runtime_root() : NULL;
	ctx->owned_roots[1] = !(data && *data) && user ? hull_ctx_user_data_root() : NULL;
	ctx->runtime_root = root && *root ? root : user ? ctx->owned_roots[0] : "/run/hull";
	ctx->data_root = data && *data ? data : user ? ctx->owned_roots[1] : "/var/lib/hull";
	hull_log_init(&ctx->log);
	ctx->debug = false;
	ctx->systemd_cgroup = false;
	ctx->rootless = user;
}

void hull_ctx_release(struct hull_ctx *ctx)
{
	for (size_t i = 0; i < sizeof(ctx->owned_roots) / sizeof(ctx->owned_roots[0]); i++) {
		free(ctx->owned_roots[i]);
		ctx->owned_roots[i] = NULL;
	}
}
