/* flags.c - docker's mini-languages: -p, -v, --mount, --tmpfs. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"
#include "hull/oci.h"
#include "hull/run_options.h"

void hull_run_options_init(struct hull_run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->stop_timeout = -1;
	o->scan_policy = -1;
}

void hull_mount_spec_clear(struct hull_mount_spec *m)
{
	free(m->type);
	free(m->source);
	free(m->destination);
	free(m->options);
	memset(m, 0, sizeof(*m));
}

/* "80" or "8000-8010" -> [lo, hi]; 0 < port < 65536. */
static int parse_port_range(const char *s, size_t len, unsigned *lo, unsigned *hi)
{
	char buf[32];
	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	char *end;
	unsigned long a = strtoul(buf, &end, 10), b = a;
	if (end == buf)
		return -EINVAL;
	if (*end == '-') {
		char *start = end + 1;
		b = strtoul(start, &end, 10);
		if (end == start)
			return -EINVAL;
	}
	if (*end || a == 0 || a > 65535 || b < a || b > 65535)
		return -EINVAL;
	*lo = (unsigned)a;
	*hi = (unsigned)b;
	return 0;
}

int hull_parse_publish(const char *spec, struct hull_port_mapping **out, size_t *n, struct hull_error **err)
{
	*out = NULL;
	*n = 0;
	_cleanup_free_ char *s = hull_xstrdup(spec);
	char proto[8] = "tcp";
	char *slash = strrchr(s, '/');
	if (slash) {
		*slash = '\0';
		if (strcmp(slash + 1, "tcp") && strcmp(slash + 1, "udp") && strcmp(slash + 1, "sctp"))
			return hull_error_msg(err, EINVAL, "invalid publish `%s`: unknown protocol `%s` (tcp, udp, sctp)",
					      spec, slash + 1);
		snprintf(proto, sizeof(proto), "%s", slash + 1);
	}
	/* [ip:][host:]container; an IPv6 ip is bracketed: [::1]:8080:80 */
	char ip[64] = "";
	char *rest = s;
	if (s[0] == '[') {
		char *close = strchr(s, ']');
		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof(ip))
			return hull_error_msg(err, EINVAL, "invalid publish `%s`: bad [IPv6] address", spec);
		memcpy(ip, s + 1, (size_t)(close - s - 1));
		rest = close + 2;
	}
	/* at most [ip:]host:ctr: an unbracketed IPv6 address (::1:8080:80)
	 * would otherwise lose its tail and publish something else */
	size_t colons = 0;
	for (const char *c = rest; *c; c++)
		colons += *c == ':';
	if (colons > (ip[0] ? 1u : 2u))
		return hull_error_msg(err, EINVAL,
				      "invalid publish `%s`: too many colons; an IPv6 host address goes in "
				      "brackets, as in [::1]:8080:80",
				      spec);
	char *parts[3];
	int np = 0;
	for (char *p = rest; np < 3;) {
		parts[np++] = p;
		char *colon = strchr(p, ':');
		if (!colon)
			break;
		*colon = '\0';
		p = colon + 1;
	}
	const char *host = "", *ctr;
	if (np == 3 || (np == 2 && ip[0])) {
		if (np == 3 && ip[0])
			return hull_error_msg(err, EINVAL, "invalid publish `%s`: too many colons", spec);
		if (np == 3)
			snprintf(ip, sizeof(ip), "%s", parts[0]);
		host = parts[np - 2];
		ctr = parts[np - 1];
	} else if (np == 2) {
		host = parts[0];
		ctr = parts[1];
	} else {
		ctr = parts[0];
	}
	unsigned char addr[16];
	if (ip[0] && inet_pton(AF_INET, ip, addr) != 1 && inet_pton(AF_INET6, ip, addr) != 1)
		return hull_error_msg(err, EINVAL, "invalid publish `%s`: `%s` is not an IP address", spec, ip);
	unsigned clo, chi, hlo = 0, hhi = 0;
	if (parse_port_range(ctr, strlen(ctr), &clo, &chi) < 0)
		return hull_error_msg(err, EINVAL, "invalid publish `%s`: container port `%s` must be 1-65535 or a "
						   "range like 8000-8010",
				      spec, ctr);
	if (*host && parse_port_range(host, strlen(host), &hlo, &hhi) < 0)
		return hull_error_msg(err, EINVAL, "invalid publish `%s`: host port `%s` must be 1-65535 or a range",
				      spec, host);
	if (*host && hhi - hlo != chi - clo && !(hlo != hhi && clo == chi))
		return hull_error_msg(err, EINVAL, "invalid publish `%s`: host and container port ranges differ in size",
				      spec);
	size_t count = chi - clo + 1;
	struct hull_port_mapping *m = hull_xcalloc(count, sizeof(*m));
	for (size_t i = 0; i < count; i++) {
		snprintf(m[i].host_ip, sizeof(m[i].host_ip), "%s", ip);
		snprintf(m[i].proto, sizeof(m[i].proto), "%s", proto);
		m[i].container_port = clo + (unsigned)i;
		/* a host range for one container port means "any free one of
		 * them"; we take the first (docker tries each in turn). */
		m[i].host_port = *host ? (hhi - hlo == chi - clo ? hlo + (unsigned)i : hlo) : 0;
	}
	*out = m;
	*n = count;
	return 0;
}

/* Absolute, and no ".." component (it could climb out of the rootfs). */
static bool is_abs_clean(const char *p)
{
	if (!p || p[0] != '/')
		return false;
	for (const char *c = p; *c;) {
		while (*c == '/')
			c++;
		size_t len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return false;
		c += len;
	}
	return true;
}

/* A destination is absolute, without `..`, not `/` and not in /proc (runc's
 * rule, which docker meets at start; here it fails at create). *clean gets
 * the cleaned path (`/dev/`, `//dev` and `/dev/.` are `/dev`), which is what
 * the record keeps, so that every later comparison sees one spelling. */
static int check_destination(const char *spec, const char *dst, char **clean, struct hull_error **err)
{
	if (!dst || !*dst)
		return hull_error_msg(err, EINVAL, "invalid mount `%s`: no destination path in the container", spec);
	if (!is_abs_clean(dst))
		return hull_error_msg(err, EINVAL, "invalid mount `%s`: destination `%s` must be an absolute path "
						   "without `..`",
				      spec, dst);
	_cleanup_free_ char *c = hull_path_clean(dst);
	if (!strcmp(c, "/"))
		return hull_error_msg(err, EINVAL, "invalid mount `%s`: cannot mount over the root `/`", spec);
	const char *refusal = hull_oci_proc_mount_refusal(c, false);
	if (refusal)
		return hull_error_msg(err, EINVAL, "invalid mount config `%s`: `%s` %s", spec, dst, refusal);
	*clean = steal_ptr(c);
	return 0;
}

/* -v options: ro, rw, z, Z, nocopy, and bind propagation words. */
static int apply_volume_opts(const char *spec, char *opts, struct hull_mount_spec *m, struct hull_error **err)
{
	static const char *const propagation[] = { "private", "rprivate", "shared", "rshared", "slave", "rslave" };
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "ro"))
			m->readonly = true;
		else if (!strcmp(o, "rw"))
			m->readonly = false;
		else if (!strcmp(o, "z") || !strcmp(o, "Z") || !strcmp(o, "delegated") || !strcmp(o, "cached") ||
			 !strcmp(o, "consistent"))
			continue; /* SELinux relabel / macOS hints: nothing to do here */
		else if (!strcmp(o, "nocopy"))
			m->nocopy = true;
		else {
			bool known = false;
			for (size_t i = 0; i < HULL_ARRAY_SIZE(propagation); i++)
				known |= !strcmp(o, propagation[i]);
			if (!known)
				return hull_error_msg(err, EINVAL, "invalid mount `%s`: unknown option `%s` (ro, rw, "
								   "nocopy, z, Z, [r]private, [r]shared, [r]slave)",
						      spec, o);
			free(m->options);
			m->options = hull_xstrdup(o);
		}
	}
	return 0;
}

int hull_parse_volume_flag(const char *spec, struct hull_mount_spec *out, struct hull_error **err)
{
	memset(out, 0, sizeof(*out));
	_cleanup_free_ char *s = hull_xstrdup(spec);
	char *first = s, *second = NULL, *third = NULL;
	char *c = strchr(first, ':');
	if (c) {
		*c = '\0';
		second = c + 1;
		c = strchr(second, ':');
		if (c) {
			*c = '\0';
			third = c + 1;
		}
	}
	int r;
	_cleanup_free_ char *dst = NULL;
	if (!second) { /* -v /path: an anonymous volume */
		if ((r = check_destination(spec, first, &dst, err)) < 0)
			return r;
		out->type = hull_xstrdup("volume");
		out->destination = steal_ptr(dst);
		return 0;
	}
	if (!*first)
		return hull_error_msg(err, EINVAL, "invalid mount `%s`: empty source", spec);
	if ((r = check_destination(spec, second, &dst, err)) < 0)
		return r;
	if (first[0] == '/') {
		out->type = hull_xstrdup("bind");
		out->source = hull_xstrdup(first);
	} else if (first[0] == '.' || strchr(first, '/')) {
		return hull_error_msg(err, EINVAL, "invalid mount `%s`: a bind source must be an absolute path, "
						   "and a volume name cannot hold `/`",
				      spec);
	} else {
		if (!hull_engine_valid_name(first))
			return hull_error_msg(err, EINVAL, "invalid mount `%s`: `%s` is not a valid volume name", spec,
					      first);
		out->type = hull_xstrdup("volume");
		out->source = hull_xstrdup(first);
	}
	out->destination = steal_ptr(dst);
	if (third && (r = apply_volume_opts(spec, third, out, err)) < 0) {
		hull_mount_spec_clear(out);
		return r;
	}
	return 0;
}

static int mount_kv(const char *spec, char *key, char *val, struct hull_mount_spec *m, struct hull_error **err)
{
	bool truthy = !val || !strcmp(val, "true") || !strcmp(val, "1");
	if (!strcmp(key, "type")) {
		if (!val || (strcmp(val, "bind") && strcmp(val, "volume") && strcmp(val, "tmpfs")))
			return hull_error_msg(err, EINVAL, "invalid --mount `%s`: type must be bind, volume or tmpfs",
					      spec);
		free(m->type);
		m->type = hull_xstrdup(val);
	} else if (!strcmp(key, "source") || !strcmp(key, "src")) {
		free(m->source);
		m->source = val ? hull_xstrdup(val) : NULL;
	} else if (!strcmp(key, "target") || !strcmp(key, "destination") || !strcmp(key, "dst")) {
		free(m->destination);
		m->destination = val ? hull_xstrdup(val) : NULL;
	} else if (!strcmp(key, "readonly") || !strcmp(key, "ro")) {
		m->readonly = truthy;
	} else if (!strcmp(key, "volume-nocopy")) {
		m->nocopy = truthy;
	} else if (!strcmp(key, "tmpfs-size") || !strcmp(key, "tmpfs-mode") || !strcmp(key, "bind-propagation")) {
		if (!val)
			return hull_error_msg(err, EINVAL, "invalid --mount `%s`: `%s` needs a value", spec, key);
		const char *k = !strcmp(key, "tmpfs-size") ? "size" : !strcmp(key, "tmpfs-mode") ? "mode" : NULL;
		_cleanup_free_ char *old = m->options;
		m->options = k ? hull_strdup_printf("%s%s%s=%s", old ? old : "", old ? "," : "", k, val)
			       : hull_xstrdup(val);
	} else if (!strcmp(key, "consistency") || !strcmp(key, "volume-driver") || !strcmp(key, "volume-label")) {
		return 0;
	} else {
		return hull_error_msg(err, EINVAL, "invalid --mount `%s`: unknown key `%s`", spec, key);
	}
	return 0;
}

int hull_parse_mount_flag(const char *spec, struct hull_mount_spec *out, struct hull_error **err)
{
	memset(out, 0, sizeof(*out));
	_cleanup_free_ char *s = hull_xstrdup(spec);
	int r = 0;
	for (char *save = NULL, *kv = strtok_r(s, ",", &save); kv && r == 0; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		if (eq)
			*eq = '\0';
		r = mount_kv(spec, kv, eq ? eq + 1 : NULL, out, err);
	}
	if (r == 0 && !out->type)
		out->type = hull_xstrdup("volume");
	_cleanup_free_ char *dst = NULL;
	if (r == 0)
		r = check_destination(spec, out->destination, &dst, err);
	if (r == 0) {
		free(out->destination);
		out->destination = steal_ptr(dst);
	}
	if (r == 0 && !strcmp(out->type, "bind") && (!out->source || out->source[0] != '/'))
		r = hull_error_msg(err, EINVAL, "invalid --mount `%s`: a bind needs an absolute source=PATH", spec);
	if (r == 0 && !strcmp(out->type, "volume") && out->source && !hull_engine_valid_name(out->source))
		r = hull_error_msg(err, EINVAL, "invalid --mount `%s`: `%s` is not a valid volume name", spec,
				   out->source);
	if (r == 0 && !strcmp(out->type, "tmpfs") && out->source)
		r = hull_error_msg(err, EINVAL, "invalid --mount `%s`: a tmpfs takes no source", spec);
	if (r < 0)
		hull_mount_spec_clear(out);
	return r;
}

int hull_parse_tmpfs_flag(const char *spec, struct hull_mount_spec *out, struct hull_error **err)
{
	memset(out, 0, sizeof(*out));
	const char *colon = strchr(spec, ':');
	_cleanup_free_ char *raw = colon ? strndup(spec, (size_t)(colon - spec)) : hull_xstrdup(spec);
	_cleanup_free_ char *dst = NULL;
	int r = check_destination(spec, raw, &dst, err);
	if (r < 0)
		return r;
	out->type = hull_xstrdup("tmpfs");
	out->destination = steal_ptr(dst);
	if (colon && colon[1])
		out->options = hull_xstrdup(colon + 1);
	return 0;
}
