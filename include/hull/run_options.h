/* hull/run_options.h - docker run/create's flags: the options, their parsers, the record they make. */
#ifndef HULL_RUN_OPTIONS_H
#define HULL_RUN_OPTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "hull/error.h"

/* docker run's flags, as parsed by the CLI; strv members are NULL-ended
 * and may be NULL. Everything is borrowed. */
struct hull_run_options {
	const char *image;      /* reference as typed */
	const char *name;       /* --name, NULL: random */
	char **cmd;             /* after IMAGE; NULL: the image's Cmd */
	const char *entrypoint; /* --entrypoint; "" clears the image's */
	char **env;             /* -e K=V, or K (value from our environment) */
	char **env_files;       /* --env-file */
	const char *workdir;    /* -w */
	const char *user;       /* -u user[:group] */
	char **volumes;         /* -v SRC:DST[:OPTS] or -v DST */
	char **mounts;          /* --mount type=...,source=...,target=... */
	char **tmpfs;           /* --tmpfs DST[:OPTS] */
	char **publish;         /* -p [IP:][HOST:]CONTAINER[/PROTO] */
	bool publish_all;       /* -P */
	char **expose;          /* --expose PORT[/PROTO] */
	const char *network;    /* --network none|host|bridge|NAME; NULL: bridge */
	char **network_alias;   /* --network-alias */
	const char *ip;         /* --ip: the address on a user network, NULL: the next free one */
	const char *hostname;   /* -h */
	const char *domainname; /* --domainname */
	char **dns;             /* --dns */
	char **dns_search;      /* --dns-search */
	char **add_host;        /* --add-host NAME:IP */
	long long memory;       /* -m bytes, 0: none */
	long long memory_swap;  /* --memory-swap bytes, 0: none, -1 unlimited */
	long long nano_cpus;    /* --cpus * 1e9 */
	long long cpu_shares;   /* -c */
	long long pids_limit;   /* --pids-limit, 0: none */
	bool read_only;         /* --read-only */
	char **cap_add, **cap_drop;
	char **security_opt;    /* seccomp=FILE|unconfined, no-new-privileges[:true] */
	bool privileged;
	bool interactive, tty, detach, auto_remove, init;
	char **labels;          /* -l K=V */
	const char *log_driver; /* json-file (default) | none */
	char **log_opts;        /* max-size=, max-file= */
	const char *stop_signal;
	int stop_timeout;       /* -1: default (10 s) */
	const char *health_cmd; /* --health-cmd (CMD-SHELL), NULL: the image's */
	long long health_interval, health_timeout, health_start_period; /* ns, 0: the image's or default */
	int health_retries;     /* 0: the image's or 3 */
	bool no_healthcheck;    /* --no-healthcheck: Test NONE */
	char **ulimits;         /* NAME=SOFT[:HARD] */
	char **sysctls;         /* K=V */
	char **devices;         /* --device HOST[:CONTAINER[:PERMS]] */
	char **group_add;
	const char *ipc, *pid, *uts; /* host or NULL */
	const char *userns;     /* "host" or NULL */
	long long shm_size;     /* --shm-size bytes, 0: 64m */
	const char *pull;       /* missing (default) | always | never */
	const char *platform;
	const char *restart;    /* no | always | on-failure[:N] | unless-stopped (the monitor restarts) */
	const char *cidfile;
	int scan_policy;        /* --scan-policy: an enum hull_scan_severity; -1: off (no scan) */
	const char *scan_db;    /* --scan-db DIR; NULL: hull scan's default database */
	bool vm;                /* --vm: in a KVM micro-VM (docs/vm-agent.md) */
	const char *vm_kernel;  /* --vm-kernel FILE; NULL: hull_engine_vm_default_kernel() */
	const char *vm_rootfs;  /* --vm-rootfs host|disk; NULL: host */
};

/* hull_run_options_init: zero with stop_timeout -1 and scan_policy -1. */
void hull_run_options_init(struct hull_run_options *o);

/* A port mapping parsed from -p (docker's PortBinding). */
struct hull_port_mapping {
	char host_ip[64];   /* "" for all */
	unsigned host_port; /* 0: pick one */
	unsigned container_port;
	char proto[8];      /* "tcp" | "udp" | "sctp" */
};

/* hull_parse_publish: "-p" syntax -> mappings (ranges expand). *out is
 * malloc'd, *n entries. Errors quote the spec and say what is wrong. */
int hull_parse_publish(const char *spec, struct hull_port_mapping **out, size_t *n, struct hull_error **err);

/* A mount parsed from -v / --mount / --tmpfs: docker's MountPoint. */
struct hull_mount_spec {
	char *type;        /* "volume" | "bind" | "tmpfs" */
	char *source;      /* volume name (NULL: anonymous), host path, or NULL */
	char *destination; /* absolute path in the container */
	bool readonly;
	bool nocopy;       /* volume-nocopy: do not fill from the image */
	char *options;     /* tmpfs options ("size=64m,mode=1777") or bind propagation */
};

void hull_mount_spec_clear(struct hull_mount_spec *m);

/* hull_parse_volume_flag: -v SRC:DST[:ro|rw|z|Z|nocopy|rprivate...] or DST. */
int hull_parse_volume_flag(const char *spec, struct hull_mount_spec *out, struct hull_error **err);

/* hull_parse_mount_flag: --mount type=bind|volume|tmpfs,source=,target=,
 * readonly,volume-nocopy,tmpfs-size=,tmpfs-mode=,bind-propagation=. */
int hull_parse_mount_flag(const char *spec, struct hull_mount_spec *out, struct hull_error **err);

/* hull_parse_tmpfs_flag: --tmpfs DST[:OPTS]. */
int hull_parse_tmpfs_flag(const char *spec, struct hull_mount_spec *out, struct hull_error **err);

/* hull_engine_build_record: docker's Config and HostConfig objects for a new
 * container from the flags and the image's config (a json object in
 * image-spec config.md's "config" shape: Entrypoint, Cmd, Env, WorkingDir,
 * User, ExposedPorts, Volumes, Labels, StopSignal). Sets "Config",
 * "HostConfig", "Path", "Args", "Created" in record. Validates every flag:
 * a bad one fails here, before anything is created. */
int hull_engine_build_record(json_t *record, const struct hull_run_options *o, json_t *image_config,
			     struct hull_error **err);

#endif
