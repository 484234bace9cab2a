/* scan_policy.c - `run --scan-policy SEVERITY`: scan the image before
 * anything is created and refuse it when a finding reaches the threshold,
 * with the same verdict `hull scan --fail-on SEVERITY IMAGE` gives. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hull/cleanup.h"
#include "hull/fs.h"
#include "hull/image.h"
#include "hull/run_options.h"
#include "hull/scan.h"
#include "engine_internal.h"

/* The findings shown in the refusal; the rest are counted. */
#define SHOWN_FINDINGS 5

static void describe(FILE *f, const struct hull_scan_finding *x)
{
	const char *sev = hull_scan_severity_name(x->severity);
	if (x->kind == HULL_FINDING_VULNERABILITY)
		fprintf(f, "\n  %s  %s %s  %s%s%s", x->id, x->package ? x->package : "?",
			x->installed ? x->installed : "?", sev, x->fixed ? "  fixed in " : "", x->fixed ? x->fixed : "");
	else
		fprintf(f, "\n  %s  %s  %s", x->id, x->path && *x->path ? x->path : x->title ? x->title : "", sev);
}

static int refuse(const struct hull_scan_report *report, const char *ref, enum hull_scan_severity threshold,
		  struct hull_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, reached = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return hull_error_set(err, errno, "describe the scan findings");
	for (size_t i = 0; i < report->n_findings; i++) {
		if (report->findings[i].severity < threshold)
			continue;
		if (reached++ < SHOWN_FINDINGS)
			describe(f, &report->findings[i]);
	}
	if (reached > SHOWN_FINDINGS)
		fprintf(f, "\n  ... and %zu more", reached - SHOWN_FINDINGS);
	fclose(f);
	const char *name = hull_scan_severity_name(threshold);
	return hull_error_msg(err, EACCES,
			      "image `%s` refused by --scan-policy %s: %zu finding%s at %s or above:%s\n"
			      "See them all with `hull scan %s`",
			      ref, name, reached, reached == 1 ? "" : "s", name, text ? text : "", ref);
}

int engine_scan_policy_check(struct hull_ctx *ctx, const struct hull_image *img, const struct hull_run_options *o,
			     struct hull_error **err)
{
	if (o->scan_policy < 0)
		return 0;
	enum hull_scan_severity threshold = (enum hull_scan_severity)o->scan_policy;
	/* hull scan's defaults: every severity, vulnerabilities and the
	 * configuration audit, so that the two always agree */
	struct hull_scan_options opts = { .db_dir = o->scan_db };
	const char *user = img->config && img->config->user ? img->config->user : "";
	_cleanup_(hull_scan_report_freep) struct hull_scan_report *report = NULL;
	int r = hull_scan_layers(ctx, (const char *const *)img->layer_dirs, img->n_layers, user, o->image, &opts,
				 &report, err);
	if (r < 0)
		return hull_error_wrap(err, r, "--scan-policy %s: scan image `%s`", hull_scan_severity_name(threshold),
				       o->image);
	if (hull_scan_report_fails(report, threshold))
		return refuse(report, o->image, threshold, err);
	return 0;
}
