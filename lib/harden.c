/* The harden plan: scan the image, run each strategy in the workflow's order, recommend one. */
#include "harden.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "cleanup.h"
#include "fsutil.h"
#include "harden_internal.h"
#include "imageref.h"
#include "kmend_limits.h"
#include "oci_manifest.h"
#include "report.h"

static const char *const target_names[] = {
    [KMEND_TARGET_CRITICAL] = "critical",
    [KMEND_TARGET_HIGH] = "high",
    [KMEND_TARGET_MEDIUM] = "medium",
    [KMEND_TARGET_FIXABLE] = "fixable",
};

int kmend_harden_target_parse(const char *word)
{
	for (size_t i = 0; i < sizeof(target_names) / sizeof(target_names[0]); i++)
		if (!strcasecmp(word, target_names[i]))
			return (int)i;
	return -1;
}

const char *kmend_harden_target_name(enum kmend_harden_target t)
{
	return target_names[t];
}

bool kmend_harden_targets(enum kmend_harden_target t, const struct kmend_finding *f)
{
	/* kmend_severity_names: critical, high, medium, low... most severe first. */
	if (t == KMEND_TARGET_FIXABLE)
		return f->fixed != NULL;
	return kmend_severity_rank(f->severity) <= (int)t;
}

static const char *const strategy_names[KMEND_STRATEGY_COUNT] = {
    [KMEND_STRATEGY_NEWER_IMAGE] = "newer-image",
    [KMEND_STRATEGY_NEWER_BASE] = "newer-base",
    [KMEND_STRATEGY_REBUILD] = "rebuild",
    [KMEND_STRATEGY_PATCH] = "patch",
};

const char *kmend_harden_strategy_name(enum kmend_harden_strategy s)
{
	return strategy_names[s];
}

int kmend_harden_strategy_parse(const char *word)
{
	for (int i = 0; i < KMEND_STRATEGY_COUNT; i++)
		if (!strcmp(word, strategy_names[i]))
			return i;
	return -1;
}

/* The strategies, in the workflow's order. */
static const struct harden_strategy_ops *const strategies[KMEND_STRATEGY_COUNT] = {
    &harden_newer_image_ops,
    &harden_newer_base_ops,
    &harden_rebuild_ops,
    &harden_patch_ops,
};

/* String vectors. */

int harden_strv_empty(char ***v)
{
	return (*v = calloc(1, sizeof(char *))) ? 0 : -ENOMEM;
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void harden_strv_sort_unique(char **v)
{
	size_t n = kmend_strv_len(v), k = 0;

	if (n < 2)
		return;
	qsort(v, n, sizeof(char *), by_string);
	for (size_t i = 0; i < n; i++) {
		if (k && !strcmp(v[k - 1], v[i]))
			free(v[i]);
		else
			v[k++] = v[i];
	}
	v[k] = NULL;
}

/* Scans. */

int harden_scan_ref(struct harden_ctx *ctx, const char *ref, bool keep_open,
                    struct harden_scan *out, struct kmend_error *err)
{
	const struct kmend_image_options *io = ctx->o->image_opts;
	struct kmend_image *img;
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = kmend_image_open(ref, io, &img, err)) < 0)
		return r;
	snprintf(out->name, sizeof(out->name), "%s", img->name);
	snprintf(out->digest, sizeof(out->digest), "%s",
	         img->manifest_digest[0] ? img->manifest_digest : img->digest);
	if ((r = kmend_inventory_build(img, io ? io->cache_dir : NULL, &out->inv, err)) == 0 &&
	    (r = kmend_match(ctx->o->db, &out->inv, &out->findings, err)) == 0 &&
	    (r = harden_strv_empty(&out->targeted)) == 0) {
		for (size_t i = 0; r == 0 && i < out->findings.count; i++)
			if (kmend_harden_targets(ctx->o->target, &out->findings.items[i]))
				r = kmend_strv_push(&out->targeted, out->findings.items[i].id,
				                    strlen(out->findings.items[i].id));
		harden_strv_sort_unique(out->targeted);
	}
	if (r == 0 && keep_open)
		out->img = img;
	else
		kmend_image_close(img);
	if (r < 0)
		harden_scan_free(out);
	return r;
}

void harden_scan_free(struct harden_scan *s)
{
	if (!s)
		return;
	kmend_image_close(s->img);
	kmend_inventory_free(&s->inv);
	kmend_findings_free(&s->findings);
	kmend_strv_free(s->targeted);
	memset(s, 0, sizeof(*s));
}

/* Repositories and kmend fix's resolution. */

int harden_repos_open(struct harden_ctx *ctx, struct harden_repos *repos)
{
	memset(repos, 0, sizeof(*repos));
	repos->mirrors[0] = ctx->o->mirror;
	repos->keys[0] = ctx->o->mirror_key_file;
	repos->ro = (struct kmend_repo_options){
	    .mirrors = ctx->o->mirror ? repos->mirrors : NULL,
	    .mirror_keys = ctx->o->mirror_key_file ? repos->keys : NULL,
	    .allow_unsigned = ctx->o->allow_unsigned,
	    .cache_dir = ctx->o->image_opts ? ctx->o->image_opts->cache_dir : NULL,
	};
	return kmend_repo_session_new(&repos->ro, &repos->session);
}

void harden_repos_close(struct harden_repos *repos)
{
	kmend_repo_session_free(repos->session);
	repos->session = NULL;
}

int harden_fix_plan(struct harden_ctx *ctx, struct harden_repos *repos, bool no_tools,
                    struct kmend_fix_plan *plan, struct kmend_error *e)
{
	const struct harden_scan *cur = &ctx->cur;
	struct kmend_findings targeted = {0};
	struct kmend_fix_request req = {.inv = &cur->inv,
	                                .platform = cur->img->platform,
	                                .findings = &targeted,
	                                .no_tools = no_tools};
	int r;

	memset(plan, 0, sizeof(*plan));
	if (!(targeted.items = calloc(cur->findings.count + 1, sizeof(*targeted.items))))
		return -ENOMEM;
	for (size_t i = 0; i < cur->findings.count; i++)
		if (kmend_harden_targets(ctx->o->target, &cur->findings.items[i]))
			targeted.items[targeted.count++] = cur->findings.items[i];
	r = kmend_fix_plan_build(repos->session, &req, plan, e);
	free(targeted.items);
	return r;
}

int harden_plan_leaves(struct harden_ctx *ctx, const struct kmend_fix_plan *plan, char ***left)
{
	const struct harden_scan *cur = &ctx->cur;
	int r;

	if ((r = harden_strv_empty(left)) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < cur->findings.count; i++) {
		const struct kmend_finding *f = &cur->findings.items[i];
		if (kmend_harden_targets(ctx->o->target, f) && !kmend_fix_plan_fixes(plan, f))
			r = kmend_strv_push(left, f->id, strlen(f->id));
	}
	harden_strv_sort_unique(*left);
	return r;
}

/* References and tags. */

void harden_ref_tag(const char *ref, char *out, size_t size)
{
	struct kmend_image_ref r;

	out[0] = '\0';
	if (kmend_image_ref_parse(ref, &r, NULL) < 0)
		return;
	if (!strcmp(r.transport, "docker"))
		snprintf(out, size, "%s", r.digest[0] ? "" : r.tag);
	else if (!strcmp(r.transport, "oci"))
		snprintf(out, size, "%s", r.ref_name);
}

char *harden_ref_with_tag(const char *ref, const char *tag)
{
	struct kmend_image_ref r;
	char *s = NULL;

	if (kmend_image_ref_parse(ref, &r, NULL) < 0)
		return NULL;
	if (!strcmp(r.transport, "oci")) {
		if (asprintf(&s, "oci:%s:%s", r.path, tag) < 0)
			return NULL;
		return s;
	}
	if (asprintf(&s, "%s/%s:%s", r.registry, r.repository, tag) < 0)
		return NULL;
	return s;
}

char *harden_pinned_ref(const char *ref, const char *digest)
{
	struct kmend_image_ref r;
	char *s = NULL;

	if (kmend_image_ref_parse(ref, &r, NULL) < 0)
		return NULL;
	if (strcmp(r.transport, "docker") || !digest[0])
		return strdup(ref);
	return asprintf(&s, "%s/%s@%s", r.registry, r.repository, digest) < 0 ? NULL : s;
}

/* An OCI layout's tags: the ref names of its index. */
static int layout_tags(const char *dir, char ***tags, struct kmend_error *err)
{
	_cleanup_free_ char *path = NULL, *data = NULL;
	struct kmend_manifest idx;
	size_t len;
	int r;

	if (asprintf(&path, "%s/index.json", dir) < 0)
		return -ENOMEM;
	if ((r = kmend_read_file(path, KMEND_MANIFEST_MAX_SIZE, &data, &len, err)) < 0)
		return r;
	if ((r = kmend_manifest_parse(data, len, KMEND_MEDIA_OCI_INDEX, path, &idx, err)) < 0)
		return r;
	for (size_t i = 0; r == 0 && i < idx.count; i++)
		if (idx.entries[i].ref_name[0] && !kmend_strv_has(*tags, idx.entries[i].ref_name))
			r = kmend_strv_push(tags, idx.entries[i].ref_name,
			                    strlen(idx.entries[i].ref_name));
	kmend_manifest_free(&idx);
	return r;
}

int harden_list_tags(struct harden_ctx *ctx, const char *ref, char ***tags, struct kmend_error *err)
{
	struct kmend_image_ref r;
	int rc;

	if ((rc = kmend_image_ref_parse(ref, &r, err)) < 0)
		return rc;
	if (!strcmp(r.transport, "oci"))
		return layout_tags(r.path, tags, err);
	if (!strcmp(r.transport, "docker"))
		return kmend_registry_list_tags(ref, ctx->o->image_opts, tags, err);
	return kmend_error_set(err, -KMEND_E_UNSUPPORTED, ref, 0,
	                       "listing the tags of a %s image is not supported", r.transport);
}

/* Steps. */

int harden_step_outcome(struct kmend_harden_step *step, char *const *before, char *const *after)
{
	int r = 0;

	for (size_t i = 0; r == 0 && before && before[i]; i++)
		if (!kmend_strv_has(after, before[i]))
			r = kmend_strv_push(&step->fixes, before[i], strlen(before[i]));
	for (size_t i = 0; r == 0 && after && after[i]; i++)
		r = kmend_strv_push(&step->remaining, after[i], strlen(after[i]));
	harden_strv_sort_unique(step->fixes);
	harden_strv_sort_unique(step->remaining);
	return r;
}

int harden_step_candidate(struct kmend_harden_step *step, const char *ref, const char *digest,
                          const char *skipped, size_t fixes, size_t remaining)
{
	struct kmend_harden_candidate *c;
	int failed = 0;

	if (kmend_array_grow(&step->candidates, &step->candidates_capacity, step->ncandidates,
	                     sizeof(*step->candidates)) < 0)
		return -ENOMEM;
	c = &step->candidates[step->ncandidates];
	memset(c, 0, sizeof(*c));
	c->ref = kmend_strdup_or_null(ref, &failed);
	c->skipped = kmend_strdup_or_null(skipped, &failed);
	snprintf(c->digest, sizeof(c->digest), "%s", digest ? digest : "");
	c->fixes = fixes;
	c->remaining = remaining;
	step->ncandidates++;
	return failed ? -ENOMEM : 0;
}

int harden_step_note(struct kmend_harden_step *step, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	free(step->note);
	step->note = s;
	return 0;
}

int harden_step_refused(struct kmend_harden_step *step, int r, const struct kmend_error *err)
{
	char why[1200];

	if (r != -KMEND_E_BAD_INPUT && r != -KMEND_E_UNSUPPORTED)
		return r;
	step->available = false;
	return harden_step_note(step, "kmend cannot write this Dockerfile: %s",
	                        err ? kmend_error_format(err, why, sizeof(why))
	                            : kmend_strerror(r));
}

static void step_free(struct kmend_harden_step *s)
{
	free(s->ref);
	kmend_strv_free(s->fixes);
	kmend_strv_free(s->remaining);
	free(s->note);
	free(s->dockerfile);
	free(s->patch);
	for (size_t i = 0; i < s->ncandidates; i++) {
		free(s->candidates[i].ref);
		free(s->candidates[i].skipped);
	}
	free(s->candidates);
}

/*
 * The step that fixes the most targeted findings; on a tie the earlier one in the workflow
 * (the smaller change). None when no step fixes anything.
 */
static long recommend(const struct kmend_harden_plan *p)
{
	size_t best = 0;
	long at = -1;

	for (size_t i = 0; i < p->nsteps; i++) {
		size_t n = kmend_strv_len(p->steps[i].fixes);
		if (p->steps[i].available && n > best) {
			best = n;
			at = (long)i;
		}
	}
	return at;
}

int kmend_harden_plan_build(const struct kmend_harden_options *o, struct kmend_harden_plan *out,
                            struct kmend_error *err)
{
	struct harden_ctx ctx = {.o = o, .plan = out};
	struct kmend_image *base = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	out->recommended = -1;
	out->target = o->target;
	if ((r = harden_scan_ref(&ctx, o->image, true, &ctx.cur, err)) < 0)
		return r;
	if (!(out->image = strdup(ctx.cur.name)) || harden_strv_empty(&out->targeted) < 0) {
		r = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; ctx.cur.targeted[i]; i++)
		if ((r = kmend_strv_push(&out->targeted, ctx.cur.targeted[i],
		                         strlen(ctx.cur.targeted[i]))) < 0)
			goto done;
	snprintf(out->digest, sizeof(out->digest), "%s", ctx.cur.digest);
	out->findings = ctx.cur.findings.count;
	kmend_warnings_add_all(&out->warnings, &ctx.cur.inv.warnings);
	kmend_warnings_add_all(&out->warnings, &ctx.cur.findings.warnings);
	if (o->base && (r = kmend_image_open(o->base, o->image_opts, &base, err)) < 0)
		goto done;
	r = kmend_blame_image(ctx.cur.img, base, o->image_opts, &out->blame, err);
	kmend_image_close(base);
	if (r < 0)
		goto done;
	kmend_warnings_add_all(&out->warnings, &out->blame.warnings);
	if (!(out->steps = calloc(KMEND_STRATEGY_COUNT, sizeof(*out->steps)))) {
		r = -ENOMEM;
		goto done;
	}
	for (int i = 0; i < KMEND_STRATEGY_COUNT; i++) {
		struct kmend_harden_step *step = &out->steps[out->nsteps];
		if (o->strategies && !(o->strategies & (1u << strategies[i]->strategy)))
			continue;
		step->strategy = strategies[i]->strategy;
		out->nsteps++;
		if ((r = strategies[i]->plan(&ctx, step, err)) < 0)
			goto done;
	}
	out->recommended = recommend(out);
done:
	harden_scan_free(&ctx.cur);
	return r;
}

void kmend_harden_plan_free(struct kmend_harden_plan *p)
{
	if (!p)
		return;
	free(p->image);
	kmend_strv_free(p->targeted);
	kmend_blame_free(&p->blame);
	for (size_t i = 0; i < p->nsteps; i++)
		step_free(&p->steps[i]);
	free(p->steps);
	kmend_warnings_free(&p->warnings);
	memset(p, 0, sizeof(*p));
}
