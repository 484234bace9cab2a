/* vm/vm.h - what the files of `hull vm` share. */
#ifndef HULL_CLI_VM_H
#define HULL_CLI_VM_H

#include "../cli.h"
#include "hull/vmm.h"

/* vm_parse_disk: add "FILE[,ro|,rw]" to cfg's disks; a usage error for cmd
 * when there are too many. */
int vm_parse_disk(const char *cmd, const char *arg, struct hull_vm_config *cfg);

/* cmd_vm_clone: `hull vm clone SNAPSHOT -n N [OPTIONS]` (clone.c) */
int cmd_vm_clone(struct hull_cli *cli, int argc, char **argv);

#endif
