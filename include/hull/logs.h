/* hull/logs.h - a container's json-file log: the writer with rotation, and the reader. */
#ifndef HULL_LOGS_H
#define HULL_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hull/error.h"

/* The json-file log of a container, docker's format: one object per line,
 * {"log":"text\n","stream":"stdout","time":"RFC3339Nano"}; rotated to
 * NAME.1 ... NAME.(max_files-1) when NAME would pass max_size bytes. */
struct hull_logfile {
	char *path;
	int fd;
	unsigned long long size;      /* current size of path */
	unsigned long long max_size;  /* 0: unlimited */
	unsigned max_files;           /* >= 1; 1 means truncate-in-place by rotation */
	char *partial[2];             /* pending bytes without a newline, per stream */
	size_t partial_len[2];
};

#define HULL_LOG_DEFAULT_MAX_SIZE (10ULL << 20) /* --log-opt max-size=10m */
#define HULL_LOG_DEFAULT_MAX_FILES 3                     /* --log-opt max-file=3 */

enum hull_log_stream { HULL_STREAM_STDOUT = 0, HULL_STREAM_STDERR = 1 };

/* hull_logfile_open: open (append) or create the log at path. */
int hull_logfile_open(struct hull_logfile *lf, const char *path, unsigned long long max_size, unsigned max_files,
		      struct hull_error **err);

/* hull_logfile_write: log a chunk of a stream's output. Complete lines are
 * written at once; a trailing partial line waits for its newline (up to
 * 16 KiB, then it is written as a partial record, as docker does). */
int hull_logfile_write(struct hull_logfile *lf, enum hull_log_stream stream, const char *buf, size_t len,
		       struct hull_error **err);

/* hull_logfile_close: write pending partial lines and close. */
void hull_logfile_close(struct hull_logfile *lf);

/* One record as read back. */
struct hull_log_record {
	enum hull_log_stream stream;
	const char *time;  /* RFC 3339 */
	const char *text;  /* the "log" member, with its newline when it had one */
	size_t len;
};

/* Reading options for hull_logs_read. */
struct hull_logs_options {
	long tail;          /* last N records; -1 for all */
	bool follow;        /* keep reading as the container writes */
	int64_t since_ns;   /* only records at or after (0: all) */
	int64_t until_ns;   /* only records before (0: no bound) */
	/* follow stops when this returns false (the container stopped) and
	 * everything written has been read; called about every 200 ms. */
	bool (*still_running)(void *data);
	void *data;
};

/* hull_logs_read: call emit for each record of the log at path (and its
 * rotated files, oldest first). emit returns < 0 to stop (e.g. EPIPE). A
 * missing log reads as empty. */
int hull_logs_read(const char *path, const struct hull_logs_options *opts,
		   int (*emit)(const struct hull_log_record *rec, void *data), void *data, struct hull_error **err);

#endif
