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

void kmend_harden_build_free(struct kmend_harden_build *b);

#endif
