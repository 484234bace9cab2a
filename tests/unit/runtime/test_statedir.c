/* Container ids, live status from /proc, the state root. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../src/lib/runtime/runtime_internal.h"
#include "hull/fs.h"

Test(statedir, container_ids_follow_runc)
{
	cr_assert_eq(hull_runtime_validate_id("rt-a_b.c+1", NULL), 0);
	cr_assert_lt(hull_runtime_validate_id("", NULL), 0);
	cr_assert_lt(hull_runtime_validate_id(".", NULL), 0);
	cr_assert_lt(hull_runtime_validate_id("..", NULL), 0);
	cr_assert_lt(hull_runtime_validate_id("a/b", NULL), 0);
	cr_assert_lt(hull_runtime_validate_id("a b", NULL), 0);
}

static char dir[] = "/tmp/hull-statedir-test.XXXXXX";

Test(statedir, status_is_computed_live)
{
	cr_assert_not_null(mkdtemp(dir));
	struct hull_oci_state st = { .id = "rt-x", .pid = getpid() };
	enum hull_status s;
	cr_assert_eq(proc_start_time(getpid(), &st.pid_start, NULL), 0);
	state_status(&st, dir, &s);
	cr_assert_eq(s, HULL_STATUS_RUNNING);
	char fifo[300];
	snprintf(fifo, sizeof(fifo), "%s/exec.fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	state_status(&st, dir, &s);
	cr_assert_eq(s, HULL_STATUS_CREATED);
	unlink(fifo);
	/* the same pid with another start time is someone else's process */
	st.pid_start += 1;
	state_status(&st, dir, &s);
	cr_assert_eq(s, HULL_STATUS_STOPPED);
	st.pid = 0;
	state_status(&st, dir, &s);
	cr_assert_eq(s, HULL_STATUS_STOPPED);
	rmdir(dir);
}

Test(statedir, missing_container_and_empty_root)
{
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	ctx.runtime_root = "/tmp/hull-statedir-test-nonexistent";
	struct hull_error *err = NULL;
	cr_assert_null(hull_runtime_state(&ctx, "rt-nope", &err));
	cr_assert_str_eq(err->msg, "container \"rt-nope\" does not exist");
	hull_error_free(err);
	struct hull_container_state **list = NULL;
	cr_assert_eq(hull_runtime_list(&ctx, &list, NULL), 0);
	cr_assert_null(list[0]);
	hull_runtime_list_free(list);
	err = NULL;
	cr_assert_lt(hull_runtime_delete(&ctx, "rt-nope", false, &err), 0);
	cr_assert_str_eq(err->msg, "container \"rt-nope\" does not exist");
	hull_error_free(err);
	cr_assert_eq(hull_runtime_delete(&ctx, "rt-nope", true, NULL), 0);
}

Test(statedir, status_names)
{
	cr_assert_str_eq(hull_status_name(HULL_STATUS_CREATED), "created");
	cr_assert_str_eq(hull_status_name(HULL_STATUS_STOPPED), "stopped");
	cr_assert_str_eq(hull_status_name(HULL_STATUS_PAUSED), "paused");
}
