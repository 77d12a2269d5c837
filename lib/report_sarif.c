/*
 * The SARIF 2.1.0 report, for code-scanning dashboards: one result per finding, streamed as it
 * comes; the rules (one per vulnerability id) and the notifications (warnings, images that
 * could not be read) follow the results, since a JSON object's key order is free.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_build.h"
#include "report_writer.h"

struct sarif_state {
	json_t *rules, *rule_ids;   /* the rules, and the set of their ids */
	json_t *notes, *note_texts; /* toolExecutionNotifications, and the set of their texts */
	size_t written;             /* results written so far */
	struct kmend_jb b;          /* for rules and notes, built across results */
};

/* SARIF levels and GitHub's security-severity scores for kmend's severities. */
static const char *sarif_level(int severity)
{
	return severity <= 1 ? "error" : severity == 2 ? "warning" : "note";
}

static const char *security_severity(int severity)
{
	static const char *const score[KMEND_SEVERITY_COUNT] = {"9.5", "8.0", "5.5",
	                                                        "2.0", "0.0", "0.0"};
	return score[severity];
}

/* Add to set under key, which may be any bytes (the set is never written out): true if new. */
static bool set_add(struct kmend_jb *b, json_t *set, const char *key)
{
	if (json_object_get(set, key))
		return false;
	if (json_object_set_new_nocheck(set, key, json_true()) != 0)
		b->failed = true;
	return true;
}

static void add_rule(struct sarif_state *s, const struct kmend_finding *x, int severity)
{
	struct kmend_jb *b = &s->b;
	json_t *rule, *text, *props, *tags;
	char help[1024];

	if (!set_add(b, s->rule_ids, x->id))
		return;
	rule = kmend_jb_object(b);
	kmend_jb_set_text(b, rule, "id", x->id);
	text = kmend_jb_object(b);
	kmend_jb_set_text(b, text, "text", x->title && *x->title ? x->title : x->id);
	kmend_jb_set(b, rule, "shortDescription", text);
	snprintf(help, sizeof(help), "A vulnerable OS package; see the advisory%s%s for details.",
	         x->link && *x->link ? " at " : "", x->link && *x->link ? x->link : "");
	text = kmend_jb_object(b);
	kmend_jb_set_text(b, text, "text", help);
	kmend_jb_set(b, rule, "help", text);
	if (x->link && *x->link)
		kmend_jb_set_text(b, rule, "helpUri", x->link);
	props = kmend_jb_object(b);
	kmend_jb_set_text(b, props, "security-severity", security_severity(severity));
	tags = kmend_jb_array(b);
	kmend_jb_append(b, tags, kmend_jb_text(b, "security"));
	kmend_jb_append(b, tags, kmend_jb_text(b, "vulnerability"));
	kmend_jb_set(b, props, "tags", tags);
	kmend_jb_set(b, rule, "properties", props);
	kmend_jb_append(b, s->rules, rule);
}

/* A notification (level "warning" or "error"), once per text. */
static void add_note(struct sarif_state *s, const char *level, const char *text)
{
	struct kmend_jb *b = &s->b;
	json_t *note, *msg;

	if (!set_add(b, s->note_texts, text))
		return;
	note = kmend_jb_object(b);
	kmend_jb_set_text(b, note, "level", level);
	msg = kmend_jb_object(b);
	kmend_jb_set_text(b, msg, "text", text);
	kmend_jb_set(b, note, "message", msg);
	kmend_jb_append(b, s->notes, note);
}

static json_t *result_json(struct kmend_jb *b, const struct kmend_report_result *res,
                           const struct kmend_finding *x, int severity, const char *where)
{
	json_t *o = kmend_jb_object(b), *msg, *locs, *loc, *phys, *art, *logical, *lname, *props;
	char text[2048];

	if (x->fixed)
		snprintf(text, sizeof(text), "%s %s in %s (%s): %s is installed, fixed in %s",
		         x->id, x->severity, x->package, where, x->installed, x->fixed);
	else
		snprintf(text, sizeof(text),
		         "%s %s in %s (%s): %s is installed, no fix published yet%s%s%s", x->id,
		         x->severity, x->package, where, x->installed, x->status ? " (" : "",
		         x->status ? x->status : "", x->status ? ")" : "");
	kmend_jb_set_text(b, o, "ruleId", x->id);
	kmend_jb_set_text(b, o, "level", sarif_level(severity));
	msg = kmend_jb_object(b);
	kmend_jb_set_text(b, msg, "text", text);
	kmend_jb_set(b, o, "message", msg);
	art = kmend_jb_object(b);
	kmend_jb_set_text(b, art, "uri", res->target);
	phys = kmend_jb_object(b);
	kmend_jb_set(b, phys, "artifactLocation", art);
	lname = kmend_jb_object(b);
	kmend_jb_set_text(b, lname, "name", where);
	kmend_jb_set_text(b, lname, "kind", res->container ? "resource" : "module");
	logical = kmend_jb_array(b);
	kmend_jb_append(b, logical, lname);
	loc = kmend_jb_object(b);
	kmend_jb_set(b, loc, "physicalLocation", phys);
	kmend_jb_set(b, loc, "logicalLocations", logical);
	locs = kmend_jb_array(b);
	kmend_jb_append(b, locs, loc);
	kmend_jb_set(b, o, "locations", locs);
	props = kmend_jb_object(b);
	kmend_jb_set_text(b, props, "image", res->image);
	kmend_jb_set(b, props, "digest", kmend_jb_text_or_null(b, res->digest));
	kmend_jb_set_text(b, props, "package", x->package);
	kmend_jb_set_text(b, props, "installed", x->installed);
	kmend_jb_set(b, props, "source_version", kmend_jb_text_or_null(b, x->source_version));
	kmend_jb_set(b, props, "fixed", kmend_jb_text_or_null(b, x->fixed));
	kmend_jb_set(b, props, "status", kmend_jb_text_or_null(b, x->status));
	kmend_jb_set_text(b, props, "severity", x->severity);
	kmend_jb_set(b, props, "link", kmend_jb_text_or_null(b, x->link));
	kmend_jb_set(b, props, "ecosystem", kmend_jb_text_or_null(b, res->ecosystem));
	if (res->ecosystem_note && *res->ecosystem_note)
		kmend_jb_set_text(b, props, "ecosystem_note", res->ecosystem_note);
	if (res->blame) {
		struct kmend_layer_blame lb;
		kmend_blame_finding(res->blame, res->packages, x, &lb);
		kmend_jb_set(b, props, "layer", kmend_jb_text_or_null(b, lb.diff_id));
		kmend_jb_set(b, props, "layer_index",
		             lb.index < 0 ? json_null() : kmend_jb_integer(b, lb.index));
		kmend_jb_set_text(b, props, "layer_part", kmend_layer_part_name(lb.part));
		kmend_jb_set_text(b, props, "blame_source",
		                  kmend_blame_source_name(res->blame->source));
		kmend_jb_set(b, props, "base", kmend_jb_text_or_null(b, res->blame->base_name));
	}
	kmend_jb_set(b, o, "properties", props);
	return o;
}

static int sarif_begin(struct kmend_report *r, struct kmend_error *err)
{
	struct sarif_state *s = calloc(1, sizeof(*s));

	if (!s)
		return kmend_report_no_memory(r, err);
	r->state = s;
	s->rules = kmend_jb_array(&s->b);
	s->rule_ids = kmend_jb_object(&s->b);
	s->notes = kmend_jb_array(&s->b);
	s->note_texts = kmend_jb_object(&s->b);
	if (s->b.failed)
		return kmend_report_no_memory(r, err);
	fputs("{\n"
	      "  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
	      "  \"version\": \"2.1.0\",\n"
	      "  \"runs\": [\n"
	      "    {\n"
	      "      \"results\": [",
	      r->opts.out);
	return kmend_report_check_output(r, err);
}

static int sarif_result(struct kmend_report *r, const struct kmend_report_view *v,
                        struct kmend_error *err)
{
	struct sarif_state *s = r->state;
	const struct kmend_report_result *res = v->res;
	char where[1200], text[2000], first[256] = "";
	size_t escaped = 0;

	kmend_report_where(res, where, sizeof(where));
	for (size_t i = 0; i < res->nfindings; i++) {
		const struct kmend_finding *x = v->entries[i].finding;
		int severity = kmend_severity_rank(x->severity);
		struct kmend_jb b = {0};
		json_t *o;
		int rc;

		if (v->entries[i].verdict != KMEND_VERDICT_SHOWN)
			continue;
		add_rule(s, x, severity);
		o = result_json(&b, res, x, severity, where);
		if (b.escaped && escaped++ == 0)
			snprintf(first, sizeof(first), "%s", b.first_escaped);
		if (b.failed || s->b.failed) {
			json_decref(o);
			return kmend_report_no_memory(r, err);
		}
		fputs(s->written++ ? ",\n        " : "\n        ", r->opts.out);
		rc = kmend_json_write(r->opts.out, o, 4);
		json_decref(o);
		if (rc == -ENOMEM)
			return kmend_report_no_memory(r, err);
		if ((rc = kmend_report_check_output(r, err)) < 0)
			return rc;
	}
	if (escaped) {
		struct kmend_warning w;
		kmend_report_utf8_warning(&w, escaped, first);
		snprintf(text, sizeof(text), "%s: %s", where, w.message);
		add_note(s, "warning", text);
	}
	if (res->error) {
		char e[1200];
		snprintf(text, sizeof(text), "%s: %s", where,
		         kmend_error_format(res->error, e, sizeof(e)));
		add_note(s, "error", text);
	}
	for (size_t i = 0; res->warnings && i < res->warnings->count; i++) {
		snprintf(text, sizeof(text), "%s: %s", res->image, res->warnings->items[i].message);
		add_note(s, "warning", text);
	}
	return s->b.failed ? kmend_report_no_memory(r, err) : 0;
}

static int sarif_end(struct kmend_report *r, struct kmend_error *err)
{
	struct sarif_state *s = r->state;
	struct kmend_jb *b = &s->b;
	json_t *tool = kmend_jb_object(b), *driver = kmend_jb_object(b);
	json_t *invocations = kmend_jb_array(b), *inv = kmend_jb_object(b);
	int rc = 0;

	kmend_jb_set_text(b, driver, "name", "kmend");
	kmend_jb_set_text(b, driver, "version", r->opts.tool_version ? r->opts.tool_version : "");
	kmend_jb_set(b, driver, "rules", json_incref(s->rules));
	kmend_jb_set(b, tool, "driver", driver);
	kmend_jb_set(b, inv, "executionSuccessful", json_boolean(r->totals.errors == 0));
	kmend_jb_set(b, inv, "toolExecutionNotifications", json_incref(s->notes));
	kmend_jb_append(b, invocations, inv);
	if (b->failed) {
		json_decref(tool);
		json_decref(invocations);
		return kmend_report_no_memory(r, err);
	}
	fputs(s->written ? "\n      ],\n      \"tool\": " : "],\n      \"tool\": ", r->opts.out);
	if ((rc = kmend_json_write(r->opts.out, tool, 3)) == 0) {
		fputs(",\n      \"invocations\": ", r->opts.out);
		rc = kmend_json_write(r->opts.out, invocations, 3);
	}
	json_decref(tool);
	json_decref(invocations);
	if (rc == -ENOMEM)
		return kmend_report_no_memory(r, err);
	fputs("\n    }\n  ]\n}\n", r->opts.out);
	return kmend_report_check_output(r, err);
}

static void sarif_destroy(struct kmend_report *r)
{
	struct sarif_state *s = r->state;

	if (!s)
		return;
	json_decref(s->rules);
	json_decref(s->rule_ids);
	json_decref(s->notes);
	json_decref(s->note_texts);
	free(s);
	r->state = NULL;
}

const struct kmend_report_ops kmend_report_sarif_ops = {
    .name = "sarif",
    .begin = sarif_begin,
    .result = sarif_result,
    .end = sarif_end,
    .destroy = sarif_destroy,
};
