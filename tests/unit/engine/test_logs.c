#include <criterion/criterion.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "hull/cleanup.h"
#include "hull/json.h"
#include "hull/logs.h"
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

TestSuite(logs, .init = setup, .fini = teardown);

struct collected {
	char text[65536];
	size_t n;
	int records;
	int stderr_records;
};

static int collect(const struct hull_log_record *rec, void *data)
{
	struct collected *c = data;
	cr_assert_lt(c->n + rec->len, sizeof(c->text));
	memcpy(c->text + c->n, rec->text, rec->len);
	c->n += rec->len;
	c->text[c->n] = '\0';
	c->records++;
	c->stderr_records += rec->stream == HULL_STREAM_STDERR;
	return 0;
}

static char *logpath(void)
{
	return hull_path_join(dir, "c-json.log");
}

Test(logs, lines_are_docker_json_records)
{
	_cleanup_free_ char *p = logpath();
	struct hull_logfile lf;
	cr_assert_eq(hull_logfile_open(&lf, p, 0, 1, NULL), 0);
	cr_assert_eq(hull_logfile_write(&lf, HULL_STREAM_STDOUT, "hel", 3, NULL), 0);
	cr_assert_eq(hull_logfile_write(&lf, HULL_STREAM_STDOUT, "lo\nwor", 6, NULL), 0);
	cr_assert_eq(hull_logfile_write(&lf, HULL_STREAM_STDERR, "oops\n", 5, NULL), 0);
	hull_logfile_close(&lf); /* flushes "wor" as a partial record */
	_cleanup_free_ char *raw = NULL;
	cr_assert_eq(hull_read_file(p, &raw, NULL, NULL), 0);
	char *second = strchr(raw, '\n') + 1;
	_cleanup_json_ json_t *first = json_loadb(raw, (size_t)(second - raw), 0, NULL);
	cr_assert_not_null(first);
	cr_assert_str_eq(json_string_value(json_object_get(first, "log")), "hello\n");
	cr_assert_str_eq(json_string_value(json_object_get(first, "stream")), "stdout");
	cr_assert(hull_time_parse_ns(json_string_value(json_object_get(first, "time"))) > 0);
	struct collected c = { 0 };
	struct hull_logs_options o = { .tail = -1 };
	cr_assert_eq(hull_logs_read(p, &o, collect, &c, NULL), 0);
	cr_assert_str_eq(c.text, "hello\noops\nwor");
	cr_assert_eq(c.records, 3);
	cr_assert_eq(c.stderr_records, 1);
}

Test(logs, invalid_utf8_becomes_replacement_char)
{
	_cleanup_free_ char *p = logpath();
	struct hull_logfile lf;
	cr_assert_eq(hull_logfile_open(&lf, p, 0, 1, NULL), 0);
	cr_assert_eq(hull_logfile_write(&lf, HULL_STREAM_STDOUT, "a\xff" "b\n", 4, NULL), 0);
	hull_logfile_close(&lf);
	struct collected c = { 0 };
	struct hull_logs_options o = { .tail = -1 };
	cr_assert_eq(hull_logs_read(p, &o, collect, &c, NULL), 0);
	cr_assert_str_eq(c.text, "a\xef\xbf\xbd" "b\n");
}

Test(logs, rotation_keeps_max_files_and_tail_spans_them)
{
	_cleanup_free_ char *p = logpath();
	struct hull_logfile lf;
	cr_assert_eq(hull_logfile_open(&lf, p, 1024, 3, NULL), 0);
	for (int i = 0; i < 200; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "line %03d\n", i);
		cr_assert_eq(hull_logfile_write(&lf, HULL_STREAM_STDOUT, line, (size_t)n, NULL), 0);
	}
	hull_logfile_close(&lf);
	struct stat st;
	_cleanup_free_ char *p1 = hull_strdup_printf("%s.1", p);
	_cleanup_free_ char *p2 = hull_strdup_printf("%s.2", p);
	_cleanup_free_ char *p3 = hull_strdup_printf("%s.3", p);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_leq(st.st_size, 1024);
	cr_assert_eq(stat(p1, &st), 0);
	cr_assert_leq(st.st_size, 1024);
	cr_assert_eq(stat(p2, &st), 0);
	cr_assert_neq(stat(p3, &st), 0);
	struct collected all = { 0 };
	struct hull_logs_options o = { .tail = -1 };
	cr_assert_eq(hull_logs_read(p, &o, collect, &all, NULL), 0);
	cr_assert_lt(all.records, 200);
	cr_assert_not_null(strstr(all.text, "line 199\n"));
	/* lines are in order across files, none lost inside the kept window */
	int first = atoi(all.text + 5);
	cr_assert_eq(all.records, 200 - first);
	struct collected t = { 0 };
	o.tail = 20; /* more than the newest file holds */
	cr_assert_eq(hull_logs_read(p, &o, collect, &t, NULL), 0);
	cr_assert_eq(t.records, 20);
	cr_assert_eq(strncmp(t.text, "line 180\n", 9), 0);
}

Test(logs, tail_zero_and_missing_log)
{
	_cleanup_free_ char *p = logpath();
	struct collected c = { 0 };
	struct hull_logs_options o = { .tail = 0 };
	cr_assert_eq(hull_logs_read(p, &o, collect, &c, NULL), 0);
	cr_assert_eq(c.records, 0);
}

struct writer_arg {
	const char *path;
};

static volatile int writer_done;

static void *slow_writer(void *arg)
{
	struct writer_arg *w = arg;
	struct hull_logfile lf;
	hull_logfile_open(&lf, w->path, 200, 2, NULL);
	for (int i = 0; i < 30; i++) {
		char line[32];
		int n = snprintf(line, sizeof(line), "tick %02d\n", i);
		hull_logfile_write(&lf, HULL_STREAM_STDOUT, line, (size_t)n, NULL);
		usleep(5000);
	}
	hull_logfile_close(&lf);
	writer_done = 1; /* the container stopped */
	return NULL;
}

static bool running(void *data)
{
	return !writer_done;
}

Test(logs, follow_sees_lines_across_rotation_then_stops)
{
	_cleanup_free_ char *p = logpath();
	struct hull_logfile lf;
	cr_assert_eq(hull_logfile_open(&lf, p, 200, 2, NULL), 0);
	hull_logfile_close(&lf);
	struct writer_arg w = { p };
	pthread_t th;
	writer_done = 0;
	pthread_create(&th, NULL, slow_writer, &w);
	struct collected c = { 0 };
	struct hull_logs_options o = { .tail = -1, .follow = true, .still_running = running };
	/* reading starts while the writer is still writing and rotating */
	cr_assert_eq(hull_logs_read(p, &o, collect, &c, NULL), 0);
	pthread_join(th, NULL);
	cr_assert_not_null(strstr(c.text, "tick 29\n"), "%s", c.text);
	cr_assert_not_null(strstr(c.text, "tick 10\ntick 11\n"), "%s", c.text);
}
