/*
 * The patch strategy: kmend building the patched image itself, with no container engine
 * (lib/image_patch: one new layer with the fixed packages' files and the package database
 * updated to match), from kmend fix's resolution of the targeted findings. The plan fetches
 * and reads the packages (their scripts are reviewed then); the image is written when the
 * user names where (--to), or by --build's loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "harden_internal.h"
#include "image_patch.h"

/* What a package's scripts do that the patch does not, for the note. */
static int scripts_note(const struct kmend_patch *p, char *out, size_t size)
{
	const struct kmend_patch_package *pk;
	size_t n, used = 0;

	out[0] = '\0';
	pk = kmend_patch_packages(p, &n);
	for (size_t i = 0; i < n; i++)
		if (pk[i].scripts && used < size)
			used += (size_t)snprintf(out + used, size - used,
			                         "; %s's maintainer scripts do more "
			                         "than place files (%s)",
			                         pk[i].name, pk[i].scripts);
	if (out[0] && used < size)
		snprintf(out + used, size - used,
		         ": the rebuild, which runs them, is the better repair");
	return 0;
}

/* "perl-base 5.36.0-7+deb12u4, liblzma5 ...": what the patch puts in. */
static void packages_text(const struct kmend_patch *p, char *out, size_t size)
{
	const struct kmend_patch_package *pk;
	size_t n, used = 0;

	out[0] = '\0';
	pk = kmend_patch_packages(p, &n);
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s %s", i ? ", " : "",
		                         pk[i].name, pk[i].to);
}

/*
 * Resolve and prepare the patch of ctx->cur. 1 with *out when it can be made; 0 when not,
 * with why in the step's note; <0 for -ENOMEM.
 */
static int prepare(struct harden_ctx *ctx, struct harden_repos *repos, struct kmend_fix_plan *plan,
                   struct kmend_harden_step *step, struct kmend_patch **out)
{
	const struct harden_scan *cur = &ctx->cur;
	struct kmend_error e = {0};
	char why[1200];
	int r;

	*out = NULL;
	r = harden_fix_plan(ctx, repos, true, plan, &e);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return harden_step_note(step,
		                        "kmend fix's resolver cannot choose the versions to "
		                        "patch in: %s",
		                        kmend_error_format(&e, why, sizeof(why)));
	if (!plan->fixable)
		return harden_step_note(step, "%s",
		                        plan->nrefused ? plan->refused[0].message
		                                       : "the image's packages cannot be resolved");
	if (!plan->npackages)
		return harden_step_note(step, "no targeted finding has a fixed version in the "
		                              "repositories to patch in");
	r = kmend_patch_prepare(
	    &(struct kmend_patch_request){
	        .img = cur->img,
	        .inv = &cur->inv,
	        .plan = plan,
	        .session = repos->session,
	        .cache_dir = ctx->o->image_opts ? ctx->o->image_opts->cache_dir : NULL},
	    out, &e);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return harden_step_note(step, "kmend cannot patch this image: %s",
		                        kmend_error_format(&e, why, sizeof(why)));
	return 1;
}

static int write_patched(struct harden_ctx *ctx, struct kmend_patch *p, const char *to,
                         struct kmend_patch_written *w, struct kmend_error *err)
{
	struct kmend_patch_write_options wo = {.to = to,
	                                       .opts = ctx->o->image_opts,
	                                       .level = 1,
	                                       .created_by = "kmend harden --strategy patch"};

	return kmend_patch_write(p, &wo, w, err);
}

static int patch(struct harden_ctx *ctx, struct kmend_harden_step *step, struct kmend_error *err)
{
	const struct harden_scan *cur = &ctx->cur;
	struct harden_repos repos;
	struct kmend_fix_plan plan = {0};
	struct kmend_patch *p = NULL;
	struct kmend_patch_written w;
	char **left = NULL, pkgs[1500], scripts[2000], where[4700];
	size_t n;
	int r;

	if ((r = harden_repos_open(ctx, &repos)) < 0)
		return r;
	if ((r = prepare(ctx, &repos, &plan, step, &p)) <= 0)
		goto done;
	if ((r = harden_plan_leaves(ctx, &plan, &left)) < 0 ||
	    (r = harden_step_outcome(step, ctx->plan->targeted, left)) < 0)
		goto done;
	step->available = true;
	if (ctx->o->patch_to) {
		if ((r = write_patched(ctx, p, ctx->o->patch_to, &w, err)) < 0)
			goto done;
		step->ref = strdup(w.ref);
		snprintf(step->digest, sizeof(step->digest), "%s", w.digest);
		snprintf(where, sizeof(where), "written to %s", w.ref);
	} else {
		step->ref = strdup(cur->name);
		snprintf(step->digest, sizeof(step->digest), "%s", cur->digest);
		snprintf(where, sizeof(where), "--to REF writes it");
	}
	if (!step->ref) {
		r = -ENOMEM;
		goto done;
	}
	kmend_patch_packages(p, &n);
	packages_text(p, pkgs, sizeof(pkgs));
	scripts_note(p, scripts, sizeof(scripts));
	r = harden_step_note(step,
	                     "patch %zu package%s (%s) into one new layer on the image's own, with "
	                     "no container engine: %s%s",
	                     n, n == 1 ? "" : "s", pkgs, where, scripts);
done:
	kmend_strv_free(left);
	kmend_patch_free(p);
	kmend_fix_plan_free(&plan);
	harden_repos_close(&repos);
	return r;
}

int harden_patch_image(const struct kmend_harden_options *o, const char *image, const char *to,
                       char digest[KMEND_DIGEST_MAX], char **why)
{
	struct kmend_harden_plan plan = {0};
	struct kmend_harden_step step = {0};
	struct harden_ctx ctx = {.o = o, .plan = &plan};
	struct harden_repos repos = {0};
	struct kmend_fix_plan fix = {0};
	struct kmend_patch *p = NULL;
	struct kmend_patch_written w;
	struct kmend_error e = {0};
	char msg[1200];
	int r;

	*why = NULL;
	if ((r = harden_scan_ref(&ctx, image, true, &ctx.cur, &e)) < 0) {
		if (r != -ENOMEM && asprintf(why, "cannot be read: %s",
		                             kmend_error_format(&e, msg, sizeof(msg))) < 0)
			*why = NULL;
		return r == -ENOMEM || !*why ? -ENOMEM : 0;
	}
	if ((r = harden_repos_open(&ctx, &repos)) == 0)
		r = prepare(&ctx, &repos, &fix, &step, &p);
	if (r == 0) {
		/* It cannot be made: the note says why. */
		*why = step.note ? TAKE_PTR(step.note) : strdup("the patch cannot be made");
		r = *why ? 0 : -ENOMEM;
	} else if (r == 1) {
		if ((r = write_patched(&ctx, p, to, &w, &e)) == 0)
			snprintf(digest, KMEND_DIGEST_MAX, "%s", w.digest);
		else if (r != -ENOMEM)
			r = asprintf(why, "cannot be written: %s",
			             kmend_error_format(&e, msg, sizeof(msg))) < 0
			        ? -ENOMEM
			        : 0;
	}
	free(step.note);
	kmend_patch_free(p);
	kmend_fix_plan_free(&fix);
	harden_repos_close(&repos);
	harden_scan_free(&ctx.cur);
	return r;
}

const struct harden_strategy_ops harden_patch_ops = {
    .strategy = KMEND_STRATEGY_PATCH,
    .plan = patch,
};
