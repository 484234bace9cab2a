/* spec.c - the config.json `hull spec` writes: runc's default, so bundles
 * made for runc work unchanged, and `--rootless` as runc does it. */
#include <string.h>

#include "hull/json.h"
#include "hull/oci.h"

static const char default_spec[] =
	"{\"ociVersion\":\"" HULL_OCI_VERSION "\","
	"\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"
	"\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"TERM=xterm\"],"
	"\"cwd\":\"/\","
	"\"capabilities\":{"
	"\"bounding\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"effective\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"permitted\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
	"\"ambient\":[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
	"\"noNewPrivileges\":true},"
	"\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"hostname\":\"hull\","
	"\"mounts\":["
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
	"\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
	"\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]},"
	"{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
	"{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
	"{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
	"\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
	"\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
	"\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
	"{\"type\":\"mount\"}],"
	"\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\","
	"\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"
	"\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";

/* runc spec --rootless: no network namespace (no privileges to configure
 * one), a user namespace mapping the caller, sysfs bound from the host,
 * devpts without gid=5 (no such group is mapped), no device cgroup rule. */
static void make_rootless(json_t *spec, uid_t uid, gid_t gid)
{
	json_t *lnx = json_object_get(spec, "linux");
	json_object_del(lnx, "resources");
	json_t *ns = json_array();
	static const char *const keep[] = { "pid", "ipc", "uts", "mount", "user" };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(keep); i++)
		json_array_append_new(ns, json_pack("{s:s}", "type", keep[i]));
	json_object_set_new(lnx, "namespaces", ns);
	json_object_set_new(lnx, "uidMappings",
			    json_pack("[{s:i,s:I,s:i}]", "containerID", 0, "hostID", (json_int_t)uid, "size", 1));
	json_object_set_new(lnx, "gidMappings",
			    json_pack("[{s:i,s:I,s:i}]", "containerID", 0, "hostID", (json_int_t)gid, "size", 1));
	size_t i;
	json_t *m;
	json_array_foreach(json_object_get(spec, "mounts"), i, m) {
		const char *dest = json_string_value(json_object_get(m, "destination"));
		if (!strcmp(dest, "/sys")) {
			json_object_set_new(m, "type", json_string("none"));
			json_object_set_new(m, "source", json_string("/sys"));
			json_object_set_new(m, "options", json_pack("[s,s,s,s,s]", "rbind", "nosuid", "noexec",
								    "nodev", "ro"));
		} else if (!strcmp(dest, "/dev/pts")) {
			json_object_set_new(m, "options", json_pack("[s,s,s,s,s]", "nosuid", "noexec", "newinstance",
								    "ptmxmode=0666", "mode=0620"));
		}
	}
}

json_t *hull_oci_spec_default(bool rootless, uid_t uid, gid_t gid)
{
	json_t *spec = json_loads(default_spec, 0, NULL);
	if (!spec)
		abort(); /* the literal above is valid JSON: only ENOMEM gets here */
	if (rootless)
		make_rootless(spec, uid, gid);
	return spec;
}
