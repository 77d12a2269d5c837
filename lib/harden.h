/*
 * kmend harden's plan: the image-hardening workflow's steps in order (a newer image on the same
 * line, a newer or different base, a rebuild that upgrades the vulnerable packages, a patched
 * image), what each would fix of the targeted findings and what would remain, and the one kmend
 * recommends.
 */
#ifndef KMEND_HARDEN_H
#define KMEND_HARDEN_H

#include <stdbool.h>
#include <stddef.h>

#include "blame.h"
#include "error.h"
#include "image.h"
#include "inventory.h"
#include "match.h"
#include "vulndb.h"
#include "warning.h"

/* Which findings the user wants gone. */
enum kmend_harden_target {
	KMEND_TARGET_CRITICAL, /* critical ones */
	KMEND_TARGET_HIGH,     /* critical and high */
	KMEND_TARGET_MEDIUM,   /* critical, high and medium */
	KMEND_TARGET_FIXABLE,  /* every one that has a fix published */
};

/* "critical", "high", "medium", "fixable" (any case) as a target, or -1. */
int kmend_harden_target_parse(const char *word);
const char *kmend_harden_target_name(enum kmend_harden_target t);

/* Whether f is one of the findings target aims at. */
bool kmend_harden_targets(enum kmend_harden_target t, const struct kmend_finding *f);

/* The strategies, in the workflow's order. */
enum kmend_harden_strategy {
	KMEND_STRATEGY_NEWER_IMAGE, /* the image's newer release on the same line */
	KMEND_STRATEGY_NEWER_BASE,  /* the application moved onto a newer base */
	KMEND_STRATEGY_REBUILD,     /* a Dockerfile that upgrades the vulnerable packages */
	KMEND_STRATEGY_PATCH,       /* a patched image built by kmend itself */
	KMEND_STRATEGY_COUNT,
};

/* "newer-image", "newer-base", "rebuild", "patch"; parse returns -1 for another word. */
const char *kmend_harden_strategy_name(enum kmend_harden_strategy s);
int kmend_harden_strategy_parse(const char *word);

/* A tag or image a strategy looked at, and what became of it. */
struct kmend_harden_candidate {
	char *ref;
	char digest[KMEND_DIGEST_MAX]; /* "" when it was not read */
	char *skipped;                 /* why it was left out ("another major"), NULL: scanned */
	size_t fixes, remaining;       /* of the targeted findings, when scanned */
};

/* One step of the plan. Everything is owned. */
struct kmend_harden_step {
	enum kmend_harden_strategy strategy;
	bool available;                /* false: the strategy has nothing to offer; note says why */
	char *ref;                     /* the image the step yields or starts from; may be NULL */
	char digest[KMEND_DIGEST_MAX]; /* ref's manifest digest, "" when not known */
	char **fixes;     /* targeted advisory ids it removes, sorted, NULL-terminated */
	char **remaining; /* targeted advisory ids left after it, the same */
	char *note;       /* what the step does, or why it is not available */
	char *dockerfile; /* the Dockerfile to build (rebuild, newer-base), or NULL */
	char *patch;      /* with --dockerfile: a unified diff to it, or NULL */
	struct kmend_harden_candidate *candidates; /* newer-image, newer-base: every one seen */
	size_t ncandidates, candidates_capacity;
};

struct kmend_harden_plan {
	char *image;                   /* the image's canonical name */
	char digest[KMEND_DIGEST_MAX]; /* its manifest digest */
	enum kmend_harden_target target;
	char **targeted;                 /* its targeted advisory ids, sorted, NULL-terminated */
	size_t findings;                 /* every finding it has, targeted or not */
	struct kmend_blame blame;        /* its layers: base or application */
	struct kmend_harden_step *steps; /* in the workflow's order */
	size_t nsteps;
	long recommended;               /* index of the step kmend recommends, -1: none */
	struct kmend_warnings warnings; /* what the plan could not look at, and why */
};

/* A Dockerfile of the user's, to be patched rather than replaced. */
struct kmend_harden_dockerfile {
	const char *name; /* its path, for the diff's header and errors */
	const char *text;
	size_t len;
};

struct kmend_harden_options {
	const char *image; /* the reference to harden */
	enum kmend_harden_target target;
	unsigned strategies;                /* bit (1 << strategy) per strategy to run; 0: all */
	const char *const *candidates;      /* newer-image: the refs to consider (NULL-terminated);
	                                       NULL: the repository's tags */
	const char *const *base_candidates; /* newer-base: the same for the base */
	const char *base;                   /* --base: the image it was built on; may be NULL */
	const struct kmend_harden_dockerfile *dockerfile; /* may be NULL */
	const char *mirror;          /* the rebuild fetches packages from this repository
	                                rather than the image's; may be NULL */
	const char *mirror_key_file; /* the mirror's signing key's file (for the resolver) */
	const char *mirror_key;      /* its bytes (OpenPGP, armored or not), which the Dockerfile
	                                carries */
	size_t mirror_key_len;
	bool allow_unsigned;  /* trust a mirror with no key */
	bool other_distro;    /* newer-base may take a base of another family */
	const char *patch_to; /* patch: write the patched image there (REGISTRY/REPO:TAG,
	                         oci:DIR[:TAG]) as the plan is made; NULL: only plan it */
	struct kmend_vulndb *db;
	const struct kmend_image_options *image_opts; /* cache_dir there holds the layer cache:
	                                                 layers candidates share are read once */
};

/*
 * Scan the image and the candidates, and write the plan. The image itself must be readable
 * (its errors are returned: the image's, the store's); a candidate that cannot be read is a
 * candidate left out, with the reason. out is filled in either case and freed with
 * kmend_harden_plan_free.
 */
int kmend_harden_plan_build(const struct kmend_harden_options *o, struct kmend_harden_plan *out,
                            struct kmend_error *err);

void kmend_harden_plan_free(struct kmend_harden_plan *p);

#endif
