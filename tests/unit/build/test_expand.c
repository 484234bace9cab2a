/* docker's word expansion (hull_build_expand, hull_build_expand_words). */
#include <criterion/criterion.h>
#include <string.h>

#include "hull/build.h"
#include "hull/cleanup.h"

static const char *lookup(void *data, const char *name)
{
	(void)data;
	if (!strcmp(name, "A"))
		return "alpha";
	if (!strcmp(name, "EMPTY"))
		return "";
	if (!strcmp(name, "PORTS"))
		return "80 443/udp";
	return NULL;
}

static char *expand(const char *word)
{
	char *out = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	int r = hull_build_expand(word, '\\', lookup, NULL, &out, &err);
	cr_assert_eq(r, 0, "`%s`: %s", word, err ? err->msg : "?");
	return out;
}

#define EXPECT(word, want)                                                                                             \
	do {                                                                                                           \
		_cleanup_free_ char *got = expand(word);                                                               \
		cr_assert_str_eq(got, want, "`%s` gave `%s`", word, got);                                              \
	} while (0)

Test(expand, plain_and_braced)
{
	EXPECT("$A", "alpha");
	EXPECT("${A}x", "alphax");
	EXPECT("$Ax", "");
	EXPECT("pre-$A-post", "pre-alpha-post");
	EXPECT("$UNSET", "");
	EXPECT("a$", "a$");
	EXPECT("$1", "");
}

Test(expand, modifiers)
{
	EXPECT("${UNSET:-def}", "def");
	EXPECT("${EMPTY:-def}", "def");
	EXPECT("${EMPTY-def}", "");
	EXPECT("${A:-def}", "alpha");
	EXPECT("${A:+set}", "set");
	EXPECT("${EMPTY:+set}", "");
	EXPECT("${EMPTY+set}", "set");
	EXPECT("${UNSET+set}", "");
	EXPECT("${UNSET:-$A}", "alpha");
	EXPECT("${UNSET:-a b}", "a b");
}

Test(expand, quotes_and_escapes)
{
	EXPECT("'$A'", "$A");
	EXPECT("\"$A b\"", "alpha b");
	EXPECT("\\$A", "$A");
	EXPECT("\"\\$A\"", "$A");
	EXPECT("\"a\\b\"", "a\\b");
	EXPECT("it\\'s", "it's");
	EXPECT("\"\"", "");
}

Test(expand, errors)
{
	char *out = NULL;
	struct hull_error *err = NULL;
	cr_assert_lt(hull_build_expand("${A", '\\', lookup, NULL, &out, &err), 0);
	cr_assert(strstr(err->msg, "missing '}'"), "%s", err->msg);
	hull_error_release(&err);
	cr_assert_lt(hull_build_expand("${UNSET:?must be set}", '\\', lookup, NULL, &out, &err), 0);
	cr_assert(strstr(err->msg, "UNSET: must be set"), "%s", err->msg);
	hull_error_release(&err);
	cr_assert_lt(hull_build_expand("${A%x}", '\\', lookup, NULL, &out, &err), 0);
	hull_error_release(&err);
	cr_assert_lt(hull_build_expand("\"open", '\\', lookup, NULL, &out, &err), 0);
	hull_error_release(&err);
	cr_assert_null(out);
}

Test(expand, backtick_escape)
{
	char *out = NULL;
	cr_assert_eq(hull_build_expand("`$A c:\\x", '`', lookup, NULL, &out, NULL), 0);
	cr_assert_str_eq(out, "$A c:\\x");
	free(out);
}

Test(expand, words_split_unquoted_values)
{
	_cleanup_strv_ char **w = NULL;
	cr_assert_eq(hull_build_expand_words("$PORTS 8080 \"a b\" '$A'", '\\', lookup, NULL, &w, NULL), 0);
	cr_assert_str_eq(w[0], "80");
	cr_assert_str_eq(w[1], "443/udp");
	cr_assert_str_eq(w[2], "8080");
	cr_assert_str_eq(w[3], "a b");
	cr_assert_str_eq(w[4], "$A");
	cr_assert_null(w[5]);
}
