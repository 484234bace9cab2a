/* reference.c - image references as docker normalises them
 * (distribution/reference: normalize.go and regexp.go grammar). */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/fs.h"
#include "hull/oci_image.h"

void hull_reference_free(struct hull_reference *r)
{
	if (!r)
		return;
	free(r->registry);
	free(r->repository);
	free(r->tag);
	free(r->digest);
	free(r);
}

/* A domain is the first component when it looks like a host: has a dot or
 * a port, or is "localhost" (normalize.go splitDockerDomain). */
static bool looks_like_domain(const char *s, size_t n)
{
	if (n == 9 && !strncmp(s, "localhost", 9))
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || isupper((unsigned char)s[i]))
			return true;
	return false;
}

/* path-component: [a-z0-9]+ separated by [._]|__|[-]* (regexp.go). */
static int check_repository(const char *orig, const char *repo, struct hull_error **err)
{
	const char *p = repo;
	if (!*p)
		return hull_error_msg(err, EINVAL, "reference `%s`: empty repository name", orig);
	while (*p) {
		const char *start = p;
		while (*p && *p != '/') {
			if (isupper((unsigned char)*p))
				return hull_error_msg(err, EINVAL, "reference `%s`: repository names must be lowercase",
						      orig);
			if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' || *p == '_' ||
			      *p == '-'))
				return hull_error_msg(err, EINVAL, "reference `%s`: invalid character `%c` in repository name",
						      orig, *p);
			p++;
		}
		size_t n = (size_t)(p - start);
		if (n == 0 || !isalnum((unsigned char)start[0]) || !isalnum((unsigned char)start[n - 1]))
			return hull_error_msg(err, EINVAL,
					      "reference `%s`: each name component must start and end with a letter or digit",
					      orig);
		if (*p == '/')
			p++;
		if (!*p && p[-1] == '/')
			return hull_error_msg(err, EINVAL, "reference `%s`: name ends with `/`", orig);
	}
	if (strlen(repo) > 255)
		return hull_error_msg(err, EINVAL, "reference `%s`: repository name longer than 255 characters", orig);
	return 0;
}

static int check_tag(const char *orig, const char *tag, struct hull_error **err)
{
	size_t n = strlen(tag);
	if (n == 0 || n > 128)
		return hull_error_msg(err, EINVAL, "reference `%s`: a tag has 1 to 128 characters", orig);
	if (!(isalnum((unsigned char)tag[0]) || tag[0] == '_'))
		return hull_error_msg(err, EINVAL, "reference `%s`: a tag starts with a letter, digit or `_`", orig);
	for (const char *p = tag; *p; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-'))
			return hull_error_msg(err, EINVAL, "reference `%s`: invalid character `%c` in tag", orig, *p);
	return 0;
}

/* host [":" port]: dot-separated components of letters, digits and inner
 * hyphens, or an IPv6 address in brackets (distribution/reference
 * regexp.go domainAndPort). The registry goes into URLs and store paths. */
static bool valid_registry(const char *p)
{
	if (*p == '[') {
		size_t n = strspn(p + 1, "0123456789abcdefABCDEF:");
		if (n == 0 || p[1 + n] != ']')
			return false;
		p += n + 2;
	} else {
		for (;;) {
			const char *start = p;
			while (isalnum((unsigned char)*p) || *p == '-')
				p++;
			if (p == start || *start == '-' || p[-1] == '-')
				return false;
			if (*p != '.')
				break;
			p++;
		}
	}
	if (*p == ':') {
		size_t n = strspn(++p, "0123456789");
		if (n == 0)
			return false;
		p += n;
	}
	return !*p;
}

static void split_domain(struct hull_reference *r, const char *name)
{
	const char *slash = strchr(name, '/');
	if (slash && looks_like_domain(name, (size_t)(slash - name))) {
		r->registry = strndup(name, (size_t)(slash - name));
		r->repository = hull_xstrdup(slash + 1);
	} else {
		r->registry = hull_xstrdup("docker.io");
		r->repository = hull_xstrdup(name);
	}
	if (!r->registry)
		abort();
	if (!strcmp(r->registry, "index.docker.io") || !strcmp(r->registry, "registry-1.docker.io")) {
		free(r->registry);
		r->registry = hull_xstrdup("docker.io");
	}
	if (!strcmp(r->registry, "docker.io") && !strchr(r->repository, '/')) {
		char *full = hull_strdup_printf("library/%s", r->repository);
		free(r->repository);
		r->repository = full;
	}
}

int hull_reference_parse(const char *s, struct hull_reference **out, struct hull_error **err)
{
	*out = NULL;
	if (!s || !*s)
		return hull_error_msg(err, EINVAL, "empty image reference");
	_cleanup_(hull_reference_freep) struct hull_reference *r = hull_xcalloc(1, sizeof(*r));
	_cleanup_free_ char *name = hull_xstrdup(s);
	char *at = strchr(name, '@');
	if (at) {
		*at = '\0';
		if (hull_digest_validate(at + 1, err) < 0)
			return hull_error_wrap(err, -EINVAL, "reference `%s`", s);
		r->digest = hull_xstrdup(at + 1);
	}
	char *last_slash = strrchr(name, '/');
	char *colon = strrchr(last_slash ? last_slash : name, ':');
	if (colon) {
		*colon = '\0';
		int ret = check_tag(s, colon + 1, err);
		if (ret < 0)
			return ret;
		r->tag = hull_xstrdup(colon + 1);
	}
	split_domain(r, name);
	int ret = check_repository(s, r->repository, err);
	if (ret < 0)
		return ret;
	if (!*r->registry)
		return hull_error_msg(err, EINVAL, "reference `%s`: empty registry name", s);
	if (!valid_registry(r->registry))
		return hull_error_msg(err, EINVAL, "reference `%s`: invalid registry `%s`: expected host[:port]", s,
				      r->registry);
	if (!r->tag && !r->digest)
		r->tag = hull_xstrdup("latest");
	*out = steal_ptr(r);
	return 0;
}

char *hull_reference_name(const struct hull_reference *r)
{
	return hull_strdup_printf("%s/%s", r->registry, r->repository);
}

char *hull_reference_string(const struct hull_reference *r)
{
	return hull_strdup_printf("%s/%s%s%s%s%s", r->registry, r->repository, r->tag ? ":" : "", r->tag ? r->tag : "",
				  r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *hull_reference_familiar(const char *full)
{
	if (!strncmp(full, "docker.io/library/", 18) && !strchr(full + 18, '/'))
		return hull_xstrdup(full + 18);
	if (!strncmp(full, "docker.io/", 10))
		return hull_xstrdup(full + 10);
	return hull_xstrdup(full);
}

const char *hull_reference_api_host(const struct hull_reference *r)
{
	if (!strcmp(r->registry, "docker.io"))
		return "registry-1.docker.io";
	return r->registry;
}
