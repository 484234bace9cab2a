/* login.c - `hull login [-u USER] [-p PASS | --password-stdin] [SERVER]`
 * and `hull logout [SERVER]`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "registry_flags.h"

static char *read_line(FILE *in, bool echo)
{
	struct termios old, quiet;
	bool tty = !echo && isatty(fileno(in)) && tcgetattr(fileno(in), &old) == 0;
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(in), TCSAFLUSH, &quiet);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, in);
	if (tty) {
		tcsetattr(fileno(in), TCSAFLUSH, &old);
		fprintf(stderr, "\n");
	}
	if (n < 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	return line;
}

static const char usage[] =
	"Usage: hull login [-u USER] [-p PASS | --password-stdin] [SERVER]\n\n"
	"Check the credentials against SERVER (default docker.io) and store them\n"
	"in DATA_ROOT/auth.json (mode 0600; --authfile FILE elsewhere).\n" REGISTRY_FLAGS_HELP;

int cmd_login(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "username", required_argument, 0, 'u' },
					      { "password", required_argument, 0, 'p' },
					      { "password-stdin", no_argument, 0, 'P' },
					      { "help", no_argument, 0, 'h' },
					      REGISTRY_LONG_OPTIONS,
					      { 0 } };
	_cleanup_(registry_flags_clear) struct registry_flags f = { 0 };
	_cleanup_free_ char *user = NULL, *password = NULL;
	bool from_stdin = false;
	int c;
	while ((c = getopt_long(argc, argv, "u:p:h", opts, NULL)) != -1) {
		if (c == 'u')
			user = hull_xstrdup(optarg);
		else if (c == 'p')
			password = hull_xstrdup(optarg);
		else if (c == 'P')
			from_stdin = true;
		else {
			int st = registry_option(&f, c, optarg, argv[0], usage);
			if (st != REGISTRY_OPTION_TAKEN)
				return st;
		}
	}
	const char *server = optind < argc ? argv[optind] : "docker.io";
	if (!user) {
		fprintf(stderr, "Username: ");
		user = read_line(stdin, true);
	}
	if (from_stdin)
		password = read_line(stdin, true);
	else if (!password) {
		fprintf(stderr, "Password: ");
		password = read_line(stdin, false);
	}
	if (!user || !*user || !password)
		return cli_usage_error(argv[0], "a user name and a password are required");
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_error *err = NULL;
	if (hull_registry_login(s, server, user, password, &f.o, &err) < 0)
		return cli_fail(cli, err);
	printf("Login Succeeded\n");
	return 0;
}

int cmd_logout(struct hull_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = { { "authfile", required_argument, 0, REGISTRY_OPT_AUTHFILE },
					      { "help", no_argument, 0, 'h' }, { 0 } };
	_cleanup_(registry_flags_clear) struct registry_flags f = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: hull logout [SERVER]\n");
			return 0;
		}
		if (c != REGISTRY_OPT_AUTHFILE)
			return cli_usage_error(argv[0], "unknown option");
		f.o.auth_file = optarg;
	}
	const char *server = optind < argc ? argv[optind] : "docker.io";
	_cleanup_(hull_image_store_freep) struct hull_image_store *s = image_cli_open(cli);
	if (!s)
		return 1;
	struct hull_error *err = NULL;
	if (hull_registry_logout(s, server, &f.o, &err) < 0)
		return cli_fail(cli, err);
	printf("Removing login credentials for %s\n", server);
	return 0;
}
