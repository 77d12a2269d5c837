/*
 * The rebuild strategy: a Dockerfile FROM the image pinned by digest that upgrades exactly the
 * packages of the targeted findings to the versions that fix them, with the family's tool; or,
 * given the user's Dockerfile, the same upgrade inserted into its final stage, as a diff. The
 * versions are kmend fix's resolution against the image's repositories (or --mirror): the
 * exact versions there, with the dependencies they need; when the repositories cannot be read,
 * the advisories' fixed versions.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "distro.h"
#include "dockerfile.h"
#include "fix_plan.h"
#include "harden_internal.h"
#include "imageref.h"

/* The installed package called name, or NULL. */
static const struct kmend_package *installed(const struct kmend_package_list *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (!strcmp(l->items[i].name, name))
			return &l->items[i];
	return NULL;
}

/* The family's tool: apt, apk, or the rpm family's dnf, microdnf or yum, as installed. */
static const char *package_manager(const struct harden_scan *s, const struct kmend_distro *d)
{
	if (strcmp(d->package_manager, "dnf"))
		return d->package_manager;
	if (installed(&s->inv.packages, "dnf"))
		return "dnf";
	if (installed(&s->inv.packages, "microdnf"))
		return "microdnf";
	if (installed(&s->inv.packages, "yum"))
		return "yum";
	return "dnf";
}

/*
 * The version to pin: the finding's fixed_in (Debian's is the source's version: it is the
 * binary's unless the binary was rebuilt apart, a binNMU, when the newest is taken). rpm's
 * tools spell it without the epoch.
 */
static const char *pin(const struct kmend_package *p, const char *fixed_in)
{
	const char *colon;

	if (!p || !fixed_in)
		return NULL;
	if (p->type == KMEND_PKG_DEB && p->source_version && strcmp(p->source_version, p->version))
		return NULL;
	if (p->type == KMEND_PKG_RPM && (colon = strchr(fixed_in, ':')))
		return colon + 1;
	return fixed_in;
}

static int rebuild(struct harden_ctx *ctx, struct kmend_harden_step *step, struct kmend_error *err)
{
	const struct harden_scan *cur = &ctx->cur;
	const struct kmend_distro *d =
	    cur->inv.os_found ? kmend_distro_by_id(cur->inv.os.id) : NULL;
	struct kmend_dockerfile_package *pkgs = NULL;
	struct kmend_dockerfile_mirror mirror = {0};
	struct kmend_dockerfile_upgrade u = {0};
	_cleanup_free_ char *from = NULL, *run = NULL;
	char **unfixed = NULL, suite[128], why[700] = "";
	struct kmend_fix_plan plan = {0};
	struct harden_repos repos = {0};
	struct kmend_error e;
	bool resolved;
	size_t n = 0;
	int r;

	if (!d)
		return harden_step_note(step, "the image's distribution is not known: kmend cannot "
		                              "tell which tool upgrades its packages");
	if ((r = harden_repos_open(ctx, &repos)) < 0)
		goto done;
	r = harden_fix_plan(ctx, &repos, false, &plan, &e);
	harden_repos_close(&repos);
	if (r == -ENOMEM)
		goto done;
	resolved = r == 0 && plan.fixable;
	if (!(pkgs = calloc(cur->findings.count + plan.npackages + 1, sizeof(*pkgs))) ||
	    harden_strv_empty(&unfixed) < 0) {
		r = -ENOMEM;
		goto done;
	}
	if (r < 0)
		kmend_error_format(&e, why, sizeof(why));
	else if (!plan.fixable && plan.nrefused)
		snprintf(why, sizeof(why), "%s", plan.refused[0].message);
	r = 0;
	/* Resolved: the plan's packages at their exact versions (dependencies included). */
	for (size_t i = 0; resolved && i < plan.npackages; i++)
		pkgs[n++] = (struct kmend_dockerfile_package){.name = plan.packages[i].name,
		                                              .version = plan.packages[i].version};
	for (size_t i = 0; r == 0 && i < cur->findings.count; i++) {
		const struct kmend_finding *f = &cur->findings.items[i];
		bool seen = false;
		if (!kmend_harden_targets(ctx->o->target, f))
			continue;
		if (resolved) {
			if (!kmend_fix_plan_fixes(&plan, f))
				r = kmend_strv_push(&unfixed, f->id, strlen(f->id));
			continue;
		}
		if (!f->fixed_in) {
			r = kmend_strv_push(&unfixed, f->id, strlen(f->id));
			continue;
		}
		for (size_t k = 0; k < n; k++)
			seen |= !strcmp(pkgs[k].name, f->package);
		if (!seen)
			pkgs[n++] = (struct kmend_dockerfile_package){
			    .name = f->package,
			    .version = pin(installed(&cur->inv.packages, f->package), f->fixed_in)};
	}
	harden_strv_sort_unique(unfixed);
	if (r == 0 && n == 0)
		r = harden_step_note(step, "no targeted finding has a published fix to upgrade to");
	if (r < 0 || n == 0)
		goto done;
	if (!(from = harden_pinned_ref(cur->name, cur->digest))) {
		r = -ENOMEM;
		goto done;
	}
	u = (struct kmend_dockerfile_upgrade){
	    .from = from,
	    .package_manager = package_manager(cur, d),
	    .packages = pkgs,
	    .npackages = n,
	    .user = cur->img->run.user,
	};
	if (ctx->o->mirror) {
		snprintf(suite, sizeof(suite), "%s-security", cur->inv.os.codename);
		mirror = (struct kmend_dockerfile_mirror){
		    .url = ctx->o->mirror,
		    .suite = suite,
		    .key = ctx->o->mirror_key,
		    .key_len = ctx->o->mirror_key_len,
		    .allow_unsigned = ctx->o->allow_unsigned,
		};
		u.mirror = &mirror;
	}
	if (ctx->o->dockerfile) {
		const struct kmend_harden_dockerfile *df = ctx->o->dockerfile;
		struct kmend_dockerfile_edit edit = {0};
		if ((r = kmend_dockerfile_upgrade_run(&u, &run, err)) < 0) {
			r = harden_step_refused(step, r, err);
			goto done;
		}
		edit.run = run;
		r = kmend_dockerfile_patch(df->name, df->text, df->len, &edit, &step->patch,
		                           &step->dockerfile, err);
	} else if ((r = kmend_dockerfile_upgrade(&u, &step->dockerfile, err)) < 0) {
		r = harden_step_refused(step, r, err);
		goto done;
	}
	if (r < 0)
		goto done;
	step->available = true;
	if (!(step->ref = strdup(cur->name))) {
		r = -ENOMEM;
		goto done;
	}
	snprintf(step->digest, sizeof(step->digest), "%s", cur->digest);
	if ((r = harden_step_outcome(step, ctx->plan->targeted, unfixed)) == 0)
		r = harden_step_note(
		    step, "%s %zu package%s with %s%s; %s%s%s",
		    ctx->o->dockerfile ? "upgrade, in your Dockerfile's final stage,"
		                       : "rebuild upgrading",
		    n, n == 1 ? "" : "s", u.package_manager,
		    strcmp(from, cur->name) ? "" : " (an OCI layout: not pinned by digest)",
		    resolved ? "the versions kmend fix resolves in the repositories"
		             : "the advisories' fixed versions (kmend fix's resolver: ",
		    resolved ? "" : why, resolved ? "" : ")");
done:
	free(pkgs);
	kmend_strv_free(unfixed);
	kmend_fix_plan_free(&plan);
	return r;
}

const struct harden_strategy_ops harden_rebuild_ops = {
    .strategy = KMEND_STRATEGY_REBUILD,
    .plan = rebuild,
};
