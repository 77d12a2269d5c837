/*
 * kmend harden --build: build the plan's Dockerfile with a builder found on PATH (podman build,
 * buildah), rescan the result, and go on through the strategies until the target is met or
 * nothing is left to try.
 */
#ifndef KMEND_HARDEN_BUILD_H
#define KMEND_HARDEN_BUILD_H

#include <stddef.h>

#include "error.h"
#include "harden.h"

/* One build and its rescan. */
struct kmend_harden_build_step {
	enum kmend_harden_strategy strategy;
	char *image;                   /* what was built (a tag in the builder's storage) */
	char digest[KMEND_DIGEST_MAX]; /* its manifest digest as kmend read it, "" when not read */
	char **fixed;                  /* targeted ids it removed, sorted, NULL-terminated */
	char **left;                   /* targeted ids it still has */
	char *error;                   /* the build or rescan failed: why; NULL when it did not */
};

struct kmend_harden_build {
	const char *builder; /* "podman" or "buildah" */
	struct kmend_harden_build_step *steps;
	size_t nsteps, capacity;
	char *stopped; /* why the loop ended: "the target is met", "nothing left to try"... */
	bool target_met;
};

/* How to build. */
struct kmend_harden_build_options {
	const char *to;      /* the name the last built image gets; NULL: localhost/kmend-harden */
	const char *context; /* the build context (the --dockerfile's directory); NULL: an empty
	                        directory */
};

/*
 * The builder on PATH: "podman" (podman build) or "buildah"; NULL when neither runs.
 */
const char *kmend_harden_find_builder(void);

/*
 * Carry out the plan: take its first step (in the workflow's order) that fixes something, make
 * its image (newer-image: the candidate itself; rebuild, newer-base: its Dockerfile built with
 * builder and read back through an oci-archive; patch: written by kmend to bo->to, else to an
 * OCI layout in the cache, harden-patched:N), rescan it, and plan again on the result with
 * the strategies left, until the target is met or nothing is left to try. Built images keep a
 * tag in the builder's storage (bo->to, or localhost/kmend-harden:N). A failed build is a step
 * with its error, and the loop goes on without that strategy. builder may be NULL (none on PATH):
 * Dockerfile steps are then steps with that error. Errors: -ENOMEM, the store's.
 */
int kmend_harden_build_run(const struct kmend_harden_options *o,
                           const struct kmend_harden_plan *first, const char *builder,
                           const struct kmend_harden_build_options *bo,
                           struct kmend_harden_build *out, struct kmend_error *err);

void kmend_harden_build_free(struct kmend_harden_build *b);

#endif
