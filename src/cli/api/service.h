/* service.h - the API server's one entry point outside api/. */
#ifndef HULL_CLI_API_SERVICE_H
#define HULL_CLI_API_SERVICE_H

#include "../cli.h"

/* cmd_system_service: `hull system service [-H|--host ADDR]`: serve the
 * Docker Engine API until SIGINT or SIGTERM; the exit status. */
int cmd_system_service(struct hull_cli *cli, int argc, char **argv);

#endif
