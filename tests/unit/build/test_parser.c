/* The Dockerfile parser (hull_dockerfile_parse): directives, comments,
 * continuations, flags, JSON forms, heredocs, errors naming the line. */
#include <criterion/criterion.h>
#include <string.h>

#include "hull/build.h"
#include "hull/cleanup.h"

static struct hull_dockerfile *parse_ok(const char *text)
{
	struct hull_dockerfile *df = NULL;
	_cleanup_error_ struct hull_error *err = NULL;
	int r = hull_dockerfile_parse(text, strlen(text), &df, &err);
	cr_assert_eq(r, 0, "parse failed: %s", err ? err->msg : "?");
	return df;
}

static char *parse_err(const char *text)
{
	struct hull_dockerfile *df = NULL;
	struct hull_error *err = NULL;
	cr_assert_lt(hull_dockerfile_parse(text, strlen(text), &df, &err), 0);
	cr_assert_null(df);
	char *m = strdup(err->msg);
	hull_error_free(err);
	return m;
}

Test(parser, keywords_lines_and_case)
{
	_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df =
	    parse_ok("# a comment\nfrom busybox AS base\n\n  run echo hi  \nCMD [\"sh\", \"-c\", \"x\"]\n");
	cr_assert_eq(df->n, 3);
	cr_assert_str_eq(df->instrs[0].keyword, "FROM");
	cr_assert_str_eq(df->instrs[0].args, "busybox AS base");
	cr_assert_eq(df->instrs[0].line, 2);
	cr_assert_str_eq(df->instrs[1].keyword, "RUN");
	cr_assert_str_eq(df->instrs[1].args, "echo hi");
	cr_assert_not(df->instrs[1].json);
	cr_assert_eq(df->instrs[1].line, 4);
	cr_assert(df->instrs[2].json);
	cr_assert_str_eq(df->instrs[2].argv[0], "sh");
	cr_assert_str_eq(df->instrs[2].argv[2], "x");
	cr_assert_null(df->instrs[2].argv[3]);
}

Test(parser, continuations_skip_comments_and_blank_lines)
{
	_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df =
	    parse_ok("FROM x\nRUN a \\\n# inside\n\n  && b \\  \n  && c\nENV A=1\n");
	cr_assert_eq(df->n, 3);
	cr_assert_str_eq(df->instrs[1].args, "a   && b   && c");
	cr_assert_eq(df->instrs[2].line, 7);
}

Test(parser, escape_directive_backtick)
{
	_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df =
	    parse_ok("# escape=`\nFROM x\nRUN dir c:\\ `\n  && echo\n");
	cr_assert_eq(df->escape, '`');
	cr_assert_str_eq(df->instrs[1].args, "dir c:\\   && echo");
}

Test(parser, directives_only_at_the_top_syntax_noted)
{
	_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df =
	    parse_ok("# syntax=docker/dockerfile:1\nFROM x\n# escape=`\nRUN a \\\n b\n");
	cr_assert_eq(df->escape, '\\');
	cr_assert_not_null(df->notes[0]);
	cr_assert(strstr(df->notes[0], "syntax"));
	cr_assert_str_eq(df->instrs[1].args, "a  b");
}

Test(parser, flags_are_split_from_the_arguments)
{
	_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df =
	    parse_ok("FROM x\nCOPY --from=build --chown=1:2 /a /b\n");
	const struct hull_instruction *in = &df->instrs[1];
	cr_assert_str_eq(in->flags[0], "--from=build");
	cr_assert_str_eq(in->flags[1], "--chown=1:2");
	cr_assert_null(in->flags[2]);
	cr_assert_str_eq(in->args, "/a /b");
}

Test(parser, not_json_stays_shell_form)
{
	_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df = parse_ok("FROM x\nCMD [not json\nENV A=[1]\n");
	cr_assert_not(df->instrs[1].json);
	cr_assert_str_eq(df->instrs[1].args, "[not json");
	cr_assert_not(df->instrs[2].json);
}

Test(parser, heredocs)
{
	_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df =
	    parse_ok("FROM x\nRUN <<EOF\necho $A\nEOF\nCOPY <<-\"END\" /f\n\tline\n\tEND\nCMD x\n");
	cr_assert_eq(df->n, 4);
	cr_assert_eq(df->instrs[1].n_heredocs, 1);
	cr_assert_str_eq(df->instrs[1].heredocs[0].name, "EOF");
	cr_assert_str_eq(df->instrs[1].heredocs[0].body, "echo $A\n");
	cr_assert(df->instrs[1].heredocs[0].expand);
	cr_assert_str_eq(df->instrs[2].heredocs[0].body, "line\n");
	cr_assert_not(df->instrs[2].heredocs[0].expand);
	cr_assert_eq(df->instrs[3].line, 8);
}

Test(parser, errors_name_the_line)
{
	_cleanup_free_ char *m1 = parse_err("FROM x\n\nRUN true\nFOO bar\n");
	cr_assert_str_eq(m1, "dockerfile parse error line 4: unknown instruction: FOO");
	_cleanup_free_ char *m2 = parse_err("FROM x\nSHELL /bin/bash\n");
	cr_assert(strstr(m2, "line 2: SHELL requires the arguments to be in JSON form"), "%s", m2);
	_cleanup_free_ char *m3 = parse_err("FROM x\nRUN\n");
	cr_assert(strstr(m3, "line 2: RUN requires at least one argument"), "%s", m3);
	_cleanup_free_ char *m4 = parse_err("FROM x\nRUN <<EOF\necho\n");
	cr_assert(strstr(m4, "line 2: heredoc `EOF` has no terminating line"), "%s", m4);
	_cleanup_free_ char *m5 = parse_err("# only a comment\n\n");
	cr_assert(strstr(m5, "cannot be empty"), "%s", m5);
}

Test(parser, words_keep_quotes)
{
	_cleanup_strv_ char **w = hull_dockerfile_words("A=\"hello world\" B='x y' C=d\\ e", '\\');
	cr_assert_str_eq(w[0], "A=\"hello world\"");
	cr_assert_str_eq(w[1], "B='x y'");
	cr_assert_str_eq(w[2], "C=d\\ e");
	cr_assert_null(w[3]);
}
