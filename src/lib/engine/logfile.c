/* logfile.c - the json-file log writer (docker's format) with rotation. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/logs.h"
#include "hull/timefmt.h"

#define PARTIAL_MAX (16 * 1024) /* docker's json-file buffers 16K per line */

static const char *const stream_names[] = { "stdout", "stderr" };

int hull_logfile_open(struct hull_logfile *lf, const char *path, unsigned long long max_size, unsigned max_files,
		      struct hull_error **err)
{
	memset(lf, 0, sizeof(*lf));
	lf->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (lf->fd < 0)
		return hull_error_set(err, errno, "open log `%s`", path);
	struct stat st;
	if (fstat(lf->fd, &st) == 0)
		lf->size = (unsigned long long)st.st_size;
	lf->path = hull_xstrdup(path);
	lf->max_size = max_size;
	lf->max_files = max_files ? max_files : 1;
	return 0;
}

/* NAME.(n-2) -> NAME.(n-1) ... NAME -> NAME.1, then a fresh NAME: docker's
 * json-file rotation. With max_files 1 the log restarts empty. */
static int rotate(struct hull_logfile *lf, struct hull_error **err)
{
	for (unsigned i = lf->max_files - 1; i >= 1; i--) {
		_cleanup_free_ char *from = i == 1 ? hull_xstrdup(lf->path) : hull_strdup_printf("%s.%u", lf->path, i - 1);
		_cleanup_free_ char *to = hull_strdup_printf("%s.%u", lf->path, i);
		if (rename(from, to) < 0 && errno != ENOENT)
			return hull_error_set(err, errno, "rotate log `%s`", from);
	}
	close(lf->fd);
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (lf->max_files == 1 ? O_TRUNC : 0);
	lf->fd = open(lf->path, flags, 0640);
	if (lf->fd < 0)
		return hull_error_set(err, errno, "reopen log `%s`", lf->path);
	lf->size = 0;
	return 0;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	size_t n = p[0] < 0x80 ? 1 : (p[0] >> 5) == 6 ? 2 : (p[0] >> 4) == 14 ? 3 : (p[0] >> 3) == 30 ? 4 : 0;
	if (n == 0 || n > left || (n == 2 && p[0] < 0xc2))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Programs print anything; JSON wants UTF-8. Invalid bytes become U+FFFD,
 * as docker's encoder does. Returns a malloc'd copy, or NULL when text is
 * valid already. */
static char *sanitize_utf8(const char *text, size_t len, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;
	while (i < len && utf8_seq(p + i, len - i))
		i += utf8_seq(p + i, len - i);
	if (i == len)
		return NULL;
	char *out = hull_xmalloc(len * 3 + 1);
	size_t o = 0;
	for (i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);
		if (n) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	*out_len = o;
	return out;
}

static int write_record(struct hull_logfile *lf, enum hull_log_stream stream, const char *text, size_t len,
			struct hull_error **err)
{
	char now[40];
	hull_time_now_rfc3339_into(now, sizeof(now));
	size_t clean_len = 0;
	_cleanup_free_ char *clean = sanitize_utf8(text, len, &clean_len);
	_cleanup_json_ json_t *j = json_object();
	json_object_set_new(j, "log", clean ? json_stringn(clean, clean_len) : json_stringn(text, len));
	json_object_set_new(j, "stream", json_string(stream_names[stream]));
	json_object_set_new(j, "time", json_string(now));
	_cleanup_free_ char *line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!line)
		return hull_error_msg(err, ENOMEM, "log record for `%s`", lf->path);
	size_t n = strlen(line);
	line[n++] = '\n'; /* replaces the NUL; the string is not used as one again */
	if (lf->max_size && lf->size > 0 && lf->size + n > lf->max_size) {
		int r = rotate(lf, err);
		if (r < 0)
			return r;
	}
	int r = hull_write_all(lf->fd, line, n);
	if (r < 0)
		return hull_error_set(err, -r, "write log `%s`", lf->path);
	lf->size += n;
	return 0;
}

int hull_logfile_write(struct hull_logfile *lf, enum hull_log_stream stream, const char *buf, size_t len,
		       struct hull_error **err)
{
	if (lf->fd < 0)
		return 0;
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl ? (size_t)(nl - buf) + 1 : len;
		size_t have = lf->partial_len[stream];
		if (!nl && have + take < PARTIAL_MAX) {
			lf->partial[stream] = hull_xrealloc(lf->partial[stream], have + take);
			memcpy(lf->partial[stream] + have, buf, take);
			lf->partial_len[stream] = have + take;
			return 0;
		}
		int r;
		if (have) {
			_cleanup_free_ char *joined = hull_xmalloc(have + take);
			memcpy(joined, lf->partial[stream], have);
			memcpy(joined + have, buf, take);
			lf->partial_len[stream] = 0;
			r = write_record(lf, stream, joined, have + take, err);
		} else {
			r = write_record(lf, stream, buf, take, err);
		}
		if (r < 0)
			return r;
		buf += take;
		len -= take;
	}
	return 0;
}

void hull_logfile_close(struct hull_logfile *lf)
{
	for (int s = 0; s < 2; s++) {
		if (lf->fd >= 0 && lf->partial_len[s])
			write_record(lf, (enum hull_log_stream)s, lf->partial[s], lf->partial_len[s], NULL);
		free(lf->partial[s]);
		lf->partial[s] = NULL;
		lf->partial_len[s] = 0;
	}
	if (lf->fd >= 0)
		close(lf->fd);
	lf->fd = -1;
	free(lf->path);
	lf->path = NULL;
}
