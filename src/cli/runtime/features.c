/* features.c - `hull features`: what this runtime supports, as JSON in the
 * shape of runc's `features` (runtime-spec features.md): spec versions,
 * hooks, mount options, namespaces, capabilities, cgroup versions, seccomp. */
#include <getopt.h>
#include <stdio.h>
#include <sys/capability.h>

#include "hull/cleanup.h"
#include "hull/json.h"
#include "hull/security.h"
#include "runtime_cli.h"

int cli_runtime_features(struct hull_cli *cli, int argc, char **argv);

static json_t *strings(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

int cli_runtime_features(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	static const char *const hooks[] = { "prestart",       "createRuntime", "createContainer",
					     "startContainer", "poststart",     "poststop" };
	static const char *const mount_options[] = {
		"async",   "atime",      "bind",     "defaults", "dev",     "diratime", "dirsync",  "exec",
		"iversion", "lazytime",  "loud",     "mand",     "noatime", "nodev",    "nodiratime", "noexec",
		"noiversion", "nolazytime", "nomand", "norelatime", "nostrictatime", "nosuid", "private",
		"rbind",   "relatime",   "remount",  "ro",       "rprivate", "rshared", "rslave",   "runbindable",
		"rw",      "shared",     "silent",   "slave",    "strictatime", "suid", "sync",     "tmpcopyup",
		"unbindable",
	};
	static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts" };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h')
			return rt_usage(stdout, "features", "", "Print what this runtime supports, as JSON.\n");
		return cli_usage_error("features", "unknown option");
	}
	json_t *caps = json_array();
	for (int v = 0; v < (int)cap_max_bits(); v++) {
		char name[48];
		hull_caps_name(v, name, sizeof(name));
		json_array_append_new(caps, json_string(name));
	}
	char libseccomp[32];
	json_t *seccomp = hull_seccomp_features(libseccomp, sizeof(libseccomp));
	/* features.md: apparmor and selinux "enabled" say the support is built
	 * in, whatever the host runs (hull refuses their fields where the host
	 * lacks the LSM) */
	_cleanup_json_ json_t *doc = json_pack(
		"{s:s,s:s,s:o,s:o,s:{s:o,s:o,s:{s:b,s:b,s:b,s:b},s:o,s:{s:b},s:{s:b}},s:{s:s}}", "ociVersionMin",
		"1.0.0", "ociVersionMax", "1.1.0", "hooks", strings(hooks, HULL_ARRAY_SIZE(hooks)), "mountOptions",
		strings(mount_options, HULL_ARRAY_SIZE(mount_options)), "linux", "namespaces",
		strings(namespaces, HULL_ARRAY_SIZE(namespaces)), "capabilities", caps, "cgroup", "v1", 1, "v2", 1,
		"systemd", 0, "systemdUser", 0, "seccomp", seccomp, "apparmor", "enabled", 1, "selinux", "enabled", 1,
		"annotations", "io.github.seccomp.libseccomp.version", libseccomp);
	_cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(4));
	printf("%s\n", text);
	return 0;
}
