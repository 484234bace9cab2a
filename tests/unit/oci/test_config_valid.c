/* Valid config.json: what the parser makes of it. */
#include <criterion/criterion.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "config_fixture.h"

static struct hull_oci_config *parse(json_t *doc)
{
	struct hull_error *err = NULL;
	struct hull_oci_config *cfg = hull_oci_config_parse(doc, NULL, "config.json", &err);
	cr_assert_not_null(cfg, "%s", err ? err->msg : "");
	return cfg;
}

Test(config_valid, runc_default_spec)
{
	json_t *doc = hull_oci_spec_default(false, 0, 0);
	struct hull_oci_config *cfg = parse(doc);
	cr_assert_str_eq(cfg->process->args[0], "sh");
	cr_assert(cfg->process->terminal);
	cr_assert(cfg->process->no_new_privileges);
	cr_assert(cfg->root_readonly);
	cr_assert_str_eq(cfg->root_path, "rootfs");
	cr_assert_eq(cfg->n_namespaces, 5);
	cr_assert_not_null(hull_oci_config_namespace(cfg, CLONE_NEWNET));
	cr_assert_null(hull_oci_config_namespace(cfg, CLONE_NEWUSER));
	cr_assert_eq(cfg->n_mounts, 7);
	cr_assert_eq(cfg->mounts[5].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY); /* /sys */
	cr_assert_str_eq(cfg->mounts[1].data, "mode=755,size=65536k");                   /* /dev */
	cr_assert_eq(cfg->process->n_rlimits, 1);
	cr_assert_eq(cfg->process->rlimits[0].resource, RLIMIT_NOFILE);
	cr_assert_eq(cfg->process->rlimits[0].soft, 1024);
	cr_assert_not_null(cfg->process->capabilities);
	cr_assert_not_null(cfg->resources);
	size_t n = 0;
	while (cfg->masked_paths[n])
		n++;
	cr_assert_eq(n, 10);
	cr_assert_str_eq(cfg->readonly_paths[3], "/proc/sys");
	hull_oci_config_free(cfg);
	json_decref(doc);
}

Test(config_valid, rootless_spec_maps_the_caller)
{
	json_t *doc = hull_oci_spec_default(true, 1000, 1001);
	struct hull_oci_config *cfg = parse(doc);
	cr_assert_not_null(hull_oci_config_namespace(cfg, CLONE_NEWUSER));
	cr_assert_null(hull_oci_config_namespace(cfg, CLONE_NEWNET));
	cr_assert_eq(cfg->n_uid_mappings, 1);
	cr_assert_eq(cfg->uid_mappings[0].host_id, 1000);
	cr_assert_eq(cfg->gid_mappings[0].host_id, 1001);
	cr_assert_eq(cfg->uid_mappings[0].container_id, 0);
	cr_assert_null(cfg->resources);
	cr_assert(cfg->mounts[5].bind); /* /sys from the host */
	hull_oci_config_free(cfg);
	json_decref(doc);
}

Test(config_valid, mount_options_split_into_flags_propagation_and_data)
{
	json_t *doc = json_loads(base_config, 0, NULL);
	fixture_set(doc, "mounts",
		    "[{\"destination\":\"/data\",\"type\":\"none\",\"source\":\"/srv\","
		    "\"options\":[\"rbind\",\"ro\",\"rprivate\",\"nosuid\",\"suid\",\"mode=755\",\"tmpcopyup\"]},"
		    "{\"destination\":\"/t\",\"type\":\"tmpfs\",\"options\":[\"ro\",\"rw\",\"size=1m\",\"uid=5\"]},"
		    "{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/etc/hosts\"}]");
	struct hull_oci_config *cfg = parse(doc);
	const struct hull_oci_mount *m = &cfg->mounts[0];
	cr_assert(m->bind);
	cr_assert(m->readonly);
	cr_assert_eq(m->flags, MS_BIND | MS_REC | MS_RDONLY);
	cr_assert_eq(m->propagation, MS_PRIVATE | MS_REC);
	cr_assert_str_eq(m->data, "mode=755");
	cr_assert_eq(cfg->mounts[1].flags, 0);
	cr_assert_str_eq(cfg->mounts[1].data, "size=1m,uid=5");
	cr_assert(cfg->mounts[2].bind);
	cr_assert_eq(cfg->mounts[2].flags, MS_BIND);
	hull_oci_config_free(cfg);
	json_decref(doc);
}

Test(config_valid, mount_destinations_and_device_paths_are_kept_cleaned)
{
	json_t *doc = json_loads(base_config, 0, NULL);
	fixture_set(doc, "mounts",
		    "[{\"destination\":\"/dev/\",\"type\":\"bind\",\"source\":\"/srv\"},"
		    "{\"destination\":\"//dev/./shm\",\"type\":\"tmpfs\"},"
		    "{\"destination\":\"/proc/meminfo\",\"type\":\"bind\",\"source\":\"/srv\"}]");
	fixture_set(doc, "linux.devices", "[{\"path\":\"/dev//null/\",\"type\":\"c\",\"major\":1,\"minor\":3}]");
	struct hull_oci_config *cfg = parse(doc);
	cr_assert_str_eq(cfg->mounts[0].destination, "/dev");
	cr_assert_str_eq(cfg->mounts[1].destination, "/dev/shm");
	cr_assert_str_eq(cfg->mounts[2].destination, "/proc/meminfo"); /* lxcfs' file: allowed */
	cr_assert_str_eq(cfg->devices[0].path, "/dev/null");
	hull_oci_config_free(cfg);
	json_decref(doc);
}

Test(config_valid, recursive_mount_options_are_mount_setattr_attributes)
{
	json_t *doc = json_loads(base_config, 0, NULL);
	fixture_set(doc, "mounts",
		    "[{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/srv\","
		    "\"options\":[\"rbind\",\"rro\",\"rnosuid\",\"rnoexec\",\"rexec\",\"rnoatime\"]},"
		    "{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"/srv\","
		    "\"options\":[\"rbind\",\"rrw\",\"rnoatime\",\"rstrictatime\",\"rdev\"]},"
		    "{\"destination\":\"/c\",\"type\":\"bind\",\"source\":\"/srv\","
		    "\"options\":[\"rbind\",\"rnoatime\",\"ratime\",\"rnorelatime\"]},"
		    "{\"destination\":\"/d\",\"type\":\"bind\",\"source\":\"/srv\",\"options\":[\"rbind\",\"ro\"]}]");
	struct hull_oci_config *cfg = parse(doc);
	const struct hull_oci_mount *m = cfg->mounts;
	/* none of them is mount(2) data or an MS_* flag */
	cr_assert_null(m[0].data);
	cr_assert_eq(m[0].flags, MS_BIND | MS_REC);
	/* the later option wins; an access-time mode clears the whole field */
	cr_assert_eq(m[0].rec_attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME);
	cr_assert_eq(m[0].rec_attr_clr, MOUNT_ATTR_NOEXEC | MOUNT_ATTR__ATIME);
	cr_assert_eq(m[1].rec_attr_set, MOUNT_ATTR_STRICTATIME);
	cr_assert_eq(m[1].rec_attr_clr, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR__ATIME);
	/* ratime undoes rnoatime: relatime, the default mode */
	cr_assert_eq(m[2].rec_attr_set, 0);
	cr_assert_eq(m[2].rec_attr_clr, MOUNT_ATTR__ATIME);
	cr_assert_eq(m[3].rec_attr_set | m[3].rec_attr_clr, 0);
	cr_assert_eq(m[3].flags, MS_BIND | MS_REC | MS_RDONLY);
	hull_oci_config_free(cfg);
	json_decref(doc);
}

Test(config_valid, process_user_env_and_devices)
{
	json_t *doc = json_loads(base_config, 0, NULL);
	fixture_set(doc, "process.user", "{\"uid\":1000,\"gid\":100,\"umask\":63,\"additionalGids\":[5,6]}");
	fixture_set(doc, "process.oomScoreAdj", "100");
	fixture_set(doc, "linux.devices", "[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}]");
	fixture_set(doc, "linux.sysctl", "{\"net.ipv4.ip_forward\":\"1\"}");
	fixture_set(doc, "linux.rootfsPropagation", "\"rshared\"");
	struct hull_oci_config *cfg = parse(doc);
	const struct hull_oci_process *p = cfg->process;
	cr_assert_eq(p->uid, 1000);
	cr_assert_eq(p->gid, 100);
	cr_assert(p->has_umask);
	cr_assert_eq(p->umask, 077);
	cr_assert_eq(p->n_additional_gids, 2);
	cr_assert_eq(p->additional_gids[1], 6);
	cr_assert(p->has_oom_score_adj);
	cr_assert_eq(p->oom_score_adj, 100);
	cr_assert_str_eq(p->env[0], "PATH=/bin");
	cr_assert_eq(cfg->devices[0].mode, 0666);
	cr_assert_eq(cfg->devices[0].major, 10);
	cr_assert_str_eq(cfg->sysctl_keys[0], "net.ipv4.ip_forward");
	cr_assert_str_eq(cfg->sysctl_values[0], "1");
	cr_assert_eq(cfg->rootfs_propagation, MS_SHARED | MS_REC);
	hull_oci_config_free(cfg);
	json_decref(doc);
}

Test(config_valid, joined_namespace_keeps_its_path)
{
	json_t *doc = json_loads(base_config, 0, NULL);
	fixture_set(doc, "linux.namespaces",
		    "[{\"type\":\"mount\"},{\"type\":\"uts\"},{\"type\":\"network\",\"path\":\"/run/netns/x\"}]");
	struct hull_oci_config *cfg = parse(doc);
	const struct hull_oci_namespace *ns = hull_oci_config_namespace(cfg, CLONE_NEWNET);
	cr_assert_not_null(ns);
	cr_assert_str_eq(ns->path, "/run/netns/x");
	cr_assert_null(hull_oci_config_namespace(cfg, CLONE_NEWNS)->path);
	hull_oci_config_free(cfg);
	json_decref(doc);
}

Test(config_valid, namespace_and_rlimit_names)
{
	cr_assert_eq(hull_oci_namespace_type("network"), CLONE_NEWNET);
	cr_assert_eq(hull_oci_namespace_type("net"), -1);
	cr_assert_str_eq(hull_oci_namespace_name(CLONE_NEWUTS), "uts");
	cr_assert_eq(hull_oci_rlimit_parse("RLIMIT_NPROC"), RLIMIT_NPROC);
	cr_assert_eq(hull_oci_rlimit_parse("NOFILE"), -1);
}
