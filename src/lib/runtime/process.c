/* process.c - what the container's process is given before execve:
 * sysctl, hostname, rlimits, oom score, user and groups, the program path
 * and the environment.
 * Reference: OCI runtime-spec config.md#process, config-linux.md#sysctl. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hull/fs.h"
#include "runtime_internal.h"

int process_sysctl(const struct hull_oci_config *cfg, struct hull_error **err)
{
	for (size_t i = 0; cfg->sysctl_keys[i]; i++) {
		_cleanup_free_ char *path = hull_strdup_printf("/proc/sys/%s", cfg->sysctl_keys[i]);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		const char *v = cfg->sysctl_values[i];
		if (hull_write_file(path, v, strlen(v), err) < 0)
			return hull_error_wrap(err, -EINVAL, "config.json: linux.sysctl.%s", cfg->sysctl_keys[i]);
	}
	return 0;
}

int process_hostname(const struct hull_oci_config *cfg, struct hull_error **err)
{
	if (cfg->hostname && *cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
		return hull_error_set(err, errno, "config.json: hostname: set `%s`", cfg->hostname);
	if (cfg->domainname && *cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
		return hull_error_set(err, errno, "config.json: domainname: set `%s`", cfg->domainname);
	return 0;
}

int process_rlimits(const struct hull_oci_process *p, struct hull_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { p->rlimits[i].soft, p->rlimits[i].hard };
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return hull_error_set(err, errno, "config.json: process.rlimits[%zu]: set soft %llu hard %llu", i,
					      (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	}
	return 0;
}

int process_oom_score_adj(const struct hull_oci_process *p, struct hull_error **err)
{
	if (!p->has_oom_score_adj)
		return 0;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	if (hull_write_file("/proc/self/oom_score_adj", buf, (size_t)n, err) < 0)
		return hull_error_wrap(err, -EINVAL, "config.json: process.oomScoreAdj");
	return 0;
}

int process_user(const struct hull_oci_process *p, bool in_userns, struct hull_error **err)
{
	/* In a user namespace with setgroups denied (rootless) the group list
	 * cannot change; there an empty list is expected and skipped. */
	if (setgroups(p->n_additional_gids, p->additional_gids) < 0 && !(in_userns && errno == EPERM &&
									  !p->n_additional_gids))
		return hull_error_set(err, errno, "config.json: process.user.additionalGids: setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return hull_error_set(err, errno, "config.json: process.user.gid: setgid %u", p->gid);
	/* Keep the permitted set across the uid change, so the capability step
	 * that follows can still grant what process.capabilities lists. */
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return hull_error_set(err, errno, "config.json: process.user.uid: setuid %u", p->uid);
	umask(p->umask);
	return 0;
}

static bool executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static const char *env_get(char **env, const char *key)
{
	size_t n = strlen(key);
	for (char **e = env; *e; e++)
		if (!strncmp(*e, key, n) && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

char *process_find_program(const struct hull_oci_process *p, struct hull_error **err)
{
	const char *prog = p->args[0];
	if (strchr(prog, '/')) {
		if (!executable(prog)) {
			hull_error_set(err, access(prog, F_OK) < 0 ? errno : EACCES, "exec `%s`", prog);
			return NULL;
		}
		return hull_xstrdup(prog);
	}
	const char *path = env_get(p->env, "PATH");
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	_cleanup_free_ char *copy = hull_xstrdup(path);
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *cand = hull_strdup_printf("%s/%s", *dir ? dir : ".", prog);
		if (executable(cand))
			return cand;
		free(cand);
	}
	hull_error_msg(err, ENOENT, "exec `%s`: executable file not found in $PATH", prog);
	return NULL;
}

/* HOME from the container's passwd entry of uid, else "/"; read by hand:
 * NSS modules must not be loaded from the container. */
static char *home_of(uid_t uid)
{
	_cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
	char line[1024];
	while (f && fgets(line, sizeof(line), f)) {
		char *fields[7] = { 0 }, *p = line;
		size_t n = 0;
		line[strcspn(line, "\n")] = '\0';
		for (char *t = strsep(&p, ":"); t && n < 7; t = strsep(&p, ":"))
			fields[n++] = t;
		if (n >= 6 && (uid_t)strtoul(fields[2], NULL, 10) == uid && *fields[5])
			return hull_strdup_printf("HOME=%s", fields[5]);
	}
	return hull_xstrdup("HOME=/");
}

char **process_env(const struct hull_oci_process *p)
{
	size_t n = 0;
	bool has_home = false;
	for (; p->env[n]; n++)
		has_home |= !strncmp(p->env[n], "HOME=", 5);
	char **env = hull_xcalloc(n + 2, sizeof(char *));
	memcpy(env, p->env, n * sizeof(char *));
	if (!has_home)
		env[n] = home_of(p->uid);
	return env;
}
