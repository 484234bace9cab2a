/* swap A B: exchange two names forever (renameat2 RENAME_EXCHANGE), the
 * fastest way for a container to race a host process that checks a name
 * and then uses it. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	for (;;)
		if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0) {
			perror("renameat2");
			return 1;
		}
}
