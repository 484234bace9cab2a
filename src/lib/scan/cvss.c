/* cvss.c - base scores of CVSS vectors, to give a severity to records that
 * carry only a vector (OSV `severity[]` of type CVSS_V2 / CVSS_V3).
 *
 * v3.0 and v3.1: FIRST CVSS v3.1 specification section 7 (equations) and
 * Appendix A (Roundup); v2: CVSS v2 guide section 3.2.1. A v4.0 vector has
 * no closed-form score (its score comes from a lookup table of macro
 * vectors) and yields -1 here: the record's own severity is used then. */
#include <stdlib.h>
#include <string.h>

#include "hull/scan.h"
#include "scan-internal.h"

/* The value letter of metric `key` ("AV") in "CVSS:3.1/AV:N/AC:L/...". */
static char metric(const char *vector, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = vector; p && *p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return p[kl + 1];
	return 0;
}

static double pick(char c, const char *letters, const double *values)
{
	const char *at = c ? strchr(letters, c) : NULL;
	return at ? values[at - letters] : -1;
}

/* CVSS v3.1 Appendix A: round up to one decimal, robust to float error
 * (x is never negative here). */
static double roundup(double x)
{
	long i = (long)(x * 100000 + 0.5);
	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

static double pow15(double x)
{
	double r = 1;
	for (int i = 0; i < 15; i++)
		r *= x;
	return r;
}

static double score_v3(const char *v)
{
	char s = metric(v, "S");
	if (s != 'U' && s != 'C')
		return -1;
	bool changed = s == 'C';
	double av = pick(metric(v, "AV"), "NALP", (const double[]){ 0.85, 0.62, 0.55, 0.2 });
	double ac = pick(metric(v, "AC"), "LH", (const double[]){ 0.77, 0.44 });
	double pr = pick(metric(v, "PR"), "NLH",
			 changed ? (const double[]){ 0.85, 0.68, 0.5 } : (const double[]){ 0.85, 0.62, 0.27 });
	double ui = pick(metric(v, "UI"), "NR", (const double[]){ 0.85, 0.62 });
	const double cia[] = { 0.56, 0.22, 0 };
	double c = pick(metric(v, "C"), "HLN", cia), i = pick(metric(v, "I"), "HLN", cia);
	double a = pick(metric(v, "A"), "HLN", cia);
	if (av < 0 || ac < 0 || pr < 0 || ui < 0 || c < 0 || i < 0 || a < 0)
		return -1;
	double iss = 1 - (1 - c) * (1 - i) * (1 - a);
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow15(iss - 0.02) : 6.42 * iss;
	double exploitability = 8.22 * av * ac * pr * ui;
	if (impact <= 0)
		return 0;
	double base = changed ? 1.08 * (impact + exploitability) : impact + exploitability;
	return roundup(base < 10 ? base : 10);
}

static double score_v2(const char *v)
{
	double av = pick(metric(v, "AV"), "LAN", (const double[]){ 0.395, 0.646, 1.0 });
	double ac = pick(metric(v, "AC"), "HML", (const double[]){ 0.35, 0.61, 0.71 });
	double au = pick(metric(v, "Au"), "MSN", (const double[]){ 0.45, 0.56, 0.704 });
	const double cia[] = { 0, 0.275, 0.660 };
	double c = pick(metric(v, "C"), "NPC", cia), i = pick(metric(v, "I"), "NPC", cia);
	double a = pick(metric(v, "A"), "NPC", cia);
	if (av < 0 || ac < 0 || au < 0 || c < 0 || i < 0 || a < 0)
		return -1;
	double impact = 10.41 * (1 - (1 - c) * (1 - i) * (1 - a));
	double exploitability = 20 * av * ac * au;
	double f = impact == 0 ? 0 : 1.176;
	double base = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
	return base <= 0 ? 0 : (double)(long)(base * 10 + 0.5) / 10;
}

double scan_cvss_score(const char *vector)
{
	if (!vector)
		return -1;
	if (!strncmp(vector, "CVSS:3.", 7))
		return score_v3(vector);
	if (!strncmp(vector, "CVSS:", 5))
		return -1;
	return score_v2(vector);
}

enum hull_scan_severity scan_cvss_severity(double score)
{
	/* v3.1 section 5 qualitative scale */
	if (score < 0.1)
		return HULL_SEVERITY_UNKNOWN;
	if (score < 4.0)
		return HULL_SEVERITY_LOW;
	if (score < 7.0)
		return HULL_SEVERITY_MEDIUM;
	if (score < 9.0)
		return HULL_SEVERITY_HIGH;
	return HULL_SEVERITY_CRITICAL;
}
