/*
 * kmend fix's report: per container what it installs (exact versions), what it fixes and what
 * remains and why; per file where the result went. Kept as one JSON document (the --format
 * json schema, docs/fix.md) from which the text report is written too, so the two never
 * disagree.
 */
#ifndef KMEND_FIX_REPORT_H
#define KMEND_FIX_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "fix_plan.h"
#include "image_scan.h"
#include "kube_edit.h"
#include "kube_workload.h"
#include "match.h"

enum fix_action {
	FIX_NOTHING, /* no finding to fix */
	FIX_INSTALL, /* the repair is spliced in */
	FIX_REFUSED, /* findings, but nothing can be installed at start: why is said */
	FIX_ERROR,   /* the image or its repositories could not be read */
};

/* One container's outcome. Pointers are the caller's, for the call only. */
struct fix_result {
	const char *target; /* the manifest file */
	const struct kmend_kube_workload *workload;
	const struct kmend_kube_container *container;
	const char *image;                  /* as the manifest writes it */
	const struct kmend_image_scan *img; /* NULL when it was not read */
	enum fix_action action;
	enum kmend_kube_install_at install_at;
	const struct kmend_fix_plan *plan;           /* NULL when none was made */
	const struct kmend_finding *const *findings; /* the findings the filters show */
	size_t nfindings;
	const char *code, *message, *repair; /* a refusal of this container; or NULL */
	const struct kmend_error *error;     /* FIX_ERROR */
};

struct fix_report;

int fix_report_new(struct fix_report **out);
void fix_report_free(struct fix_report *r);

/* Add a container. 0 or -ENOMEM. */
int fix_report_add(struct fix_report *r, const struct fix_result *res);

/*
 * Add a file: where its result went (output: a path, "-" for standard output, NULL when
 * nothing was written), the backup --in-place kept, whether it changed, and the --dry-run
 * diff (NULL otherwise). 0 or -ENOMEM.
 */
int fix_report_add_file(struct fix_report *r, const char *path, const char *output,
                        const char *backup, bool changed, const char *diff);

/* How many findings the filters show that the repair leaves (refused containers' included). */
size_t fix_report_remaining(const struct fix_report *r);

/* Write the report: "json" (the document) or "text" (for people; diffs not repeated). */
int fix_report_write(const struct fix_report *r, const char *format, FILE *f);

#endif
