/* commands_runtime.c - the runtime room's command table (runc's command line). */
#include "cli.h"

int cli_runtime_create(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_delete(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_kill(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_list(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_run(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_spec(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_start(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_state(struct hull_cli *cli, int argc, char **argv);

/* cgroups, security, exec */
int cli_runtime_events(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_exec(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_features(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_pause(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_ps(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_resume(struct hull_cli *cli, int argc, char **argv);
int cli_runtime_update(struct hull_cli *cli, int argc, char **argv);

const struct hull_command hull_cli_runtime_commands[] = {
	{ "spec", "write a starting config.json for a bundle", cli_runtime_spec },
	{ "create", "create a container from a bundle; its process waits for start", cli_runtime_create },
	{ "start", "start a created container", cli_runtime_start },
	{ "run", "create and start a container (foreground unless --detach)", cli_runtime_run },
	{ "state", "print a container's state as JSON", cli_runtime_state },
	{ "kill", "send a signal to a container", cli_runtime_kill },
	{ "delete", "delete a stopped container", cli_runtime_delete },
	{ "list", "list containers", cli_runtime_list },
	/* cgroups, security, exec */
	{ "exec", "run a new process in a running container", cli_runtime_exec },
	{ "ps", "list the processes of a container", cli_runtime_ps },
	{ "pause", "suspend every process of a container", cli_runtime_pause },
	{ "resume", "resume a paused container", cli_runtime_resume },
	{ "update", "change a container's resource limits", cli_runtime_update },
	{ "events", "print a container's resource usage and OOM events", cli_runtime_events },
	{ "features", "print what this runtime supports (JSON)", cli_runtime_features },
	{ 0 },
};
