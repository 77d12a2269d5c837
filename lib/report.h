/*
 * Reports: what kmend found about images and the containers that run them, written as a
 * table, JSON, SARIF 2.1.0 or CycloneDX 1.5, one result at a time as it is complete, so that
 * memory does not grow with the number of containers. Shared by every command that reports
 * on images (scan now; fix, apply and harden later): a result is about one image or one
 * container, not about the command that produced it.
 */
#ifndef KMEND_REPORT_H
#define KMEND_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "blame.h"
#include "error.h"
#include "ignore.h"
#include "match.h"
#include "osrelease.h"
#include "package.h"
#include "warning.h"
#include "workload.h"

/* kmend's severities, most severe first. */
enum { KMEND_SEVERITY_COUNT = 6 };
extern const char *const kmend_severity_names[KMEND_SEVERITY_COUNT];

/* The index of a severity word in any case ("HIGH", "High"), or -1. */
int kmend_severity_parse(const char *word);

/* The index of a finding's severity; a word kmend does not know ranks as "unknown". */
int kmend_severity_rank(const char *severity);

/*
 * A comma-separated list of severities in any case ("HIGH,critical") as a mask (bit i:
 * kmend_severity_names[i]). -KMEND_E_BAD_INPUT naming the word that is not one.
 */
int kmend_severity_parse_list(const char *list, unsigned *mask, struct kmend_error *err);

/* Which findings a report shows: the user's filters and accepted risks. */
struct kmend_report_filter {
	unsigned severities;         /* bit i: kmend_severity_names[i] is shown; 0 shows all */
	bool ignore_unfixed;         /* leave out findings that have no fix published */
	const char *ignore_statuses; /* comma-separated feed statuses to leave out ("no-dsa,
	                                end-of-life"), any case; NULL: none */
	struct kmend_ignore *ignore; /* accepted risks, NULL: none; a rule that matches is
	                                marked used */
	time_t now;                  /* when rules expire */
};

/* What became of a finding. */
enum kmend_verdict {
	KMEND_VERDICT_SHOWN,    /* reported */
	KMEND_VERDICT_FILTERED, /* left out by --severity, --ignore-unfixed or --ignore-status */
	KMEND_VERDICT_IGNORED,  /* an accepted risk of the ignore file */
};

/*
 * The verdict on x. For KMEND_VERDICT_IGNORED, *rule (when rule is not NULL) is the accepted
 * risk that applies, marked used. Filters are tried before the ignore file, so a rule is only
 * marked used for findings the user would otherwise see.
 */
enum kmend_verdict kmend_report_verdict(const struct kmend_report_filter *f,
                                        const struct kmend_finding *x,
                                        const struct kmend_ignore_rule **rule);

/*
 * One result: an image, or a container of a Kubernetes manifest and the image it runs. Every
 * pointer is the caller's and need only live until kmend_report_add returns. Text may come
 * from the image (package names, versions, os-release): the writers escape it.
 */
struct kmend_report_result {
	const char *target; /* what the user named: a manifest file, "-" (standard input), an
	                       image reference */
	const struct kmend_container_ref *container; /* NULL: the target is an image */
	const char *image;          /* the image's name (as written when it could not be opened) */
	const char *digest;         /* may be NULL or "" */
	const struct kmend_os *os;  /* NULL: no OS detected, or the image failed */
	const char *ecosystem;      /* the store key matched ("debian:12"), or NULL */
	const char *ecosystem_note; /* why that key, when it is another distribution's
	                               ("CentOS matched with Red Hat's advisories"); may be NULL */
	const struct kmend_package_list *packages; /* every installed package (CycloneDX lists
	                                              them as components); may be NULL */
	const struct kmend_finding *findings;      /* sorted by package, then id */
	size_t nfindings;
	const struct kmend_warnings *warnings; /* may be NULL */
	const struct kmend_error *error;       /* not NULL: the image could not be read */
	const struct kmend_blame *blame; /* layer blame (scan --blame): each finding's layer and
	                                    part, looked up in packages; NULL: not asked */
};

/* What a report has shown so far. */
struct kmend_report_totals {
	size_t results, errors; /* results added; those that carried an error */
	size_t shown, filtered, ignored;
	size_t by_severity[KMEND_SEVERITY_COUNT]; /* of the shown */
};

struct kmend_report_options {
	const char *format; /* "table", "json", "sarif" or "cyclonedx" */
	FILE *out;
	const char *out_name;                     /* for errors: "standard output", a file */
	const struct kmend_report_filter *filter; /* NULL: show every finding */
	const char *tool_version;                 /* kmend's version, for SARIF and CycloneDX */
	bool color;       /* table: ANSI colours (the caller decides: a terminal, NO_COLOR) */
	time_t timestamp; /* CycloneDX metadata.timestamp */
};

struct kmend_report;

/* The format names, for help texts and errors: "table, json, sarif or cyclonedx". */
extern const char kmend_report_format_list[];

/* True when name is a report format. */
bool kmend_report_format_known(const char *name);

/*
 * Start a report: writes what precedes the first result. The options are copied (the
 * filter, out and strings must outlive the report). Errors: -KMEND_E_UNKNOWN_NAME (format),
 * -ENOMEM, -EIO naming out_name.
 */
int kmend_report_open(const struct kmend_report_options *opts, struct kmend_report **out,
                      struct kmend_error *err);

/* Judge res's findings and write res. -ENOMEM, -EIO naming out_name. */
int kmend_report_add(struct kmend_report *r, const struct kmend_report_result *res,
                     struct kmend_error *err);

/*
 * Finish the document (SARIF's rules, CycloneDX's vulnerabilities, the table's summary) and
 * flush out; out itself stays open. Errors as kmend_report_add. Call once.
 */
int kmend_report_close(struct kmend_report *r, struct kmend_error *err);

const struct kmend_report_totals *kmend_report_totals(const struct kmend_report *r);

/* Release the report (after close, or instead of it when giving up). NULL-safe. */
void kmend_report_free(struct kmend_report *r);

#endif
