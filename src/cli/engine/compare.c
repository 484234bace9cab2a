/* compare.c - `hull compare [--vm-kernel FILE] [--timeout S] [--format table|json] IMAGE [CMD...]`:
 * the same image run as a container and in a micro-VM (--vm), measured
 * side by side: time to the first output, host memory (PSS of the
 * monitor and everything under it: runtime, container processes, or VM
 * shim and VMM), disk, the kernel each one sees, and isolation facts. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../cli.h"
#include "commands.h"
#include "hull/cleanup.h"
#include "hull/container_store.h"
#include "hull/engine_vm.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/json.h"
#include "hull/vmm.h"

extern char **environ;

#define DEFAULT_TIMEOUT 300

struct side {
	bool vm;
	char name[64];
	double first_output_ms; /* < 0: none */
	long long pss_kb;	/* < 0: not measured */
	int processes;
	char *kernel;
	long long syscalls; /* host syscalls the workload can reach; < 0 unknown */
	json_t *disk;	    /* {"what": bytes} */
	char *error;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* hull itself with argv; its stdout on *out (a pipe) when out is not NULL,
 * its stderr into errfd (else nowhere). */
static pid_t spawn_hull_err(char **argv, int *out, int errfd)
{
	int p[2] = {-1, -1};
	if (out && pipe2(p, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (out)
		posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (errfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
	else
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int r = posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (out) {
		close(p[1]);
		*out = r == 0 ? p[0] : (close(p[0]), -1);
	}
	return r == 0 ? pid : -1;
}

static pid_t spawn_hull(char **argv, int *out)
{
	return spawn_hull_err(argv, out, -1);
}

/* The last line the run wrote to its stderr (kept in errfd), malloc'd. */
static char *last_line(int errfd)
{
	char buf[4096];
	ssize_t n = pread(errfd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	char *nl = strrchr(buf, '\n');
	return hull_xstrdup(nl ? nl + 1 : buf);
}

/* `hull exec NAME uname -r`: the kernel the workload sees. */
static char *kernel_seen(const char *name)
{
	char *argv[] = {"hull", "exec", (char *)name, "uname", "-r", NULL};
	int out = -1;
	pid_t pid = spawn_hull(argv, &out);
	if (pid < 0)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	hull_read_all(out, &buf, &len);
	close(out);
	int status = 0;
	waitpid(pid, &status, 0);
	if (!buf || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(buf);
		return NULL;
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf;
}

static pid_t parent_of(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	int ppid = 0;
	return p && sscanf(p + 1, " %*c %d", &ppid) == 1 ? ppid : 0;
}

static long long pss_kb(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[256];
	long long kb;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Pss: %lld kB", &kb) == 1)
			return kb;
	return -1;
}

/* PSS of root and every process under it (one pass per generation). */
static long long tree_pss(pid_t root, int *count)
{
	pid_t tree[512] = {root};
	size_t n = 1;
	bool grew = true;
	while (grew && n < HULL_ARRAY_SIZE(tree)) {
		grew = false;
		_cleanup_closedir_ DIR *d = opendir("/proc");
		for (struct dirent *de; d && (de = readdir(d)) && n < HULL_ARRAY_SIZE(tree);) {
			pid_t pid = (pid_t)atoi(de->d_name);
			if (pid <= 0)
				continue;
			bool known = false;
			for (size_t i = 0; i < n && !known; i++)
				known = tree[i] == pid;
			pid_t pp = known ? 0 : parent_of(pid);
			for (size_t i = 0; i < n && pp; i++)
				if (tree[i] == pp) {
					tree[n++] = pid;
					grew = true;
					break;
				}
		}
	}
	long long total = 0;
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		long long kb = pss_kb(tree[i]);
		if (kb >= 0) {
			total += kb;
			(*count)++;
		}
	}
	return *count ? total : -1;
}

static unsigned long long file_bytes(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 ? (unsigned long long)st.st_blocks * 512 : 0;
}

/* The allowed syscalls of the container's seccomp profile (its config.json). */
static long long profile_syscalls(const struct hull_container *c)
{
	_cleanup_free_ char *path = hull_path_join(c->dir, "config.json");
	_cleanup_json_ json_t *cfg = hull_json_load_file(path, "config.json", NULL);
	json_t *seccomp = json_object_get(json_object_get(cfg, "linux"), "seccomp");
	if (!json_is_object(seccomp))
		return -1; /* unconfined: every syscall */
	_cleanup_json_ json_t *names = json_object();
	size_t i, j;
	json_t *rule, *name;
	json_array_foreach(json_object_get(seccomp, "syscalls"), i, rule)
	{
		const char *action = json_string_value(json_object_get(rule, "action"));
		if (action && !strcmp(action, "SCMP_ACT_ALLOW"))
			json_array_foreach(json_object_get(rule, "names"), j, name) if (json_is_string(name))
			    json_object_set_new(names, json_string_value(name), json_true());
	}
	return (long long)json_object_size(names);
}

static void run_side(struct hull_cli *cli, struct side *s, const char *image, const char *kernel, char **cmd,
		     int timeout_s)
{
	snprintf(s->name, sizeof(s->name), "hull-compare-%d-%s", (int)getpid(), s->vm ? "vm" : "container");
	s->first_output_ms = -1;
	s->pss_kb = -1;
	s->syscalls = -1;
	/* both on --network none: the measure is the sandbox, not the bridge plumbing */
	char *argv[64] = {"hull", "run", "--network", "none", "--name", s->name};
	size_t n = 6;
	if (s->vm) {
		argv[n++] = "--vm";
		if (kernel) {
			argv[n++] = "--vm-kernel";
			argv[n++] = (char *)kernel;
		}
	}
	argv[n++] = (char *)image;
	static char *dflt[] = {"sh", "-c", "echo ready; exec sleep 600", NULL};
	for (char **a = cmd && *cmd ? cmd : dflt; *a && n < HULL_ARRAY_SIZE(argv) - 1; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	int out = -1;
	_cleanup_close_ int errfd = memfd_create("hull-compare-stderr", MFD_CLOEXEC);
	double t0 = now_ms();
	pid_t run = spawn_hull_err(argv, &out, errfd);
	if (run < 0) {
		s->error = hull_strdup_printf("could not start `hull run`: %s", strerror(errno));
		return;
	}
	struct pollfd p = {.fd = out, .events = POLLIN};
	int left = timeout_s * 1000;
	char byte;
	while (s->first_output_ms < 0 && left > 0) {
		double t = now_ms();
		int r = poll(&p, 1, left);
		left -= (int)(now_ms() - t);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (read(out, &byte, 1) == 1)
			s->first_output_ms = now_ms() - t0;
		else
			break; /* the run ended without output */
	}
	if (s->first_output_ms < 0) {
		_cleanup_free_ char *why = errfd >= 0 ? last_line(errfd) : NULL;
		s->error = why ? hull_strdup_printf("the run failed: %s", why)
			       : hull_strdup_printf("no output within %d s (--timeout)", timeout_s);
	}
	struct hull_error *err = NULL;
	_cleanup_container_ struct hull_container *c = hull_container_load(&cli->ctx, s->name, &err);
	hull_error_free(err);
	if (c && s->first_output_ms >= 0 && c->state.monitor_pid > 0) {
		s->pss_kb = tree_pss(c->state.monitor_pid, &s->processes);
		s->kernel = kernel_seen(s->name);
	}
	if (c && !s->vm)
		s->syscalls = profile_syscalls(c);
	if (s->vm)
		s->syscalls = (long long)hull_vm_jail_syscalls();
	char *rm[] = {"hull", "rm", "-f", s->name, NULL};
	pid_t rmp = spawn_hull(rm, NULL);
	if (rmp > 0)
		waitpid(rmp, NULL, 0);
	kill(run, SIGKILL);
	waitpid(run, NULL, 0);
	close(out);
}

static void disk_of(struct hull_cli *cli, struct side *s, const char *image, const char *kernel)
{
	struct hull_error *err = NULL;
	_cleanup_(hull_image_store_freep) struct hull_image_store *store = NULL;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	s->disk = json_object();
	if (hull_image_store_open(&cli->ctx, &store, &err) < 0 || hull_image_get(store, image, &img, &err) < 0) {
		hull_error_free(err);
		return;
	}
	unsigned long long layers = 0;
	for (size_t i = 0; i < img->n_layers; i++)
		layers += hull_du(img->layer_dirs[i]);
	json_object_set_new(s->disk, "layers", json_integer((json_int_t)layers));
	if (!s->vm)
		return;
	/* the VM's root is the container's overlay of the same layers, shared
	 * by virtio-fs: what it adds is the initramfs (shared by every VM) */
	_cleanup_free_ char *initrd = NULL;
	if (hull_engine_vm_prepare(&cli->ctx, store, image, kernel, &initrd, NULL, &err) < 0) {
		hull_error_free(err);
		return;
	}
	json_object_set_new(s->disk, "initramfs", json_integer((json_int_t)file_bytes(initrd)));
}

static json_t *side_json(const struct side *s)
{
	json_t *o = json_pack("{s:s,s:b}", "mode", s->vm ? "vm" : "container", "own_kernel", s->vm);
	json_object_set_new(o, "first_output_ms",
			    s->first_output_ms >= 0 ? json_real((double)(long long)(s->first_output_ms * 10) / 10)
						    : json_null());
	json_object_set_new(o, "host_pss_kib", s->pss_kb >= 0 ? json_integer(s->pss_kb) : json_null());
	json_object_set_new(o, "host_processes", json_integer(s->processes));
	json_object_set_new(o, "kernel", s->kernel ? json_string(s->kernel) : json_null());
	json_object_set_new(o, "host_syscalls_reachable", s->syscalls >= 0 ? json_integer(s->syscalls) : json_null());
	json_object_set_new(o, "syscall_filter",
			    json_string(s->vm ? "the VMM's seccomp jail" : "the container's seccomp profile"));
	json_object_set(o, "disk_bytes", s->disk);
	json_object_set_new(o, "error", s->error ? json_string(s->error) : json_null());
	return o;
}

static void mib(char *buf, size_t size, json_t *v)
{
	if (json_is_integer(v))
		snprintf(buf, size, "%.1f MiB", (double)json_integer_value(v) / 1048576.0);
	else
		snprintf(buf, size, "-");
}

static void print_table(const struct side s[2])
{
	char a[64], b[64], c[64];
	printf("%-28s %-30s %s\n", "", "container", "vm");
	for (int i = 0; i < 2; i++)
		if (s[i].first_output_ms >= 0)
			snprintf(i ? b : a, 64, "%.1f ms", s[i].first_output_ms);
		else
			snprintf(i ? b : a, 64, "-");
	printf("%-28s %-30s %s\n", "time to first output", a, b);
	for (int i = 0; i < 2; i++)
		if (s[i].pss_kb >= 0)
			snprintf(i ? b : a, 64, "%.1f MiB (%d processes)", (double)s[i].pss_kb / 1024.0,
				 s[i].processes);
		else
			snprintf(i ? b : a, 64, "-");
	printf("%-28s %-30s %s\n", "host memory (PSS)", a, b);
	mib(a, sizeof(a), json_object_get(s[0].disk, "layers"));
	mib(b, sizeof(b), json_object_get(s[1].disk, "layers"));
	mib(c, sizeof(c), json_object_get(s[1].disk, "initramfs"));
	printf("%-28s %-30s %s + initramfs %s\n", "disk", a, b, c);
	printf("%-28s %-30s %s\n", "kernel seen", s[0].kernel ? s[0].kernel : "-", s[1].kernel ? s[1].kernel : "-");
	printf("%-28s %-30s %s\n", "own kernel", "no (the host's)", "yes");
	for (int i = 0; i < 2; i++)
		if (s[i].syscalls >= 0)
			snprintf(i ? b : a, 64, "%lld (%s)", s[i].syscalls, i ? "VMM jail" : "seccomp profile");
		else
			snprintf(i ? b : a, 64, "all (unconfined)");
	printf("%-28s %-30s %s\n", "host syscalls reachable", a, b);
	for (int i = 0; i < 2; i++)
		if (s[i].error)
			printf("%s: %s\n", i ? "vm" : "container", s[i].error);
}

int cmd_engine_compare(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"vm-kernel", required_argument, NULL, 'k'},
					     {"timeout", required_argument, NULL, 't'},
					     {"format", required_argument, NULL, 'f'},
					     {"help", no_argument, NULL, 'h'},
					     {0}};
	const char *kernel = NULL, *format = "table";
	int timeout_s = DEFAULT_TIMEOUT, c;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kernel = optarg;
			break;
		case 'f':
			format = optarg;
			break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s < 1 || timeout_s > 3600)
				return cli_usage_error("compare", "--timeout: seconds, 1..3600");
			break;
		case 'h':
			printf("Usage: hull compare [--vm-kernel FILE] [--timeout SECONDS] [--format table|json] IMAGE "
			       "[COMMAND [ARG...]]\n\n"
			       "Run IMAGE as a container and in a micro-VM (--vm) and measure both: time to the first\n"
			       "output, host memory (PSS of the monitor and everything under it), disk, the kernel\n"
			       "seen, and how many host syscalls the workload can reach. COMMAND (default: prints\n"
			       "and sleeps) must print something and keep running until it is measured.\n");
			return 0;
		default:
			return cli_usage_error("compare", "unknown flag");
		}
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error("compare", "--format: table or json");
	if (optind >= argc)
		return cli_usage_error("compare", "requires an IMAGE");
	const char *image = argv[optind];
	char **cmd = argv + optind + 1;
	/* the runs are hull's own commands: they see the stores we see */
	if ((cli->ctx.runtime_root && setenv("HULL_ROOT", cli->ctx.runtime_root, 1) < 0) ||
	    (cli->ctx.data_root && setenv("HULL_DATA_ROOT", cli->ctx.data_root, 1) < 0)) {
		fprintf(stderr, "hull: compare: setenv: %s\n", strerror(errno));
		return 1;
	}
	struct side s[2] = {{.vm = false}, {.vm = true}};
	for (int i = 0; i < 2; i++) {
		run_side(cli, &s[i], image, kernel, cmd, timeout_s);
		disk_of(cli, &s[i], image, kernel);
	}
	if (!strcmp(format, "json")) {
		_cleanup_json_ json_t *o =
		    json_pack("{s:s,s:[o,o]}", "image", image, "runs", side_json(&s[0]), side_json(&s[1]));
		_cleanup_free_ char *text = json_dumps(o, JSON_INDENT(2));
		printf("%s\n", text);
	} else {
		print_table(s);
	}
	int rc = s[0].error || s[1].error ? 1 : 0;
	for (int i = 0; i < 2; i++) {
		free(s[i].kernel);
		free(s[i].error);
		json_decref(s[i].disk);
	}
	return rc;
}
