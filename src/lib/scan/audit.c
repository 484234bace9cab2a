/* audit.c - risky configuration, from the container security checklist
 * (and the CIS Docker Benchmark section 4): an image that runs as root,
 * setuid/setgid programs, world-writable files and directories without the
 * sticky bit, private keys and credentials left in the filesystem.
 *
 * Secrets are looked for in regular files up to SECRET_SCAN_MAX bytes that
 * are not ELF binaries (libraries and ssh-keygen carry PEM markers as
 * strings); a private key counts only with a key body after its BEGIN line,
 * so code that merely mentions the marker does not. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "scan-internal.h"

#define SECRET_SCAN_MAX (512u << 10)
#define KEY_BODY_MIN 64 /* base64 characters of key material after BEGIN */

struct audit {
	struct scan_findings *out;
	char **skip_dirs; /* the user's --skip-dirs, as given */
	char *buf; /* one file's contents, reused */
};

static void add(struct audit *a, enum hull_scan_severity sev, const char *id, const char *title, const char *path)
{
	struct hull_scan_finding *f = scan_findings_add(a->out, HULL_FINDING_CONFIGURATION, sev, id, title);
	f->path = path ? hull_xstrdup(path) : NULL;
}

static bool is_root_user(const char *user)
{
	/* USER is "name", "uid", "name:group" or "uid:gid" (image-spec
	 * config.md#properties); empty means root. */
	size_t n = strcspn(user, ":");
	return n == 0 || (n == 4 && !strncmp(user, "root", 4)) || (n == 1 && user[0] == '0') ||
	       strspn(user, "0") == n;
}

static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
	       c == '=';
}

/* "-----BEGIN ... PRIVATE KEY-----" (PEM, OpenSSH) or a PGP private key
 * block, followed by real key material. */
static bool has_private_key(const char *buf, size_t len)
{
	const char *end = buf + len;
	for (const char *p = buf; (p = memmem(p, (size_t)(end - p), "-----BEGIN ", 11));) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			return false;
		const char *line_end = eol;
		if (line_end - p > 80) {
			p += 11;
			continue;
		}
		bool key = memmem(p, (size_t)(line_end - p), "PRIVATE KEY", 11) != NULL;
		p = eol + 1;
		if (!key)
			continue;
		size_t body = 0;
		/* PEM headers (Proc-Type:, DEK-Info:) may precede the body */
		for (const char *q = p; q < end && q[0] != '-'; q++)
			body += is_b64(*q);
		if (body >= KEY_BODY_MIN)
			return true;
	}
	return false;
}

static bool is_alnum_upper(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_token_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Well-known token shapes: prefix, then at least `min` token characters. */
static const char *token_kind(const char *buf, size_t len)
{
	static const struct {
		const char *prefix;
		size_t min;
		const char *kind;
	} tokens[] = {
		{ "ghp_", 36, "GitHub personal access token" },	{ "github_pat_", 60, "GitHub fine-grained token" },
		{ "gho_", 36, "GitHub OAuth token" },		{ "glpat-", 20, "GitLab personal access token" },
		{ "xoxb-", 20, "Slack bot token" },		{ "xoxp-", 20, "Slack user token" },
		{ "sk_live_", 24, "Stripe secret key" },
	};
	const char *end = buf + len;
	for (const char *p = buf; (p = memmem(p, (size_t)(end - p), "AKIA", 4)); p += 4) {
		/* AWS access key id: AKIA + 16 upper-case letters/digits, alone */
		if ((p == buf || !is_alnum_upper(p[-1])) && end - p >= 20) {
			size_t k = 4;
			while (k < 20 && is_alnum_upper(p[k]))
				k++;
			/* AWS's documentation key appears in SDKs and docs */
			if (k == 20 && (p + 20 == end || !is_alnum_upper(p[20])) && memcmp(p, "AKIAIOSFODNN7EXAMPLE", 20))
				return "AWS access key id";
		}
	}
	for (size_t t = 0; t < HULL_ARRAY_SIZE(tokens); t++) {
		size_t pl = strlen(tokens[t].prefix);
		for (const char *p = buf; (p = memmem(p, (size_t)(end - p), tokens[t].prefix, pl)); p += pl) {
			if (p > buf && is_token_char(p[-1]))
				continue;
			size_t k = 0;
			while (p + pl + k < end && (is_token_char(p[pl + k]) || p[pl + k] == '-'))
				k++;
			if (k >= tokens[t].min)
				return tokens[t].kind;
		}
	}
	return NULL;
}

/* Credential files known by name (and a word inside when the name alone
 * is too common). */
static const char *credential_file(const char *path, const char *name, const char *buf, size_t len)
{
	static const struct {
		const char *suffix;
		const char *needle; /* NULL: the name is enough */
		const char *what;
	} files[] = {
		{ "/.aws/credentials", "aws_secret_access_key", "AWS credentials" },
		{ "/.docker/config.json", "\"auth\"", "registry credentials" },
		{ "/.git-credentials", NULL, "git credentials" },
		{ "/.netrc", "password", "netrc credentials" },
		{ "/.pgpass", NULL, "PostgreSQL password file" },
		{ "/.npmrc", "_authToken", "npm token" },
		{ "/.pypirc", "password", "PyPI credentials" },
		{ "/.kube/config", "token", "Kubernetes credentials" },
	};
	size_t pl = strlen(path);
	(void)name;
	for (size_t i = 0; i < HULL_ARRAY_SIZE(files); i++) {
		size_t sl = strlen(files[i].suffix);
		if (pl < sl || strcmp(path + pl - sl, files[i].suffix))
			continue;
		if (!files[i].needle || memmem(buf, len, files[i].needle, strlen(files[i].needle)))
			return files[i].what;
	}
	return NULL;
}

/* "/opt/app/" and "opt/app" name the same tree as "/opt/app". */
static bool same_path(const char *path, const char *want)
{
	while (*want == '/')
		want++;
	path++;
	size_t l = strlen(want);
	while (l && want[l - 1] == '/')
		l--;
	return l && strlen(path) == l && !strncmp(path, want, l);
}

/* Trees that hold documentation or data that is never a secret, and are
 * large: skipping them keeps the audit of a distribution image quick. */
static bool skip_tree(const char *path)
{
	static const char *const trees[] = { "/proc", "/sys", "/usr/share/doc", "/usr/share/man",
					     "/usr/share/locale", "/usr/share/zoneinfo", "/usr/share/i18n",
					     "/usr/lib/locale", "/var/lib/dpkg/info", "/usr/share/info" };
	for (size_t i = 0; i < HULL_ARRAY_SIZE(trees); i++)
		if (!strcmp(path, trees[i]))
			return true;
	return false;
}

static void audit_secrets(struct audit *a, const char *path, int dirfd, const char *name, const struct stat *st)
{
	if (st->st_size == 0 || (size_t)st->st_size > SECRET_SCAN_MAX)
		return;
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return; /* unreadable: nothing to report about its contents */
	size_t len = 0;
	while (len < (size_t)st->st_size) {
		ssize_t n = read(fd, a->buf + len, (size_t)st->st_size - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (len >= 4 && !memcmp(a->buf, "\177ELF", 4))
		return;
	const char *what = credential_file(path, name, a->buf, len);
	if (what) {
		_cleanup_free_ char *t = hull_strdup_printf("%s left in the image", what);
		add(a, HULL_SEVERITY_HIGH, "HULL-CFG-CREDENTIALS", t, path);
	}
	if (has_private_key(a->buf, len))
		add(a, HULL_SEVERITY_HIGH, "HULL-CFG-PRIVATE-KEY", "private key left in the image", path);
	const char *token = token_kind(a->buf, len);
	if (token) {
		_cleanup_free_ char *t = hull_strdup_printf("%s found in a file", token);
		add(a, HULL_SEVERITY_HIGH, "HULL-CFG-SECRET-TOKEN", t, path);
	}
}

static int audit_entry(void *data, const char *path, int dirfd, const char *name, const struct stat *st,
		       struct hull_error **err)
{
	struct audit *a = data;
	mode_t m = st->st_mode;
	if (S_ISDIR(m)) {
		for (char **d = a->skip_dirs; d && *d; d++)
			if (same_path(path, *d))
				return 1;
		if ((m & S_IWOTH) && !(m & S_ISVTX))
			add(a, HULL_SEVERITY_MEDIUM, "HULL-CFG-WORLD-WRITABLE-DIR",
			    "world-writable directory without the sticky bit: anyone can replace its files", path);
		return skip_tree(path) ? 1 : 0;
	}
	if (!S_ISREG(m))
		return 0;
	if (m & S_ISUID)
		add(a, HULL_SEVERITY_LOW, "HULL-CFG-SETUID",
		    st->st_uid == 0 ? "setuid-root program" : "setuid program", path);
	if ((m & S_ISGID) && (m & S_IXGRP))
		add(a, HULL_SEVERITY_LOW, "HULL-CFG-SETGID", "setgid program", path);
	if (m & S_IWOTH)
		add(a, HULL_SEVERITY_MEDIUM, "HULL-CFG-WORLD-WRITABLE-FILE", "world-writable file", path);
	audit_secrets(a, path, dirfd, name, st);
	(void)err;
	return 0;
}

int scan_audit(const struct hull_scan_root *root, char **skip_dirs, struct scan_findings *out, struct hull_error **err)
{
	struct audit a = { .out = out, .skip_dirs = skip_dirs, .buf = hull_xmalloc(SECRET_SCAN_MAX) };
	const char *user = scan_root_user(root);
	if (user && is_root_user(user))
		add(&a, HULL_SEVERITY_HIGH, "HULL-CFG-ROOT-USER",
		    *user ? "the image runs as root (USER is root)" : "the image runs as root (no USER in its config)",
		    NULL);
	int ret = scan_root_walk(root, audit_entry, &a, err);
	free(a.buf);
	return ret < 0 ? hull_error_wrap(err, ret, "audit files") : 0;
}
