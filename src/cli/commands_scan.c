/* commands_scan.c - the scan room's command table. */
#include "cli.h"

const struct hull_command hull_cli_scan_commands[] = {
	{ 0 },
};
