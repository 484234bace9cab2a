/* cgroup_internal.h - helpers shared by the cgroup files of the runtime room
 * (not a public header). */
#ifndef HULL_CGROUP_INTERNAL_H
#define HULL_CGROUP_INTERNAL_H

#include <stdbool.h>

#include "hull/cgroup.h"

extern const struct hull_cgroup_ops hull_cgroup_v1_ops;
extern const struct hull_cgroup_ops hull_cgroup_v2_ops;

#define CG_WHERE "config.json"

/* cg_add: append one write (value printf-formatted). */
void cg_add(struct hull_cgroup_writes *ws, const char *controller, const char *file, bool optional, const char *fmt,
	    ...) __attribute__((format(printf, 5, 6)));

/* cg_int: read an optional integer member; *present says whether it was
 * there. field is the dotted path for errors. */
int cg_int(json_t *obj, const char *key, const char *field, long long *out, bool *present, struct hull_error **err);

/* cg_section: an optional object member of linux.resources. */
int cg_section(json_t *resources, const char *key, json_t **out, struct hull_error **err);

/* One linux.resources.devices entry (config-linux.md#allowed-device-list). */
struct cg_device_rule {
	bool allow;
	char type;          /* 'a', 'c' or 'b' */
	long long major;    /* -1 = any */
	long long minor;    /* -1 = any */
	char access[4];     /* subset of "rwm", in that order */
};

/* cg_device_rule_parse: check and read devices[i]. */
int cg_device_rule_parse(json_t *rule, size_t i, struct cg_device_rule *out, struct hull_error **err);

/* cg_device_rules_v1: devices.allow / devices.deny writes for the rules. */
int cg_device_rules_v1(json_t *devices, struct hull_cgroup_writes *ws, struct hull_error **err);

/* cg_hugetlb_size: "2MB" -> normalised "2MB" (as the kernel names files),
 * NULL (with error) on a bad size. */
char *cg_hugetlb_size(const char *page_size, const char *field, struct hull_error **err);

/* cg_block_devices: each entry {major, minor, value_key} of blockIO.key as
 * a write of "MAJ:MIN VALUE" (or "MAJ:MIN io_key=VALUE" for v2's io.max); alt_file as fallback file. */
int cg_block_devices(json_t *bio, const char *key, const char *value_key, struct hull_cgroup_writes *ws,
		     const char *controller, const char *file, const char *alt_file, const char *io_key,
		     struct hull_error **err);

/* cg_map_hugetlb: hugepageLimits -> hugetlb.<size>.<suffix>. */
int cg_map_hugetlb(json_t *res, const char *suffix, struct hull_cgroup_writes *ws, struct hull_error **err);

/* cg_map_rdma: rdma -> rdma.max (same syntax on v1 and v2). */
int cg_map_rdma(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err);

/* cg_map_cpuset: cpu.cpus / cpu.mems -> cpuset.cpus / cpuset.mems (the same
 * files on v1 and v2); empty strings are left alone. */
int cg_map_cpuset(json_t *cpu, struct hull_cgroup_writes *ws, struct hull_error **err);

/* cg_map_pids: pids.limit -> pids.max (same on v1 and v2). */
int cg_map_pids(json_t *res, struct hull_cgroup_writes *ws, struct hull_error **err);

/* cg_v2_make: create a cgroup2 directory and its missing ancestors,
 * enabling in each parent's cgroup.subtree_control every controller that
 * parent offers (so that limits can be written below). */
int cg_v2_make(const char *dir, struct hull_error **err);

/* cg_v2_missing_reason: why the cgroup2 directory dir lacks controller's
 * files (not enabled above, or its parent holds processes), NULL when it
 * has the controller. Caller frees. */
char *cg_v2_missing_reason(const char *dir, const char *controller);

/* cg_dir_for: the directory of the hierarchy holding controller, NULL if
 * the container's cgroup has none. */
const char *cg_dir_for(struct hull_cgroup *cg, const char *controller);

/* cg_apply_writes: make the writes, each in the dir of its controller. */
int cg_apply_writes(struct hull_cgroup *cg, const struct hull_cgroup_writes *ws, struct hull_error **err);

/* cg_exists_in: does dir/file exist? */
bool cg_exists_in(const char *dir, const char *file);

/* cg_stats_*: stats helpers shared by v1 and v2. */
long long cg_read_ll(const char *dir, const char *file);
json_t *cg_read_keyed(const char *dir, const char *file);

#endif
