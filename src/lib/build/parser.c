/* parser.c - Dockerfile text into instructions, by docker's reference
 * (docs.docker.com/engine/reference/builder): parser directives at the top
 * (`# escape=` sets the escape character; `# syntax=` is noted and
 * ignored: no frontend image is fetched), `#` comment lines (also between
 * continuation lines), the escape character ending a line to continue it,
 * empty continuation lines skipped, keywords in any case, leading `--flag`
 * words, the JSON (exec) form, heredocs (<<EOF, <<-EOF, <<"EOF") for RUN,
 * COPY and ADD. Nothing here expands variables: the builder does that per
 * instruction, as docker does. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hull/build.h"
#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/json.h"

static const char *const keywords[] = {"ADD",	 "ARG",	  "CMD",	 "COPY",  "ENTRYPOINT", "ENV",
				       "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
				       "RUN",	 "SHELL", "STOPSIGNAL",	 "USER",  "VOLUME",	"WORKDIR"};

/* The instructions whose arguments may be a JSON array. */
static bool json_allowed(const char *kw)
{
	static const char *const forms[] = {"RUN", "CMD", "ENTRYPOINT", "COPY", "ADD", "SHELL", "VOLUME"};
	for (size_t i = 0; i < HULL_ARRAY_SIZE(forms); i++)
		if (!strcmp(kw, forms[i]))
			return true;
	return false;
}

struct lines {
	char **v; /* each line without its newline (and without a trailing \r) */
	size_t n;
};

static void split_lines(const char *text, size_t len, struct lines *out)
{
	size_t cap = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t keep = l > 0 && p[l - 1] == '\r' ? l - 1 : l;
		if (out->n + 2 > cap) {
			cap = cap ? cap * 2 : 64;
			out->v = hull_xrealloc(out->v, cap * sizeof(char *));
		}
		out->v[out->n++] = strndup(p, keep);
		out->v[out->n] = NULL;
		p += l + (nl ? 1 : 0);
	}
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static bool blank(const char *s)
{
	return !*skip_space(s);
}

static bool comment(const char *s)
{
	return *skip_space(s) == '#';
}

/* "# name=value" with a known name: 1 and the value, 0 when not one. */
static int directive(const char *line, char *name, size_t nsize, const char **value)
{
	const char *p = skip_space(line);
	if (*p != '#')
		return 0;
	p = skip_space(p + 1);
	size_t n = 0;
	while (isalpha((unsigned char)p[n]))
		n++;
	if (!n || n >= nsize)
		return 0;
	const char *q = skip_space(p + n);
	if (*q != '=')
		return 0;
	memcpy(name, p, n);
	name[n] = '\0';
	for (char *c = name; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	if (strcmp(name, "escape") && strcmp(name, "syntax"))
		return 0;
	*value = skip_space(q + 1);
	return 1;
}

/* Does the line end with the escape character (trailing blanks allowed)?
 * Then cut it there. */
static bool continues(char *line, char escape)
{
	size_t n = strlen(line);
	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (n == 0 || line[n - 1] != escape)
		return false;
	line[n - 1] = '\0';
	return true;
}

static void append(char **buf, const char *s)
{
	char *old = *buf;
	*buf = hull_strdup_printf("%s%s", old ? old : "", s);
	free(old);
}

/* Heredoc markers in a RUN/COPY/ADD line: <<[-]["']WORD["'] outside quotes. */
static void find_heredocs(struct hull_instruction *in, bool *strip_tabs)
{
	const char *s = in->args;
	char quote = 0;
	for (size_t i = 0; s[i]; i++) {
		if (quote) {
			if (s[i] == quote)
				quote = 0;
			continue;
		}
		if (s[i] == '\'' || s[i] == '"') {
			quote = s[i];
			continue;
		}
		if (s[i] != '<' || s[i + 1] != '<' || s[i + 2] == '<')
			continue;
		size_t j = i + 2;
		bool dash = s[j] == '-';
		j += dash;
		char q = (s[j] == '"' || s[j] == '\'') ? s[j] : 0;
		j += q != 0;
		size_t start = j;
		while (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '-' || s[j] == '.')
			j++;
		if (j == start || (q && s[j] != q))
			continue;
		in->heredocs = hull_xrealloc(in->heredocs, (in->n_heredocs + 1) * sizeof(*in->heredocs));
		strip_tabs[in->n_heredocs] = dash;
		in->heredocs[in->n_heredocs++] = (struct hull_heredoc){
		    .name = strndup(s + start, j - start), .expand = !q, .body = hull_xstrdup("")};
		if (in->n_heredocs == 8)
			return;
		i = q ? j : j - 1; /* the loop's i++ moves past the marker, never past the NUL */
	}
}

static void parse_flags_and_form(struct hull_instruction *in, const char *rest)
{
	size_t nf = 0;
	in->flags = hull_xcalloc(1, sizeof(char *));
	const char *p = skip_space(rest);
	while (p[0] == '-' && p[1] == '-') {
		size_t n = strcspn(p, " \t");
		in->flags = hull_xrealloc(in->flags, (nf + 2) * sizeof(char *));
		in->flags[nf++] = strndup(p, n);
		in->flags[nf] = NULL;
		p = skip_space(p + n);
	}
	in->args = hull_xstrdup(p);
	size_t n = strlen(in->args);
	while (n > 0 && (in->args[n - 1] == ' ' || in->args[n - 1] == '\t'))
		in->args[--n] = '\0';
	if (in->args[0] != '[' || !json_allowed(in->keyword))
		return;
	_cleanup_json_ json_t *j = json_loads(in->args, 0, NULL);
	if (!json_is_array(j))
		return;
	size_t i;
	json_t *v;
	json_array_foreach(j, i, v) if (!json_is_string(v)) return;
	in->argv = hull_xcalloc(json_array_size(j) + 1, sizeof(char *));
	json_array_foreach(j, i, v) in->argv[i] = hull_xstrdup(json_string_value(v));
	in->json = true;
}

static bool known(const char *kw)
{
	for (size_t i = 0; i < HULL_ARRAY_SIZE(keywords); i++)
		if (!strcmp(kw, keywords[i]))
			return true;
	return false;
}

static void note(struct hull_dockerfile *df, char *msg)
{
	size_t n = 0;
	while (df->notes[n])
		n++;
	df->notes = hull_xrealloc(df->notes, (n + 2) * sizeof(char *));
	df->notes[n] = msg;
	df->notes[n + 1] = NULL;
}

/* Lines from *i on that make the instruction starting there; *i moves past. */
static char *join_continued(struct lines *L, size_t *i, char escape)
{
	char *buf = NULL;
	size_t k = *i;
	bool more = true;
	while (more && k < L->n) {
		char *line = L->v[k++];
		if (buf && (comment(line) || blank(line)))
			continue; /* docker drops comments and empty lines inside a continuation */
		more = continues(line, escape);
		append(&buf, line);
	}
	*i = k;
	return buf;
}

static int parse_one(struct hull_dockerfile *df, struct lines *L, size_t *i, struct hull_error **err)
{
	int line = (int)*i + 1;
	_cleanup_free_ char *joined = join_continued(L, i, df->escape);
	const char *p = skip_space(joined);
	size_t kwlen = strcspn(p, " \t");
	struct hull_instruction in = {.line = line, .text = hull_xstrdup(p), .keyword = strndup(p, kwlen)};
	for (char *c = in.keyword; *c; c++)
		*c = (char)toupper((unsigned char)*c);
	df->instrs = hull_xrealloc(df->instrs, (df->n + 1) * sizeof(*df->instrs));
	df->instrs[df->n++] = in;
	struct hull_instruction *ip = &df->instrs[df->n - 1];
	parse_flags_and_form(ip, p + kwlen);
	if (!known(ip->keyword))
		return hull_error_msg(err, EINVAL, "dockerfile parse error line %d: unknown instruction: %s", line,
				      ip->keyword);
	if (!*ip->args)
		return hull_error_msg(err, EINVAL, "dockerfile parse error line %d: %s requires at least one argument",
				      line, ip->keyword);
	if (!strcmp(ip->keyword, "SHELL") && !ip->json)
		return hull_error_msg(err, EINVAL,
				      "dockerfile parse error line %d: SHELL requires the arguments to be in JSON form",
				      line);
	if (strcmp(ip->keyword, "RUN") && strcmp(ip->keyword, "COPY") && strcmp(ip->keyword, "ADD"))
		return 0;
	bool strip[8];
	find_heredocs(ip, strip);
	for (size_t h = 0; h < ip->n_heredocs; h++) {
		bool ended = false;
		while (*i < L->n && !ended) {
			const char *raw = L->v[(*i)++];
			const char *l = strip[h] ? raw + strspn(raw, "\t") : raw;
			if (!strcmp(l, ip->heredocs[h].name)) {
				ended = true;
				break;
			}
			append(&ip->heredocs[h].body, l);
			append(&ip->heredocs[h].body, "\n");
		}
		if (!ended)
			return hull_error_msg(err, EINVAL,
					      "dockerfile parse error line %d: heredoc `%s` has no terminating line",
					      line, ip->heredocs[h].name);
	}
	return 0;
}

int hull_dockerfile_parse(const char *text, size_t len, struct hull_dockerfile **out, struct hull_error **err)
{
	*out = NULL;
	struct lines L = {0};
	split_lines(text, len, &L);
	_cleanup_(hull_dockerfile_freep) struct hull_dockerfile *df = hull_xcalloc(1, sizeof(*df));
	df->escape = '\\';
	df->notes = hull_xcalloc(1, sizeof(char *));
	size_t i = 0;
	int r = 0;
	for (; i < L.n; i++) {
		char name[16];
		const char *value;
		if (!directive(L.v[i], name, sizeof(name), &value))
			break;
		if (!strcmp(name, "syntax")) {
			note(df, hull_strdup_printf("line %zu: the syntax directive is ignored (`%s`): hull's own "
						    "parser reads this Dockerfile",
						    i + 1, value));
			continue;
		}
		if (strcmp(value, "\\") && strcmp(value, "`")) {
			r = hull_error_msg(err, EINVAL,
					   "dockerfile parse error line %zu: invalid escape token `%s` "
					   "does not validate",
					   i + 1, value);
			break;
		}
		df->escape = value[0];
	}
	while (r == 0 && i < L.n) {
		if (comment(L.v[i]) || blank(L.v[i])) {
			i++;
			continue;
		}
		r = parse_one(df, &L, &i, err);
	}
	hull_strv_free(L.v);
	if (r < 0)
		return r;
	if (df->n == 0)
		return hull_error_msg(err, EINVAL, "the Dockerfile cannot be empty");
	*out = steal_ptr(df);
	return 0;
}

void hull_dockerfile_free(struct hull_dockerfile *df)
{
	if (!df)
		return;
	for (size_t i = 0; i < df->n; i++) {
		struct hull_instruction *in = &df->instrs[i];
		free(in->keyword);
		free(in->text);
		free(in->args);
		hull_strv_free(in->flags);
		hull_strv_free(in->argv);
		for (size_t h = 0; h < in->n_heredocs; h++) {
			free(in->heredocs[h].name);
			free(in->heredocs[h].body);
		}
		free(in->heredocs);
	}
	free(df->instrs);
	hull_strv_free(df->notes);
	free(df);
}

char **hull_dockerfile_words(const char *s, char escape)
{
	char **v = hull_xcalloc(1, sizeof(char *));
	size_t n = 0;
	char *word = NULL;
	size_t wl = 0;
	char quote = 0;
	for (const char *p = s;; p++) {
		bool end = !*p || (!quote && (*p == ' ' || *p == '\t' || *p == '\n'));
		if (end) {
			if (word) {
				v = hull_xrealloc(v, (n + 2) * sizeof(char *));
				v[n++] = word;
				v[n] = NULL;
				word = NULL;
				wl = 0;
			}
			if (!*p)
				break;
			continue;
		}
		size_t take = (*p == escape && p[1]) ? 2 : 1;
		if (take == 1 && (*p == '"' || *p == '\''))
			quote = quote == *p ? 0 : quote ? quote : *p;
		word = hull_xrealloc(word, wl + take + 1);
		memcpy(word + wl, p, take);
		wl += take;
		word[wl] = '\0';
		p += take - 1;
	}
	return v;
}
