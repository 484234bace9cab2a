/* fuzz_time.c - fuzz target for the time parsers (hull_time_parse_rfc3339,
 * hull_time_parse_filter, src/lib/base/timefmt.c). Input: the text. An
 * accepted RFC 3339 time must format (hull_time_format_rfc3339) to text that
 * parses back to the same instant; the filter parser must accept every
 * RFC 3339 time the strict one accepts, at the same instant. Corpus:
 * tests/fuzz/corpus/time. */
#include <string.h>

#include "fuzz_common.h"
#include "hull/timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	struct timespec now = { 1796630400, 0 }, t, back, f;
	struct hull_error *err = NULL;
	int ret = hull_time_parse_filter(s, &now, &f, &err);
	fuzz_check_error(ret, err);
	err = NULL;
	ret = hull_time_parse_rfc3339(s, &t, &err);
	fuzz_check_error(ret, err);
	if (ret == 0) {
		if (t.tv_nsec < 0 || t.tv_nsec >= 1000000000L)
			abort();
		if (hull_time_parse_filter(s, &now, &f, NULL) < 0 || f.tv_sec != t.tv_sec || f.tv_nsec != t.tv_nsec) {
			fprintf(stderr, "`%s`: the filter parser disagrees\n", s);
			abort();
		}
		char buf[HULL_TIME_BUF_LEN];
		hull_time_format_rfc3339(&t, buf);
		/* years past 9999 format to five digits, which RFC 3339 has not */
		if (strlen(buf) <= 30 && buf[4] == '-') {
			err = NULL;
			if (hull_time_parse_rfc3339(buf, &back, &err) < 0 || back.tv_sec != t.tv_sec ||
			    back.tv_nsec != t.tv_nsec) {
				fprintf(stderr, "`%s` -> `%s` does not parse back\n", s, buf);
				abort();
			}
		}
	}
	free(s);
	return 0;
}
