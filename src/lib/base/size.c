/* size.c - "512m" and the like as bytes (see hull/size.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "hull/size.h"

int hull_parse_size(const char *s, unsigned long long *out)
{
	char *end = NULL;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || v < 0 || !isfinite(v))
		return -EINVAL;
	while (*end == ' ')
		end++;
	double mult = 1;
	switch (tolower((unsigned char)*end)) {
	case '\0': break;
	case 'b': mult = 1; break;
	case 'k': mult = 1024.0; break;
	case 'm': mult = 1024.0 * 1024; break;
	case 'g': mult = 1024.0 * 1024 * 1024; break;
	case 't': mult = 1024.0 * 1024 * 1024 * 1024; break;
	default: return -EINVAL;
	}
	if (*end) {
		end++;
		if (tolower((unsigned char)*end) == 'i')
			end++;
		if (tolower((unsigned char)*end) == 'b' && mult > 1)
			end++;
		if (*end)
			return -EINVAL;
	}
	/* converting a double beyond the type's range is undefined */
	if (v * mult >= 18446744073709551616.0)
		return -ERANGE;
	*out = (unsigned long long)(v * mult);
	return 0;
}
