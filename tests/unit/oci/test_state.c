/* state.json round trip and the shape runc's `state` prints. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <unistd.h>

#include "hull/json.h"
#include "hull/oci.h"

Test(state, save_load_round_trip_keeps_other_rooms_fields)
{
	char dir[] = "/tmp/hull-state-test.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[300];
	snprintf(path, sizeof(path), "%s/state.json", dir);
	struct hull_oci_state st = { .oci_version = "1.1.0", .id = "rt-x", .pid = 42, .pid_start = 12345,
				     .bundle = "/b", .rootfs = "/b/rootfs", .created = "2026-01-01T00:00:00Z",
				     .owner = "root" };
	st.json = json_pack("{s:s}", "cgroup", "/sys/fs/cgroup/x");
	st.annotations = json_pack("{s:s}", "org.example", "1");
	struct hull_error *err = NULL;
	cr_assert_eq(hull_oci_state_save(&st, path, &err), 0);
	struct hull_oci_state *back = hull_oci_state_load(path, &err);
	cr_assert_not_null(back, "%s", err ? err->msg : "");
	cr_assert_str_eq(back->id, "rt-x");
	cr_assert_eq(back->pid, 42);
	cr_assert_eq(back->pid_start, 12345);
	cr_assert_str_eq(back->rootfs, "/b/rootfs");
	cr_assert_str_eq(json_string_value(json_object_get(back->json, "cgroup")), "/sys/fs/cgroup/x");
	cr_assert_str_eq(json_string_value(json_object_get(back->annotations, "org.example")), "1");
	hull_oci_state_free(back);
	json_decref(st.json);
	json_decref(st.annotations);
	unlink(path);
	rmdir(dir);
}

Test(state, to_json_has_runc_fields_in_order)
{
	struct hull_oci_state st = { .oci_version = "1.1.0", .id = "rt-x", .pid = 7, .bundle = "/b",
				     .rootfs = "/b/rootfs", .created = "c", .owner = "root" };
	json_t *j = hull_oci_state_to_json(&st, "running");
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	cr_assert_str_eq(s, "{\"ociVersion\":\"1.1.0\",\"id\":\"rt-x\",\"pid\":7,\"status\":\"running\","
			    "\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"c\",\"owner\":\"root\"}");
	free(s);
	json_decref(j);
}

Test(state, load_rejects_broken_file)
{
	char dir[] = "/tmp/hull-state-test.XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[300];
	snprintf(path, sizeof(path), "%s/state.json", dir);
	FILE *f = fopen(path, "w");
	fputs("{\"id\":\"x\"}", f);
	fclose(f);
	struct hull_error *err = NULL;
	cr_assert_null(hull_oci_state_load(path, &err));
	char want[400];
	snprintf(want, sizeof(want), "%s: pid: required field is missing", path);
	cr_assert_str_eq(err->msg, want);
	hull_error_free(err);
	unlink(path);
	rmdir(dir);
}
