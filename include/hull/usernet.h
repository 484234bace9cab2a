/* hull/usernet.h - user-mode networks (slirp4netns, pasta) for containers without a bridge. */
#ifndef HULL_USERNET_H
#define HULL_USERNET_H

#include <jansson.h>
#include <stdbool.h>

#include "hull/error.h"

/* User-mode networks, as podman's: --network slirp4netns[:OPTIONS] (Debian's
 * slirp4netns: tap0 10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3; options
 * allow_host_loopback=, cidr=, enable_ipv6=, mtu=, outbound_addr[6]=,
 * port_handler=slirp4netns) and --network pasta[:ARG,...] (Debian's passt:
 * the host's addresses copied in, ARGs passed to pasta). A helper process
 * per container carries its traffic over the host's sockets and publishes
 * its ports; it needs no root, and dies with the container. */

/* hull_engine_is_usernet: network is slirp4netns[:...] or pasta[:...]. */
bool hull_engine_is_usernet(const char *network);

/* hull_engine_usernet_check: for a user-mode network, check its options
 * and that its helper is installed (ENOENT names the Debian package); 0
 * for every other network mode. Run at create: nothing is made when it
 * fails. */
int hull_engine_usernet_check(const char *network, struct hull_error **err);

/* hull_engine_default_rootless_network: the user-mode network a rootless
 * container gets when none is asked for: "pasta" when the pasta binary is
 * installed and runs, else "slirp4netns" when installed, else "none".
 * Static string; forks `pasta --version` once per call. */
const char *hull_engine_default_rootless_network(void);

/* hull_engine_usernet_kill: kill the helper a container's NetworkSettings
 * (HullUserNet: Pid, PidStart) records, if it still runs: what `rm` does
 * after its monitor died without stopping it. */
void hull_engine_usernet_kill(json_t *network_settings);

#endif
