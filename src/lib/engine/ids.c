/* ids.c - container ids, random names and name rules. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hull/cleanup.h"
#include "hull/engine_ids.h"
#include "hull/fs.h"

static int fill_random(void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int hull_engine_new_id(char out[HULL_ID_LEN + 1], struct hull_error **err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[HULL_ID_LEN / 2];
	for (;;) {
		int r = fill_random(raw, sizeof(raw));
		if (r < 0)
			return hull_error_set(err, -r, "generate a container id: getrandom");
		for (size_t i = 0; i < sizeof(raw); i++) {
			out[2 * i] = hex[raw[i] >> 4];
			out[2 * i + 1] = hex[raw[i] & 15];
		}
		out[HULL_ID_LEN] = '\0';
		/* docker re-rolls ids whose 12-char short form is all digits:
		 * `hull stop 123456789012` must never read as a number. */
		if (strspn(out, "0123456789") < HULL_SHORT_ID_LEN)
			return 0;
	}
}

/* Our own lists, in the spirit of docker's (adjective_scientist). */
static const char *const adjectives[] = {
	"agile",   "amber",   "ardent",  "bold",    "brave",   "bright",  "calm",    "careful", "cheerful",
	"clever",  "cosmic",  "crisp",   "curious", "daring",  "deft",    "eager",   "earnest", "elated",
	"epic",    "fervent", "fond",    "frosty",  "gentle",  "glad",    "golden",  "happy",   "hardy",
	"humble",  "jolly",   "keen",    "kind",    "lively",  "lucid",   "merry",   "mellow",  "modest",
	"nimble",  "noble",   "patient", "plucky",  "polite",  "proud",   "quiet",   "quick",   "radiant",
	"rapid",   "serene",  "sharp",   "sleepy",  "snowy",   "solid",   "stoic",   "sunny",   "swift",
	"tender",  "tidy",    "upbeat",  "vivid",   "warm",    "wise",    "witty",   "zealous",
};

static const char *const surnames[] = {
	"agnesi",   "archimedes", "babbage",  "banach",   "bohr",     "boole",   "cantor",    "cauchy",
	"curie",    "dijkstra",   "euclid",   "euler",    "faraday",  "fermat",  "feynman",   "fourier",
	"galois",   "gauss",      "germain",  "goedel",   "hamilton", "hilbert", "hopper",    "hypatia",
	"jacobi",   "joule",      "kepler",   "knuth",    "kovalevskaya", "lagrange", "lamarr", "laplace",
	"leibniz",  "lovelace",   "maxwell",  "meitner",  "mirzakhani", "napier", "noether",  "ohm",
	"pascal",   "planck",     "poincare", "ramanujan", "riemann", "ritchie", "shannon",   "somerville",
	"stokes",   "tesla",      "thompson", "turing",   "volta",    "wiles",   "yalow",     "zuse",
};

char *hull_engine_random_name(void)
{
	uint32_t r[2] = { 0, 0 };
	if (fill_random(r, sizeof(r)) < 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		r[0] = (uint32_t)ts.tv_nsec;
		r[1] = (uint32_t)ts.tv_sec ^ (uint32_t)getpid();
	}
	return hull_strdup_printf("%s_%s", adjectives[r[0] % HULL_ARRAY_SIZE(adjectives)],
				  surnames[r[1] % HULL_ARRAY_SIZE(surnames)]);
}

bool hull_engine_valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 128 || !isalnum((unsigned char)name[0]))
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (!isalnum(ch) && ch != '_' && ch != '.' && ch != '-')
			return false;
	}
	return true;
}
