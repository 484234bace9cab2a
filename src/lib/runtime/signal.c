/* signal.c - signal names as runc's `kill` takes them. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hull/cleanup.h"
#include "hull/runtime.h"

static const struct signal_name {
	const char *name;
	int sig;
} signal_names[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM },   { "BUS", SIGBUS },   { "CHLD", SIGCHLD }, { "CLD", SIGCHLD },
	{ "CONT", SIGCONT }, { "FPE", SIGFPE },     { "HUP", SIGHUP },   { "ILL", SIGILL },   { "INT", SIGINT },
	{ "IO", SIGIO },     { "IOT", SIGIOT },     { "KILL", SIGKILL }, { "PIPE", SIGPIPE }, { "POLL", SIGPOLL },
	{ "PROF", SIGPROF }, { "PWR", SIGPWR },     { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "STKFLT", SIGSTKFLT },
	{ "STOP", SIGSTOP }, { "SYS", SIGSYS },     { "TERM", SIGTERM }, { "TRAP", SIGTRAP }, { "TSTP", SIGTSTP },
	{ "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },   { "URG", SIGURG },   { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },
};

static int parse_number(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* RTMIN, RTMIN+n, RTMAX-n (signal(7)). */
static int parse_realtime(const char *s, int *sig)
{
	long off = 0;
	if (!strncasecmp(s, "RTMIN", 5)) {
		if (s[5] && (s[5] != '+' || parse_number(s + 6, &off) < 0))
			return -EINVAL;
		*sig = SIGRTMIN + (int)off;
	} else if (!strncasecmp(s, "RTMAX", 5)) {
		if (s[5] && (s[5] != '-' || parse_number(s + 6, &off) < 0))
			return -EINVAL;
		*sig = SIGRTMAX - (int)off;
	} else {
		return -EINVAL;
	}
	return *sig >= SIGRTMIN && *sig <= SIGRTMAX ? 0 : -EINVAL;
}

int hull_signal_parse(const char *s, int *sig, struct hull_error **err)
{
	long n;
	if (parse_number(s, &n) == 0) {
		if (n < 0 || n >= NSIG)
			return hull_error_msg(err, EINVAL, "invalid signal `%s`: out of range 0-%d", s, NSIG - 1);
		*sig = (int)n;
		return 0;
	}
	const char *name = strncasecmp(s, "SIG", 3) ? s : s + 3;
	for (size_t i = 0; i < HULL_ARRAY_SIZE(signal_names); i++) {
		if (!strcasecmp(signal_names[i].name, name)) {
			*sig = signal_names[i].sig;
			return 0;
		}
	}
	if (parse_realtime(name, sig) == 0)
		return 0;
	return hull_error_msg(err, EINVAL, "invalid signal `%s` (use a name like TERM or SIGKILL, or a number)", s);
}
