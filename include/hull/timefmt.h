/* hull/timefmt.h - the one RFC 3339 parser and formatter of hull.
 *
 * Image configs, container records, logs and state.json carry times as RFC
 * 3339 text (Go's time.RFC3339Nano when docker, containerd or runc wrote
 * them); filters (`until=`, `--since`) take docker's looser forms too.
 */
#ifndef HULL_TIMEFMT_H
#define HULL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "hull/error.h"

/* Room for "2006-01-02T15:04:05.999999999Z" with a 5+ digit year. */
#define HULL_TIME_BUF_LEN 48

/* hull_time_parse_rfc3339: "2026-12-07T10:00:00Z", "...00.5+02:00",
 * "...00.123456789-07:30" into *out (UTC, tv_nsec in [0, 1e9)). The offset
 * is honoured; fraction digits past the ninth are dropped. Strict: a field
 * out of range (Feb 29 of a non-leap year, 24:00, second 60), a missing
 * offset or any trailing byte is refused with *err naming the text.
 * Returns 0 or -EINVAL. */
int hull_time_parse_rfc3339(const char *s, struct timespec *out, struct hull_error **err);

/* hull_time_parse_filter: docker's time filter forms (`until=`, `since=`,
 * `--since`): a Go duration before now ("10m", "1h30m", "1.5h"); a unix
 * time "1700000000" or "1700000000.123"; RFC 3339 as above; or without an
 * offset ("2026-12-07", "2026-12-07T10:00", "2026-12-07T10:00:00"), taken
 * in the local time zone as docker does. now is the reference for
 * durations. Returns 0 or -EINVAL with *err naming the text. */
int hull_time_parse_filter(const char *s, const struct timespec *now, struct timespec *out, struct hull_error **err);

/* hull_time_format_rfc3339: t in UTC as Go's RFC3339Nano
 * ("2026-12-07T08:00:00.1234Z": trailing zeros of the fraction dropped, no
 * fraction at all on a whole second) into buf (HULL_TIME_BUF_LEN bytes).
 * Returns buf. */
char *hull_time_format_rfc3339(const struct timespec *t, char buf[HULL_TIME_BUF_LEN]);

/* hull_time_now_rfc3339: the current time (CLOCK_REALTIME) as above. */
char *hull_time_now_rfc3339(char buf[HULL_TIME_BUF_LEN]);

/* hull_time_ns: t as nanoseconds since the epoch (saturating at the
 * int64_t limits, the years 1677 and 2262). */
long long hull_time_ns(const struct timespec *t);

/* hull_time_now_rfc3339_into: current UTC time as Go's RFC3339Nano
 * ("2026-11-26T06:45:29.1234567Z") into buf (40 bytes
 * hold any time before the year 10000). */
void hull_time_now_rfc3339_into(char *buf, size_t size);

/* hull_time_parse_ns: RFC 3339 with Z or an offset (as above)
 * -> nanoseconds since the epoch; 0 when s is empty or malformed. */
int64_t hull_time_parse_ns(const char *s);

/* hull_time_parse_seconds: "2024-01-02T03:04:05.678Z" (or +hh:mm, honoured)
 * as unix seconds; 0 when s is NULL or not RFC 3339. */
long long hull_time_parse_seconds(const char *s);

/* hull_time_parse_duration: a Go duration ("30s", "200ms", "1m30s", "0")
 * into *ns; EINVAL naming the text otherwise. */
int hull_time_parse_duration(const char *s, long long *ns, struct hull_error **err);

#endif
