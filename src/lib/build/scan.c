/* scan.c - `build --scan SEVERITY`: the built image is scanned as `hull
 * scan IMAGE` scans it (packages against the vulnerability database, the
 * configuration audit) before it is tagged; a finding at or above the
 * threshold fails the build with the findings listed, and no tag is set. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "builder_internal.h"
#include "hull/cleanup.h"
#include "hull/digest.h"
#include "hull/image.h"
#include "hull/scan.h"

static void describe(FILE *f, const struct hull_scan_finding *x)
{
	const char *sev = hull_scan_severity_name(x->severity);
	if (x->kind == HULL_FINDING_VULNERABILITY)
		fprintf(f, "\n  %-8s %s  %s %s%s%s", sev, x->id, x->package ? x->package : "?",
			x->installed ? x->installed : "?", x->fixed ? "  fixed in " : "", x->fixed ? x->fixed : "");
	else
		fprintf(f, "\n  %-8s %s  %s", sev, x->id, x->path && *x->path ? x->path : x->title ? x->title : "");
}

static int refuse(const struct hull_scan_report *report, const char *id, enum hull_scan_severity threshold,
		  const char *db, struct hull_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0, reached = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return hull_error_set(err, errno, "describe the scan findings");
	for (size_t i = 0; i < report->n_findings; i++)
		if (report->findings[i].severity >= threshold) {
			reached++;
			describe(f, &report->findings[i]);
		}
	fclose(f);
	const char *name = hull_scan_severity_name(threshold);
	/* ECHILD: the build's own failure, exit status 1 (as a failing RUN) */
	return hull_error_msg(err, ECHILD,
			      "The image %.12s failed --scan %s: %zu finding%s at %s or above:%s\n"
			      "The image is kept untagged; see every finding with `hull scan %s%s%s%.12s`",
			      hull_digest_hex(id), name, reached, reached == 1 ? "" : "s", name, text ? text : "",
			      db ? "--db " : "", db ? db : "", db ? " " : "", hull_digest_hex(id));
}

int build_scan(struct build *b, const char *id, struct hull_error **err)
{
	if (!b->o->scan)
		return 0;
	enum hull_scan_severity threshold = (enum hull_scan_severity)b->o->scan_severity;
	_cleanup_(hull_image_freep) struct hull_image *img = NULL;
	int r = hull_image_get(b->store, id, &img, err);
	if (r < 0)
		return r;
	/* hull scan's defaults, so that the two always agree */
	struct hull_scan_options opts = {.db_dir = b->o->scan_db};
	const char *user = img->config && img->config->user ? img->config->user : "";
	_cleanup_(hull_scan_report_freep) struct hull_scan_report *report = NULL;
	r = hull_scan_layers(b->ctx, (const char *const *)img->layer_dirs, img->n_layers, user, id, &opts, &report,
			     err);
	if (r < 0)
		return hull_error_wrap(err, r, "--scan %s: scan the image", hull_scan_severity_name(threshold));
	if (hull_scan_report_fails(report, threshold))
		return refuse(report, id, threshold, b->o->scan_db, err);
	build_say(b, "Scan: no finding at %s or above", hull_scan_severity_name(threshold));
	return 0;
}
