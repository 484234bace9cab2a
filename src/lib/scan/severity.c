/* severity.c - severity names and the words advisories use for them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/scan.h"

static const char *const names[HULL_SEVERITY_COUNT] = { "UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

const char *hull_scan_severity_name(enum hull_scan_severity s)
{
	return (unsigned)s < HULL_SEVERITY_COUNT ? names[s] : "UNKNOWN";
}

int hull_scan_severity_parse(const char *s)
{
	static const struct {
		const char *word;
		enum hull_scan_severity sev;
	} words[] = {
		{ "unknown", HULL_SEVERITY_UNKNOWN },	     { "low", HULL_SEVERITY_LOW },
		{ "medium", HULL_SEVERITY_MEDIUM },	     { "high", HULL_SEVERITY_HIGH },
		{ "critical", HULL_SEVERITY_CRITICAL },	     { "moderate", HULL_SEVERITY_MEDIUM },
		{ "important", HULL_SEVERITY_HIGH },	     { "negligible", HULL_SEVERITY_LOW },
		{ "unimportant", HULL_SEVERITY_LOW },	     { "minor", HULL_SEVERITY_LOW },
		{ "not yet assigned", HULL_SEVERITY_UNKNOWN }, { "none", HULL_SEVERITY_UNKNOWN },
	};
	if (!s)
		return -1;
	for (size_t i = 0; i < HULL_ARRAY_SIZE(words); i++)
		if (!strcasecmp(s, words[i].word))
			return (int)words[i].sev;
	return -1;
}

int hull_scan_severity_list_parse(const char *list, unsigned *mask, struct hull_error **err)
{
	_cleanup_free_ char *copy = hull_xstrdup(list);
	char *save = NULL;
	unsigned m = 0;
	for (char *w = strtok_r(copy, ", ", &save); w; w = strtok_r(NULL, ", ", &save)) {
		int s = hull_scan_severity_parse(w);
		if (s < 0)
			return hull_error_msg(err, EINVAL,
					      "unknown severity `%s` (use UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)", w);
		m |= 1u << s;
	}
	if (!m)
		return hull_error_msg(err, EINVAL, "empty severity list");
	*mask = m;
	return 0;
}
