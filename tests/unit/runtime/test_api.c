/* The library API as the engine calls it in-process: stdio fds, run with
 * wait, create/start/wait/delete. Runs real containers (root). */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/fs.h"
#include "hull/json.h"
#include "hull/runtime.h"

static char work[] = "/tmp/hull-api-test.XXXXXX";
static char bundle[64], root[64];

/* A bundle whose rootfs holds busybox as sh, echo, cat, sleep. */
static void make_bundle(const char *const *args)
{
	cr_assert_not_null(mkdtemp(work));
	snprintf(bundle, sizeof(bundle), "%s/bundle", work);
	snprintf(root, sizeof(root), "%s/root", work);
	char path[400], cmd[4096];
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %1$s/rootfs/bin %1$s/rootfs/proc %1$s/rootfs/dev %1$s/rootfs/sys && "
		 "cp \"$(command -v busybox)\" %1$s/rootfs/bin/busybox && "
		 "for a in sh echo cat sleep; do ln -s busybox %1$s/rootfs/bin/$a; done",
		 bundle);
	cr_assert_eq(system(cmd), 0);
	json_t *spec = hull_oci_spec_default(false, 0, 0);
	json_object_set_new(json_object_get(spec, "process"), "terminal", json_false());
	json_t *a = json_array();
	for (size_t i = 0; args[i]; i++)
		json_array_append_new(a, json_string(args[i]));
	json_object_set_new(json_object_get(spec, "process"), "args", a);
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	cr_assert_eq(hull_json_dump_file(spec, path, 0644, NULL), 0);
	json_decref(spec);
}

/* Also on failure: no container may outlive its test. */
static void cleanup(void)
{
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	ctx.runtime_root = root;
	struct hull_container_state **list = NULL;
	if (hull_runtime_list(&ctx, &list, NULL) == 0)
		for (size_t i = 0; list[i]; i++)
			hull_runtime_delete(&ctx, list[i]->oci->id, true, NULL);
	hull_runtime_list_free(list);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", work);
	system(cmd);
}

static char *read_pipe(int fd)
{
	char *out = NULL;
	size_t len;
	cr_assert_eq(hull_read_all(fd, &out, &len), 0);
	return out;
}

Test(api, run_with_stdio_fds_returns_the_exit_status, .fini = cleanup)
{
	static const char *const args[] = { "sh", "-c", "read x; echo \"out:$x\"; echo err >&2; exit 3", NULL };
	make_bundle(args);
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	ctx.runtime_root = root;
	int in[2], out[2], errp[2];
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(errp, O_CLOEXEC), 0);
	cr_assert_eq(write(in[1], "typed\n", 6), 6);
	close(in[1]);
	struct hull_runtime_opts o = HULL_RUNTIME_OPTS_INIT;
	o.bundle = bundle;
	o.stdio[0] = in[0];
	o.stdio[1] = out[1];
	o.stdio[2] = errp[1];
	int status = -1;
	struct hull_error *err = NULL;
	int r = hull_runtime_run(&ctx, "rt-api-run", &o, &status, &err);
	cr_assert_eq(r, 0, "%s", err ? err->msg : "");
	close(out[1]);
	close(errp[1]);
	cr_assert_eq(status, 3);
	char *o1 = read_pipe(out[0]), *e1 = read_pipe(errp[0]);
	cr_assert_str_eq(o1, "out:typed\n");
	cr_assert_str_eq(e1, "err\n");
	free(o1);
	free(e1);
	/* run deleted it */
	cr_assert_null(hull_runtime_state(&ctx, "rt-api-run", NULL));
}

Test(api, create_start_wait_delete, .fini = cleanup)
{
	static const char *const args[] = { "sh", "-c", "echo started; exit 0", NULL };
	make_bundle(args);
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	ctx.runtime_root = root;
	int out[2];
	cr_assert_eq(pipe2(out, O_CLOEXEC), 0);
	struct hull_runtime_opts o = HULL_RUNTIME_OPTS_INIT;
	o.bundle = bundle;
	o.stdio[1] = out[1];
	struct hull_error *err = NULL;
	cr_assert_eq(hull_runtime_create(&ctx, "rt-api", &o, &err), 0, "%s", err ? err->msg : "");
	close(out[1]);
	struct hull_container_state *st = hull_runtime_state(&ctx, "rt-api", &err);
	cr_assert_not_null(st);
	cr_assert_eq(st->status, HULL_STATUS_CREATED);
	cr_assert_gt(st->oci->pid, 0);
	hull_container_state_free(st);
	cr_assert_eq(hull_runtime_create(&ctx, "rt-api", &o, &err), -EEXIST);
	cr_assert_str_eq(err->msg, "container \"rt-api\" already exists");
	hull_error_release(&err);
	cr_assert_eq(hull_runtime_start(&ctx, "rt-api", &err), 0, "%s", err ? err->msg : "");
	int status = -1;
	cr_assert_eq(hull_runtime_wait(&ctx, "rt-api", &status, &err), 0);
	cr_assert_eq(status, 0); /* the init was our child: its status is known */
	char *s = read_pipe(out[0]);
	cr_assert_str_eq(s, "started\n");
	free(s);
	st = hull_runtime_state(&ctx, "rt-api", &err);
	cr_assert_eq(st->status, HULL_STATUS_STOPPED);
	hull_container_state_free(st);
	cr_assert_eq(hull_runtime_delete(&ctx, "rt-api", false, &err), 0);
	cr_assert_null(hull_runtime_state(&ctx, "rt-api", NULL));
}

Test(api, run_detached_then_kill, .fini = cleanup)
{
	static const char *const args[] = { "sleep", "100", NULL };
	make_bundle(args);
	struct hull_ctx ctx;
	hull_ctx_init(&ctx);
	ctx.runtime_root = root;
	struct hull_runtime_opts o = HULL_RUNTIME_OPTS_INIT;
	o.bundle = bundle;
	o.detach = true;
	int status = -1;
	struct hull_error *err = NULL;
	cr_assert_eq(hull_runtime_run(&ctx, "rt-api-d", &o, &status, &err), 0, "%s", err ? err->msg : "");
	struct hull_container_state *st = hull_runtime_state(&ctx, "rt-api-d", &err);
	cr_assert_eq(st->status, HULL_STATUS_RUNNING);
	hull_container_state_free(st);
	cr_assert_eq(hull_runtime_kill(&ctx, "rt-api-d", SIGKILL, false, &err), 0);
	cr_assert_eq(hull_runtime_wait(&ctx, "rt-api-d", &status, &err), 0);
	cr_assert_eq(status, 128 + SIGKILL);
	cr_assert_eq(hull_runtime_delete(&ctx, "rt-api-d", false, &err), 0, "%s", err ? err->msg : "");
}
