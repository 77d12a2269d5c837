/* The harden plan as a table for people, or as JSON (docs/harden.md); one ops table each. */
#include "harden_report.h"

#include <errno.h>
#include <string.h>

#include "json_build.h"
#include "safetext.h"

struct plan_writer_ops {
	const char *name;
	int (*write)(const struct kmend_harden_plan *p, const struct kmend_harden_build *b,
	             FILE *out);
};

const char kmend_harden_format_list[] = "table or json";

/* Text from an image or a registry, escaped for the terminal. */
static void put(FILE *out, const char *text)
{
	char buf[4096];

	fputs(kmend_text_for_terminal(text ? text : "", buf, sizeof(buf)), out);
}

static void id_list(FILE *out, char *const *ids, size_t max)
{
	size_t n = 0;

	while (ids && ids[n])
		n++;
	for (size_t i = 0; i < n && i < max; i++) {
		fputs(i ? ", " : "", out);
		put(out, ids[i]);
	}
	if (n > max)
		fprintf(out, " and %zu more", n - max);
}

static size_t count(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* Every line of text, indented. */
static void indented(FILE *out, const char *text, const char *indent)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);
		fputs(indent, out);
		put(out, line ? line : "");
		fputc('\n', out);
		free(line);
		p += n + (p[n] == '\n');
	}
}

static void table_step(FILE *out, const struct kmend_harden_plan *p, size_t i)
{
	const struct kmend_harden_step *s = &p->steps[i];

	fprintf(out, "\n%zu. %s%s%s\n", i + 1, kmend_harden_strategy_name(s->strategy),
	        (long)i == p->recommended ? "  [recommended]" : "",
	        s->available ? "" : "  (not available)");
	if (s->note) {
		fputs("   ", out);
		put(out, s->note);
		fputc('\n', out);
	}
	if (s->available) {
		if (s->ref) {
			fputs("   image: ", out);
			put(out, s->ref);
			if (s->digest[0])
				fprintf(out, " (%s)", s->digest);
			fputc('\n', out);
		}
		fprintf(out, "   fixes %zu%s", count(s->fixes), count(s->fixes) ? ": " : "");
		id_list(out, s->fixes, 12);
		fprintf(out, "\n   remaining %zu%s", count(s->remaining),
		        count(s->remaining) ? ": " : "");
		id_list(out, s->remaining, 12);
		fputc('\n', out);
	}
	for (size_t k = 0; k < s->ncandidates; k++) {
		const struct kmend_harden_candidate *c = &s->candidates[k];
		fputs(k ? "              " : "   candidates: ", out);
		put(out, c->ref);
		if (c->skipped) {
			fputs(": left out, ", out);
			put(out, c->skipped);
		} else {
			fprintf(out, ": fixes %zu, leaves %zu", c->fixes, c->remaining);
		}
		fputc('\n', out);
	}
	if (s->dockerfile) {
		fputs("   Dockerfile:\n", out);
		indented(out, s->dockerfile, "     ");
	}
	if (s->patch) {
		fputs("   Patch to your Dockerfile:\n", out);
		indented(out, s->patch, "     ");
	}
}

static int table_write(const struct kmend_harden_plan *p, const struct kmend_harden_build *b,
                       FILE *out)
{
	char text[1024];

	fputs("Image: ", out);
	put(out, p->image);
	fprintf(out, "%s%s%s\n", p->digest[0] ? " (" : "", p->digest, p->digest[0] ? ")" : "");
	fprintf(out, "Target: %s: %zu of its %zu findings (", kmend_harden_target_name(p->target),
	        count(p->targeted), p->findings);
	id_list(out, p->targeted, 8);
	fputs(")\n", out);
	kmend_blame_describe(&p->blame, text, sizeof(text));
	fputs("Base: ", out);
	put(out, text);
	fputc('\n', out);
	for (size_t i = 0; i < p->warnings.count; i++) {
		fputs("Warning: ", out);
		put(out, p->warnings.items[i].message);
		fputc('\n', out);
	}
	for (size_t i = 0; i < p->nsteps; i++)
		table_step(out, p, i);
	if (p->recommended >= 0)
		fprintf(out, "\nRecommended: step %ld, %s\n", p->recommended + 1,
		        kmend_harden_strategy_name(p->steps[p->recommended].strategy));
	else
		fputs("\nRecommended: none (no step fixes a targeted finding)\n", out);
	if (b) {
		fprintf(out, "\nBuilt with %s:\n", b->builder);
		for (size_t i = 0; i < b->nsteps; i++) {
			const struct kmend_harden_build_step *s = &b->steps[i];
			fprintf(out, "  %zu. %s: ", i + 1, kmend_harden_strategy_name(s->strategy));
			put(out, s->image);
			if (s->digest[0])
				fprintf(out, " (%s)", s->digest);
			if (s->error) {
				fputs(": failed: ", out);
				put(out, s->error);
				fputc('\n', out);
				continue;
			}
			fprintf(out, "\n     fixed %zu%s", count(s->fixed),
			        count(s->fixed) ? ": " : "");
			id_list(out, s->fixed, 12);
			fprintf(out, "\n     left %zu%s", count(s->left),
			        count(s->left) ? ": " : "");
			id_list(out, s->left, 12);
			fputc('\n', out);
		}
		fputs("Stopped: ", out);
		put(out, b->stopped);
		fputc('\n', out);
	}
	return 0;
}

static json_t *ids_json(struct kmend_jb *jb, char *const *ids)
{
	json_t *a = kmend_jb_array(jb);

	for (size_t i = 0; ids && ids[i]; i++)
		kmend_jb_append(jb, a, kmend_jb_text(jb, ids[i]));
	return a;
}

static json_t *step_json(struct kmend_jb *jb, const struct kmend_harden_step *s)
{
	json_t *o = kmend_jb_object(jb), *cands = kmend_jb_array(jb);

	kmend_jb_set_text(jb, o, "strategy", kmend_harden_strategy_name(s->strategy));
	kmend_jb_set(jb, o, "available", json_boolean(s->available));
	kmend_jb_set(jb, o, "ref", kmend_jb_text_or_null(jb, s->ref));
	kmend_jb_set(jb, o, "digest", kmend_jb_text_or_null(jb, s->digest));
	kmend_jb_set(jb, o, "fixes", ids_json(jb, s->fixes));
	kmend_jb_set(jb, o, "remaining", ids_json(jb, s->remaining));
	kmend_jb_set(jb, o, "note", kmend_jb_text_or_null(jb, s->note));
	kmend_jb_set(jb, o, "dockerfile", kmend_jb_text_or_null(jb, s->dockerfile));
	kmend_jb_set(jb, o, "patch", kmend_jb_text_or_null(jb, s->patch));
	for (size_t i = 0; i < s->ncandidates; i++) {
		const struct kmend_harden_candidate *c = &s->candidates[i];
		json_t *co = kmend_jb_object(jb);
		kmend_jb_set_text(jb, co, "ref", c->ref);
		kmend_jb_set(jb, co, "digest", kmend_jb_text_or_null(jb, c->digest));
		kmend_jb_set(jb, co, "skipped", kmend_jb_text_or_null(jb, c->skipped));
		kmend_jb_set(jb, co, "fixes",
		             c->skipped ? json_null() : kmend_jb_integer(jb, (long long)c->fixes));
		kmend_jb_set(jb, co, "remaining",
		             c->skipped ? json_null()
		                        : kmend_jb_integer(jb, (long long)c->remaining));
		kmend_jb_append(jb, cands, co);
	}
	kmend_jb_set(jb, o, "candidates", cands);
	return o;
}

static json_t *build_json(struct kmend_jb *jb, const struct kmend_harden_build *b)
{
	json_t *o = kmend_jb_object(jb), *steps = kmend_jb_array(jb);

	kmend_jb_set_text(jb, o, "builder", b->builder);
	for (size_t i = 0; i < b->nsteps; i++) {
		const struct kmend_harden_build_step *s = &b->steps[i];
		json_t *so = kmend_jb_object(jb);
		kmend_jb_set_text(jb, so, "strategy", kmend_harden_strategy_name(s->strategy));
		kmend_jb_set_text(jb, so, "image", s->image);
		kmend_jb_set(jb, so, "digest", kmend_jb_text_or_null(jb, s->digest));
		kmend_jb_set(jb, so, "fixed", ids_json(jb, s->fixed));
		kmend_jb_set(jb, so, "left", ids_json(jb, s->left));
		kmend_jb_set(jb, so, "error", kmend_jb_text_or_null(jb, s->error));
		kmend_jb_append(jb, steps, so);
	}
	kmend_jb_set(jb, o, "steps", steps);
	kmend_jb_set(jb, o, "target_met", json_boolean(b->target_met));
	kmend_jb_set(jb, o, "stopped", kmend_jb_text_or_null(jb, b->stopped));
	return o;
}

static int json_write(const struct kmend_harden_plan *p, const struct kmend_harden_build *b,
                      FILE *out)
{
	struct kmend_jb jb = {0};
	json_t *o = kmend_jb_object(&jb), *plan = kmend_jb_array(&jb),
	       *warnings = kmend_jb_array(&jb);
	int r;

	kmend_jb_set_text(&jb, o, "image", p->image);
	kmend_jb_set(&jb, o, "digest", kmend_jb_text_or_null(&jb, p->digest));
	kmend_jb_set_text(&jb, o, "target", kmend_harden_target_name(p->target));
	kmend_jb_set(&jb, o, "targeted", ids_json(&jb, p->targeted));
	kmend_jb_set(&jb, o, "findings", kmend_jb_integer(&jb, (long long)p->findings));
	kmend_jb_set(&jb, o, "blame", kmend_blame_json(&jb, &p->blame));
	for (size_t i = 0; i < p->nsteps; i++)
		kmend_jb_append(&jb, plan, step_json(&jb, &p->steps[i]));
	kmend_jb_set(&jb, o, "plan", plan);
	kmend_jb_set(&jb, o, "recommended",
	             p->recommended >= 0 ? kmend_jb_integer(&jb, p->recommended) : json_null());
	kmend_jb_set(&jb, o, "build", b ? build_json(&jb, b) : json_null());
	for (size_t i = 0; i < p->warnings.count; i++) {
		json_t *w = kmend_jb_object(&jb);
		kmend_jb_set_text(&jb, w, "code", p->warnings.items[i].code);
		kmend_jb_set_text(&jb, w, "message", p->warnings.items[i].message);
		kmend_jb_append(&jb, warnings, w);
	}
	kmend_jb_set(&jb, o, "warnings", warnings);
	if (jb.failed) {
		json_decref(o);
		return -ENOMEM;
	}
	r = kmend_json_write(out, o, 0);
	json_decref(o);
	if (r == 0)
		fputc('\n', out);
	return r;
}

static const struct plan_writer_ops writers[] = {
    {.name = "table", .write = table_write},
    {.name = "json", .write = json_write},
};

bool kmend_harden_format_known(const char *name)
{
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		if (!strcmp(writers[i].name, name))
			return true;
	return false;
}

int kmend_harden_write(const struct kmend_harden_plan *p, const struct kmend_harden_build *build,
                       const char *format, FILE *out, const char *out_name, struct kmend_error *err)
{
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++) {
		int r;
		if (strcmp(writers[i].name, format))
			continue;
		if ((r = writers[i].write(p, build, out)) == -ENOMEM)
			return kmend_error_set(err, -ENOMEM, out_name, 0,
			                       "out of memory writing the plan");
		if (r < 0 || ferror(out) || fflush(out) != 0)
			return kmend_error_set(err, -EIO, out_name, 0, "cannot write the plan");
		return 0;
	}
	return kmend_error_set(err, -KMEND_E_UNKNOWN_NAME, format, 0, "unknown format; use %s",
	                       kmend_harden_format_list);
}
