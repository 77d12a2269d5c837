/* The report formats' side of lib/report.h: one ops table per format (report_*.c). */
#ifndef KMEND_REPORT_WRITER_H
#define KMEND_REPORT_WRITER_H

#include "report.h"

/* A finding with its verdict. */
struct kmend_report_entry {
	const struct kmend_finding *finding;
	enum kmend_verdict verdict;
	const struct kmend_ignore_rule *rule; /* KMEND_VERDICT_IGNORED: the accepted risk */
};

/* A result as the writers see it: its findings judged and counted. */
struct kmend_report_view {
	const struct kmend_report_result *res;
	const struct kmend_report_entry *entries; /* one per finding, in order */
	size_t index;                             /* 0 for the first result of the report */
	size_t shown, filtered, ignored;
	size_t by_severity[KMEND_SEVERITY_COUNT]; /* of the shown */
};

struct kmend_report_ops {
	const char *name;
	/* Write what precedes the first result; may set r->state. */
	int (*begin)(struct kmend_report *r, struct kmend_error *err);
	/* Write one result, completely, before returning. */
	int (*result)(struct kmend_report *r, const struct kmend_report_view *v,
	              struct kmend_error *err);
	/* Write what follows the last result. */
	int (*end)(struct kmend_report *r, struct kmend_error *err);
	/* Free r->state (NULL-safe), whether or not end ran. */
	void (*destroy)(struct kmend_report *r);
};

struct kmend_report {
	const struct kmend_report_ops *ops;
	struct kmend_report_options opts;
	struct kmend_report_totals totals;
	void *state; /* the writer's */
	bool closed;
};

extern const struct kmend_report_ops kmend_report_table_ops;
extern const struct kmend_report_ops kmend_report_json_ops;
extern const struct kmend_report_ops kmend_report_sarif_ops;
extern const struct kmend_report_ops kmend_report_cyclonedx_ops;

/* -EIO naming the output when it has an error, else 0; writers end with it. */
int kmend_report_check_output(struct kmend_report *r, struct kmend_error *err);

/* -ENOMEM: a document could not be built; names the output. */
int kmend_report_no_memory(struct kmend_report *r, struct kmend_error *err);

/*
 * "Deployment shop/web container app" or "image NAME": where a result is, for one-line
 * messages (SARIF's logical location, warnings). Not escaped.
 */
void kmend_report_where(const struct kmend_report_result *res, char *buf, size_t size);

/*
 * The warning a JSON writer adds to a result when text in it was not valid UTF-8, into
 * w; first is the first such string as written.
 */
void kmend_report_utf8_warning(struct kmend_warning *w, size_t count, const char *first);

#endif
