/* log.c - leveled records to the sink in struct hull_log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/log.h"

static const char *const level_names[] = { "error", "warning", "info", "debug" };

void hull_log_init(struct hull_log *log)
{
	log->fd = STDERR_FILENO;
	log->level = HULL_LOG_WARN;
	log->format = HULL_LOG_TEXT;
	log->to_terminal = isatty(STDERR_FILENO);
}

int hull_log_parse_level(const char *s)
{
	if (!strcasecmp(s, "error"))
		return HULL_LOG_ERROR;
	if (!strcasecmp(s, "warn") || !strcasecmp(s, "warning"))
		return HULL_LOG_WARN;
	if (!strcasecmp(s, "info"))
		return HULL_LOG_INFO;
	if (!strcasecmp(s, "debug"))
		return HULL_LOG_DEBUG;
	return -1;
}

/* RFC 3339 UTC with nanoseconds, as runc's records carry */
static void log_time(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

/* logrus' text shape, `time="..." level=debug msg="..."`, with the message
 * quoted (", \\ and control characters escaped) */
static char *logfmt_record(const char *level, const char *msg)
{
	char when[64];
	log_time(when, sizeof(when));
	char *q = malloc(strlen(msg) * 4 + 1);
	if (!q)
		return NULL;
	char *o = q;
	for (const unsigned char *m = (const unsigned char *)msg; *m; m++) {
		if (*m == '"' || *m == '\\') {
			*o++ = '\\';
			*o++ = (char)*m;
		} else if (*m == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (*m < 0x20) {
			o += sprintf(o, "\\x%02x", *m);
		} else {
			*o++ = (char)*m;
		}
	}
	*o = '\0';
	char *line = hull_strdup_printf("time=\"%s\" level=%s msg=\"%s\"\n", when, level, q);
	free(q);
	return line;
}

/* The length of the UTF-8 sequence at s (1-4), or 0 when s does not start
 * a valid one (a stray continuation byte, a truncated or overlong
 * sequence, a surrogate, beyond U+10FFFF). */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = s[0] < 0x80			 ? 1
		   : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
		   : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
		   : s[0] >= 0xf0 && s[0] < 0xf5 ? 4
						 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* msg as the inside of a JSON string, escaped as jansson escapes it (",
 * \\, \b \f \n \r \t, other control characters as \u00XX); a byte that
 * is not valid UTF-8 becomes U+FFFD. Done by hand so that binaries which
 * use no JSON otherwise (hull-vm) need not link libjansson to log. */
static char *json_string_text(const char *msg)
{
	char *out = hull_xmalloc(strlen(msg) * 6 + 1), *o = out;
	for (const unsigned char *m = (const unsigned char *)msg; *m;) {
		size_t n = utf8_len(m);
		const char *esc = *m == '"'    ? "\\\""
				  : *m == '\\' ? "\\\\"
				  : *m == '\b' ? "\\b"
				  : *m == '\f' ? "\\f"
				  : *m == '\n' ? "\\n"
				  : *m == '\r' ? "\\r"
				  : *m == '\t' ? "\\t"
					       : NULL;
		if (esc)
			o = stpcpy(o, esc);
		else if (*m < 0x20)
			o += sprintf(o, "\\u%04X", *m);
		else if (n == 0)
			o = stpcpy(o, "\xef\xbf\xbd");
		else
			o = mempcpy(o, m, n);
		m += n ? n : 1;
	}
	*o = '\0';
	return out;
}

void hull_log_writev(const struct hull_log *log, enum hull_log_level level, const char *fmt, va_list ap)
{
	if (!log || log->fd < 0 || level > log->level)
		return;
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	char *line = NULL;
	if (log->format == HULL_LOG_JSON) {
		/* runc's shape: {"level":"error","msg":"...","time":"RFC3339"};
		 * containerd's shim reads the last "msg" of this file. */
		char when[64];
		log_time(when, sizeof(when));
		_cleanup_free_ char *text = json_string_text(msg);
		line = hull_strdup_printf("{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n", level_names[level],
					  text, when);
	} else if (level == HULL_LOG_DEBUG) {
		/* debug records are for tools (and runc's tests): logrus' shape */
		line = logfmt_record(level_names[level], msg);
	} else if (level == HULL_LOG_ERROR) {
		line = hull_strdup_printf("hull: %s\n", msg);
	} else {
		line = hull_strdup_printf("hull: %s: %s\n", level_names[level], msg);
	}
	free(msg);
	if (line) {
		(void)hull_write_all(log->fd, line, strlen(line));
		free(line);
	}
}

void hull_log_write(const struct hull_log *log, enum hull_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	hull_log_writev(log, level, fmt, ap);
	va_end(ap);
}
