/*
 * The table report, for people at a terminal: per image or container, the totals, one row per
 * finding and one line per package to upgrade. Every text from an image or a manifest is
 * escaped (safetext.h): a package name cannot send a control sequence to the terminal.
 */
#include <string.h>

#include "report_writer.h"
#include "safetext.h"

#define TEXT_MAX     1024 /* longest cell shown; longer text ends in "..." */
#define TITLE_WIDTH  60   /* the advisory's title is cut to this many columns */
#define ANSI_RESET   "\033[0m"
#define ANSI_WARNING "\033[33m"
#define ANSI_ERROR   "\033[1;31m"

static const char *const severity_color[KMEND_SEVERITY_COUNT] = {
    "\033[1;31m", "\033[31m", "\033[33m", "\033[36m", "", "",
};

/* Write text escaped, in color (when the report has colours and color is not ""). */
static void put(struct kmend_report *r, const char *text, const char *color)
{
	char buf[TEXT_MAX];
	bool paint = r->opts.color && color && *color;

	fprintf(r->opts.out, "%s%s%s", paint ? color : "",
	        kmend_text_for_terminal(text, buf, sizeof(buf)), paint ? ANSI_RESET : "");
}

/* A cell: text escaped, padded to width columns, then one space. */
static void cell(struct kmend_report *r, const char *text, int width, const char *color)
{
	char buf[TEXT_MAX];
	size_t w = kmend_text_width(kmend_text_for_terminal(text, buf, sizeof(buf)));

	put(r, text, color);
	fprintf(r->opts.out, "%*s ", w < (size_t)width ? width - (int)w : 0, "");
}

/* The advisory's title, cut to TITLE_WIDTH columns, and its link. */
static void advisory(struct kmend_report *r, const struct kmend_finding *x)
{
	char buf[TEXT_MAX], *p;
	size_t col = 0;

	if (x->title && *x->title) {
		kmend_text_for_terminal(x->title, buf, sizeof(buf));
		/* Escaped text is valid UTF-8: cut at a code point. */
		for (p = buf; *p && col < TITLE_WIDTH; p++)
			col += ((unsigned char)*p & 0xc0) != 0x80;
		while (*p && ((unsigned char)*p & 0xc0) == 0x80)
			p++;
		if (*p)
			strcpy(p, "...");
		fputs(buf, r->opts.out);
	}
	if (x->link && *x->link) {
		fputs(x->title && *x->title ? " " : "", r->opts.out);
		put(r, x->link, NULL);
	}
}

static void heading(struct kmend_report *r, const struct kmend_report_result *res)
{
	const struct kmend_container_ref *c = res->container;
	const struct kmend_os *os = res->os;

	if (c) {
		put(r, res->target, NULL);
		fputs(": ", r->opts.out);
		put(r, c->kind, NULL);
		fputc(' ', r->opts.out);
		put(r, c->namespace && c->namespace[0] ? c->namespace : "default", NULL);
		fputc('/', r->opts.out);
		put(r, c->name, NULL);
		fprintf(r->opts.out, ", %s '", c->role ? c->role : "container");
		put(r, c->container, NULL);
		fputs("'\n", r->opts.out);
	}
	put(r, res->image, NULL);
	if (res->error) {
		char e[1200];
		fputs(": ", r->opts.out);
		put(r, "cannot be read: ", ANSI_ERROR);
		put(r, kmend_error_format(res->error, e, sizeof(e)), NULL);
		fputc('\n', r->opts.out);
		return;
	}
	fputs(" (", r->opts.out);
	put(r, os ? (os->pretty_name[0] ? os->pretty_name : os->id) : "OS not detected", NULL);
	fputs(")\n", r->opts.out);
}

static void totals(struct kmend_report *r, const struct kmend_report_view *v)
{
	fprintf(r->opts.out, "Total: %zu (", v->shown);
	for (int i = 0; i < KMEND_SEVERITY_COUNT; i++)
		fprintf(r->opts.out, "%s%s: %zu", i ? ", " : "", kmend_severity_names[i],
		        v->by_severity[i]);
	fputc(')', r->opts.out);
	if (v->ignored || v->filtered)
		fprintf(r->opts.out, "; %zu ignored (accepted risks), %zu filtered out", v->ignored,
		        v->filtered);
	fputc('\n', r->opts.out);
}

/* "Base: NAME (told by the annotations), layers 1-2 of 4; application: layers 3-4". */
static void base_line(struct kmend_report *r, const struct kmend_blame *b)
{
	char text[1024];

	kmend_blame_describe(b, text, sizeof(text));
	fputs("Base: ", r->opts.out);
	put(r, text, NULL);
	fputc('\n', r->opts.out);
}

/* The LAYER cell: "2 application", the 1-based index and the part. */
static void layer_cell(struct kmend_report *r, const struct kmend_report_result *res,
                       const struct kmend_finding *x)
{
	struct kmend_layer_blame lb;
	char text[64];

	kmend_blame_finding(res->blame, res->packages, x, &lb);
	if (lb.index < 0)
		snprintf(text, sizeof(text), "? unknown");
	else
		snprintf(text, sizeof(text), "%ld %s", lb.index + 1,
		         kmend_layer_part_name(lb.part));
	cell(r, text, 16, NULL);
}

static bool has_advisory(const struct kmend_finding *x)
{
	return (x->title && *x->title) || (x->link && *x->link);
}

static void rows(struct kmend_report *r, const struct kmend_report_view *v)
{
	bool advisories = false;

	/* The ADVISORY column only when the feed gave some title or link. */
	for (size_t i = 0; i < v->res->nfindings; i++)
		if (v->entries[i].verdict == KMEND_VERDICT_SHOWN)
			advisories |= has_advisory(v->entries[i].finding);
	fprintf(r->opts.out, "\n%-28s %-20s %-10s %-12s %s%-28s %s%s\n", "PACKAGE", "VULNERABILITY",
	        "SEVERITY", "STATUS", v->res->blame ? "LAYER            " : "", "INSTALLED",
	        advisories ? "FIXED                        " : "FIXED",
	        advisories ? "ADVISORY" : "");
	for (size_t i = 0; i < v->res->nfindings; i++) {
		const struct kmend_finding *x = v->entries[i].finding;
		int sev = kmend_severity_rank(x->severity);

		if (v->entries[i].verdict != KMEND_VERDICT_SHOWN)
			continue;
		cell(r, x->package, 28, NULL);
		cell(r, x->id, 20, NULL);
		cell(r, x->severity, 10, severity_color[sev]);
		cell(r, x->status ? x->status : x->fixed ? "fixed" : "affected", 12, NULL);
		if (v->res->blame)
			layer_cell(r, v->res, x);
		cell(r, x->installed, 28, NULL);
		if (advisories) {
			cell(r, x->fixed ? x->fixed : "(no fix yet)", 28, NULL);
			advisory(r, x);
		} else {
			put(r, x->fixed ? x->fixed : "(no fix yet)", NULL);
		}
		fputc('\n', r->opts.out);
	}
}

/*
 * One line per package: "perl-base 5.36.0-7+deb12u3 → 5.36.0-7+deb12u4 fixes 13". Findings
 * are sorted by package, so a package's findings are consecutive.
 */
static void packages(struct kmend_report *r, const struct kmend_report_view *v)
{
	const struct kmend_finding *first = NULL;
	size_t fixable = 0, unfixed = 0;

	fputs("\nBy package:\n", r->opts.out);
	for (size_t i = 0; i <= v->res->nfindings; i++) {
		const struct kmend_finding *x =
		    i < v->res->nfindings ? v->entries[i].finding : NULL;

		if (x && v->entries[i].verdict != KMEND_VERDICT_SHOWN)
			continue;
		if (first && (!x || strcmp(x->package, first->package))) {
			fputs("  ", r->opts.out);
			put(r, first->package, NULL);
			fputc(' ', r->opts.out);
			put(r, first->installed, NULL);
			if (fixable) {
				fputs(" \u2192 ", r->opts.out);
				put(r, first->fixed_in, NULL);
				fprintf(r->opts.out, " fixes %zu", fixable);
				if (unfixed)
					fprintf(r->opts.out, "; %zu without a fix yet", unfixed);
			} else {
				fprintf(r->opts.out, ": no fix yet for %zu", unfixed);
			}
			fputc('\n', r->opts.out);
			first = NULL;
			fixable = unfixed = 0;
		}
		if (!x)
			break;
		if (!first)
			first = x;
		if (x->fixed)
			fixable++;
		else
			unfixed++;
	}
}

static int table_begin(struct kmend_report *r, struct kmend_error *err)
{
	(void)err;
	(void)r;
	return 0;
}

static int table_result(struct kmend_report *r, const struct kmend_report_view *v,
                        struct kmend_error *err)
{
	const struct kmend_report_result *res = v->res;

	heading(r, res);
	if (!res->error) {
		if (res->ecosystem_note && *res->ecosystem_note) {
			fputs("Advisories: ", r->opts.out);
			put(r, res->ecosystem, NULL);
			fputs(" (", r->opts.out);
			put(r, res->ecosystem_note, NULL);
			fputs(")\n", r->opts.out);
		}
		totals(r, v);
		if (res->blame)
			base_line(r, res->blame);
		for (size_t i = 0; res->warnings && i < res->warnings->count; i++) {
			put(r, "Warning: ", ANSI_WARNING);
			put(r, res->warnings->items[i].message, NULL);
			fputc('\n', r->opts.out);
		}
		if (v->shown) {
			rows(r, v);
			packages(r, v);
		}
	}
	fputc('\n', r->opts.out);
	return kmend_report_check_output(r, err);
}

static int table_end(struct kmend_report *r, struct kmend_error *err)
{
	const struct kmend_report_totals *t = &r->totals;

	if (t->results > 1) {
		fprintf(r->opts.out, "Summary: %zu results", t->results);
		if (t->errors)
			fprintf(r->opts.out, " (%zu could not be read)", t->errors);
		fprintf(r->opts.out, ", %zu findings", t->shown);
		if (t->ignored || t->filtered)
			fprintf(r->opts.out, "; %zu ignored (accepted risks), %zu filtered out",
			        t->ignored, t->filtered);
		fputc('\n', r->opts.out);
	}
	return kmend_report_check_output(r, err);
}

static void table_destroy(struct kmend_report *r)
{
	(void)r;
}

const struct kmend_report_ops kmend_report_table_ops = {
    .name = "table",
    .begin = table_begin,
    .result = table_result,
    .end = table_end,
    .destroy = table_destroy,
};
