/*
 * The patch strategy: kmend building the patched image itself (a new layer holding the fixed
 * packages' files and the updated package database, pushed with the registry client). This is
 * the seam where that builder plugs in; until it does, the step says so and the rebuild carries
 * the same packages.
 */
#include "harden_internal.h"

static int patch(struct harden_ctx *ctx, struct kmend_harden_step *step, struct kmend_error *err)
{
	(void)ctx;
	(void)err;
	return harden_step_note(step, "kmend does not build patched images yet: use the rebuild, "
	                              "which installs the same packages");
}

const struct harden_strategy_ops harden_patch_ops = {
    .strategy = KMEND_STRATEGY_PATCH,
    .plan = patch,
};
