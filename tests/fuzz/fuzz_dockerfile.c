/* fuzz_dockerfile.c - fuzz target for hull build's text parsers
 * (src/lib/build/): the Dockerfile parser, the word expansion of every
 * instruction's arguments and words, and the .dockerignore compiler and
 * matcher, all fed the same input. An accepted Dockerfile has at least one
 * instruction, each with a known upper-case keyword, non-empty arguments,
 * a NULL-ended flag list and lines that only grow; a JSON form has its
 * argv. Corpus: tests/fuzz/corpus/dockerfile. */
#include <ctype.h>
#include <string.h>

#include "fuzz_common.h"
#include "hull/build.h"
#include "hull/cleanup.h"

static const char *lookup(void *data, const char *name)
{
	(void)data;
	return !strcmp(name, "A") ? "a b" : !strcmp(name, "E") ? "" : NULL;
}

static void expand_all(const char *text, char escape)
{
	char *out = NULL;
	struct hull_error *err = NULL;
	int r = hull_build_expand(text, escape, lookup, NULL, &out, &err);
	fuzz_check_error(r, err);
	if ((r < 0) != (out == NULL))
		abort();
	free(out);
	char **words = NULL;
	err = NULL;
	r = hull_build_expand_words(text, escape, lookup, NULL, &words, &err);
	fuzz_check_error(r, err);
	for (size_t i = 0; words && words[i]; i++)
		if (!words[i][0] && !strpbrk(text, "\"'"))
			abort(); /* an empty word only comes from quotes */
	hull_strv_free(words);
}

static void ignore_all(const char *text, size_t size)
{
	struct hull_ignore *ig = NULL;
	struct hull_error *err = NULL;
	int r = hull_ignore_parse(text, size, &ig, &err);
	fuzz_check_error(r, err);
	if (r == 0) {
		hull_ignore_match(ig, "a/b/c.txt");
		hull_ignore_match(ig, ".");
		hull_ignore_match(ig, text);
	}
	hull_ignore_free(ig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	size_t len = strlen(text);
	struct hull_dockerfile *df = NULL;
	struct hull_error *err = NULL;
	int r = hull_dockerfile_parse(text, len, &df, &err);
	fuzz_check_error(r, err);
	if ((r < 0) != (df == NULL))
		abort();
	int last = 0;
	for (size_t i = 0; df && i < df->n; i++) {
		const struct hull_instruction *in = &df->instrs[i];
		if (in->line <= last || !in->keyword[0] || !in->args[0] || !in->flags || (in->json && !in->argv))
			abort();
		for (const char *k = in->keyword; *k; k++)
			if (!isupper((unsigned char)*k))
				abort();
		last = in->line;
		expand_all(in->args, df->escape);
		char **words = hull_dockerfile_words(in->args, df->escape);
		for (size_t w = 0; words[w]; w++)
			expand_all(words[w], df->escape);
		hull_strv_free(words);
	}
	if (df && !df->n)
		abort();
	hull_dockerfile_free(df);
	ignore_all(text, len);
	free(text);
	return 0;
}
