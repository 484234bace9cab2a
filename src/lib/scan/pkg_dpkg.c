/* pkg_dpkg.c - installed Debian packages: var/lib/dpkg/status and the
 * per-package stanza files of var/lib/dpkg/status.d/ (distroless).
 *
 * deb-control(5) / deb-src-control(5): a stanza per package; `Source:` is
 * "name" or "name (version)" and is only written when it differs from the
 * binary's Package/Version. The source version is the source package's own
 * (with its epoch if it has one: busybox-static 1:1.35.0-4+deb12u1+b1 says
 * `Source: busybox (1:1.35.0-4+deb12u1)`; bsdutils 1:2.38.1-5 comes from
 * util-linux 2.38.1-5 which has none). Debian advisories name the source
 * package and version, so both are kept. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "scan-internal.h"

#define DPKG_STATUS_MAX (256u << 20)

struct stanza {
	char *package, *version, *source, *status, *arch;
};

static void stanza_clear(struct stanza *s)
{
	free(s->package);
	free(s->version);
	free(s->source);
	free(s->status);
	free(s->arch);
	memset(s, 0, sizeof(*s));
}

static void stanza_field(struct stanza *s, const char *line, size_t len)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "Package", offsetof(struct stanza, package) }, { "Version", offsetof(struct stanza, version) },
		{ "Source", offsetof(struct stanza, source) },   { "Status", offsetof(struct stanza, status) },
		{ "Architecture", offsetof(struct stanza, arch) },
	};
	const char *colon = memchr(line, ':', len);
	if (!colon)
		return;
	size_t nl = (size_t)(colon - line);
	for (size_t i = 0; i < HULL_ARRAY_SIZE(fields); i++) {
		/* field names are case-insensitive (deb822(5)) */
		if (strlen(fields[i].name) != nl || strncasecmp(fields[i].name, line, nl))
			continue;
		const char *v = colon + 1, *end = line + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			end--;
		char **slot = (char **)((char *)s + fields[i].off);
		free(*slot);
		*slot = hull_strdup_printf("%.*s", (int)(end - v), v);
	}
}

/* Status: want flag state; only "installed" (and half-configured states
 * whose files are on disk) count: "deinstall ok config-files" has no files. */
static bool stanza_installed(const struct stanza *s)
{
	if (!s->status)
		return true; /* status.d stanzas carry no Status */
	const char *state = strrchr(s->status, ' ');
	state = state ? state + 1 : s->status;
	return !strcmp(state, "installed") || !strcmp(state, "half-configured") || !strcmp(state, "unpacked") ||
	       !strcmp(state, "triggers-awaited") || !strcmp(state, "triggers-pending");
}

static int stanza_emit(struct stanza *s, const char *where, struct scan_packages *out, struct hull_error **err)
{
	if (!s->package && !s->version)
		return 0;
	if (!s->package || !s->version)
		return hull_error_msg(err, EINVAL, "%s: stanza for `%s` has no %s field", where,
				      s->package ? s->package : s->version, s->package ? "Version" : "Package");
	if (!stanza_installed(s))
		return 0;
	_cleanup_free_ char *src_name = NULL, *src_version = NULL;
	if (s->source) {
		char *paren = strchr(s->source, '(');
		if (paren) {
			char *close = strchr(paren, ')');
			src_version = hull_strdup_printf("%.*s", (int)(close ? close - paren - 1 : (long)strlen(paren + 1)),
							 paren + 1);
			while (paren > s->source && paren[-1] == ' ')
				paren--;
			src_name = hull_strdup_printf("%.*s", (int)(paren - s->source), s->source);
		} else {
			src_name = hull_xstrdup(s->source);
		}
	}
	scan_packages_add(out, s->package, s->version, src_name, src_version, s->arch);
	return 0;
}

int scan_dpkg_parse(const char *buf, const char *where, struct scan_packages *out, struct hull_error **err)
{
	struct stanza s = { 0 };
	const char *p = buf;
	int ret = 0;
	while (*p && ret >= 0) {
		size_t len = strcspn(p, "\n");
		if (len == 0 || (len == 1 && p[0] == '\r')) {
			ret = stanza_emit(&s, where, out, err);
			stanza_clear(&s);
		} else if (p[0] != ' ' && p[0] != '\t' && p[0] != '#') {
			stanza_field(&s, p, len);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	if (ret >= 0)
		ret = stanza_emit(&s, where, out, err);
	stanza_clear(&s);
	return ret;
}

static int read_one(const struct hull_scan_root *root, const char *path, struct scan_packages *out,
		    struct hull_error **err)
{
	_cleanup_free_ char *buf = NULL;
	int ret = scan_root_read_file(root, path, DPKG_STATUS_MAX, &buf, NULL, err);
	if (ret < 0)
		return ret;
	_cleanup_free_ char *where = hull_strdup_printf("/%s", path);
	return scan_dpkg_parse(buf, where, out, err);
}

int scan_dpkg_read(const struct hull_scan_root *root, const char *path, struct scan_packages *out,
		   struct hull_error **err)
{
	size_t pl = strlen(path);
	if (pl < 2 || strcmp(path + pl - 2, ".d") != 0)
		return read_one(root, path, out, err);
	_cleanup_strv_ char **names = NULL;
	int ret = scan_root_list(root, path, &names, err);
	if (ret < 0)
		return ret;
	for (char **n = names; *n; n++) {
		size_t l = strlen(*n);
		/* distroless also ships NAME.md5sums beside each stanza */
		if (l > 8 && !strcmp(*n + l - 8, ".md5sums"))
			continue;
		_cleanup_free_ char *p = hull_strdup_printf("%s/%s", path, *n);
		ret = read_one(root, p, out, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}
