/* exec.c - `hull exec [OPTIONS] ID COMMAND [ARGS...]` or
 * `hull exec --process FILE ID`: run a new process in a container with
 * runc's flags. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "hull/engine_vm.h"
#include "hull/exec.h"
#include "hull/fs.h"
#include "hull/json.h"
#include "hull/runtime.h"
#include "runtime_cli.h"

int cli_runtime_exec(struct hull_cli *cli, int argc, char **argv);

static const char help[] =
	"Run a new process inside a running container.\n\n"
	"Options:\n"
	"  -p, --process FILE        the process as a runtime-spec process JSON (\"-\" = stdin)\n"
	"  -d, --detach              do not wait for the process\n"
	"      --pid-file FILE       write the process' pid to FILE\n"
	"  -t, --tty                 give the process a terminal\n"
	"      --console-socket PATH send the terminal's master to this unix socket\n"
	"      --cwd DIR             working directory in the container\n"
	"  -e, --env KEY=VALUE       add an environment variable (repeatable)\n"
	"  -u, --user UID[:GID]      run as this user\n"
	"  -g, --additional-gids GID add a supplementary group (repeatable)\n"
	"  -c, --cap CAP             add a capability (repeatable)\n"
	"      --no-new-privs        set no_new_privs\n"
	"      --preserve-fds N      pass fds 3 .. 3+N-1 through\n"
	"      --apparmor PROFILE    the AppArmor profile of the process\n"
	"      --process-label LABEL the SELinux label of the process\n"
	"      --cgroup [CTRL:]PATH  join this sub-cgroup of the container's cgroup (repeatable)\n"
	"      --ignore-paused       exec even into a paused container\n"
	"  -h, --help                this help\n";

static void push(char ***v, size_t *n, const char *s)
{
	*v = hull_xrealloc(*v, (*n + 2) * sizeof(char *));
	(*v)[(*n)++] = hull_xstrdup(s);
	(*v)[*n] = NULL;
}

static struct hull_oci_process *process_from_file(const char *file, struct hull_error **err)
{
	_cleanup_json_ json_t *doc = NULL;
	if (!strcmp(file, "-")) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		int r = hull_read_all(0, &text, &len);
		if (r < 0) {
			hull_error_set(err, -r, "--process: read stdin");
			return NULL;
		}
		doc = hull_json_load_str(text, len, "--process", err);
	} else {
		doc = hull_json_load_file(file, file, err);
	}
	return doc ? hull_oci_process_parse(doc, strcmp(file, "-") ? file : "--process", NULL, err) : NULL;
}

static struct hull_oci_process *process_from_flags(struct hull_cli *cli, const char *id,
						   const struct hull_exec_overrides *o, struct hull_error **err)
{
	struct hull_container_state *st = hull_runtime_state(&cli->ctx, id, err);
	if (!st)
		return NULL;
	_cleanup_(hull_oci_config_freep) struct hull_oci_config *cfg = hull_oci_config_load(st->oci->bundle, err);
	hull_container_state_free(st);
	return cfg ? hull_exec_process(cfg, o, err) : NULL;
}

static json_t *load_process(const char *file, struct hull_error **err)
{
	if (strcmp(file, "-"))
		return hull_json_load_file(file, file, err);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = hull_read_all(0, &text, &len);
	if (r < 0) {
		hull_error_set(err, -r, "--process: read stdin");
		return NULL;
	}
	return hull_json_load_str(text, len, "--process", err);
}

/* The process of an exec into a VM: config.json's, with the flags'
 * args, terminal, cwd, env and user. */
static json_t *vm_process_from_flags(struct hull_cli *cli, const char *id, const struct hull_exec_overrides *o,
				     struct hull_error **err)
{
	_cleanup_(hull_container_state_freep) struct hull_container_state *st = hull_runtime_state(&cli->ctx, id, err);
	if (!st)
		return NULL;
	_cleanup_free_ char *path = hull_path_join(st->oci->bundle, "config.json");
	_cleanup_json_ json_t *cfg = hull_json_load_file(path, "config.json", err);
	json_t *proc = cfg ? json_object_get(cfg, "process") : NULL;
	if (!proc) {
		hull_error_msg(err, EINVAL, "config.json of the container has no process");
		return NULL;
	}
	proc = json_deep_copy(proc);
	json_t *args = json_array();
	for (char **a = o->args; *a; a++)
		json_array_append_new(args, json_string(*a));
	json_object_set_new(proc, "args", args);
	json_object_set_new(proc, "terminal", json_boolean(o->tty));
	if (o->cwd)
		json_object_set_new(proc, "cwd", json_string(o->cwd));
	json_t *env = json_object_get(proc, "env");
	if (!json_is_array(env))
		json_object_set_new(proc, "env", env = json_array());
	for (char **e = o->env; e && *e; e++)
		json_array_append_new(env, json_string(*e));
	if (o->user) {
		unsigned uid = 0, gid = 0;
		int k = sscanf(o->user, "%u:%u", &uid, &gid);
		if (k < 1) {
			json_decref(proc);
			hull_error_msg(err, EINVAL, "--user `%s`: a VM's exec takes UID[:GID]", o->user);
			return NULL;
		}
		json_object_set_new(proc, "user", json_pack("{s:i,s:i}", "uid", (int)uid, "gid", (int)gid));
	}
	return proc;
}

/* exec into a container of run.hull.isolation=vm: through its agent. */
static int exec_vm(struct hull_cli *cli, const char *id, const char *process_file,
		   const struct hull_exec_overrides *o, const struct hull_exec_opts *eo)
{
	struct hull_error *err = NULL;
	_cleanup_json_ json_t *proc = process_file ? load_process(process_file, &err)
						    : vm_process_from_flags(cli, id, o, &err);
	int status = 0;
	if (!proc || hull_engine_vm_bundle_exec(&cli->ctx, id, proc, eo->detach, eo->pid_file, eo->console_socket,
						&status, &err) < 0) {
		cli_fail(cli, err);
		return 255;
	}
	return status;
}

int cli_runtime_exec(struct hull_cli *cli, int argc, char **argv)
{
	enum { O_PID_FILE = 256, O_CONSOLE, O_CWD, O_NNP, O_PRESERVE, O_APPARMOR, O_LABEL, O_CGROUP, O_IGNORE };
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, O_PID_FILE },
		{ "tty", no_argument, NULL, 't' },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "cwd", required_argument, NULL, O_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, O_NNP },
		{ "preserve-fds", required_argument, NULL, O_PRESERVE },
		{ "apparmor", required_argument, NULL, O_APPARMOR },
		{ "process-label", required_argument, NULL, O_LABEL },
		{ "cgroup", required_argument, NULL, O_CGROUP },
		{ "ignore-paused", no_argument, NULL, O_IGNORE },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct hull_exec_opts eo = { 0 };
	struct hull_exec_overrides o = { 0 };
	_cleanup_strv_ char **env = NULL, **gids = NULL, **caps = NULL, **cgroups = NULL;
	size_t n_env = 0, n_gids = 0, n_caps = 0, n_cgroups = 0;
	const char *process_file = NULL;
	int c;
	while ((c = getopt_long(argc, argv, "+p:dte:u:g:c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': process_file = optarg; break;
		case 'd': eo.detach = true; break;
		case O_PID_FILE: eo.pid_file = optarg; break;
		case 't': o.tty = true; break;
		case O_CONSOLE: eo.console_socket = optarg; break;
		case O_CWD: o.cwd = optarg; break;
		case 'e': push(&env, &n_env, optarg); break;
		case 'u': o.user = optarg; break;
		case 'g': push(&gids, &n_gids, optarg); break;
		case 'c': push(&caps, &n_caps, optarg); break;
		case O_NNP: o.no_new_privs = true; break;
		case O_PRESERVE: eo.preserve_fds = atoi(optarg); break;
		case O_CGROUP: push(&cgroups, &n_cgroups, optarg); break;
		case O_APPARMOR: o.apparmor_profile = optarg; break;
		case O_LABEL: o.selinux_label = optarg; break;
		case O_IGNORE: eo.ignore_paused = true; break;
		case 'h': return rt_usage(stdout, "exec", "[OPTIONS] ID COMMAND [ARGS...]", help);
		default: return cli_usage_error("exec", "unknown option");
		}
	}
	if (argc - optind < 1)
		return cli_usage_error("exec", "`exec` requires a container id");
	if (!process_file && argc - optind < 2)
		return cli_usage_error("exec", "give a command to run, or --process FILE");
	const char *id = argv[optind];
	o.args = argv + optind + 1;
	o.env = env;
	o.additional_gids = gids;
	o.caps = caps;
	eo.sub_cgroups = cgroups;
	struct hull_error *err = NULL;
	if (hull_engine_vm_bundle_is(&cli->ctx, id))
		return exec_vm(cli, id, process_file, &o, &eo);
	struct hull_oci_process *proc = process_file ? process_from_file(process_file, &err)
						     : process_from_flags(cli, id, &o, &err);
	/* runc exits 255 when exec itself fails (the process' own status
	 * otherwise): callers tell the two apart by it */
	if (!proc) {
		cli_fail(cli, err);
		return 255;
	}
	if (proc->terminal && eo.detach && !eo.console_socket) {
		hull_oci_process_free(proc);
		return cli_usage_error("exec", "--detach with a terminal needs --console-socket");
	}
	eo.process = proc;
	int status = 0;
	int r = hull_runtime_exec(&cli->ctx, id, &eo, &status, &err);
	hull_oci_process_free(proc);
	if (r < 0) {
		cli_fail(cli, err);
		return 255;
	}
	return status;
}
