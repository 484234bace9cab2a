/* hull/etc_files.h - a container's /etc/resolv.conf and /etc/hosts contents. */
#ifndef HULL_ETC_FILES_H
#define HULL_ETC_FILES_H

#include <jansson.h>
#include <stdbool.h>

#include "hull/error.h"

/* hull_engine_resolv_conf: docker's resolv.conf for a container: the host's
 * (nameservers on 127.0.0.0/8 replaced by public resolvers, as a loopback
 * resolver is unreachable from the container's namespace), or --dns and
 * --dns-search when given. Malloc'd text. */
char *hull_engine_resolv_conf(json_t *dns, json_t *dns_search, bool host_network);

/* hull_engine_hosts_base: the container's /etc/hosts without peers:
 * localhost lines, its own address and hostname, --add-host entries. */
char *hull_engine_hosts_base(const char *ip, const char *hostname, const char *domainname, json_t *extra_hosts,
			     struct hull_error **err);

#endif
