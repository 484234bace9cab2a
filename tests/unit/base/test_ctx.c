/* Context defaults: root's roots, a user's own, and the re-executed
 * rootless command's (uid 0 in its namespace, roots from the environment). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hull/ctx.h"

static void bare_environment(void)
{
	unsetenv("HULL_ROOT");
	unsetenv("HULL_DATA_ROOT");
	unsetenv(HULL_ROOTLESS_ENV);
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	unsetenv("HOME");
}

Test(ctx, root_keeps_the_system_roots)
{
	cr_assert_eq(geteuid(), 0, "the unit tests run as root, as in CI");
	bare_environment();
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	cr_assert_str_eq(ctx.runtime_root, "/run/hull");
	cr_assert_str_eq(ctx.data_root, "/var/lib/hull");
	cr_assert_not(ctx.rootless);
}

Test(ctx, a_reexecuted_rootless_command_is_rootless_with_the_roots_it_was_given)
{
	bare_environment();
	setenv(HULL_ROOTLESS_ENV, "1000", 1);
	setenv("HULL_ROOT", "/tmp/hull-run-1000", 1);
	setenv("HULL_DATA_ROOT", "/home/u/.local/share/hull", 1);
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	cr_assert(ctx.rootless);
	cr_assert_str_eq(ctx.runtime_root, "/tmp/hull-run-1000");
	cr_assert_str_eq(ctx.data_root, "/home/u/.local/share/hull");
}

Test(ctx, user_roots_follow_xdg_then_home_then_passwd)
{
	bare_environment();
	setenv("XDG_DATA_HOME", "/x/data", 1);
	setenv("XDG_RUNTIME_DIR", "/x/run", 1);
	char *d = hull_ctx_user_data_root(), *r = hull_ctx_user_runtime_root();
	cr_assert_str_eq(d, "/x/data/hull");
	cr_assert_str_eq(r, "/x/run/hull");
	free(d);
	free(r);
	/* relative XDG paths are ignored, as the XDG spec says */
	setenv("XDG_DATA_HOME", "rel", 1);
	setenv("HOME", "/home/someone", 1);
	unsetenv("XDG_RUNTIME_DIR");
	d = hull_ctx_user_data_root();
	r = hull_ctx_user_runtime_root();
	cr_assert_str_eq(d, "/home/someone/.local/share/hull");
	char want[64];
	snprintf(want, sizeof(want), "/tmp/hull-run-%u", (unsigned)getuid());
	cr_assert_str_eq(r, want);
	free(d);
	free(r);
	/* CI's bare environment: no HOME, the passwd entry's */
	unsetenv("HOME");
	unsetenv("XDG_DATA_HOME");
	d = hull_ctx_user_data_root();
	cr_assert(strstr(d, "/.local/share/hull") && d[0] == '/', "%s", d);
	free(d);
}
