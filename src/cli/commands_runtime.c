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

const struct hull_command hull_cli_runtime_commands[] = {
	{ "spec", "write a starting config.json for a bundle", cli_runtime_spec },
	{ "create", "create a container from a bundle; its process waits for start", cli_runtime_create },
	{ "start", "start a created container", cli_runtime_start },
	{ "run", "create and start a container (foreground unless --detach)", cli_runtime_run },
	{ "state", "print a container's state as JSON", cli_runtime_state },
	{ "kill", "send a signal to a container", cli_runtime_kill },
	{ "delete", "delete a stopped container", cli_runtime_delete },
	{ "list", "list containers", cli_runtime_list },
	{ 0 },
};
