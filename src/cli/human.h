/* human.h - sizes and durations as docker's CLI prints them (go-units). */
#ifndef HULL_CLI_HUMAN_H
#define HULL_CLI_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/* cli_human_size: bytes in decimal units with four significant digits,
 * go-units HumanSize: "512B", "1.234kB", "45.6MB", into buf. */
void cli_human_size(unsigned long long bytes, char *buf, size_t size);

/* cli_human_duration: a span of ns as go-units HumanDuration says it:
 * "Less than a second", "About a minute", "3 hours", "2 weeks", into buf.
 * `ps` puts it after "Up " and `RunningFor` before " ago". */
void cli_human_duration(int64_t ns, char *buf, size_t size);

/* cli_human_ago: the time from then_ns (unix ns) to now, as
 * cli_human_duration says it, then " ago": "3 hours ago", into buf. */
void cli_human_ago(int64_t then_ns, char *buf, size_t size);

#endif
