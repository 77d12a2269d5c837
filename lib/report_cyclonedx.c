/*
 * The CycloneDX 1.5 (JSON) report: a BOM with one component per result (the image, or the
 * container of a workload, of type "container") holding its installed packages with their
 * purls, and the vulnerabilities that affect them, with ratings, the fix recommended and, for
 * accepted risks and the feed's statuses, an analysis. Components are written as results come;
 * vulnerabilities go to an unlinked temporary file and are copied after them, so memory does
 * not grow with the number of results.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "json_build.h"
#include "purl.h"
#include "report_writer.h"

#define PURL_MAX 8192

struct cdx_state {
	FILE *spool;   /* the vulnerabilities, comma-separated, waiting for the end */
	size_t nvulns; /* written to the spool */
	size_t ncomponents;
};

static const char *cdx_severity(const char *severity)
{
	static const char *const map[KMEND_SEVERITY_COUNT] = {"critical", "high", "medium",
	                                                      "low",      "info", "unknown"};
	return map[kmend_severity_rank(severity)];
}

static void property(struct kmend_jb *b, json_t *props, const char *name, const char *value)
{
	json_t *p;

	if (!value || !*value)
		return;
	p = kmend_jb_object(b);
	kmend_jb_set_text(b, p, "name", name);
	kmend_jb_set_text(b, p, "value", value);
	kmend_jb_append(b, props, p);
}

static void result_ref(const struct kmend_report_view *v, char *buf, size_t size)
{
	snprintf(buf, size, "result-%zu", v->index + 1);
}

/* The bom-ref of a package component: the result's ref and the purl. */
static int package_ref(const struct kmend_report_view *v, const struct kmend_package *p, char *buf,
                       size_t size)
{
	char purl[PURL_MAX];
	int n;

	if (kmend_purl(p, v->res->os, purl, sizeof(purl)) < 0)
		return -ENOSPC;
	n = snprintf(buf, size, "result-%zu/%s", v->index + 1, purl);
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

static json_t *package_json(struct kmend_jb *b, const struct kmend_report_view *v,
                            const struct kmend_package *p, const char *ref)
{
	json_t *o = kmend_jb_object(b), *props = kmend_jb_array(b);
	char purl[PURL_MAX];

	kmend_purl(p, v->res->os, purl, sizeof(purl));
	kmend_jb_set_text(b, o, "bom-ref", ref);
	kmend_jb_set_text(b, o, "type", "library");
	kmend_jb_set_text(b, o, "name", p->name);
	kmend_jb_set_text(b, o, "version", p->version);
	kmend_jb_set_text(b, o, "purl", purl);
	if (p->source && p->name && strcmp(p->source, p->name))
		property(b, props, "kmend:source", p->source);
	if (p->source_version && p->version && strcmp(p->source_version, p->version))
		property(b, props, "kmend:source_version", p->source_version);
	property(b, props, "kmend:layer", p->layer);
	if (v->res->blame) {
		struct kmend_layer_blame lb;
		kmend_blame_package(v->res->blame, p, &lb);
		property(b, props, "kmend:layer_part", kmend_layer_part_name(lb.part));
	}
	if (json_array_size(props))
		kmend_jb_set(b, o, "properties", props);
	else
		json_decref(props);
	return o;
}

static json_t *component_json(struct kmend_jb *b, const struct kmend_report_view *v)
{
	const struct kmend_report_result *res = v->res;
	const struct kmend_container_ref *c = res->container;
	json_t *o = kmend_jb_object(b), *props = kmend_jb_array(b), *pkgs = kmend_jb_array(b);
	char ref[64], text[2048], prev[PURL_MAX + 64] = "", pref[PURL_MAX + 64];

	result_ref(v, ref, sizeof(ref));
	kmend_jb_set_text(b, o, "bom-ref", ref);
	kmend_jb_set_text(b, o, "type", "container");
	kmend_jb_set_text(b, o, "name", res->image);
	if (res->digest && *res->digest)
		kmend_jb_set_text(b, o, "version", res->digest);
	property(b, props, "kmend:target", res->target);
	if (c) {
		snprintf(text, sizeof(text), "%s %s/%s", c->kind,
		         c->namespace && c->namespace[0] ? c->namespace : "default", c->name);
		property(b, props, "kmend:workload", text);
		property(b, props, "kmend:container", c->container);
	}
	if (res->os) {
		snprintf(text, sizeof(text), "%s %s", res->os->id, res->os->version_id);
		property(b, props, "kmend:os", text);
	}
	property(b, props, "kmend:ecosystem", res->ecosystem);
	property(b, props, "kmend:ecosystem_note", res->ecosystem_note);
	if (res->blame) {
		property(b, props, "kmend:blame_source",
		         kmend_blame_source_name(res->blame->source));
		property(b, props, "kmend:base", res->blame->base_name);
		if (res->blame->base_digest[0])
			property(b, props, "kmend:base_digest", res->blame->base_digest);
		if (res->blame->source != KMEND_BLAME_UNKNOWN) {
			snprintf(text, sizeof(text), "%zu", res->blame->base_layers);
			property(b, props, "kmend:base_layers", text);
		}
	}
	if (res->error)
		property(b, props, "kmend:error",
		         kmend_error_format(res->error, text, sizeof(text)));
	for (size_t i = 0; res->warnings && i < res->warnings->count; i++)
		property(b, props, "kmend:warning", res->warnings->items[i].message);
	snprintf(text, sizeof(text), "%zu", v->filtered);
	property(b, props, "kmend:filtered", text);
	for (size_t i = 0; res->packages && i < res->packages->count; i++) {
		const struct kmend_package *p = &res->packages->items[i];
		/* A database may list one package twice; a bom-ref must be unique. */
		if (package_ref(v, p, pref, sizeof(pref)) < 0 || !strcmp(pref, prev))
			continue;
		kmend_jb_append(b, pkgs, package_json(b, v, p, pref));
		memcpy(prev, pref, sizeof(prev));
	}
	if (b->escaped) {
		struct kmend_warning w;
		kmend_report_utf8_warning(&w, b->escaped, b->first_escaped);
		property(b, props, "kmend:warning", w.message);
	}
	kmend_jb_set(b, o, "properties", props);
	kmend_jb_set(b, o, "components", pkgs);
	return o;
}

/* The packages (by name) a finding affects, as affects entries appended to list. */
static void affects(struct kmend_jb *b, const struct kmend_report_view *v,
                    const struct kmend_finding *x, json_t *list)
{
	const struct kmend_package_list *pl = v->res->packages;
	char ref[PURL_MAX + 64];
	size_t lo = 0, hi = pl ? pl->count : 0, found = 0;

	/* The list is sorted by name: find the first of x's package. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(pl->items[mid].name, x->package) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; pl && i < pl->count && !strcmp(pl->items[i].name, x->package); i++) {
		json_t *a, *versions, *ver;
		if (package_ref(v, &pl->items[i], ref, sizeof(ref)) < 0)
			continue;
		a = kmend_jb_object(b);
		kmend_jb_set_text(b, a, "ref", ref);
		ver = kmend_jb_object(b);
		kmend_jb_set_text(b, ver, "version", pl->items[i].version);
		kmend_jb_set_text(b, ver, "status", "affected");
		versions = kmend_jb_array(b);
		kmend_jb_append(b, versions, ver);
		kmend_jb_set(b, a, "versions", versions);
		kmend_jb_append(b, list, a);
		found++;
	}
	if (!found) { /* no package list: the container itself is affected */
		json_t *a = kmend_jb_object(b);
		result_ref(v, ref, sizeof(ref));
		kmend_jb_set_text(b, a, "ref", ref);
		kmend_jb_append(b, list, a);
	}
}

/* Grouping: one vulnerability per id and verdict within a result. */
static int by_id_then_verdict(const void *pa, const void *pb)
{
	const struct kmend_report_entry *a = *(const struct kmend_report_entry *const *)pa;
	const struct kmend_report_entry *b = *(const struct kmend_report_entry *const *)pb;
	int c = strcmp(a->finding->id, b->finding->id);

	if (c)
		return c;
	if (a->verdict != b->verdict)
		return a->verdict < b->verdict ? -1 : 1;
	return strcmp(a->finding->package, b->finding->package);
}

static json_t *analysis_json(struct kmend_jb *b, const struct kmend_report_entry *e)
{
	const struct kmend_finding *x = e->finding;
	json_t *o = kmend_jb_object(b), *resp;
	char text[1200];

	if (e->verdict == KMEND_VERDICT_IGNORED) {
		/* An accepted risk: present, known, and left as it is on purpose. */
		kmend_jb_set_text(b, o, "state", "exploitable");
		resp = kmend_jb_array(b);
		kmend_jb_append(b, resp, kmend_jb_text(b, "will_not_fix"));
		kmend_jb_set(b, o, "response", resp);
		snprintf(text, sizeof(text), "accepted risk (ignore file): %s%s%s%s",
		         e->rule && e->rule->reason ? e->rule->reason : "",
		         e->rule && e->rule->expires_text ? " (until " : "",
		         e->rule && e->rule->expires_text ? e->rule->expires_text : "",
		         e->rule && e->rule->expires_text ? ")" : "");
	} else {
		snprintf(text, sizeof(text), "the feed's status: %s (%s)", x->status,
		         x->data_source);
	}
	kmend_jb_set_text(b, o, "detail", text);
	return o;
}

static json_t *vulnerability_json(struct kmend_jb *b, const struct kmend_report_view *v,
                                  struct kmend_report_entry *const *group, size_t n)
{
	const struct kmend_report_entry *e = group[0];
	const struct kmend_finding *x = e->finding;
	json_t *o = kmend_jb_object(b), *src = kmend_jb_object(b), *ratings = kmend_jb_array(b);
	json_t *rating = kmend_jb_object(b), *rsrc = kmend_jb_object(b), *refs = kmend_jb_array(b);
	json_t *aff = kmend_jb_array(b), *props = kmend_jb_array(b);
	char ref[1200], rec[2048] = "";
	size_t used = 0;

	snprintf(ref, sizeof(ref), "result-%zu/%s%s", v->index + 1, x->id,
	         e->verdict == KMEND_VERDICT_IGNORED ? "/ignored" : "");
	kmend_jb_set_text(b, o, "bom-ref", ref);
	kmend_jb_set_text(b, o, "id", x->id);
	kmend_jb_set_text(b, src, "name", x->data_source);
	if (x->link && *x->link)
		kmend_jb_set_text(b, src, "url", x->link);
	kmend_jb_set(b, o, "source", src);
	for (const char *p = x->aliases ? x->aliases : ""; *p;) {
		size_t len = strcspn(p, " ");
		if (len) {
			json_t *r = kmend_jb_object(b), *rs = kmend_jb_object(b);
			char *alias = strndup(p, len);
			kmend_jb_set_text(b, r, "id", alias ? alias : "");
			kmend_jb_set_text(b, rs, "name", x->data_source);
			kmend_jb_set(b, r, "source", rs);
			kmend_jb_append(b, refs, r);
			b->failed |= !alias;
			free(alias);
		}
		p += len + (p[len] == ' ');
	}
	if (json_array_size(refs))
		kmend_jb_set(b, o, "references", refs);
	else
		json_decref(refs);
	kmend_jb_set_text(b, rsrc, "name", x->data_source);
	kmend_jb_set(b, rating, "source", rsrc);
	kmend_jb_set_text(b, rating, "severity", cdx_severity(x->severity));
	kmend_jb_set_text(b, rating, "method", "other");
	kmend_jb_append(b, ratings, rating);
	kmend_jb_set(b, o, "ratings", ratings);
	if (x->title && *x->title)
		kmend_jb_set_text(b, o, "description", x->title);
	if (x->link && *x->link) {
		json_t *adv = kmend_jb_array(b), *a = kmend_jb_object(b);
		kmend_jb_set_text(b, a, "url", x->link);
		kmend_jb_append(b, adv, a);
		kmend_jb_set(b, o, "advisories", adv);
	}
	for (size_t i = 0; i < n; i++) {
		const struct kmend_finding *f = group[i]->finding;
		affects(b, v, f, aff);
		if (f->fixed && used < sizeof(rec))
			used +=
			    (size_t)snprintf(rec + used, sizeof(rec) - used, "%supgrade %s to %s",
			                     used ? "; " : "", f->package, f->fixed);
		if (f->fixed && (i == 0 || !group[i - 1]->finding->fixed ||
		                 strcmp(f->fixed, group[i - 1]->finding->fixed)))
			property(b, props, "kmend:fixed", f->fixed);
	}
	if (rec[0])
		kmend_jb_set_text(b, o, "recommendation", rec);
	if (e->verdict == KMEND_VERDICT_IGNORED || x->status)
		kmend_jb_set(b, o, "analysis", analysis_json(b, e));
	property(b, props, "kmend:status", x->status);
	kmend_jb_set(b, o, "affects", aff);
	if (json_array_size(props))
		kmend_jb_set(b, o, "properties", props);
	else
		json_decref(props);
	return o;
}

/* Write v's vulnerabilities (shown and accepted risks) to the spool. */
static int spool_vulnerabilities(struct kmend_report *r, const struct kmend_report_view *v,
                                 struct kmend_error *err)
{
	struct cdx_state *s = r->state;
	const struct kmend_report_result *res = v->res;
	struct kmend_report_entry **list;
	size_t n = 0;
	int rc = 0;

	if (!res->nfindings)
		return 0;
	if (!(list = calloc(res->nfindings, sizeof(*list))))
		return kmend_report_no_memory(r, err);
	for (size_t i = 0; i < res->nfindings; i++)
		if (v->entries[i].verdict != KMEND_VERDICT_FILTERED)
			list[n++] = (struct kmend_report_entry *)&v->entries[i];
	qsort(list, n, sizeof(*list), by_id_then_verdict);
	for (size_t i = 0, j; i < n && rc == 0; i = j) {
		struct kmend_jb b = {0};
		json_t *o;

		for (j = i + 1; j < n && !strcmp(list[i]->finding->id, list[j]->finding->id) &&
		                list[i]->verdict == list[j]->verdict;
		     j++)
			;
		o = vulnerability_json(&b, v, list + i, j - i);
		if (b.failed) {
			json_decref(o);
			rc = kmend_report_no_memory(r, err);
			break;
		}
		fputs(s->nvulns++ ? ",\n    " : "\n    ", s->spool);
		rc = kmend_json_write(s->spool, o, 2);
		json_decref(o);
		if (rc < 0 || ferror(s->spool))
			rc = kmend_error_set(err, -EIO, "a temporary file", 0,
			                     "the CycloneDX vulnerabilities could not be kept");
	}
	free(list);
	return rc;
}

static int cdx_begin(struct kmend_report *r, struct kmend_error *err)
{
	struct cdx_state *s = calloc(1, sizeof(*s));
	unsigned char u[16];
	char when[32] = "";
	struct tm tm;

	if (!s)
		return kmend_report_no_memory(r, err);
	r->state = s;
	/* Unlinked at once and private: nothing of the report is left on disk. */
	if (!(s->spool = tmpfile()))
		return kmend_error_set(err, -errno, "a temporary file", 0,
		                       "cannot create a temporary file for the report: %s",
		                       strerror(errno));
	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return kmend_error_set(err, -EIO, "getrandom", 0,
		                       "no random bytes for the BOM's serial number");
	u[6] = (u[6] & 0x0f) | 0x40; /* an RFC 4122 version 4 UUID */
	u[8] = (u[8] & 0x3f) | 0x80;
	if (r->opts.timestamp && gmtime_r(&r->opts.timestamp, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(r->opts.out,
	        "{\n"
	        "  \"bomFormat\": \"CycloneDX\",\n"
	        "  \"specVersion\": \"1.5\",\n"
	        "  \"serialNumber\": \"urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	        "%02x%02x%02x%02x%02x%02x\",\n"
	        "  \"version\": 1,\n"
	        "  \"metadata\": {\n"
	        "%s%s%s"
	        "    \"tools\": {\n"
	        "      \"components\": [\n"
	        "        {\n"
	        "          \"type\": \"application\",\n"
	        "          \"name\": \"kmend\",\n"
	        "          \"version\": \"%s\"\n"
	        "        }\n"
	        "      ]\n"
	        "    }\n"
	        "  },\n"
	        "  \"components\": [",
	        u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
	        u[13], u[14], u[15], when[0] ? "    \"timestamp\": \"" : "", when,
	        when[0] ? "\",\n" : "", r->opts.tool_version ? r->opts.tool_version : "");
	return kmend_report_check_output(r, err);
}

static int cdx_result(struct kmend_report *r, const struct kmend_report_view *v,
                      struct kmend_error *err)
{
	struct cdx_state *s = r->state;
	struct kmend_jb b = {0};
	json_t *o = component_json(&b, v);
	int rc;

	if (b.failed) {
		json_decref(o);
		return kmend_report_no_memory(r, err);
	}
	fputs(s->ncomponents++ ? ",\n    " : "\n    ", r->opts.out);
	rc = kmend_json_write(r->opts.out, o, 2);
	json_decref(o);
	if (rc == -ENOMEM)
		return kmend_report_no_memory(r, err);
	if ((rc = kmend_report_check_output(r, err)) < 0)
		return rc;
	return spool_vulnerabilities(r, v, err);
}

static int cdx_end(struct kmend_report *r, struct kmend_error *err)
{
	struct cdx_state *s = r->state;
	char buf[65536];
	size_t n;

	fputs(s->ncomponents ? "\n  ],\n  \"vulnerabilities\": [" : "],\n  \"vulnerabilities\": [",
	      r->opts.out);
	if (fflush(s->spool) != 0 || fseek(s->spool, 0, SEEK_SET) != 0)
		return kmend_error_set(err, -EIO, "a temporary file", 0,
		                       "the CycloneDX vulnerabilities could not be read back");
	while ((n = fread(buf, 1, sizeof(buf), s->spool)) > 0)
		if (fwrite(buf, 1, n, r->opts.out) != n)
			break;
	if (ferror(s->spool))
		return kmend_error_set(err, -EIO, "a temporary file", 0,
		                       "the CycloneDX vulnerabilities could not be read back");
	fputs(s->nvulns ? "\n  ]\n}\n" : "]\n}\n", r->opts.out);
	return kmend_report_check_output(r, err);
}

static void cdx_destroy(struct kmend_report *r)
{
	struct cdx_state *s = r->state;

	if (!s)
		return;
	if (s->spool)
		fclose(s->spool);
	free(s);
	r->state = NULL;
}

const struct kmend_report_ops kmend_report_cyclonedx_ops = {
    .name = "cyclonedx",
    .begin = cdx_begin,
    .result = cdx_result,
    .end = cdx_end,
    .destroy = cdx_destroy,
};
