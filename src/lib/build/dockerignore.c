/* dockerignore.c - .dockerignore (reference "dockerignore file"; moby's
 * PatternMatcher): one pattern a line, `#` comments, blank lines skipped,
 * each pattern trimmed, cleaned (`./a/../b` is `b`) and made relative; `!`
 * makes an exception. `*` matches within a path element, `?` one
 * character of one, `[...]` a class, `**` any number of elements
 * (zero too), `\` escapes. The last pattern that matches the path, or one
 * of its parent directories, decides. Patterns become POSIX regular
 * expressions, as moby turns them into Go ones. */
#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "hull/build.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

struct pattern {
	regex_t re;
	bool exception;
	size_t depth; /* path elements in the pattern: its match against parents uses as many */
};

struct hull_ignore {
	struct pattern *v;
	size_t n;
	bool exceptions;
};

static void add_str(char **buf, size_t *len, const char *s)
{
	size_t n = strlen(s);
	*buf = hull_xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* The regular expression of a cleaned pattern. */
static char *to_regex(const char *p)
{
	char *re = NULL;
	size_t len = 0;
	add_str(&re, &len, "^");
	for (size_t i = 0; p[i]; i++) {
		char c = p[i];
		if (c == '*' && p[i + 1] == '*') {
			i++;
			if (p[i + 1] == '/')
				i++;
			add_str(&re, &len, p[i + 1] ? "(.*/)?" : ".*");
		} else if (c == '*')
			add_str(&re, &len, "[^/]*");
		else if (c == '?')
			add_str(&re, &len, "[^/]");
		else if (c == '\\' && p[i + 1]) {
			char esc[3] = {'\\', p[++i], 0};
			add_str(&re, &len, esc);
		} else if (strchr(".$^+(){}|", c)) {
			char esc[3] = {'\\', c, 0};
			add_str(&re, &len, esc);
		} else {
			char one[2] = {c, 0};
			add_str(&re, &len, one);
		}
	}
	add_str(&re, &len, "$");
	return re;
}

static size_t depth_of(const char *p)
{
	size_t n = 1;
	for (; *p; p++)
		n += *p == '/';
	return n;
}

int hull_ignore_parse(const char *text, size_t len, struct hull_ignore **out, struct hull_error **err)
{
	*out = NULL;
	_cleanup_(hull_ignore_freep) struct hull_ignore *ig = hull_xcalloc(1, sizeof(*ig));
	const char *p = text, *end = text ? text + len : NULL;
	for (int line = 1; p && p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		_cleanup_free_ char *raw = strndup(p, nl ? (size_t)(nl - p) : (size_t)(end - p));
		p = nl ? nl + 1 : end;
		char *s = raw;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
			s[--n] = '\0';
		if (!*s || *s == '#')
			continue;
		bool exception = *s == '!';
		if (exception) {
			s++;
			while (*s == ' ' || *s == '\t')
				s++;
		}
		_cleanup_free_ char *clean = hull_path_clean(*s ? s : ".");
		const char *rel = clean;
		while (*rel == '/')
			rel++;
		if (!*rel)
			rel = ".";
		_cleanup_free_ char *re = to_regex(rel);
		ig->v = hull_xrealloc(ig->v, (ig->n + 1) * sizeof(*ig->v));
		struct pattern *pt = &ig->v[ig->n];
		if (regcomp(&pt->re, re, REG_EXTENDED | REG_NOSUB) != 0)
			return hull_error_msg(err, EINVAL, ".dockerignore line %d: bad pattern `%s`", line, s);
		pt->exception = exception;
		pt->depth = depth_of(rel);
		ig->exceptions |= exception;
		ig->n++;
	}
	*out = steal_ptr(ig);
	return 0;
}

void hull_ignore_free(struct hull_ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->n; i++)
		regfree(&ig->v[i].re);
	free(ig->v);
	free(ig);
}

bool hull_ignore_has_exceptions(const struct hull_ignore *ig)
{
	return ig && ig->exceptions;
}

/* The first `depth` elements of path ("a/b/c", 2 -> "a/b"), or NULL when
 * path has no more than that (then the pattern matched it whole or not). */
static char *parent_prefix(const char *path, size_t depth)
{
	const char *p = path;
	for (size_t i = 0; i < depth; i++) {
		p = strchr(p, '/');
		if (!p)
			return NULL;
		if (i + 1 < depth)
			p++;
	}
	return strndup(path, (size_t)(p - path));
}

bool hull_ignore_match(const struct hull_ignore *ig, const char *path)
{
	if (!ig)
		return false;
	bool matched = false;
	for (size_t i = 0; i < ig->n; i++) {
		const struct pattern *pt = &ig->v[i];
		bool m = regexec(&pt->re, path, 0, NULL, 0) == 0;
		if (!m) {
			_cleanup_free_ char *parent = parent_prefix(path, pt->depth);
			m = parent && regexec(&pt->re, parent, 0, NULL, 0) == 0;
		}
		if (m)
			matched = !pt->exception;
	}
	return matched;
}
