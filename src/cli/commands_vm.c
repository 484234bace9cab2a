/* commands_vm.c - the vm room's command table. */
#include "cli.h"

const struct hull_command hull_cli_vm_commands[] = {
	{ 0 },
};
