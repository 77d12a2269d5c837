/* Reports: severities, the filter, and driving the format writers (see report.h). */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_writer.h"

const char *const kmend_severity_names[KMEND_SEVERITY_COUNT] = {
    "critical", "high", "medium", "low", "negligible", "unknown",
};

static const struct kmend_report_ops *const formats[] = {
    &kmend_report_table_ops,
    &kmend_report_json_ops,
    &kmend_report_sarif_ops,
    &kmend_report_cyclonedx_ops,
};

const char kmend_report_format_list[] = "table, json, sarif or cyclonedx";

int kmend_severity_parse(const char *word)
{
	for (int i = 0; i < KMEND_SEVERITY_COUNT; i++)
		if (!strcasecmp(word, kmend_severity_names[i]))
			return i;
	return -1;
}

int kmend_severity_rank(const char *severity)
{
	int i = severity ? kmend_severity_parse(severity) : -1;

	return i < 0 ? KMEND_SEVERITY_COUNT - 1 : i;
}

int kmend_severity_parse_list(const char *list, unsigned *mask, struct kmend_error *err)
{
	const char *p = list;

	*mask = 0;
	for (;;) {
		size_t n = strcspn(p, ",");
		char word[32];
		int i = -1;

		if (n < sizeof(word)) {
			memcpy(word, p, n);
			word[n] = '\0';
			i = kmend_severity_parse(word);
		}
		if (i < 0) {
			kmend_error_set(err, -KMEND_E_BAD_INPUT, list, (long)(p - list) + 1,
			                "'%.*s' is not a severity", (int)(n < 64 ? n : 64), p);
			kmend_error_hint(err,
			                 "use critical, high, medium, low, negligible or unknown, "
			                 "comma-separated, in any case");
			return -KMEND_E_BAD_INPUT;
		}
		*mask |= 1u << i;
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* True when word is one of the comma-separated words of list, in any case. */
static bool in_list(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && !strncasecmp(p, word, n))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

enum kmend_verdict kmend_report_verdict(const struct kmend_report_filter *f,
                                        const struct kmend_finding *x,
                                        const struct kmend_ignore_rule **rule)
{
	struct kmend_ignore_rule *r;

	if (rule)
		*rule = NULL;
	if (!f)
		return KMEND_VERDICT_SHOWN;
	if ((f->severities && !(f->severities & (1u << kmend_severity_rank(x->severity)))) ||
	    (f->ignore_unfixed && !x->fixed) ||
	    (f->ignore_statuses && x->status && in_list(f->ignore_statuses, x->status)))
		return KMEND_VERDICT_FILTERED;
	r = kmend_ignore_find(f->ignore, x->id, x->aliases, x->package, f->now);
	if (!r)
		return KMEND_VERDICT_SHOWN;
	r->used = 1;
	if (rule)
		*rule = r;
	return KMEND_VERDICT_IGNORED;
}

bool kmend_report_format_known(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(formats[i]->name, name))
			return true;
	return false;
}

static const char *out_name(const struct kmend_report *r)
{
	return r->opts.out_name ? r->opts.out_name : "the output";
}

int kmend_report_check_output(struct kmend_report *r, struct kmend_error *err)
{
	if (!ferror(r->opts.out))
		return 0;
	kmend_error_set(err, -EIO, out_name(r), 0, "the report could not be written");
	kmend_error_hint(err, "check the free space and that the file system is writable");
	return -EIO;
}

int kmend_report_no_memory(struct kmend_report *r, struct kmend_error *err)
{
	return kmend_error_set(err, -ENOMEM, out_name(r), 0, "out of memory building the report");
}

void kmend_report_where(const struct kmend_report_result *res, char *buf, size_t size)
{
	const struct kmend_container_ref *c = res->container;

	if (c)
		snprintf(buf, size, "%s %s/%s %s %s", c->kind,
		         c->namespace && c->namespace[0] ? c->namespace : "default", c->name,
		         c->role ? c->role : "container", c->container);
	else
		snprintf(buf, size, "image %s", res->image);
}

void kmend_report_utf8_warning(struct kmend_warning *w, size_t count, const char *first)
{
	snprintf(w->code, sizeof(w->code), "invalid-utf8");
	snprintf(w->message, sizeof(w->message),
	         "%zu text value%s from the image or manifest %s not valid UTF-8 (the first: "
	         "\"%.200s\"); the bytes that are not were written as \\xHH",
	         count, count == 1 ? "" : "s", count == 1 ? "is" : "are", first);
}

int kmend_report_open(const struct kmend_report_options *opts, struct kmend_report **out,
                      struct kmend_error *err)
{
	const struct kmend_report_ops *ops = NULL;
	struct kmend_report *r;
	int rc;

	*out = NULL;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (opts->format && !strcmp(formats[i]->name, opts->format))
			ops = formats[i];
	if (!ops) {
		kmend_error_set(err, -KMEND_E_UNKNOWN_NAME, opts->format ? opts->format : "", 0,
		                "not a report format");
		kmend_error_hint(err, "use %s", kmend_report_format_list);
		return -KMEND_E_UNKNOWN_NAME;
	}
	if (!(r = calloc(1, sizeof(*r))))
		return kmend_error_set(err, -ENOMEM, opts->format, 0, "out of memory");
	r->ops = ops;
	r->opts = *opts;
	if ((rc = ops->begin(r, err)) < 0) {
		kmend_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int kmend_report_add(struct kmend_report *r, const struct kmend_report_result *res,
                     struct kmend_error *err)
{
	struct kmend_report_view v = {.res = res, .index = r->totals.results};
	struct kmend_report_entry *entries = NULL;
	int rc;

	if (res->nfindings && !(entries = calloc(res->nfindings, sizeof(*entries))))
		return kmend_report_no_memory(r, err);
	for (size_t i = 0; i < res->nfindings; i++) {
		struct kmend_report_entry *e = &entries[i];

		e->finding = &res->findings[i];
		e->verdict = kmend_report_verdict(r->opts.filter, e->finding, &e->rule);
		switch (e->verdict) {
		case KMEND_VERDICT_SHOWN:
			v.shown++;
			v.by_severity[kmend_severity_rank(e->finding->severity)]++;
			break;
		case KMEND_VERDICT_FILTERED: v.filtered++; break;
		case KMEND_VERDICT_IGNORED: v.ignored++; break;
		}
	}
	v.entries = entries;
	rc = r->ops->result(r, &v, err);
	free(entries);
	if (rc < 0)
		return rc;
	r->totals.results++;
	r->totals.errors += res->error != NULL;
	r->totals.shown += v.shown;
	r->totals.filtered += v.filtered;
	r->totals.ignored += v.ignored;
	for (int i = 0; i < KMEND_SEVERITY_COUNT; i++)
		r->totals.by_severity[i] += v.by_severity[i];
	/* Streamed means the reader sees each result now, not when the buffer fills. */
	if (fflush(r->opts.out) != 0)
		return kmend_error_set(err, -EIO, out_name(r), 0,
		                       "the report could not be written");
	return 0;
}

int kmend_report_close(struct kmend_report *r, struct kmend_error *err)
{
	int rc;

	if (r->closed)
		return 0;
	r->closed = true;
	if ((rc = r->ops->end(r, err)) < 0)
		return rc;
	if (fflush(r->opts.out) != 0)
		return kmend_error_set(err, -EIO, out_name(r), 0,
		                       "the report could not be written");
	return kmend_report_check_output(r, err);
}

const struct kmend_report_totals *kmend_report_totals(const struct kmend_report *r)
{
	return &r->totals;
}

void kmend_report_free(struct kmend_report *r)
{
	if (!r)
		return;
	r->ops->destroy(r);
	free(r);
}
