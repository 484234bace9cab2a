/* version_apk.c - Alpine package versions, compared as apk-tools 2.14 / 3
 * does (src/version.c):
 *
 *   digit{.digit}...{letter}{_suffix{digits}}...{~hash}{-r#}
 *
 * A version is a sequence of typed tokens. Tokens of the same type compare
 * by value (numbers numerically, except that a number with a leading zero
 * compares as a string, as Gentoo does; suffixes in the order _alpha < _beta
 * < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p). When the types
 * differ the version that goes on is newer, unless it goes on with a
 * pre-release suffix; an invalid tail sorts before everything. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hull/scan.h"
#include "scan-internal.h"

/* The token types in apk's order: a later type ends a version "sooner". */
enum token_type { T_INITIAL_DIGIT, T_DIGIT, T_LETTER, T_SUFFIX, T_SUFFIX_NO, T_COMMIT_HASH, T_REVISION_NO, T_END,
		  T_INVALID };

/* Suffix ranks around "no suffix" (apk's SUFFIX_NONE). */
enum { SUF_INVALID, SUF_ALPHA, SUF_BETA, SUF_PRE, SUF_RC, SUF_NONE, SUF_CVS, SUF_SVN, SUF_GIT, SUF_HG, SUF_P };

struct token {
	enum token_type type;
	int suffix;
	uint64_t number;
	const char *value; /* the token's text, for string comparison */
	size_t len;
};

static int suffix_rank(const char *s, size_t n)
{
	static const struct {
		const char *name;
		int rank;
	} names[] = { { "alpha", SUF_ALPHA }, { "beta", SUF_BETA }, { "pre", SUF_PRE }, { "rc", SUF_RC },
		      { "cvs", SUF_CVS },     { "svn", SUF_SVN },   { "git", SUF_GIT }, { "hg", SUF_HG },
		      { "p", SUF_P } };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && !memcmp(names[i].name, s, n))
			return names[i].rank;
	return SUF_INVALID;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void parse_digits(struct token *t, const char **p)
{
	const char *start = *p;
	t->number = 0;
	while (is_digit(**p)) {
		t->number = t->number * 10 + (uint64_t)(**p - '0');
		(*p)++;
	}
	t->value = start;
	t->len = (size_t)(*p - start);
	if (t->len == 0)
		t->type = T_INVALID;
}

static void token_first(struct token *t, const char **p)
{
	t->type = T_INITIAL_DIGIT;
	parse_digits(t, p);
}

/* The next token; whether it may follow the previous one is part of the
 * grammar: a letter only after a number, '.' only in the numeric part,
 * '_' before the hash, '~hash' once, '-r' once and last. */
static void token_next(struct token *t, const char **p)
{
	char c = **p;
	if (!c) {
		t->type = T_END;
		return;
	}
	if (c >= 'a' && c <= 'z') {
		if (t->type > T_DIGIT)
			goto invalid;
		t->value = *p;
		t->len = 1;
		t->type = T_LETTER;
		(*p)++;
	} else if (c == '.' || is_digit(c)) {
		if (c == '.') {
			if (t->type > T_DIGIT)
				goto invalid;
			(*p)++;
		}
		if (t->type == T_INITIAL_DIGIT || t->type == T_DIGIT)
			t->type = T_DIGIT;
		else if (t->type == T_SUFFIX)
			t->type = T_SUFFIX_NO;
		else
			goto invalid;
		parse_digits(t, p);
	} else if (c == '_') {
		if (t->type > T_SUFFIX_NO)
			goto invalid;
		(*p)++;
		t->value = *p;
		while (**p >= 'a' && **p <= 'z')
			(*p)++;
		t->len = (size_t)(*p - t->value);
		t->suffix = suffix_rank(t->value, t->len);
		if (t->suffix == SUF_INVALID)
			goto invalid;
		t->type = T_SUFFIX;
	} else if (c == '~') {
		if (t->type >= T_COMMIT_HASH)
			goto invalid;
		(*p)++;
		t->value = *p;
		while (is_hex(**p))
			(*p)++;
		t->len = (size_t)(*p - t->value);
		if (t->len == 0)
			goto invalid;
		t->type = T_COMMIT_HASH;
	} else if (c == '-') {
		if (t->type >= T_REVISION_NO || (*p)[1] != 'r')
			goto invalid;
		*p += 2;
		t->type = T_REVISION_NO;
		parse_digits(t, p);
	} else {
		goto invalid;
	}
	return;
invalid:
	t->type = T_INVALID;
}

static int string_order(const struct token *a, const struct token *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int r = memcmp(a->value, b->value, n);
	if (r)
		return r < 0 ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

static int token_order(const struct token *a, const struct token *b)
{
	uint64_t x, y;
	switch (a->type) {
	case T_DIGIT:
		/* "1.05" vs "1.1": a leading zero makes it a string compare */
		if (a->value[0] == '0' || b->value[0] == '0')
			return string_order(a, b);
		__attribute__((fallthrough));
	case T_INITIAL_DIGIT:
	case T_SUFFIX_NO:
	case T_REVISION_NO:
		x = a->number;
		y = b->number;
		break;
	case T_LETTER:
		x = (unsigned char)a->value[0];
		y = (unsigned char)b->value[0];
		break;
	case T_SUFFIX:
		x = (uint64_t)a->suffix;
		y = (uint64_t)b->suffix;
		break;
	default:
		return string_order(a, b);
	}
	return x < y ? -1 : x > y ? 1 : 0;
}

int hull_version_compare_apk(const char *a, const char *b)
{
	struct token ta = { 0 }, tb = { 0 };
	const char *pa = a, *pb = b;
	token_first(&ta, &pa);
	token_first(&tb, &pb);
	while (ta.type == tb.type && ta.type < T_END) {
		int r = token_order(&ta, &tb);
		if (r)
			return r;
		token_next(&ta, &pa);
		token_next(&tb, &pb);
	}
	if (ta.type == tb.type)
		return 0;
	/* Equal so far: the one that goes on is newer unless it goes on
	 * with a pre-release suffix (1.0_rc1 < 1.0 < 1.0_p1 < 1.0-r1). */
	if (ta.type == T_SUFFIX && ta.suffix < SUF_NONE)
		return -1;
	if (tb.type == T_SUFFIX && tb.suffix < SUF_NONE)
		return 1;
	return ta.type > tb.type ? -1 : 1;
}

int scan_version_check_apk(const char *s, struct hull_error **err)
{
	struct token t = { 0 };
	const char *p = s;
	for (token_first(&t, &p); t.type < T_END; token_next(&t, &p))
		;
	if (t.type != T_END)
		return hull_error_msg(err, EINVAL, "version `%s` is not an apk version (at `%s`)", s, p);
	return 0;
}
