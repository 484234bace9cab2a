/* commands_scan.c - the scan room's command table. */
#include "cli.h"
#include "scan/scan_cli.h"

const struct hull_command hull_cli_scan_commands[] = {
	{ "scan", "find vulnerabilities and risky configuration in an image or root filesystem", scan_cli_main },
	{ 0 },
};
