/* Signal names as `kill` takes them. */
#include <criterion/criterion.h>
#include <signal.h>

#include "hull/runtime.h"

static int parse(const char *s)
{
	int sig = -1;
	struct hull_error *err = NULL;
	if (hull_signal_parse(s, &sig, &err) < 0) {
		hull_error_free(err);
		return -1;
	}
	return sig;
}

Test(signal, names_with_and_without_prefix_and_numbers)
{
	cr_assert_eq(parse("TERM"), SIGTERM);
	cr_assert_eq(parse("SIGTERM"), SIGTERM);
	cr_assert_eq(parse("sigkill"), SIGKILL);
	cr_assert_eq(parse("kill"), SIGKILL);
	cr_assert_eq(parse("9"), SIGKILL);
	cr_assert_eq(parse("HUP"), SIGHUP);
	cr_assert_eq(parse("SIGUSR1"), SIGUSR1);
	cr_assert_eq(parse("WINCH"), SIGWINCH);
	cr_assert_eq(parse("RTMIN"), SIGRTMIN);
	cr_assert_eq(parse("SIGRTMIN+3"), SIGRTMIN + 3);
	cr_assert_eq(parse("RTMAX-1"), SIGRTMAX - 1);
}

Test(signal, bad_input_is_refused_with_a_message)
{
	/* 0 is accepted: `kill ID 0` probes the container, as with runc */
	cr_assert_eq(parse("0"), 0);
	cr_assert_eq(parse("65"), -1);
	cr_assert_eq(parse("-9"), -1);
	cr_assert_eq(parse("FOO"), -1);
	cr_assert_eq(parse("SIG"), -1);
	cr_assert_eq(parse("RTMIN+99"), -1);
	cr_assert_eq(parse(""), -1);
	int sig;
	struct hull_error *err = NULL;
	cr_assert_lt(hull_signal_parse("FOO", &sig, &err), 0);
	cr_assert_str_eq(err->msg, "invalid signal `FOO` (use a name like TERM or SIGKILL, or a number)");
	hull_error_free(err);
}
