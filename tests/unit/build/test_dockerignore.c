/* .dockerignore matching (hull_ignore_parse, hull_ignore_match), by
 * docker's PatternMatcher rules. */
#include <criterion/criterion.h>
#include <string.h>

#include "hull/build.h"
#include "hull/cleanup.h"

static struct hull_ignore *compile(const char *text)
{
	struct hull_ignore *ig = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	cr_assert_eq(hull_ignore_parse(text, strlen(text), &ig, &err), 0, "%s", err ? err->msg : "?");
	return ig;
}

Test(dockerignore, names_and_their_contents)
{
	_cleanup_(hull_ignore_freep) struct hull_ignore *ig = compile("# comment\n\nsecret.txt\n/build\n  tmp/  \n");
	cr_assert(hull_ignore_match(ig, "secret.txt"));
	cr_assert_not(hull_ignore_match(ig, "sub/secret.txt"));
	cr_assert(hull_ignore_match(ig, "build"));
	cr_assert(hull_ignore_match(ig, "build/out/x.o"));
	cr_assert(hull_ignore_match(ig, "tmp/a"));
	cr_assert_not(hull_ignore_match(ig, "buildx"));
	cr_assert_not(hull_ignore_match(ig, "# comment"));
}

Test(dockerignore, star_stays_in_one_element)
{
	_cleanup_(hull_ignore_freep) struct hull_ignore *ig = compile("*.log\ndocs/*.md\nfile?.txt\n");
	cr_assert(hull_ignore_match(ig, "a.log"));
	cr_assert_not(hull_ignore_match(ig, "logs/a.log"));
	cr_assert(hull_ignore_match(ig, "docs/readme.md"));
	cr_assert_not(hull_ignore_match(ig, "docs/sub/readme.md"));
	cr_assert(hull_ignore_match(ig, "file1.txt"));
	cr_assert_not(hull_ignore_match(ig, "file10.txt"));
}

Test(dockerignore, double_star_crosses_elements)
{
	_cleanup_(hull_ignore_freep) struct hull_ignore *ig = compile("**/*.o\nvendor/**\n");
	cr_assert(hull_ignore_match(ig, "main.o"));
	cr_assert(hull_ignore_match(ig, "src/a/b/main.o"));
	cr_assert_not(hull_ignore_match(ig, "main.c"));
	cr_assert(hull_ignore_match(ig, "vendor/x/y"));
}

Test(dockerignore, exceptions_the_last_match_decides)
{
	_cleanup_(hull_ignore_freep) struct hull_ignore *ig = compile("*.md\n!README.md\nREADME-secret.md\n");
	cr_assert(hull_ignore_has_exceptions(ig));
	cr_assert(hull_ignore_match(ig, "CHANGES.md"));
	cr_assert_not(hull_ignore_match(ig, "README.md"));
	cr_assert(hull_ignore_match(ig, "README-secret.md"));
	_cleanup_(hull_ignore_freep) struct hull_ignore *ig2 = compile("logs\n!logs/keep.log\n");
	cr_assert(hull_ignore_match(ig2, "logs/other.log"));
	cr_assert_not(hull_ignore_match(ig2, "logs/keep.log"));
}

Test(dockerignore, patterns_are_cleaned)
{
	_cleanup_(hull_ignore_freep) struct hull_ignore *ig = compile("./a/../b\n/c/./d\n");
	cr_assert(hull_ignore_match(ig, "b"));
	cr_assert(hull_ignore_match(ig, "c/d/e"));
	cr_assert_not(hull_ignore_match(ig, "a"));
}

Test(dockerignore, regex_characters_are_literal)
{
	_cleanup_(hull_ignore_freep) struct hull_ignore *ig = compile("a.b\nx+y\n(z)\n");
	cr_assert(hull_ignore_match(ig, "a.b"));
	cr_assert_not(hull_ignore_match(ig, "axb"));
	cr_assert(hull_ignore_match(ig, "x+y"));
	cr_assert(hull_ignore_match(ig, "(z)"));
}

Test(dockerignore, empty)
{
	_cleanup_(hull_ignore_freep) struct hull_ignore *ig = NULL;
	cr_assert_eq(hull_ignore_parse(NULL, 0, &ig, NULL), 0);
	cr_assert_not(hull_ignore_match(ig, "anything"));
	cr_assert_not(hull_ignore_match(NULL, "anything"));
}
