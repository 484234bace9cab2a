/* prune_output.c - the confirmation and report of the prune commands. */
#include <stdio.h>

#include "../human.h"
#include "prune_output.h"

bool engine_confirm(const char *msg)
{
	fprintf(stderr, "%s [y/N] ", msg);
	fflush(stderr);
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

void engine_print_deleted(const char *title, char **names)
{
	if (!names || !names[0])
		return;
	printf("%s:\n", title);
	for (char **n = names; *n; n++)
		printf("%s\n", *n);
	printf("\n");
}

void engine_print_reclaimed(unsigned long long bytes)
{
	char human[32];
	cli_human_size(bytes, human, sizeof(human));
	printf("Total reclaimed space: %s\n", human);
}
