/* commands.h - the engine's command entry points, for the command table
 * (commands_engine.c): argv[0] is the command name, the exit status returned. */
#ifndef HULL_CLI_ENGINE_COMMANDS_H
#define HULL_CLI_ENGINE_COMMANDS_H

#include "../cli.h"

int cmd_engine_run(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_build(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_create(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_start(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_ps(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_attach(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_logs(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_exec(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_compare(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_stop(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_restart(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_update(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_kill(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_rm(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_wait(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_inspect(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_top(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_port(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_stats(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_commit(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_export(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_cp(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_diff(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_pause(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_unpause(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_rename(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_container(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_container_prune(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_system_df(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_system_prune(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_volume(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_network(struct hull_cli *cli, int argc, char **argv);
int cmd_engine_unshare(struct hull_cli *cli, int argc, char **argv);

#endif
