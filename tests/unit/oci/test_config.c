/* Bad config.json: every error names the file and the field. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_fixture.h"

struct bad_case {
	const char *path;  /* dotted path changed in the base config */
	const char *value; /* JSON text, or NULL to delete */
	const char *want;  /* exact error message */
};

static struct bad_case bad_cases[] = {
	{ "process.args", NULL, "config.json: process.args: must be a non-empty array" },
	{ "process.args", "[]", "config.json: process.args: must be a non-empty array" },
	{ "process.args", "\"sh\"", "config.json: process.args: must be an array, not a string" },
	{ "process.args", "[1]", "config.json: process.args[0]: must be a string" },
	{ "process.args", "[\"\"]", "config.json: process.args[0]: the program must not be empty" },
	{ "process.cwd", "\"tmp\"", "config.json: process.cwd: must be an absolute path, not `tmp`" },
	{ "process.cwd", NULL, "config.json: process.cwd: required field is missing" },
	{ "process", "[]", "config.json: process: must be an object, not an array" },
	{ "process.terminal", "\"yes\"", "config.json: process.terminal: must be a boolean, not a string" },
	{ "process.env", "[\"FOO\"]", "config.json: process.env[0]: `FOO` is not of the form KEY=VALUE" },
	{ "process.env", "[\"=x\"]", "config.json: process.env[0]: `=x` is not of the form KEY=VALUE" },
	{ "process.env", "{}", "config.json: process.env: must be an array, not an object" },
	{ "process.user.uid", "-1", "config.json: process.user.uid: -1 is out of range [0, 4294967294]" },
	{ "process.user.uid", "\"0\"", "config.json: process.user.uid: must be an integer, not a string" },
	{ "process.user.gid", "1.5", "config.json: process.user.gid: must be an integer, not a number" },
	{ "process.user.umask", "8192", "config.json: process.user.umask: 8192 is out of range [-1, 4095]" },
	{ "process.user.additionalGids", "[\"a\"]",
	  "config.json: process.user.additionalGids[0]: must be a group id (an integer >= 0)" },
	{ "process.rlimits", "[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]",
	  "config.json: process.rlimits[0].type: unknown rlimit `RLIMIT_FOO` (expected e.g. RLIMIT_NOFILE)" },
	{ "process.rlimits", "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":10,\"hard\":5}]",
	  "config.json: process.rlimits[0]: soft limit 10 is above the hard limit 5" },
	{ "process.rlimits", "[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1}]",
	  "config.json: process.rlimits[0]: soft and hard must both be integers" },
	{ "process.rlimits",
	  "[{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":1},{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":1}]",
	  "config.json: process.rlimits[1]: rlimit type given twice" },
	{ "process.oomScoreAdj", "2000", "config.json: process.oomScoreAdj: 2000 is out of range [-1000, 1000]" },
	{ "process.consoleSize", "{\"height\":\"x\",\"width\":1}",
	  "config.json: process.consoleSize.height: must be an integer, not a string" },
	{ "ociVersion", NULL, "config.json: ociVersion: required field is missing" },
	{ "ociVersion", "\"2.0.0\"", "config.json: ociVersion: `2.0.0` is not a 1.x runtime-spec version" },
	{ "root", NULL, "config.json: root: required field is missing" },
	{ "root.path", "\"\"", "config.json: root.path: must not be empty" },
	{ "root.readonly", "1", "config.json: root.readonly: must be a boolean, not an integer" },
	{ "hostname", "7", "config.json: hostname: must be a string, not an integer" },
	{ "annotations", "{\"a\":1}", "config.json: annotations.a: must be a string" },
	{ "mounts", "[{\"destination\":\"proc\",\"type\":\"proc\"}]",
	  "config.json: mounts[0].destination: must be an absolute path, not `proc`" },
	{ "mounts", "[{\"type\":\"proc\"}]", "config.json: mounts[0].destination: required field is missing" },
	{ "mounts", "[{\"destination\":\"/x\",\"type\":\"bind\"}]",
	  "config.json: mounts[0].source: a bind mount needs a source" },
	{ "mounts", "[{\"destination\":\"/x\"}]",
	  "config.json: mounts[0].type: required unless the mount is a bind mount" },
	{ "mounts", "[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":[1]}]",
	  "config.json: mounts[0].options[0]: must be a string" },
    {"mounts", "[{\"destination\":\"/proc/self\",\"type\":\"tmpfs\"}]",
     "config.json: mounts[0].destination: `/proc/self` cannot be mounted because it is inside /proc"},
    {"mounts", "[{\"destination\":\"//proc/./sys/\",\"type\":\"bind\",\"source\":\"/tmp\"}]",
     "config.json: mounts[0].destination: `//proc/./sys/` cannot be mounted because it is inside /proc"},
    {"mounts", "[{\"destination\":\"/proc/\",\"type\":\"tmpfs\"}]",
     "config.json: mounts[0].destination: `/proc/` cannot be mounted because it is not of type proc"},
    {"linux.devices", "[{\"path\":\"/dev/..\",\"type\":\"c\",\"major\":1,\"minor\":3}]",
     "config.json: linux.devices[0].path: `/dev/..` names the root, not a device file"},
	{ "mounts", "[7]", "config.json: mounts[0]: must be an object" },
	{ "linux.personality", "{\"domain\":\"BOGUS\"}",
	  "config.json: linux.personality.domain: unknown domain `BOGUS` (expected LINUX or LINUX32)" },
	{ "linux.personality", "{}", "config.json: linux.personality.domain: required field is missing" },
	{ "linux.personality", "{\"domain\":\"LINUX\",\"flags\":[\"x\"]}",
	  "config.json: linux.personality.flags: no personality flag is supported; remove them" },
	{ "linux.namespaces", "[{\"type\":\"foo\"}]",
	  "config.json: linux.namespaces[0].type: unknown namespace type `foo` (expected pid, network, mount, ipc, "
	  "uts, user, cgroup or time)" },
	{ "linux.namespaces", "[{\"type\":\"mount\"},{\"type\":\"mount\"}]",
	  "config.json: linux.namespaces[1].type: namespace `mount` is listed twice" },
	{ "linux.namespaces", "[{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"run/netns/x\"}]",
	  "config.json: linux.namespaces[1].path: must be an absolute path, not `run/netns/x`" },
	{ "linux.namespaces", "[{\"type\":\"pid\"},{\"type\":\"uts\"}]",
	  "config.json: mounts: needs a mount namespace of the container's own; linux.namespaces has none, so the "
	  "container shares the host's mount table, where hull mounts nothing (add {\"type\": \"mount\"} to "
	  "linux.namespaces, or remove mounts)" },
	{ "linux.namespaces", "[{\"type\":\"mount\"}]", "config.json: hostname: setting it needs a uts namespace" },
	{ "linux.uidMappings", "[{\"containerID\":0,\"hostID\":1000,\"size\":1}]",
	  "config.json: linux.uidMappings: mappings need a user namespace" },
	{ "linux.namespaces", "[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"user\"}]",
	  "config.json: linux.uidMappings: a new user namespace needs uidMappings and gidMappings" },
	{ "linux.gidMappings", "[{\"containerID\":0,\"hostID\":-1,\"size\":1}]",
	  "config.json: linux.gidMappings[0].hostID: must be an integer in [0, 2^32)" },
	{ "linux.gidMappings", "[{\"containerID\":0,\"hostID\":0,\"size\":0}]",
	  "config.json: linux.gidMappings[0].size: must be at least 1" },
	{ "linux.devices", "[{\"path\":\"dev/x\",\"type\":\"c\",\"major\":1,\"minor\":3}]",
	  "config.json: linux.devices[0].path: must be an absolute path, not `dev/x`" },
	{ "linux.devices", "[{\"path\":\"/dev/x\",\"type\":\"x\",\"major\":1,\"minor\":3}]",
	  "config.json: linux.devices[0].type: must be one of c, b, u, p, not `x`" },
	{ "linux.devices", "[{\"path\":\"/dev/x\",\"type\":\"c\"}]",
	  "config.json: linux.devices[0]: major and minor are required for a `c` device" },
	{ "linux.devices", "[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":-1}]",
	  "config.json: linux.devices[0]: fileMode, uid, gid, major and minor must be >= 0" },
	{ "linux.sysctl", "{\"vm.swappiness\":\"1\"}",
	  "config.json: linux.sysctl.vm.swappiness: not a namespaced sysctl; it would change the host" },
	{ "linux.sysctl", "{\"kernel.shmmax\":\"1\"}",
	  "config.json: linux.sysctl.kernel.shmmax: needs its own ipc namespace (it would change the host's)" },
	{ "linux.sysctl", "{\"net.ipv4.ip_forward\":1}", "config.json: linux.sysctl.net.ipv4.ip_forward: must be a string" },
	{ "linux.sysctl", "{\"../x\":\"1\"}", "config.json: linux.sysctl: `../x` is not a sysctl name" },
	{ "linux.rootfsPropagation", "\"bogus\"",
	  "config.json: linux.rootfsPropagation: unknown propagation `bogus` (expected private, rprivate, slave, "
	  "rslave, shared, rshared, unbindable or runbindable)" },
	{ "linux.maskedPaths", "[\"proc/kcore\"]",
	  "config.json: linux.maskedPaths[0]: must be an absolute path, not `proc/kcore`" },
	{ "linux.readonlyPaths", "\"/proc/sys\"", "config.json: linux.readonlyPaths: must be an array, not a string" },
	{ "linux.resources", "[]", "config.json: linux.resources: must be an object, not an array" },
	{ "linux", "7", "config.json: linux: must be an object, not an integer" },
};

/* One test walks the table (Criterion's parameterized tests re-exec, and
 * pointers into .rodata would not survive ASLR); every case is checked and
 * every mismatch reported. */
Test(config, bad_input)
{
	size_t failures = 0;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		char *msg = fixture_error(c->path, c->value);
		if (!msg || strcmp(msg, c->want)) {
			cr_log_error("case %zu: %s = %s\n  want: %s\n  got:  %s", i, c->path,
				     c->value ? c->value : "(deleted)", c->want, msg ? msg : "(accepted)");
			failures++;
		}
		free(msg);
	}
	cr_assert_eq(failures, 0, "%zu of %zu bad configs were not reported as expected", failures,
		     sizeof(bad_cases) / sizeof(bad_cases[0]));
}

Test(config, base_fixture_is_valid)
{
	char *msg = fixture_error(NULL, NULL);
	cr_assert_null(msg, "%s", msg);
}

Test(config, invalid_json_names_line)
{
	struct hull_error *err = NULL;
	json_t *doc = hull_json_load_str("{\"ociVersion\": ,}", 16, "config.json", &err);
	cr_assert_null(doc);
	cr_assert(strstr(err->msg, "config.json: line 1 column"), "%s", err->msg);
	hull_error_free(err);
}

Test(config, top_level_must_be_object)
{
	struct hull_error *err = NULL;
	json_t *doc = json_array();
	cr_assert_null(hull_oci_config_parse(doc, NULL, "config.json", &err));
	cr_assert_str_eq(err->msg, "config.json: must hold a JSON object");
	json_decref(doc);
	hull_error_free(err);
}

Test(config, missing_rootfs_on_disk)
{
	char dir[] = "/tmp/hull-oci-test.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[300];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	FILE *f = fopen(path, "w");
	fputs(base_config, f);
	fclose(f);
	struct hull_error *err = NULL;
	cr_assert_null(hull_oci_config_load(dir, &err));
	char want[400];
	snprintf(want, sizeof(want), "config.json: root.path: `%s/rootfs`: No such file or directory", dir);
	cr_assert_str_eq(err->msg, want);
	hull_error_free(err);
	unlink(path);
	rmdir(dir);
}

Test(config, missing_config_file)
{
	struct hull_error *err = NULL;
	cr_assert_null(hull_oci_config_load("/nonexistent-hull-bundle", &err));
	cr_assert(strstr(err->msg, "/nonexistent-hull-bundle/config.json"), "%s", err->msg);
	cr_assert(strstr(err->msg, "No such file or directory"), "%s", err->msg);
	hull_error_free(err);
}

Test(config, exec_process_file_fields_have_no_prefix)
{
	struct hull_error *err = NULL;
	json_t *p = json_loads("{\"cwd\":\"/\",\"args\":[]}", 0, NULL);
	cr_assert_null(hull_oci_process_parse(p, "process.json", NULL, &err));
	cr_assert_str_eq(err->msg, "process.json: args: must be a non-empty array");
	json_decref(p);
	hull_error_free(err);
}

Test(config, intel_rdt_is_refused_naming_the_field)
{
	char *msg = fixture_error("linux.intelRdt", "{\"closID\":\"x\"}");
	cr_assert_not_null(msg);
	cr_assert(!strncmp(msg, "config.json: linux.intelRdt: ", strlen("config.json: linux.intelRdt: ")), "%s", msg);
	free(msg);
}

/* root.path against a real bundle: parse with `bundle` set. */
static char *root_error(const char *bundle, const char *root_path)
{
	json_t *doc = json_loads(base_config, 0, NULL);
	json_object_set_new(json_object_get(doc, "root"), "path", json_string(root_path));
	struct hull_error *err = NULL;
	struct hull_oci_config *cfg = hull_oci_config_parse(doc, bundle, "config.json", &err);
	json_decref(doc);
	hull_oci_config_free(cfg);
	char *msg = err ? strdup(err->msg) : NULL;
	hull_error_free(err);
	return msg;
}

Test(config, root_path_must_stay_in_the_bundle_and_be_real)
{
	char tmpl[] = "/tmp/hull-unit-root.XXXXXX";
	char *bundle = mkdtemp(tmpl);
	cr_assert_not_null(bundle);
	char p[256];
	snprintf(p, sizeof(p), "%s/rootfs", bundle);
	cr_assert_eq(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/link", bundle);
	cr_assert_eq(symlink("rootfs", p), 0);
	cr_assert_null(root_error(bundle, "rootfs"));
	cr_assert_null(root_error(bundle, "./rootfs/"));
	char *msg = root_error(bundle, "../../../../");
	cr_assert_str_eq(msg, "config.json: root.path: `../../../../` leads out of the bundle; give a directory inside "
			      "it or an absolute path");
	free(msg);
	msg = root_error(bundle, "/");
	cr_assert_str_eq(msg, "config.json: root.path: `/` is the host's root directory");
	free(msg);
	msg = root_error(bundle, "link");
	cr_assert_not_null(strstr(msg, "goes through a symlink"), "%s", msg);
	free(msg);
	unlink(p);
	snprintf(p, sizeof(p), "%s/rootfs", bundle);
	rmdir(p);
	rmdir(bundle);
}
