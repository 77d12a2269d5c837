/* kmend fix's report, as JSON and as text made from the same document. */
#include "fix_report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json_build.h"
#include "safetext.h"

struct fix_report {
	struct kmend_jb jb;
	json_t *files, *containers;
	size_t counts[4]; /* containers by action */
	size_t findings, fixed, remaining;
};

static const char *const action_names[] = {
    [FIX_NOTHING] = "nothing",
    [FIX_INSTALL] = "install",
    [FIX_REFUSED] = "refused",
    [FIX_ERROR] = "error",
};

int fix_report_new(struct fix_report **out)
{
	struct fix_report *r = calloc(1, sizeof(*r));

	if (!r || !(r->files = json_array()) || !(r->containers = json_array())) {
		fix_report_free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void fix_report_free(struct fix_report *r)
{
	if (!r)
		return;
	json_decref(r->files);
	json_decref(r->containers);
	free(r);
}

/* Why a finding the repair leaves remains. */
static const char *remains_because(const struct fix_result *res, const struct kmend_finding *f,
                                   char *buf, size_t size)
{
	if (res->message)
		return res->message;
	if (res->action == FIX_ERROR)
		return "the image or its repositories could not be read";
	for (size_t i = 0; res->plan && i < res->plan->nrefused; i++) {
		const struct kmend_fix_refusal *x = &res->plan->refused[i];
		if (!x->source || !strcmp(x->source, f->source ? f->source : f->package))
			return x->message;
	}
	if (!f->fixed)
		return "no fix published";
	snprintf(buf, size, "the plan does not reach %s", f->fixed);
	return buf;
}

static json_t *package_json(struct kmend_jb *b, const struct kmend_fix_package *p)
{
	json_t *o = kmend_jb_object(b);

	kmend_jb_set_text(b, o, "name", p->name);
	kmend_jb_set_text(b, o, "version", p->version);
	kmend_jb_set_text(b, o, "installed", p->installed);
	kmend_jb_set_text(b, o, "arch", p->arch);
	kmend_jb_set_text(b, o, "source", p->source);
	kmend_jb_set_text(b, o, "file", p->file);
	kmend_jb_set_text(b, o, "url", p->url);
	kmend_jb_set_text(b, o, "sha256", p->sha256);
	kmend_jb_set(b, o, "size", kmend_jb_integer(b, (long long)p->size));
	kmend_jb_set_text(b, o, "reason", p->reason);
	return o;
}

static json_t *refusal_json(struct kmend_jb *b, const char *code, const char *source,
                            const char *message, const char *repair)
{
	json_t *o = kmend_jb_object(b);

	kmend_jb_set_text(b, o, "code", code);
	kmend_jb_set(b, o, "source", kmend_jb_text(b, source));
	kmend_jb_set_text(b, o, "message", message);
	kmend_jb_set(b, o, "repair", kmend_jb_text(b, repair));
	return o;
}

int fix_report_add(struct fix_report *r, const struct fix_result *res)
{
	struct kmend_jb *b = &r->jb;
	const struct kmend_kube_workload *w = res->workload;
	json_t *o = kmend_jb_object(b), *wl = kmend_jb_object(b), *pk = kmend_jb_array(b),
	       *fixed = kmend_jb_array(b), *rem = kmend_jb_array(b), *ref = kmend_jb_array(b),
	       *warn = kmend_jb_array(b);
	bool installs = res->action == FIX_INSTALL;
	char buf[512], err[1024];

	kmend_jb_set_text(b, o, "target", res->target);
	kmend_jb_set(b, o, "document", kmend_jb_integer(b, w->document));
	kmend_jb_set_text(b, wl, "kind", w->kind);
	kmend_jb_set_text(b, wl, "namespace", w->namespace[0] ? w->namespace : "default");
	kmend_jb_set_text(b, wl, "name", w->name);
	kmend_jb_set(b, o, "workload", wl);
	kmend_jb_set_text(b, o, "container", res->container->name);
	kmend_jb_set_text(b, o, "role", res->container->role);
	kmend_jb_set_text(b, o, "image", res->image);
	kmend_jb_set(
	    b, o, "digest",
	    kmend_jb_text_or_null(b, res->img && !res->img->failed ? res->img->digest : NULL));
	kmend_jb_set_text(b, o, "action", action_names[res->action]);
	kmend_jb_set(b, o, "install_at",
	             installs ? kmend_jb_text(b, res->install_at == KMEND_KUBE_INSTALL_POSTSTART
	                                             ? "poststart"
	                                             : "entrypoint")
	                      : json_null());
	for (size_t i = 0; installs && i < res->plan->npackages; i++)
		kmend_jb_append(b, pk, package_json(b, &res->plan->packages[i]));
	for (size_t i = 0; i < res->nfindings; i++) {
		const struct kmend_finding *f = res->findings[i];
		json_t *x = kmend_jb_object(b);
		kmend_jb_set_text(b, x, "id", f->id);
		kmend_jb_set_text(b, x, "package", f->package);
		kmend_jb_set_text(b, x, "installed", f->installed);
		if (installs && kmend_fix_plan_fixes(res->plan, f)) {
			kmend_jb_set(b, x, "fixed", kmend_jb_text(b, f->fixed));
			kmend_jb_append(b, fixed, x);
			r->fixed++;
			continue;
		}
		kmend_jb_set(b, x, "fixed", kmend_jb_text(b, f->fixed));
		kmend_jb_set_text(b, x, "severity", f->severity);
		kmend_jb_set_text(b, x, "reason", remains_because(res, f, buf, sizeof(buf)));
		kmend_jb_append(b, rem, x);
		r->remaining++;
	}
	r->findings += res->nfindings;
	if (res->code)
		kmend_jb_append(b, ref,
		                refusal_json(b, res->code, NULL, res->message, res->repair));
	else
		for (size_t i = 0; res->plan && i < res->plan->nrefused; i++) {
			const struct kmend_fix_refusal *x = &res->plan->refused[i];
			kmend_jb_append(b, ref,
			                refusal_json(b, x->code, x->source, x->message, x->repair));
		}
	for (size_t i = 0; res->plan && i < res->plan->warnings.count; i++)
		kmend_jb_append(b, warn, kmend_jb_text(b, res->plan->warnings.items[i].message));
	kmend_jb_set(b, o, "packages", pk);
	kmend_jb_set(b, o, "fixed", fixed);
	kmend_jb_set(b, o, "remaining", rem);
	kmend_jb_set(b, o, "refused", ref);
	kmend_jb_set(b, o, "warnings", warn);
	kmend_jb_set(b, o, "error",
	             res->error ? kmend_jb_text(b, kmend_error_format(res->error, err, sizeof(err)))
	                        : json_null());
	kmend_jb_append(b, r->containers, o);
	r->counts[res->action]++;
	return b->failed ? -ENOMEM : 0;
}

int fix_report_add_file(struct fix_report *r, const char *path, const char *output,
                        const char *backup, bool changed, const char *diff)
{
	struct kmend_jb *b = &r->jb;
	json_t *o = kmend_jb_object(b);

	kmend_jb_set_text(b, o, "path", path);
	kmend_jb_set(b, o, "output", kmend_jb_text(b, output));
	kmend_jb_set(b, o, "backup", kmend_jb_text(b, backup));
	kmend_jb_set(b, o, "changed", json_boolean(changed));
	if (diff)
		kmend_jb_set_text(b, o, "diff", diff);
	kmend_jb_append(b, r->files, o);
	return b->failed ? -ENOMEM : 0;
}

size_t fix_report_remaining(const struct fix_report *r)
{
	return r->remaining;
}

/* A member of o as text fit for a terminal (buf is one of the caller's). */
static const char *t(const json_t *o, const char *key, char *buf, size_t size)
{
	return kmend_text_for_terminal(json_string_value(json_object_get(o, key)), buf, size);
}

/*
 * The findings that remain, one line per package: its version and the ids; why, when it is
 * not the container's refusal said above.
 */
static void write_remaining(const json_t *c, const json_t *rem, FILE *f)
{
	const json_t *first = json_array_get(json_object_get(c, "refused"), 0);
	const char *said = json_string_value(json_object_get(first, "message"));
	char a[1024], b[1024];
	size_t i = 0, n = json_array_size(rem);

	if (json_is_string(json_object_get(first, "source")))
		said = NULL; /* a refusal of one source: each package says its own */
	while (i < n) {
		const json_t *x = json_array_get(rem, i);
		const char *pkg = json_string_value(json_object_get(x, "package"));
		const char *why = json_string_value(json_object_get(x, "reason"));
		size_t j = i;

		fprintf(f, "    %s %s: ", t(x, "package", a, sizeof(a)),
		        t(x, "installed", b, sizeof(b)));
		/* The findings of one package for one reason, together. */
		for (; j < n; j++) {
			const json_t *y = json_array_get(rem, j);
			if (strcmp(json_string_value(json_object_get(y, "package")), pkg) ||
			    strcmp(json_string_value(json_object_get(y, "reason")), why))
				break;
			fprintf(f, "%s%s", j > i ? ", " : "", t(y, "id", a, sizeof(a)));
		}
		fputc('\n', f);
		if (!said || strcmp(said, why))
			fprintf(f, "      %s\n", kmend_text_for_terminal(why, a, sizeof(a)));
		i = j;
	}
}

static void write_container(const json_t *c, FILE *f)
{
	const json_t *w = json_object_get(c, "workload"), *x;
	const char *action = json_string_value(json_object_get(c, "action"));
	const json_t *pk = json_object_get(c, "packages"), *rem = json_object_get(c, "remaining");
	char a[1024], b[1024], d[1024];
	size_t i;

	fprintf(f, "%s: %s %s, ", t(c, "target", a, sizeof(a)), t(w, "kind", b, sizeof(b)),
	        t(w, "name", d, sizeof(d)));
	fprintf(f, "%s %s (%s)", t(c, "role", a, sizeof(a)), t(c, "container", b, sizeof(b)),
	        t(c, "image", d, sizeof(d)));
	if (!strcmp(action, "nothing")) {
		fputs(": nothing to fix\n", f);
		return;
	}
	if (!strcmp(action, "error")) {
		fprintf(f, ": not repaired: %s\n", t(c, "error", a, sizeof(a)));
		return;
	}
	if (!strcmp(action, "install")) {
		fprintf(f, "\n  installs at %s, %zu package%s:\n",
		        !strcmp(json_string_value(json_object_get(c, "install_at")), "poststart")
		            ? "postStart"
		            : "the entrypoint",
		        json_array_size(pk), json_array_size(pk) == 1 ? "" : "s");
		json_array_foreach (pk, i, x) {
			fprintf(f, "    %s %s (installed %s)\n", t(x, "name", a, sizeof(a)),
			        t(x, "version", b, sizeof(b)), t(x, "installed", d, sizeof(d)));
		}
	} else {
		fputs(": not repaired\n", f);
	}
	json_array_foreach (json_object_get(c, "refused"), i, x) {
		const json_t *source = json_object_get(x, "source");
		if (json_is_string(source))
			fprintf(f, "  refused for %s (%s): %s\n", t(x, "source", a, sizeof(a)),
			        t(x, "code", b, sizeof(b)), t(x, "message", d, sizeof(d)));
		else
			fprintf(f, "  refused (%s): %s\n", t(x, "code", b, sizeof(b)),
			        t(x, "message", d, sizeof(d)));
		if (json_is_string(json_object_get(x, "repair")))
			fprintf(f, "    better: %s\n", t(x, "repair", a, sizeof(a)));
	}
	fprintf(f, "  fixes %zu finding%s, %zu remain%s\n",
	        json_array_size(json_object_get(c, "fixed")),
	        json_array_size(json_object_get(c, "fixed")) == 1 ? "" : "s", json_array_size(rem),
	        json_array_size(rem) == 1 ? "s" : "");
	write_remaining(c, rem, f);
}

static void write_text(const struct fix_report *r, FILE *f)
{
	const json_t *x;
	char a[1024], b[1024];
	size_t i;

	json_array_foreach (r->containers, i, x) {
		write_container(x, f);
	}
	json_array_foreach (r->files, i, x) {
		const json_t *out = json_object_get(x, "output");
		if (!json_is_string(out))
			continue;
		bool changed = json_is_true(json_object_get(x, "changed"));
		if (json_is_string(json_object_get(x, "backup")))
			fprintf(f, "%s: repaired in place; the file as it was is kept as %s\n",
			        t(x, "path", a, sizeof(a)), t(x, "backup", b, sizeof(b)));
		else if (!strcmp(json_string_value(out),
		                 json_string_value(json_object_get(x, "path"))))
			fprintf(f, "%s: unchanged\n", t(x, "path", a, sizeof(a)));
		else if (strcmp(json_string_value(out), "-"))
			fprintf(f, "%s: written to %s%s\n", t(x, "path", a, sizeof(a)),
			        t(x, "output", b, sizeof(b)), changed ? "" : " (the same text)");
	}
	fprintf(f,
	        "kmend fix: %zu container%s: %zu repaired, %zu refused, %zu with errors, %zu with "
	        "nothing to fix; %zu finding%s fixed, %zu remain%s\n",
	        json_array_size(r->containers), json_array_size(r->containers) == 1 ? "" : "s",
	        r->counts[FIX_INSTALL], r->counts[FIX_REFUSED], r->counts[FIX_ERROR],
	        r->counts[FIX_NOTHING], r->fixed, r->fixed == 1 ? "" : "s", r->remaining,
	        r->remaining == 1 ? "s" : "");
}

int fix_report_write(const struct fix_report *r, const char *format, FILE *f)
{
	if (!strcmp(format, "json")) {
		json_t *doc = json_pack("{s:O, s:O, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
		                        "files", r->files, "containers", r->containers, "summary",
		                        "containers", (json_int_t)json_array_size(r->containers),
		                        "repaired", (json_int_t)r->counts[FIX_INSTALL], "refused",
		                        (json_int_t)r->counts[FIX_REFUSED], "errors",
		                        (json_int_t)r->counts[FIX_ERROR], "nothing",
		                        (json_int_t)r->counts[FIX_NOTHING], "findings",
		                        (json_int_t)r->findings, "fixed", (json_int_t)r->fixed,
		                        "remaining", (json_int_t)r->remaining);
		int rc;
		if (!doc)
			return -ENOMEM;
		rc = kmend_json_write(f, doc, 0);
		json_decref(doc);
		if (rc == 0 && fputc('\n', f) == EOF)
			rc = -EIO;
		return rc;
	}
	write_text(r, f);
	return ferror(f) ? -EIO : 0;
}
