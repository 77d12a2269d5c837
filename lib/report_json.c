/*
 * The JSON report: {"results": [...], "summary": {...}}, each result written as soon as it is
 * added (docs/scan.md has the schema).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_build.h"
#include "report_writer.h"

static json_t *aliases_json(struct kmend_jb *b, const char *aliases)
{
	json_t *list = kmend_jb_array(b);

	for (const char *p = aliases ? aliases : ""; *p;) {
		size_t n = strcspn(p, " ");
		if (n) {
			char *word = strndup(p, n);
			if (!word)
				b->failed = true;
			else
				kmend_jb_append(b, list, kmend_jb_text(b, word));
			free(word);
		}
		p += n + (p[n] == ' ');
	}
	return list;
}

/* {"index", "diff_id", "part"}: the layer that installed the finding's package version. */
static json_t *layer_json(struct kmend_jb *b, const struct kmend_report_result *res,
                          const struct kmend_finding *x)
{
	struct kmend_layer_blame lb;
	json_t *o = kmend_jb_object(b);

	kmend_blame_finding(res->blame, res->packages, x, &lb);
	kmend_jb_set(b, o, "index", lb.index < 0 ? json_null() : kmend_jb_integer(b, lb.index));
	kmend_jb_set(b, o, "diff_id", kmend_jb_text_or_null(b, lb.diff_id));
	kmend_jb_set_text(b, o, "part", kmend_layer_part_name(lb.part));
	return o;
}

static json_t *finding_json(struct kmend_jb *b, const struct kmend_report_result *res,
                            const struct kmend_finding *x)
{
	json_t *o = kmend_jb_object(b);

	kmend_jb_set_text(b, o, "id", x->id);
	kmend_jb_set(b, o, "aliases", aliases_json(b, x->aliases));
	kmend_jb_set_text(b, o, "package", x->package);
	kmend_jb_set_text(b, o, "source", x->source);
	kmend_jb_set_text(b, o, "installed", x->installed);
	kmend_jb_set(b, o, "source_version", kmend_jb_text_or_null(b, x->source_version));
	kmend_jb_set(b, o, "fixed", kmend_jb_text_or_null(b, x->fixed));
	kmend_jb_set(b, o, "fixed_in", kmend_jb_text_or_null(b, x->fixed_in));
	kmend_jb_set(b, o, "status", kmend_jb_text_or_null(b, x->status));
	kmend_jb_set_text(b, o, "severity", x->severity);
	kmend_jb_set(b, o, "title", kmend_jb_text_or_null(b, x->title));
	kmend_jb_set(b, o, "link", kmend_jb_text_or_null(b, x->link));
	kmend_jb_set_text(b, o, "data_source", x->data_source);
	if (res->blame)
		kmend_jb_set(b, o, "layer", layer_json(b, res, x));
	return o;
}

static json_t *workload_json(struct kmend_jb *b, const struct kmend_container_ref *c)
{
	json_t *o;

	if (!c)
		return json_null();
	o = kmend_jb_object(b);
	kmend_jb_set_text(b, o, "kind", c->kind);
	kmend_jb_set_text(b, o, "namespace",
	                  c->namespace && c->namespace[0] ? c->namespace : "default");
	kmend_jb_set_text(b, o, "name", c->name);
	return o;
}

static json_t *os_json(struct kmend_jb *b, const struct kmend_os *os)
{
	json_t *o;

	if (!os)
		return json_null();
	o = kmend_jb_object(b);
	kmend_jb_set_text(b, o, "id", os->id);
	kmend_jb_set_text(b, o, "version_id", os->version_id);
	return o;
}

static json_t *warning_json(struct kmend_jb *b, const struct kmend_warning *w)
{
	json_t *o = kmend_jb_object(b);

	kmend_jb_set_text(b, o, "code", w->code);
	kmend_jb_set_text(b, o, "message", w->message);
	return o;
}

static json_t *error_json(struct kmend_jb *b, const struct kmend_error *e)
{
	char text[1200];

	if (!e)
		return json_null();
	return kmend_jb_text(b, kmend_error_format(e, text, sizeof(text)));
}

static json_t *result_json(struct kmend_jb *b, const struct kmend_report_view *v)
{
	const struct kmend_report_result *res = v->res;
	json_t *o = kmend_jb_object(b), *findings = kmend_jb_array(b), *warnings;

	kmend_jb_set_text(b, o, "target", res->target);
	kmend_jb_set(b, o, "workload", workload_json(b, res->container));
	kmend_jb_set_text(b, o, "container", res->container ? res->container->container : NULL);
	kmend_jb_set_text(b, o, "image", res->image);
	kmend_jb_set(b, o, "digest", kmend_jb_text_or_null(b, res->digest));
	kmend_jb_set(b, o, "os", os_json(b, res->os));
	kmend_jb_set(b, o, "ecosystem", kmend_jb_text_or_null(b, res->ecosystem));
	kmend_jb_set(b, o, "ecosystem_note", kmend_jb_text_or_null(b, res->ecosystem_note));
	for (size_t i = 0; i < res->nfindings; i++)
		if (v->entries[i].verdict == KMEND_VERDICT_SHOWN)
			kmend_jb_append(b, findings, finding_json(b, res, v->entries[i].finding));
	kmend_jb_set(b, o, "findings", findings);
	if (res->blame)
		kmend_jb_set(b, o, "blame", kmend_blame_json(b, res->blame));
	kmend_jb_set(b, o, "ignored", kmend_jb_integer(b, (long long)v->ignored));
	kmend_jb_set(b, o, "filtered", kmend_jb_integer(b, (long long)v->filtered));
	kmend_jb_set(b, o, "error", error_json(b, res->error));
	/* Warnings last: escaping any value above adds one. */
	warnings = kmend_jb_array(b);
	for (size_t i = 0; res->warnings && i < res->warnings->count; i++)
		kmend_jb_append(b, warnings, warning_json(b, &res->warnings->items[i]));
	if (b->escaped) {
		struct kmend_warning w;
		kmend_report_utf8_warning(&w, b->escaped, b->first_escaped);
		kmend_jb_append(b, warnings, warning_json(b, &w));
	}
	kmend_jb_set(b, o, "warnings", warnings);
	return o;
}

static int json_begin(struct kmend_report *r, struct kmend_error *err)
{
	fputs("{\n  \"results\": [", r->opts.out);
	return kmend_report_check_output(r, err);
}

static int json_result(struct kmend_report *r, const struct kmend_report_view *v,
                       struct kmend_error *err)
{
	struct kmend_jb b = {0};
	json_t *o = result_json(&b, v);
	int rc;

	if (b.failed) {
		json_decref(o);
		return kmend_report_no_memory(r, err);
	}
	fputs(v->index ? ",\n    " : "\n    ", r->opts.out);
	rc = kmend_json_write(r->opts.out, o, 2);
	json_decref(o);
	if (rc == -ENOMEM)
		return kmend_report_no_memory(r, err);
	return kmend_report_check_output(r, err);
}

static int json_end(struct kmend_report *r, struct kmend_error *err)
{
	const struct kmend_report_totals *t = &r->totals;
	struct kmend_jb b = {0};
	json_t *s = kmend_jb_object(&b);
	int rc;

	kmend_jb_set(&b, s, "results", kmend_jb_integer(&b, (long long)t->results));
	kmend_jb_set(&b, s, "errors", kmend_jb_integer(&b, (long long)t->errors));
	kmend_jb_set(&b, s, "findings", kmend_jb_integer(&b, (long long)t->shown));
	kmend_jb_set(&b, s, "ignored", kmend_jb_integer(&b, (long long)t->ignored));
	kmend_jb_set(&b, s, "filtered", kmend_jb_integer(&b, (long long)t->filtered));
	if (b.failed) {
		json_decref(s);
		return kmend_report_no_memory(r, err);
	}
	fputs(t->results ? "\n  ],\n  \"summary\": " : "],\n  \"summary\": ", r->opts.out);
	rc = kmend_json_write(r->opts.out, s, 1);
	json_decref(s);
	if (rc == -ENOMEM)
		return kmend_report_no_memory(r, err);
	fputs("\n}\n", r->opts.out);
	return kmend_report_check_output(r, err);
}

static void json_destroy(struct kmend_report *r)
{
	(void)r;
}

const struct kmend_report_ops kmend_report_json_ops = {
    .name = "json",
    .begin = json_begin,
    .result = json_result,
    .end = json_end,
    .destroy = json_destroy,
};
