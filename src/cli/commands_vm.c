/* commands_vm.c - the vm room's command table. */
#include <stddef.h>

#include "cli.h"

int cmd_vm(struct hull_cli *cli, int argc, char **argv);
int cmd_vm_agent(struct hull_cli *cli, int argc, char **argv);

const struct hull_command hull_cli_vm_commands[] = {
    {"vm", "run micro-VMs on KVM (hull vm run --kernel FILE ...)", cmd_vm},
    /* no summary: left out of `hull --help` (docs/vm-agent.md) */
    {"vm-agent", NULL, cmd_vm_agent},
    {0},
};
