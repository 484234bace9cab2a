/* hull/log.h - leveled logging to a sink chosen by the caller (the CLI).
 *
 * The library never writes to stdout/stderr on its own: it logs
 * through the `struct hull_log` held in the context, which the CLI points at
 * stderr or at runc's `--log FILE` with `--log-format text|json`.
 */
#ifndef HULL_LOG_H
#define HULL_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum hull_log_level { HULL_LOG_ERROR = 0, HULL_LOG_WARN, HULL_LOG_INFO, HULL_LOG_DEBUG };
enum hull_log_format { HULL_LOG_TEXT = 0, HULL_LOG_JSON };

struct hull_log {
	int fd;                      /* where records go; -1 drops them */
	enum hull_log_level level;   /* records above this level are dropped */
	enum hull_log_format format; /* text "hull: level: msg" (debug: logrus' shape), or runc's json */
	bool to_terminal;            /* text records on a tty are prefixed with "hull: " */
};

/* hull_log_init: stderr, warnings and errors only, text. */
void hull_log_init(struct hull_log *log);

/* hull_log_write: format and emit one record (one write(2), so records from
 * concurrent processes do not interleave). log may be NULL: dropped. */
void hull_log_write(const struct hull_log *log, enum hull_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hull_log_writev(const struct hull_log *log, enum hull_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* hull_log_parse_level: "error|warn|warning|info|debug" -> level; -1 if unknown. */
int hull_log_parse_level(const char *s);

#endif
