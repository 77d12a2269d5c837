/* What the harden strategies share (lib/harden*.c only): the scans, the context, the ops. */
#ifndef KMEND_HARDEN_INTERNAL_H
#define KMEND_HARDEN_INTERNAL_H

#include "harden.h"
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
