/* os.c - which distribution is this root, and which OSV ecosystem is it?
 *
 * os-release(5) first (etc/os-release, then usr/lib/os-release); Debian's
 * etc/debian_version and Alpine's etc/alpine-release fill the gaps (old
 * images have no os-release). Ecosystem names follow the OSV schema's
 * list (ossf.github.io/osv-schema/#affectedpackage-field): "Debian:12",
 * "Alpine:v3.19", "Ubuntu:22.04:LTS", "Rocky Linux:9", "AlmaLinux:9". */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "scan-internal.h"

void scan_os_clear(struct scan_os *os)
{
	free(os->id);
	free(os->version_id);
	free(os->name);
	free(os->ecosystem);
	memset(os, 0, sizeof(*os));
}

/* One KEY=value from os-release: the value may be quoted with ' or " and
 * use backslash escapes (os-release(5) "shell-compatible"). */
static char *os_release_value(const char *buf, const char *key)
{
	size_t kl = strlen(key);
	for (const char *line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, key, kl) || line[kl] != '=')
			continue;
		const char *v = line + kl + 1;
		size_t n = strcspn(v, "\n");
		char *out = hull_xmalloc(n + 1), *o = out;
		char quote = (*v == '"' || *v == '\'') ? *v : 0;
		const char *end = v + n;
		if (quote)
			v++;
		for (; v < end && *v != quote; v++) {
			if (*v == '\\' && v + 1 < end)
				v++;
			*o++ = *v;
		}
		*o = '\0';
		return out;
	}
	return NULL;
}

static char *major_of(const char *v, int parts)
{
	size_t i = 0;
	for (int dots = 0; v[i]; i++)
		if (v[i] == '.' && ++dots == parts)
			break;
	return hull_strdup_printf("%.*s", (int)i, v);
}

static bool word_in(const char *list, const char *word)
{
	if (!list)
		return false;
	size_t wl = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += wl)
		if ((p == list || p[-1] == ' ') && (p[wl] == '\0' || p[wl] == ' '))
			return true;
	return false;
}

char *scan_os_ecosystem(const char *id, const char *id_like, const char *version_id, const char *version)
{
	if (!id || !version_id || !*version_id)
		return NULL;
	_cleanup_free_ char *major = major_of(version_id, 1);
	if (!strcmp(id, "debian"))
		return isdigit((unsigned char)major[0]) ? hull_strdup_printf("Debian:%s", major) : NULL;
	if (!strcmp(id, "ubuntu"))
		return hull_strdup_printf("Ubuntu:%s%s", version_id, version && strstr(version, "LTS") ? ":LTS" : "");
	if (!strcmp(id, "alpine")) {
		_cleanup_free_ char *mm = major_of(version_id, 2);
		return hull_strdup_printf("Alpine:v%s", mm);
	}
	if (!strcmp(id, "rocky"))
		return hull_strdup_printf("Rocky Linux:%s", major);
	if (!strcmp(id, "almalinux"))
		return hull_strdup_printf("AlmaLinux:%s", major);
	if (!strcmp(id, "opensuse-leap"))
		return hull_strdup_printf("openSUSE:Leap %s", version_id);
	if (!strcmp(id, "mageia"))
		return hull_strdup_printf("Mageia:%s", version_id);
	if (!strcmp(id, "wolfi"))
		return hull_xstrdup("Wolfi");
	if (!strcmp(id, "chainguard"))
		return hull_xstrdup("Chainguard");
	(void)id_like;
	return NULL;
}

static enum hull_version_scheme scheme_of(const char *id, const char *id_like)
{
	if (!strcmp(id, "debian") || !strcmp(id, "ubuntu") || word_in(id_like, "debian") ||
	    word_in(id_like, "ubuntu"))
		return HULL_VERSION_DPKG;
	if (!strcmp(id, "alpine") || !strcmp(id, "wolfi") || !strcmp(id, "chainguard") || word_in(id_like, "alpine"))
		return HULL_VERSION_APK;
	return HULL_VERSION_RPM;
}

static char *first_line(const struct hull_scan_root *root, const char *path)
{
	char *buf = NULL;
	if (scan_root_read_file(root, path, 4096, &buf, NULL, NULL) < 0)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

int scan_os_detect(const struct hull_scan_root *root, struct scan_os *os, struct hull_error **err)
{
	_cleanup_free_ char *rel = NULL;
	if (scan_root_read_file(root, "etc/os-release", 1 << 16, &rel, NULL, NULL) < 0)
		scan_root_read_file(root, "usr/lib/os-release", 1 << 16, &rel, NULL, NULL);
	_cleanup_free_ char *id_like = NULL, *version = NULL;
	if (rel) {
		os->id = os_release_value(rel, "ID");
		os->version_id = os_release_value(rel, "VERSION_ID");
		os->name = os_release_value(rel, "PRETTY_NAME");
		id_like = os_release_value(rel, "ID_LIKE");
		version = os_release_value(rel, "VERSION");
	}
	_cleanup_free_ char *debian_version = first_line(root, "etc/debian_version");
	_cleanup_free_ char *alpine_release = first_line(root, "etc/alpine-release");
	if (!os->id && debian_version)
		os->id = hull_xstrdup("debian");
	if (!os->id && alpine_release)
		os->id = hull_xstrdup("alpine");
	if (!os->id)
		os->id = hull_xstrdup("unknown");
	/* Debian testing has no VERSION_ID; a point release is only in
	 * debian_version ("12.5"); Alpine's edge likewise. */
	if (!os->version_id && debian_version && !strcmp(os->id, "debian") && isdigit((unsigned char)debian_version[0]))
		os->version_id = major_of(debian_version, 1);
	if (!os->version_id && alpine_release && !strcmp(os->id, "alpine"))
		os->version_id = hull_xstrdup(alpine_release);
	if (!os->name)
		os->name = hull_strdup_printf("%s %s", os->id, os->version_id ? os->version_id : "");
	os->ecosystem = scan_os_ecosystem(os->id, id_like, os->version_id, version);
	os->scheme = scheme_of(os->id, id_like);
	(void)err;
	return 0;
}
