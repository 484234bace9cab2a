/* tty.c - raw mode on the user's terminal, and back. */
#include <stdbool.h>
#include <termios.h>
#include <unistd.h>

#include "tty.h"

static struct termios saved_tty;
static bool tty_raw;

void engine_tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	tty_raw = false;
}

void engine_tty_raw(void)
{
	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	struct termios raw = saved_tty;
	cfmakeraw(&raw);
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
		tty_raw = true;
}
