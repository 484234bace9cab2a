/* commands_image.c - the image room's command table. */
#include "cli.h"
#include "image/image_cli.h"

const struct hull_command hull_cli_image_commands[] = {
	{ "image", "manage images (inspect, ls, rm, prune, build-default, ...)", HULL_HEAVY(cmd_image) },
	{ "images", "list images", HULL_HEAVY(cmd_images) },
	{ "import", "make an image from a root filesystem tar", HULL_HEAVY(cmd_import) },
	{ "load", "load images from a docker/OCI archive or OCI layout", HULL_HEAVY(cmd_load) },
	{ "login", "store credentials for a registry", HULL_HEAVY(cmd_login) },
	{ "logout", "forget credentials for a registry", HULL_HEAVY(cmd_logout) },
	{ "pull", "pull an image from a registry", HULL_HEAVY(cmd_pull) },
	{ "push", "push an image to a registry", HULL_HEAVY(cmd_push) },
	{ "rmi", "remove images", HULL_HEAVY(cmd_rmi) },
	{ "save", "save images to a docker/OCI archive or OCI layout", HULL_HEAVY(cmd_save) },
	{ "tag", "give an image another name", HULL_HEAVY(cmd_tag) },
	{ 0 },
};
