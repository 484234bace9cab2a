/* fuzz_reference.c - fuzz target for image references
 * (hull_reference_parse, src/lib/oci/reference.c). Input: the reference
 * text. An accepted reference must print (hull_reference_string) to text
 * that parses back to the same four parts, and its registry must be a host
 * name with an optional port, as docker's reference grammar has it, because
 * hull puts it into URLs. Corpus: tests/fuzz/corpus/reference. */
#include <ctype.h>
#include <string.h>

#include "fuzz_common.h"
#include "hull/oci_image.h"

static bool same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* distribution/reference regexp.go: domain-name [":" port-number], or an
 * IPv6 address in brackets; components are letters, digits and inner
 * hyphens. */
static bool valid_host(const char *s)
{
	if (*s == '[') {
		const char *close = strchr(s, ']');
		if (!close || close == s + 1)
			return false;
		for (const char *p = s + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':')
				return false;
		s = close + 1;
		return !*s || (*s == ':' && s[1] && strspn(s + 1, "0123456789") == strlen(s + 1));
	}
	const char *p = s;
	for (;;) {
		const char *start = p;
		while (isalnum((unsigned char)*p) || *p == '-')
			p++;
		if (p == start || start[0] == '-' || p[-1] == '-')
			return false;
		if (*p != '.')
			break;
		p++;
	}
	return !*p || (*p == ':' && p[1] && strspn(p + 1, "0123456789") == strlen(p + 1));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size);
	struct hull_reference *r = NULL;
	struct hull_error *err = NULL;
	int ret = hull_reference_parse(s, &r, &err);
	fuzz_check_error(ret, err);
	if (ret < 0) {
		if (r)
			abort();
		free(s);
		return 0;
	}
	if (!r || !r->registry || !r->repository || (!r->tag && !r->digest))
		abort();
	if (!valid_host(r->registry)) {
		fprintf(stderr, "reference `%s` accepted with registry `%s`\n", s, r->registry);
		abort();
	}
	char *text = hull_reference_string(r);
	struct hull_reference *again = NULL;
	err = NULL;
	ret = hull_reference_parse(text, &again, &err);
	if (ret < 0) {
		fprintf(stderr, "`%s` -> `%s` does not parse back: %s\n", s, text, err->msg);
		abort();
	}
	if (!same(r->registry, again->registry) || !same(r->repository, again->repository) ||
	    !same(r->tag, again->tag) || !same(r->digest, again->digest)) {
		fprintf(stderr, "`%s` -> `%s` parses back differently\n", s, text);
		abort();
	}
	char *name = hull_reference_name(r);
	free(hull_reference_familiar(name));
	if (!hull_reference_api_host(r))
		abort();
	free(name);
	free(text);
	hull_reference_free(again);
	hull_reference_free(r);
	free(s);
	return 0;
}
