/* commands_image.c - the image room's command table. */
#include "cli.h"

const struct hull_command hull_cli_image_commands[] = {
	{ 0 },
};
