/* What the harden strategies share (lib/harden*.c only): the scans, the context, the ops. */
#ifndef KMEND_HARDEN_INTERNAL_H
#define KMEND_HARDEN_INTERNAL_H

#include "fix_plan.h"
#include "harden.h"
#include "repo.h"
#include "strv.h"

/* One image scanned: its inventory, its findings and the targeted ones' advisory ids. */
struct harden_scan {
	struct kmend_image *img; /* open for the image being hardened only, else NULL */
	char name[4600];
	char digest[KMEND_DIGEST_MAX]; /* the platform's manifest digest */
	struct kmend_inventory inv;
	struct kmend_findings findings;
	char **targeted; /* sorted, unique, NULL-terminated (never NULL after a scan) */
};

struct harden_ctx {
	const struct kmend_harden_options *o;
	struct kmend_harden_plan *plan;
	struct harden_scan cur; /* the image being hardened */
};

/* Open, inventory and match ref; keep_open keeps out->img. Errors: the image's, the store's. */
int harden_scan_ref(struct harden_ctx *ctx, const char *ref, bool keep_open,
                    struct harden_scan *out, struct kmend_error *err);
void harden_scan_free(struct harden_scan *s);

/*
 * The repositories kmend fix resolves from (--mirror, --mirror-key, --allow-unsigned, the
 * cache), and a session over them; repos must stay where it is while open. 0 or -ENOMEM.
 */
struct harden_repos {
	const char *mirrors[2], *keys[2];
	struct kmend_repo_options ro;
	struct kmend_repo_session *session;
};
int harden_repos_open(struct harden_ctx *ctx, struct harden_repos *repos);
void harden_repos_close(struct harden_repos *repos);

/*
 * kmend fix's plan for the image's targeted findings (the run config left out: what upgrades
 * the packages runs as root; no_tools: kmend puts them in, the image needs no package
 * manager). 0 with the plan (freed by the caller in every case); <0 when the repositories
 * cannot be read or verified, with why in e.
 */
int harden_fix_plan(struct harden_ctx *ctx, struct harden_repos *repos, bool no_tools,
                    struct kmend_fix_plan *plan, struct kmend_error *e);

/* The targeted ids the plan does not fix, sorted unique, into *left. 0 or -ENOMEM. */
int harden_plan_leaves(struct harden_ctx *ctx, const struct kmend_fix_plan *plan, char ***left);

/* The tags next to ref: an OCI layout's ref names, a registry repository's tags. */
int harden_list_tags(struct harden_ctx *ctx, const char *ref, char ***tags,
                     struct kmend_error *err);

/* ref with its tag replaced by tag ("oci:/d:12.4" -> "oci:/d:12.5"); NULL on -ENOMEM. */
char *harden_ref_with_tag(const char *ref, const char *tag);

/* NAME@DIGEST for a registry image (what a Dockerfile's FROM pins); other transports, which
   cannot be pinned, as they are. NULL on -ENOMEM or a reference that does not parse. */
char *harden_pinned_ref(const char *ref, const char *digest);

/* ref's tag ("12.4"), "" when it has none (a digest, the only image of a layout). */
void harden_ref_tag(const char *ref, char *out, size_t size);

/* Fill step->fixes (ids of before not in after) and step->remaining (after). 0, -ENOMEM. */
int harden_step_outcome(struct kmend_harden_step *step, char *const *before, char *const *after);

/* Add a candidate to a step (skipped NULL: scanned). 0 or -ENOMEM. */
int harden_step_candidate(struct kmend_harden_step *step, const char *ref, const char *digest,
                          const char *skipped, size_t fixes, size_t remaining);

/*
 * A Dockerfile that cannot be written from what the image holds (a value that is not safe, a
 * package manager kmend cannot drive: r is -KMEND_E_BAD_INPUT or -KMEND_E_UNSUPPORTED): the
 * step is not available and its note says why; 0. Any other r is returned as it is.
 */
int harden_step_refused(struct kmend_harden_step *step, int r, const struct kmend_error *err);

/* step->note = printf(fmt); 0 or -ENOMEM. */
int harden_step_note(struct kmend_harden_step *step, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Advisory id lists (lib/strv vectors): an empty one (not NULL), and sorting them unique. */
int harden_strv_empty(char ***v);
void harden_strv_sort_unique(char **v);

/*
 * --build's patch step: patch image (resolved, prepared and written to to). 0 with digest, or
 * 0 with *why (malloc'd) when it cannot be made or written (a step with its error); -ENOMEM.
 */
int harden_patch_image(const struct kmend_harden_options *o, const char *image, const char *to,
                       char digest[KMEND_DIGEST_MAX], char **why);

struct harden_strategy_ops {
	enum kmend_harden_strategy strategy;
	/* Fill step (strategy set, available false); an error stops the plan. */
	int (*plan)(struct harden_ctx *ctx, struct kmend_harden_step *step,
	            struct kmend_error *err);
};

extern const struct harden_strategy_ops harden_newer_image_ops;
extern const struct harden_strategy_ops harden_newer_base_ops;
extern const struct harden_strategy_ops harden_rebuild_ops;
extern const struct harden_strategy_ops harden_patch_ops;

#endif
