/* spec_internal.h - the parts of spec.c that live in spec_linux.c. */
#ifndef HULL_ENGINE_SPEC_INTERNAL_H
#define HULL_ENGINE_SPEC_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "hull/container_record.h"
#include "hull/engine_spec.h"

/* --security-opt no-new-privileges[:true] */
bool hull_spec_no_new_privileges(const struct hull_record_host_config *host_config);

/* --ulimit NAME=SOFT[:HARD] -> process.rlimits (new ref; NULL on error). */
json_t *hull_spec_rlimits(char **ulimits, struct hull_error **err);

/* hull_spec_gid_map_top: the highest gid this process' user namespace
 * maps (our maps run 0..N-1 without holes); 0 when only root is mapped. */
unsigned long long hull_spec_gid_map_top(void);

/* linux.resources: memory, cpu, pids, and the device cgroup rules. */
json_t *hull_spec_resources(const struct hull_record_host_config *host_config, bool privileged);

/* linux.devices for --device (and every host device when privileged);
 * adds the matching allow rules to resources.devices. */
json_t *hull_spec_devices(const struct hull_record_host_config *host_config, bool privileged, json_t *resources,
			  struct hull_error **err);

/* linux.sysctl: docker's defaults for a private network plus --sysctl,
 * refusing sysctls that are not namespaced. */
json_t *hull_spec_sysctls(const struct hull_record_host_config *host_config, const struct hull_spec_inputs *in,
			  struct hull_error **err);

/* linux.seccomp: the default profile, a --security-opt seccomp=FILE
 * (runtime-spec form, or docker's profile form with archMap/includes), or
 * NULL (no error set) for unconfined / privileged. */
json_t *hull_spec_seccomp(const struct hull_record_host_config *host_config, json_t *caps, bool privileged,
			  struct hull_error **err);

#endif
