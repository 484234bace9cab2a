/* tty.h - the user's terminal while a container's pty is attached. */
#ifndef HULL_CLI_ENGINE_TTY_H
#define HULL_CLI_ENGINE_TTY_H

/* engine_tty_raw: put stdin, when it is a terminal, in raw mode (keys
 * reach the container's pty unprocessed); nothing when it is not. */
void engine_tty_raw(void);

/* engine_tty_restore: the terminal's mode from before engine_tty_raw;
 * nothing when it was not changed, so safe to call twice. */
void engine_tty_restore(void);

#endif
