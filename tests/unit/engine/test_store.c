#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_ids.h"
#include "hull/json.h"
#include "hull/proc.h"
#include "hull/timefmt.h"

static struct hull_ctx ctx;
static char dir[64];

static void setup(void)
{
	test_root_setup(&ctx, dir);
}

static void teardown(void)
{
	test_root_teardown(dir);
}

TestSuite(store, .init = setup, .fini = teardown);

Test(store, ids_are_64_hex_and_short_id_not_numeric)
{
	for (int i = 0; i < 200; i++) {
		char id[HULL_ID_LEN + 1];
		cr_assert_eq(hull_engine_new_id(id, NULL), 0);
		cr_assert_eq(strlen(id), 64);
		for (int k = 0; k < 64; k++)
			cr_assert(isxdigit((unsigned char)id[k]) && !isupper((unsigned char)id[k]));
		cr_assert_lt(strspn(id, "0123456789"), 12);
	}
}

Test(store, random_names_have_docker_shape)
{
	_cleanup_free_ char *n = hull_engine_random_name();
	cr_assert_not_null(strchr(n, '_'));
	cr_assert(hull_engine_valid_name(n));
}

Test(store, name_rules)
{
	cr_assert(hull_engine_valid_name("eng-web.1_a"));
	cr_assert_not(hull_engine_valid_name("-web"));
	cr_assert_not(hull_engine_valid_name("we/b"));
	cr_assert_not(hull_engine_valid_name(""));
	cr_assert_not(hull_engine_valid_name("a b"));
}

static struct hull_container *make(const char *name)
{
	struct hull_error *err = NULL;
	struct hull_container *c = hull_container_reserve(&ctx, name, &err);
	cr_assert_not_null(c, "reserve: %s", err ? err->msg : "?");
	char now[40];
	hull_time_now_rfc3339_into(now, sizeof(now));
	json_object_set_new(c->record, "Created", json_string(now));
	cr_assert_eq(hull_container_save(c, &err), 0);
	return c;
}

Test(store, reserve_save_load_by_id_name_prefix)
{
	_cleanup_container_ struct hull_container *c = make("eng-a");
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *by_id = hull_container_load(&ctx, c->id, &err);
	cr_assert_not_null(by_id);
	cr_assert_str_eq(by_id->name, "eng-a");
	_cleanup_container_ struct hull_container *by_name = hull_container_load(&ctx, "eng-a", &err);
	cr_assert_not_null(by_name);
	cr_assert_str_eq(by_name->id, c->id);
	char prefix[13];
	memcpy(prefix, c->id, 12);
	prefix[12] = '\0';
	_cleanup_container_ struct hull_container *by_prefix = hull_container_load(&ctx, prefix, &err);
	cr_assert_not_null(by_prefix);
	cr_assert_str_eq(by_prefix->id, c->id);
	cr_assert_eq(by_prefix->state.status, HULL_ENGINE_CREATED);
}

Test(store, duplicate_name_is_a_conflict_naming_the_holder)
{
	_cleanup_container_ struct hull_container *c = make("eng-dup");
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_null(hull_container_reserve(&ctx, "eng-dup", &err));
	cr_assert_eq(err->code, EEXIST);
	cr_assert_not_null(strstr(err->msg, c->id), "%s", err->msg);
	cr_assert_not_null(strstr(err->msg, "already in use"));
}

Test(store, concurrent_reserve_of_one_name_one_wins)
{
	int wins = 0;
	pid_t pids[8];
	for (int i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			/* saved before exiting: a reserve that dies without its
			 * record is a killed create, whose name the next one takes */
			struct hull_container *c = hull_container_reserve(&ctx, "eng-race", NULL);
			_exit(c && hull_container_save(c, NULL) == 0 ? 0 : 1);
		}
	}
	for (int i = 0; i < 8; i++) {
		int st;
		waitpid(pids[i], &st, 0);
		wins += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	cr_assert_eq(wins, 1);
}

Test(store, unknown_and_ambiguous_references)
{
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_null(hull_container_load(&ctx, "nope", &err));
	cr_assert_eq(err->code, ENOENT);
	cr_assert_str_eq(err->msg, "No such container: nope");
	hull_error_release(&err);
	/* Two ids that share a first hex digit are bound to exist among 40. */
	struct hull_container *cs[40];
	for (int i = 0; i < 40; i++)
		cs[i] = make(NULL);
	char p[2] = { cs[0]->id[0], 0 };
	int same = 0;
	for (int i = 0; i < 40; i++)
		same += cs[i]->id[0] == p[0];
	if (same > 1) {
		cr_assert_null(hull_container_load(&ctx, p, &err));
		cr_assert_not_null(strstr(err->msg, "multiple containers"));
	}
	for (int i = 0; i < 40; i++)
		hull_container_free(cs[i]);
}

Test(store, list_is_sorted_and_remove_frees_the_name)
{
	_cleanup_container_ struct hull_container *a = make("eng-first");
	_cleanup_container_ struct hull_container *b = make("eng-second");
	struct hull_container **v = NULL;
	size_t n = 0;
	cr_assert_eq(hull_container_list(&ctx, &v, &n, NULL), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(v[0]->name, "eng-first");
	cr_assert_str_eq(v[1]->name, "eng-second");
	cr_assert_str_eq(v[1]->id, b->id);
	for (size_t i = 0; i < n; i++)
		hull_container_free(v[i]);
	free(v);
	cr_assert_eq(hull_container_remove_files(&ctx, a, NULL), 0);
	_cleanup_container_ struct hull_container *again = make("eng-first");
	cr_assert_str_neq(again->id, a->id);
}

Test(store, create_killed_before_its_record_frees_the_name)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* the name is claimed, then the process dies: no record */
		_exit(hull_container_reserve(&ctx, "eng-killed", NULL) ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	_cleanup_error_ struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *c = hull_container_reserve(&ctx, "eng-killed", &err);
	cr_assert_not_null(c, "reserve: %s", err ? err->msg : "");
	/* while its creator is alive, a record-less container is not abandoned */
	cr_assert_null(hull_container_reserve(&ctx, "eng-killed", &err));
	cr_assert_eq(err->code, EEXIST);
}

Test(store, stale_name_link_is_reclaimed)
{
	_cleanup_container_ struct hull_container *a = make("eng-stale");
	cr_assert_eq(hull_rm_rf(a->dir, NULL), 0); /* crash between rm steps */
	_cleanup_container_ struct hull_container *b = make("eng-stale");
	cr_assert_str_neq(b->id, a->id);
}

Test(store, running_with_dead_monitor_reads_as_exited)
{
	_cleanup_container_ struct hull_container *c = make("eng-ghost");
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	unsigned long long start = hull_proc_start_time(child);
	waitpid(child, NULL, 0);
	c->state.status = HULL_ENGINE_RUNNING;
	c->state.monitor_pid = child;
	c->state.monitor_start = start ? start : 1;
	c->state.pid = child;
	cr_assert_eq(hull_container_save_state(c, NULL), 0);
	_cleanup_container_ struct hull_container *l = hull_container_load(&ctx, "eng-ghost", NULL);
	cr_assert_eq(l->state.status, HULL_ENGINE_EXITED);
	cr_assert_eq(l->state.exit_code, 255);
	cr_assert_not_null(strstr(l->state.error, "monitor is gone"));
}

Test(store, running_with_live_monitor_stays_running)
{
	_cleanup_container_ struct hull_container *c = make("eng-live");
	c->state.status = HULL_ENGINE_RUNNING;
	c->state.monitor_pid = getpid();
	c->state.monitor_start = hull_proc_start_time(getpid());
	cr_assert_eq(hull_container_save_state(c, NULL), 0);
	_cleanup_container_ struct hull_container *l = hull_container_load(&ctx, "eng-live", NULL);
	cr_assert_eq(l->state.status, HULL_ENGINE_RUNNING);
}
