/*
 * The newer-image and newer-base strategies: the tags on the same line (or the candidates the
 * user named), each scanned (layers they share are read once, through the layer cache), and the
 * one that fixes the most targeted findings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "distro.h"
#include "dockerfile.h"
#include "harden_files.h"
#include "imageref.h"
#include "harden_internal.h"
#include "harden_tags.h"

/* The best candidate so far. */
struct best {
	struct harden_scan scan;
	char *ref;
	size_t fixes, remaining;
	struct kmend_tag_version version;
	bool have;
};

/* What a candidate would leave: its own targeted findings, plus keep (the application's). */
static int after_of(char *const *keep, char *const *cand, char ***out)
{
	int r = harden_strv_empty(out);

	for (size_t i = 0; r == 0 && keep && keep[i]; i++)
		r = kmend_strv_push(out, keep[i], strlen(keep[i]));
	for (size_t i = 0; r == 0 && cand && cand[i]; i++)
		r = kmend_strv_push(out, cand[i], strlen(cand[i]));
	harden_strv_sort_unique(*out);
	return r;
}

static size_t count_fixed(char *const *before, char *const *after)
{
	size_t n = 0;

	for (size_t i = 0; before && before[i]; i++)
		n += !kmend_strv_has(after, before[i]);
	return n;
}

/* Is c better than b: more fixed, then fewer left, then newer. */
static bool better(const struct best *b, size_t fixes, size_t remaining,
                   const struct kmend_tag_version *v)
{
	if (!b->have)
		return true;
	if (fixes != b->fixes)
		return fixes > b->fixes;
	if (remaining != b->remaining)
		return remaining < b->remaining;
	return kmend_tag_compare(v, &b->version) > 0;
}

/* Do a and b name the same repository (registry and name, or layout directory)? */
static bool same_repository(const char *a, const char *b)
{
	struct kmend_image_ref x, y;

	if (!a || !b || kmend_image_ref_parse(a, &x, NULL) < 0 ||
	    kmend_image_ref_parse(b, &y, NULL) < 0)
		return false;
	return !strcmp(x.transport, y.transport) && !strcmp(x.path, y.path) &&
	       !strcmp(x.registry, y.registry) && !strcmp(x.repository, y.repository);
}

/*
 * Scan every candidate of refs and fill step with the best. A candidate of line_ref's
 * repository must be a newer release on the line of its tag (line_tag); one of another
 * repository is the user's own choice. keep: targeted ids a candidate cannot fix (newer-base
 * rebuilt from the user's Dockerfile: the application's).
 */
static int consider(struct harden_ctx *ctx, struct kmend_harden_step *step, const char *line_ref,
                    const char *line_tag, char *const *refs, char *const *keep,
                    struct kmend_error *err)
{
	char *const *before = ctx->plan->targeted;
	struct kmend_tag_version line;
	bool has_line = kmend_tag_parse(line_tag, &line) == 0;
	struct best best = {0};
	size_t scanned = 0;
	int r = 0;

	for (size_t i = 0; r == 0 && refs[i]; i++) {
		char tag[256], msg[700], *skip = NULL;
		struct kmend_tag_version v = {0};
		struct harden_scan scan;
		struct kmend_error e;
		char **after = NULL;
		size_t fixes;

		harden_ref_tag(refs[i], tag, sizeof(tag));
		kmend_tag_parse(tag, &v);
		if (has_line && same_repository(line_ref, refs[i]) &&
		    (skip = (char *)kmend_tag_on_line(&line, tag))) {
			r = harden_step_candidate(step, refs[i], NULL, skip, 0, 0);
			continue;
		}
		if ((r = harden_scan_ref(ctx, refs[i], false, &scan, &e)) < 0) {
			if (r == -ENOMEM)
				break;
			snprintf(msg, sizeof(msg), "cannot be read: %s",
			         kmend_error_format(&e, (char[600]){0}, 600));
			r = harden_step_candidate(step, refs[i], NULL, msg, 0, 0);
			continue;
		}
		scanned++;
		if ((r = after_of(keep, scan.targeted, &after)) == 0) {
			fixes = count_fixed(before, after);
			r = harden_step_candidate(step, refs[i], scan.digest, NULL, fixes,
			                          kmend_strv_len(after));
			if (r == 0 && better(&best, fixes, kmend_strv_len(after), &v)) {
				harden_scan_free(&best.scan);
				free(best.ref);
				best = (struct best){.scan = scan,
				                     .fixes = fixes,
				                     .remaining = kmend_strv_len(after),
				                     .version = v,
				                     .have = true};
				memset(&scan, 0, sizeof(scan));
				if (!(best.ref = strdup(refs[i])))
					r = -ENOMEM;
			}
		}
		kmend_strv_free(after);
		harden_scan_free(&scan);
	}
	if (r == 0 && best.have) {
		char **after = NULL;
		step->available = true;
		step->ref = TAKE_PTR(best.ref);
		snprintf(step->digest, sizeof(step->digest), "%s", best.scan.digest);
		if ((r = after_of(keep, best.scan.targeted, &after)) == 0)
			r = harden_step_outcome(step, before, after);
		kmend_strv_free(after);
	} else if (r == 0) {
		r = harden_step_note(step, "%s",
		                     scanned    ? "no candidate could be read"
		                     : has_line ? "no newer tag on the line"
		                                : "no candidate to consider");
	}
	harden_scan_free(&best.scan);
	free(best.ref);
	(void)err;
	return r;
}

/* The candidates: the user's, or every tag of ref's repository (ref's own left out). */
static int candidates(struct harden_ctx *ctx, const char *ref, const char *const *given,
                      char ***out, struct kmend_harden_step *step, struct kmend_error *err)
{
	char **tags = NULL, own[256];
	int r = 0;

	if (given) {
		for (size_t i = 0; r == 0 && given[i]; i++)
			r = kmend_strv_push(out, given[i], strlen(given[i]));
		return r == 0 && !*out ? harden_strv_empty(out) : r;
	}
	if ((r = harden_list_tags(ctx, ref, &tags, err)) < 0)
		return r;
	harden_ref_tag(ref, own, sizeof(own));
	r = harden_strv_empty(out);
	for (size_t i = 0; r == 0 && tags && tags[i]; i++) {
		char *full;
		if (!strcmp(tags[i], own))
			continue;
		if (!(full = harden_ref_with_tag(ref, tags[i]))) {
			r = -ENOMEM;
			break;
		}
		r = kmend_strv_push(out, full, strlen(full));
		free(full);
	}
	kmend_strv_free(tags);
	(void)step;
	return r;
}

static int newer_image(struct harden_ctx *ctx, struct kmend_harden_step *step,
                       struct kmend_error *err)
{
	const char *ref = ctx->o->image;
	char **refs = NULL, tag[256], why[700];
	struct kmend_error e;
	int r;

	struct kmend_tag_version v;

	harden_ref_tag(ref, tag, sizeof(tag));
	if (!ctx->o->candidates && kmend_tag_parse(tag, &v) < 0)
		return harden_step_note(step,
		                        "the image's tag (%s) is not a version: kmend cannot tell "
		                        "its release line; name candidates with --candidates",
		                        tag[0] ? tag : "none");
	if ((r = candidates(ctx, ref, ctx->o->candidates, &refs, step, &e)) < 0) {
		kmend_strv_free(refs);
		if (r == -ENOMEM)
			return r;
		return harden_step_note(step, "the repository's tags cannot be listed: %s",
		                        kmend_error_format(&e, why, sizeof(why)));
	}
	r = consider(ctx, step, ref, tag, refs, NULL, err);
	kmend_strv_free(refs);
	if (r == 0 && step->available)
		r = harden_step_note(step, "use %s, a newer release on the line of %s", step->ref,
		                     tag[0] ? tag : ctx->plan->image);
	return r;
}

/* The targeted findings the application layers installed: a new base cannot fix them. */
static int application_ids(struct harden_ctx *ctx, char ***out)
{
	const struct kmend_findings *f = &ctx->cur.findings;
	int r = harden_strv_empty(out);

	for (size_t i = 0; r == 0 && i < f->count; i++) {
		struct kmend_layer_blame lb;
		if (!kmend_harden_targets(ctx->o->target, &f->items[i]))
			continue;
		kmend_blame_finding(&ctx->plan->blame, &ctx->cur.inv.packages, &f->items[i], &lb);
		if (lb.part != KMEND_PART_BASE)
			r = kmend_strv_push(out, f->items[i].id, strlen(f->items[i].id));
	}
	harden_strv_sort_unique(*out);
	return r;
}

/* "/opt/x/bin/app (needs /lib64/ld-linux-x86-64.so.2, libc.so.6)": the first dynamic one. */
static void first_dynamic(const struct kmend_app_files *files, char *buf, size_t size)
{
	for (size_t i = 0; i < files->count; i++) {
		const struct kmend_elf_info *e = &files->items[i].elf;
		size_t n;
		if (!e->dynamic)
			continue;
		n = (size_t)snprintf(buf, size, "/%s (needs %s", files->items[i].path,
		                     e->interp[0] ? e->interp : "a loader");
		for (size_t k = 0; k < e->nneeded && n < size; k++)
			n += (size_t)snprintf(buf + n, size - n, ", %s", e->needed[k]);
		if (n < size)
			snprintf(buf + n, size - n, ")");
		return;
	}
	buf[0] = '\0';
}

/*
 * The multi-stage Dockerfile that moves the application onto the chosen base, and what the
 * move would break: dynamically linked binaries on a base of another distribution.
 */
static int move_dockerfile(struct harden_ctx *ctx, struct kmend_harden_step *step,
                           struct kmend_error *err)
{
	const struct kmend_image_build_info *b = &ctx->cur.img->build;
	const struct kmend_image_run_config *run = &ctx->cur.img->run;
	const struct kmend_distro *d = kmend_distro_by_id(ctx->cur.inv.os.id);
	struct kmend_dockerfile_package *pkgs = NULL;
	struct kmend_app_files files = {0};
	struct harden_scan nb;
	_cleanup_free_ char *old = NULL, *new_base = NULL;
	char example[1024];
	size_t n = 0;
	bool other;
	int r;

	if ((r = harden_scan_ref(ctx, step->ref, false, &nb, err)) < 0)
		return r;
	other = strcmp(nb.inv.os.id, ctx->cur.inv.os.id) != 0;
	if (other && !ctx->o->other_distro) {
		step->available = false;
		r = harden_step_note(step,
		                     "%s is another distribution (%s, the image %s): allow it with "
		                     "--other-distro",
		                     step->ref, nb.inv.os.id[0] ? nb.inv.os.id : "unknown",
		                     ctx->cur.inv.os.id);
		goto done;
	}
	if ((r = kmend_app_files_read(ctx->cur.img, ctx->plan->blame.base_layers,
	                              ctx->o->image_opts ? ctx->o->image_opts->cache_dir : NULL,
	                              &files, err)) < 0) {
		/* Application layers too large to hold in memory: this step cannot list them. */
		if (r == -KMEND_E_TOO_LARGE) {
			char why[1200];
			step->available = false;
			r = harden_step_note(step, "the application's files cannot be listed: %s",
			                     err ? kmend_error_format(err, why, sizeof(why))
			                         : kmend_strerror(-KMEND_E_TOO_LARGE));
		}
		goto done;
	}
	/* The application layers' packages the new base lacks, installed by name. */
	if (!(pkgs = calloc(ctx->cur.inv.packages.count + 1, sizeof(*pkgs)))) {
		r = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; !other && i < ctx->cur.inv.packages.count; i++) {
		const struct kmend_package *p = &ctx->cur.inv.packages.items[i];
		struct kmend_layer_blame lb;
		bool there = false;
		kmend_blame_package(&ctx->plan->blame, p, &lb);
		if (lb.part != KMEND_PART_APPLICATION)
			continue;
		for (size_t k = 0; k < nb.inv.packages.count && !there; k++)
			there = !strcmp(nb.inv.packages.items[k].name, p->name);
		if (!there && (!n || strcmp(pkgs[n - 1].name, p->name)))
			pkgs[n++] = (struct kmend_dockerfile_package){.name = p->name};
	}
	if (!(old = harden_pinned_ref(ctx->cur.name, ctx->cur.digest)) ||
	    !(new_base = harden_pinned_ref(step->ref, step->digest))) {
		r = -ENOMEM;
		goto done;
	}
	{
		const struct kmend_dockerfile_config cfg = {
		    .user = run->user,
		    .working_dir = run->working_dir,
		    .entrypoint = run->entrypoint,
		    .cmd = run->cmd,
		    .env = run->env,
		    .exposed_ports = b->exposed_ports,
		    .labels = b->labels,
		};
		const struct kmend_dockerfile_move m = {
		    .old_image = old,
		    .new_base = new_base,
		    .copy = files.copy,
		    .package_manager = d ? d->package_manager : NULL,
		    .packages = pkgs,
		    .npackages = n,
		    .config = &cfg,
		};
		if ((r = kmend_dockerfile_move(&m, &step->dockerfile, err)) < 0) {
			step->available = false;
			r = harden_step_refused(step, r, err);
			goto done;
		}
	}
	first_dynamic(&files, example, sizeof(example));
	if (other && files.dynamic)
		r = harden_step_note(
		    step,
		    "move the application onto %s, another distribution: its layers "
		    "hold %zu dynamically linked binar%s, e.g. %s: they break unless "
		    "that base has the same loader and libraries",
		    step->ref, files.dynamic, files.dynamic == 1 ? "y" : "ies", example);
	else
		r = harden_step_note(
		    step,
		    "move the application (%zu file%s of its own%s) onto %s with a "
		    "multi-stage Dockerfile%s",
		    files.count, files.count == 1 ? "" : "s",
		    files.dynamic ? "" : ", none dynamically linked", step->ref,
		    n ? "; the application layers' packages installed again" : "");
done:
	free(pkgs);
	kmend_app_files_free(&files);
	harden_scan_free(&nb);
	return r;
}

static int newer_base(struct harden_ctx *ctx, struct kmend_harden_step *step,
                      struct kmend_error *err)
{
	const struct kmend_blame *b = &ctx->plan->blame;
	char **refs = NULL, **keep = NULL, tag[256] = "", why[700];
	struct kmend_error e;
	int r;

	if (b->source == KMEND_BLAME_UNKNOWN || b->base_layers == 0)
		return harden_step_note(step, "the image's base is not known: name it with --base");
	if (!b->base_name && !ctx->o->base_candidates)
		return harden_step_note(
		    step, "the history tells the base's layers but not its name: name "
		          "it with --base, or candidates with --base-candidates");
	if (b->base_name)
		harden_ref_tag(b->base_name, tag, sizeof(tag));
	if ((r = candidates(ctx, b->base_name, ctx->o->base_candidates, &refs, step, &e)) < 0) {
		kmend_strv_free(refs);
		if (r == -ENOMEM)
			return r;
		return harden_step_note(step, "the base repository's tags cannot be listed: %s",
		                        kmend_error_format(&e, why, sizeof(why)));
	}
	/* Rebuilt from the user's Dockerfile, the application layers install what they did (their
	   findings stay); moved, only their own files go, and their packages come anew from the
	   new base. */
	if ((r = ctx->o->dockerfile ? application_ids(ctx, &keep) : harden_strv_empty(&keep)) == 0)
		r = consider(ctx, step, b->base_name, tag, refs, keep, err);
	kmend_strv_free(refs);
	kmend_strv_free(keep);
	if (r == 0 && step->available && ctx->o->dockerfile) {
		const struct kmend_harden_dockerfile *df = ctx->o->dockerfile;
		struct kmend_dockerfile_edit edit = {0};
		_cleanup_free_ char *pin = harden_pinned_ref(step->ref, step->digest);
		if (!pin)
			return -ENOMEM;
		edit.new_from = pin;
		if ((r = kmend_dockerfile_patch(df->name, df->text, df->len, &edit, &step->patch,
		                                &step->dockerfile, err)) == 0)
			r = harden_step_note(step, "build your Dockerfile on %s", step->ref);
	} else if (r == 0 && step->available) {
		r = move_dockerfile(ctx, step, err);
	}
	return r;
}

const struct harden_strategy_ops harden_newer_image_ops = {
    .strategy = KMEND_STRATEGY_NEWER_IMAGE,
    .plan = newer_image,
};

const struct harden_strategy_ops harden_newer_base_ops = {
    .strategy = KMEND_STRATEGY_NEWER_BASE,
    .plan = newer_base,
};
