/* Log records: runc's json shape, logrus' text shape for debug records
 * (tools and runc's own tests look for `level=debug` and `msg="..."`), and
 * the plain "hull: ..." text for people. */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hull/log.h"

/* record: what one hull_log_write at level with msg writes, NUL-ended */
static void record(enum hull_log_format format, enum hull_log_level level, const char *msg, char *buf, size_t size)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	struct hull_log log = {.fd = p[1], .level = HULL_LOG_DEBUG, .format = format, .to_terminal = false};
	hull_log_write(&log, level, "%s", msg);
	close(p[1]);
	ssize_t n = read(p[0], buf, size - 1);
	close(p[0]);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
}

static bool matches(const char *text, const char *pattern)
{
	regex_t re;
	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	bool ok = regexec(&re, text, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

Test(log, debug_text_records_have_logrus_shape)
{
	char buf[512];
	record(HULL_LOG_TEXT, HULL_LOG_DEBUG, "nsexec container setup", buf, sizeof(buf));
	cr_assert(matches(buf, "^time=\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\" level=debug "
			       "msg=\"nsexec container setup\"\n$"),
		  "got: %s", buf);
}

Test(log, debug_text_messages_are_quoted)
{
	char buf[512];
	record(HULL_LOG_TEXT, HULL_LOG_DEBUG, "a \"b\" c\\d\ne\tf", buf, sizeof(buf));
	cr_assert(strstr(buf, " msg=\"a \\\"b\\\" c\\\\d\\ne\\x09f\"\n"), "got: %s", buf);
	cr_assert_eq(strchr(buf, '\n'), buf + strlen(buf) - 1, "one line: %s", buf);
}

Test(log, json_records_carry_level_msg_and_time)
{
	char buf[512];
	record(HULL_LOG_JSON, HULL_LOG_DEBUG, "child process in init()", buf, sizeof(buf));
	cr_assert(
	    matches(buf, "^\\{\"level\":\"debug\",\"msg\":\"child process in init\\(\\)\",\"time\":\"[^\"]+Z\"\\}\n$"),
	    "got: %s", buf);
}

/* the msg is a JSON string whatever it holds: quotes, backslashes and
 * control characters escaped, UTF-8 kept, a byte that is not UTF-8 as
 * U+FFFD (the record is still written) */
Test(log, json_records_escape_the_message)
{
	char buf[512];
	record(HULL_LOG_JSON, HULL_LOG_ERROR, "a\"b\\c\td\ne\x01" "f \xc3\xa9 \xff\xc3", buf, sizeof(buf));
	cr_assert(strstr(buf, "\"msg\":\"a\\\"b\\\\c\\td\\ne\\u0001f \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\",\"time\":"),
		  "got: %s", buf);
	cr_assert_eq(strchr(buf, '\n'), buf + strlen(buf) - 1, "one line: %s", buf);
}

Test(log, errors_and_warnings_stay_plain_text)
{
	char buf[512];
	record(HULL_LOG_TEXT, HULL_LOG_ERROR, "no such container", buf, sizeof(buf));
	cr_assert_str_eq(buf, "hull: no such container\n");
	record(HULL_LOG_TEXT, HULL_LOG_WARN, "cgroup not empty", buf, sizeof(buf));
	cr_assert_str_eq(buf, "hull: warning: cgroup not empty\n");
}
