/* container_init.c - `hull run --init`: find the static hull-init and put
 * it in front of the container's command (docker's --init puts tini there
 * as /sbin/docker-init, podman catatonit as /run/podman-init).
 *
 * hull-init is bind-mounted read-only from the host at HULL_INIT_TARGET:
 * it is static, so it runs in any image, busybox or one without a libc. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "engine_internal.h"

#ifndef HULL_LIBEXECDIR
#define HULL_LIBEXECDIR "/usr/local/libexec/hull"
#endif

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The directory of the running hull binary (malloc'd), NULL when unknown. */
static char *binary_dir(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return hull_xstrdup(*exe ? exe : "/");
}

char *engine_init_path(struct hull_error **err)
{
	const char *forced = getenv("HULL_INIT_PATH");
	if (forced && *forced) {
		if (is_executable_file(forced))
			return hull_xstrdup(forced);
		hull_error_msg(err, ENOENT, "--init: HULL_INIT_PATH `%s` is not an executable file", forced);
		return NULL;
	}
	_cleanup_free_ char *dir = binary_dir();
	_cleanup_free_ char *beside = dir ? hull_path_join(dir, "hull-init") : NULL;
	if (beside && is_executable_file(beside))
		return steal_ptr(beside);
	_cleanup_free_ char *installed = hull_path_join(HULL_LIBEXECDIR, "hull-init");
	if (is_executable_file(installed))
		return steal_ptr(installed);
	hull_error_msg(err, ENOENT,
		       "--init: hull-init not found: looked beside the hull binary (`%s`) and in the install "
		       "location (`%s`); build it (`ninja -C build hull-init`), install it (`meson install`), or "
		       "set HULL_INIT_PATH",
		       beside ? beside : "/proc/self/exe unreadable", installed);
	return NULL;
}

int engine_spec_add_init(json_t *spec, struct hull_error **err)
{
	_cleanup_free_ char *source = engine_init_path(err);
	if (!source)
		return -ENOENT;
	json_t *process = json_object_get(spec, "process");
	json_t *args = json_object_get(process, "args");
	if (!json_is_array(args))
		return hull_error_msg(err, EINVAL, "--init: the container has no command");
	json_array_insert_new(args, 0, json_string("--"));
	json_array_insert_new(args, 0, json_string(HULL_INIT_TARGET));
	json_t *mounts = json_object_get(spec, "mounts");
	if (!json_is_array(mounts)) {
		mounts = json_array();
		json_object_set_new(spec, "mounts", mounts);
	}
	/* after every other mount: a volume or tmpfs on /run cannot hide it */
	json_array_append_new(mounts, json_pack("{s:s,s:s,s:s,s:[s,s,s,s]}", "destination", HULL_INIT_TARGET, "type",
						"bind", "source", source, "options", "bind", "ro", "nosuid",
						"nodev"));
	return 0;
}
