/* expand.c - docker's word expansion for Dockerfile instructions
 * (reference "Environment replacement"; moby's shell lexer): quotes are
 * removed, single quotes keep their text literal, the escape character
 * protects the next character, and $NAME / ${NAME} / ${NAME:-word} /
 * ${NAME-word} / ${NAME:+word} / ${NAME+word} / ${NAME:?message} are
 * replaced from the lookup. In the word-splitting form (EXPOSE), unquoted
 * whitespace, in the text or in an unquoted substitution, separates words. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/build.h"
#include "hull/cleanup.h"
#include "hull/fs.h"

struct lexer {
	const char *s;
	size_t i;
	char escape;
	hull_build_lookup lookup;
	void *data;
	bool split; /* ProcessWords: collect words */
	char *cur;  /* the word being made */
	size_t len, cap;
	bool have; /* cur holds a word (maybe empty, from quotes) */
	char **words;
	size_t n;
	struct hull_error **err;
};

static void put(struct lexer *lx, const char *p, size_t n)
{
	if (lx->len + n + 1 > lx->cap) {
		lx->cap = (lx->len + n + 1) * 2;
		lx->cur = hull_xrealloc(lx->cur, lx->cap);
	}
	memcpy(lx->cur + lx->len, p, n);
	lx->len += n;
	lx->cur[lx->len] = '\0';
	lx->have = true;
}

static void putc_(struct lexer *lx, char c)
{
	put(lx, &c, 1);
}

static void end_word(struct lexer *lx)
{
	if (!lx->split || !lx->have)
		return;
	lx->words = hull_xrealloc(lx->words, (lx->n + 2) * sizeof(char *));
	lx->words[lx->n++] = hull_xstrdup(lx->cur ? lx->cur : "");
	lx->words[lx->n] = NULL;
	lx->len = 0;
	if (lx->cur)
		lx->cur[0] = '\0';
	lx->have = false;
}

/* An unquoted substitution's value: split at whitespace in the words form. */
static void put_value(struct lexer *lx, const char *v, bool quoted)
{
	if (!lx->split || quoted) {
		put(lx, v, strlen(v));
		return;
	}
	for (; *v; v++) {
		if (isspace((unsigned char)*v))
			end_word(lx);
		else
			putc_(lx, *v);
	}
}

static int process(struct lexer *lx, char stop, bool quoted);

static char *name_at(struct lexer *lx)
{
	const char *p = lx->s + lx->i;
	size_t n = 0;
	if (isdigit((unsigned char)p[0]))
		n = 1;
	else
		while (isalnum((unsigned char)p[n]) || p[n] == '_')
			n++;
	lx->i += n;
	return strndup(p, n);
}

/* The text of a modifier's word, expanded, up to the closing brace. */
static int sub_word(struct lexer *lx, bool quoted, char **out)
{
	struct lexer sub = {
	    .s = lx->s, .i = lx->i, .escape = lx->escape, .lookup = lx->lookup, .data = lx->data, .err = lx->err};
	int r = process(&sub, '}', quoted);
	lx->i = sub.i;
	*out = sub.cur ? sub.cur : hull_xstrdup("");
	return r;
}

static int dollar(struct lexer *lx, bool quoted)
{
	lx->i++; /* the '$' */
	if (lx->s[lx->i] != '{') {
		_cleanup_free_ char *name = name_at(lx);
		if (!*name) {
			putc_(lx, '$');
			return 0;
		}
		const char *v = lx->lookup(lx->data, name);
		put_value(lx, v ? v : "", quoted);
		return 0;
	}
	lx->i++;
	_cleanup_free_ char *name = name_at(lx);
	if (!*name)
		return hull_error_msg(lx->err, EINVAL, "bad substitution in `%s`", lx->s);
	const char *v = lx->lookup(lx->data, name);
	char c = lx->s[lx->i];
	if (c == '}') {
		lx->i++;
		put_value(lx, v ? v : "", quoted);
		return 0;
	}
	if (!c)
		return hull_error_msg(lx->err, EINVAL, "missing '}' in substitution `%s`", lx->s);
	bool colon = c == ':';
	if (colon)
		c = lx->s[++lx->i];
	if (c != '-' && c != '+' && c != '?')
		return hull_error_msg(lx->err, EINVAL, "unsupported modifier (%c) in substitution `%s`", c ? c : ' ',
				      lx->s);
	lx->i++;
	_cleanup_free_ char *word = NULL;
	int r = sub_word(lx, quoted, &word);
	if (r < 0)
		return r;
	if (lx->s[lx->i] != '}')
		return hull_error_msg(lx->err, EINVAL, "missing '}' in substitution `%s`", lx->s);
	lx->i++;
	bool set = v && (!colon || *v);
	if (c == '-')
		put_value(lx, set ? v : word, quoted);
	else if (c == '+')
		put_value(lx, set ? word : "", quoted);
	else if (!set)
		return hull_error_msg(lx->err, EINVAL, "%s: %s", name, *word ? word : "is not allowed to be unset");
	else
		put_value(lx, v, quoted);
	return 0;
}

static int double_quoted(struct lexer *lx)
{
	lx->i++;
	lx->have = true;
	for (;;) {
		char c = lx->s[lx->i];
		if (!c)
			return hull_error_msg(lx->err, EINVAL,
					      "unexpected end of statement while looking for matching "
					      "double-quote in `%s`",
					      lx->s);
		if (c == '"') {
			lx->i++;
			return 0;
		}
		if (c == '$') {
			int r = dollar(lx, true);
			if (r < 0)
				return r;
			continue;
		}
		char n = lx->s[lx->i + 1];
		if (c == lx->escape && (n == '"' || n == '$' || n == lx->escape)) {
			putc_(lx, n);
			lx->i += 2;
			continue;
		}
		putc_(lx, c);
		lx->i++;
	}
}

static int process(struct lexer *lx, char stop, bool quoted)
{
	while (lx->s[lx->i] && lx->s[lx->i] != stop) {
		char c = lx->s[lx->i];
		int r = 0;
		if (c == '\'' && !quoted) {
			const char *end = strchr(lx->s + lx->i + 1, '\'');
			if (!end)
				return hull_error_msg(lx->err, EINVAL,
						      "unexpected end of statement while looking for "
						      "matching single-quote in `%s`",
						      lx->s);
			put(lx, lx->s + lx->i + 1, (size_t)(end - (lx->s + lx->i + 1)));
			lx->i = (size_t)(end - lx->s) + 1;
		} else if (c == '"' && !quoted)
			r = double_quoted(lx);
		else if (c == '$')
			r = dollar(lx, quoted);
		else if (c == lx->escape) {
			if (lx->s[lx->i + 1]) {
				putc_(lx, lx->s[lx->i + 1]);
				lx->i += 2;
			} else {
				putc_(lx, c);
				lx->i++;
			}
		} else if (lx->split && isspace((unsigned char)c)) {
			end_word(lx);
			lx->i++;
		} else {
			putc_(lx, c);
			lx->i++;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int hull_build_expand(const char *word, char escape, hull_build_lookup lookup, void *data, char **out,
		      struct hull_error **err)
{
	*out = NULL;
	struct lexer lx = {.s = word, .escape = escape, .lookup = lookup, .data = data, .err = err};
	int r = process(&lx, '\0', false);
	if (r < 0) {
		free(lx.cur);
		return r;
	}
	*out = lx.cur ? lx.cur : hull_xstrdup("");
	return 0;
}

int hull_build_expand_words(const char *text, char escape, hull_build_lookup lookup, void *data, char ***out,
			    struct hull_error **err)
{
	*out = NULL;
	struct lexer lx = {.s = text, .escape = escape, .lookup = lookup, .data = data, .err = err, .split = true};
	lx.words = hull_xcalloc(1, sizeof(char *));
	int r = process(&lx, '\0', false);
	end_word(&lx);
	free(lx.cur);
	if (r < 0) {
		hull_strv_free(lx.words);
		return r;
	}
	*out = lx.words;
	return 0;
}
