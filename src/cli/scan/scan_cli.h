/* scan_cli.h - what the scan command's files share. */
#ifndef HULL_SCAN_CLI_H
#define HULL_SCAN_CLI_H

#include "../cli.h"
#include "hull/scan.h"

/* scan_cli_error: print err, exit status 2. */
int scan_cli_error(struct hull_cli *cli, struct hull_error *err);
/* scan_cli_usage: "hull scan: <msg>" + hint, exit status 2. */
int scan_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int scan_cli_main(struct hull_cli *cli, int argc, char **argv);
int scan_cli_db(struct hull_cli *cli, int argc, char **argv);
/* scan_cli_open_image: a root for an image reference from the store. */
int scan_cli_open_image(struct hull_ctx *ctx, const char *ref, struct hull_scan_root **root,
			struct hull_error **err);

#endif
