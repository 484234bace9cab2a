/* image_cli.h - helpers shared by the image room's commands. */
#ifndef HULL_CLI_IMAGE_H
#define HULL_CLI_IMAGE_H

#include <jansson.h>
#include <stdio.h>

#include "../cli.h"
#include "hull/image.h"

/* image_cli_open: open the store or print the error; NULL on failure. */
struct hull_image_store *image_cli_open(struct hull_cli *cli);

/* image_cli_size: docker's human size ("4.26MB") into buf. */
const char *image_cli_size(long long bytes, char *buf, size_t len);

/* image_cli_ago: "2 weeks ago" for a unix time. */
const char *image_cli_ago(long long t, char *buf, size_t len);

/* image_cli_print_lines: print a NULL-terminated list, then free it. */
void image_cli_print_lines(char **lines);

/* image_cli_inspect_json: docker image inspect's object for img (caller owns). */
json_t *image_cli_inspect_json(const struct hull_image *img);

/* image_cli_format: print obj through a docker-style --format template
 * ({{.Field.Sub}}, {{json .Field}}); 0 or a usage-error exit status. */
int image_cli_format(FILE *out, const char *tmpl, json_t *obj, const char *cmd);

/* The commands, for `hull image SUBCOMMAND` too. */
int cmd_pull(struct hull_cli *cli, int argc, char **argv);
int cmd_push(struct hull_cli *cli, int argc, char **argv);
int cmd_images(struct hull_cli *cli, int argc, char **argv);
int cmd_rmi(struct hull_cli *cli, int argc, char **argv);
int cmd_tag(struct hull_cli *cli, int argc, char **argv);
int cmd_import(struct hull_cli *cli, int argc, char **argv);
int cmd_image(struct hull_cli *cli, int argc, char **argv);
int cmd_login(struct hull_cli *cli, int argc, char **argv);
int cmd_logout(struct hull_cli *cli, int argc, char **argv);
int cmd_load(struct hull_cli *cli, int argc, char **argv);
int cmd_save(struct hull_cli *cli, int argc, char **argv);
int cmd_image_inspect(struct hull_cli *cli, int argc, char **argv);
int cmd_image_prune(struct hull_cli *cli, int argc, char **argv);
int cmd_image_build_default(struct hull_cli *cli, int argc, char **argv);
int cmd_image_history(struct hull_cli *cli, int argc, char **argv);

#endif
