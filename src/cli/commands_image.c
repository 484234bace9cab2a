/* commands_image.c - the image room's command table. */
#include "cli.h"
#include "image/image_cli.h"

const struct hull_command hull_cli_image_commands[] = {
	{ "image", "manage images (inspect, ls, rm, prune, build-default, ...)", cmd_image },
	{ "images", "list images", cmd_images },
	{ "import", "make an image from a root filesystem tar", cmd_import },
	{ "load", "load images from a docker/OCI archive or OCI layout", cmd_load },
	{ "login", "store credentials for a registry", cmd_login },
	{ "logout", "forget credentials for a registry", cmd_logout },
	{ "pull", "pull an image from a registry", cmd_pull },
	{ "push", "push an image to a registry", cmd_push },
	{ "rmi", "remove images", cmd_rmi },
	{ "save", "save images to a docker/OCI archive or OCI layout", cmd_save },
	{ "tag", "give an image another name", cmd_tag },
	{ 0 },
};
