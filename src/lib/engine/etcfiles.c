/* etcfiles.c - a container's /etc/resolv.conf and /etc/hosts. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/etc_files.h"
#include "hull/fs.h"
#include "hull/json.h"

struct text {
	char *buf;
	size_t len, cap;
};

static void append(struct text *t, const char *s)
{
	size_t l = strlen(s);
	if (t->len + l + 1 > t->cap) {
		t->cap = (t->len + l + 1) * 2;
		t->buf = hull_xrealloc(t->buf, t->cap);
	}
	memcpy(t->buf + t->len, s, l + 1);
	t->len += l;
}

char *hull_engine_resolv_conf(json_t *dns, json_t *dns_search, bool host_network)
{
	struct text t = { 0 };
	append(&t, "");
	_cleanup_free_ char *host = NULL;
	hull_read_file("/etc/resolv.conf", &host, NULL, NULL);
	bool any_ns = false;
	size_t i;
	json_t *v;
	json_array_foreach(dns, i, v)
	{
		_cleanup_free_ char *line = hull_strdup_printf("nameserver %s\n", json_string_value(v));
		append(&t, line);
		any_ns = true;
	}
	if (json_array_size(dns_search)) {
		append(&t, "search");
		json_array_foreach(dns_search, i, v)
		{
			append(&t, " ");
			append(&t, json_string_value(v));
		}
		append(&t, "\n");
	}
	for (char *save = NULL, *line = host ? strtok_r(host, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		bool is_ns = !strncmp(line, "nameserver", 10);
		if (is_ns && any_ns && json_array_size(dns))
			continue;
		if (!strncmp(line, "search", 6) && json_array_size(dns_search))
			continue;
		/* a resolver on the host's loopback is not reachable from the
		 * container's own loopback: docker drops it the same way */
		if (is_ns && !host_network) {
			char addr[64] = "";
			sscanf(line + 10, " %63s", addr);
			if (!strncmp(addr, "127.", 4) || !strcmp(addr, "::1"))
				continue;
			any_ns = true;
		} else if (is_ns) {
			any_ns = true;
		}
		append(&t, line);
		append(&t, "\n");
	}
	if (!any_ns)
		append(&t, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
	return t.buf;
}

char *hull_engine_hosts_base(const char *ip, const char *hostname, const char *domainname, json_t *extra_hosts,
			     struct hull_error **err)
{
	struct text t = { 0 };
	append(&t, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\n"
		   "ff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
	size_t i;
	json_t *v;
	json_array_foreach(extra_hosts, i, v)
	{
		/* --add-host NAME:IP (docker also takes NAME=IP) */
		_cleanup_free_ char *spec = hull_xstrdup(json_string_value(v));
		char *sep = strchr(spec, '=');
		if (!sep)
			sep = strchr(spec, ':');
		unsigned char buf[16];
		if (!sep || sep == spec || (inet_pton(AF_INET, sep + 1, buf) != 1 && inet_pton(AF_INET6, sep + 1, buf) != 1 &&
					   strcmp(sep + 1, "host-gateway"))) {
			free(t.buf);
			hull_error_msg(err, EINVAL, "--add-host `%s`: expected NAME:IP", json_string_value(v));
			return NULL;
		}
		*sep = '\0';
		_cleanup_free_ char *line = hull_strdup_printf("%s\t%s\n", sep + 1, spec);
		append(&t, line);
	}
	if (ip && *ip && hostname && *hostname) {
		_cleanup_free_ char *line = domainname && *domainname
						    ? hull_strdup_printf("%s\t%s.%s %s\n", ip, hostname, domainname, hostname)
						    : hull_strdup_printf("%s\t%s\n", ip, hostname);
		append(&t, line);
	}
	return t.buf;
}
