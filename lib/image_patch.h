/*
 * A patched image, built by kmend without a container engine: the original layers, and on
 * top one new layer holding the files of the fixed package versions (taken from their .deb,
 * .apk or .rpm files) and the package database updated to match, with whiteouts for the
 * files the old versions had and the new ones do not. The config gains the layer's diff_id
 * and a history entry; the manifest (OCI) names the original as its base and says what was
 * patched. Packages whose maintainer scripts do more than place files are said, and the
 * rebuild preferred for them.
 */
#ifndef KMEND_IMAGE_PATCH_H
#define KMEND_IMAGE_PATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "fix_plan.h"
#include "image.h"
#include "image_sink.h"
#include "inventory.h"
#include "layer_write.h"
#include "repo.h"
#include "warning.h"

/* What to patch, with what. Everything must outlive the patch. */
struct kmend_patch_request {
	struct kmend_image *img;            /* open: the image to patch */
	const struct kmend_inventory *inv;  /* its inventory */
	const struct kmend_fix_plan *plan;  /* the packages and versions (kmend fix's resolution) */
	struct kmend_repo_session *session; /* fetches the package files, checked by SHA-256 */
	const char *cache_dir; /* the layer cache for the database's read; may be NULL */
	const char *work_dir;  /* where the new layer is written before it goes out
	                          (a private file, removed with the patch); NULL:
	                          $TMPDIR or /tmp */
};

/* One package the patch replaces. */
struct kmend_patch_package {
	char *name, *from, *to; /* the name and the versions installed and patched in */
	char *scripts;  /* NULL: its maintainer scripts only place files (or it has none); else
	                   what they do beyond that, which only running them (the rebuild) does */
	size_t files;   /* entries of its payload written into the layer */
	size_t removed; /* files of the old version no longer shipped: whited out */
};

struct kmend_patch;

/*
 * Fetch the plan's package files (each checked against the SHA-256 and size of the verified
 * index), read them and the image's package database, review the maintainer scripts, and
 * decide every entry of the new layer. Nothing is written. Errors: -KMEND_E_UNSUPPORTED (a
 * family kmend cannot patch, a plan that is not fixable, a package not installed as the plan
 * says), the fetch's (-KMEND_E_DIGEST naming the URL), the package files' (-KMEND_E_BAD_INPUT),
 * the image's and layers'.
 */
int kmend_patch_prepare(const struct kmend_patch_request *req, struct kmend_patch **out,
                        struct kmend_error *err);

/* The packages it replaces, in the plan's order. */
const struct kmend_patch_package *kmend_patch_packages(const struct kmend_patch *p, size_t *n);

/* Some package's scripts do more than place files: the rebuild is the better repair. */
bool kmend_patch_prefers_rebuild(const struct kmend_patch *p);

/* What the user should know (an unmodified conffile kept, a diversion followed). */
const struct kmend_warnings *kmend_patch_warnings(const struct kmend_patch *p);

struct kmend_patch_write_options {
	const char *to; /* REGISTRY/REPO:TAG, docker://..., oci:DIR[:TAG] */
	const struct kmend_image_options
	    *opts; /* the destination registry's (--insecure-registry) */
	const struct kmend_push_options *push; /* may be NULL */
	int level;                             /* gzip level for ISA-L (0-3); out of range: 1 */
	const char *created_by; /* the history entry's created_by; NULL: "kmend harden --strategy
	                           patch" */
	long long created;      /* seconds since the epoch for created fields; 0: now, or
	                           $SOURCE_DATE_EPOCH when set */
};

struct kmend_patch_written {
	char ref[4600];                /* the destination, canonical */
	char digest[KMEND_DIGEST_MAX]; /* the patched image's manifest */
	char config_digest[KMEND_DIGEST_MAX];
	struct kmend_layer_written layer;
	struct kmend_sink_stats sink;
};

/*
 * Write the new layer, config and manifest, and the image to o->to: the original layers
 * (mounted or skipped where the registry has them), then the new ones, the manifest last.
 * Errors: the layer's (-errno), the destination's (push and layout errors).
 */
int kmend_patch_write(struct kmend_patch *p, const struct kmend_patch_write_options *o,
                      struct kmend_patch_written *out, struct kmend_error *err);

void kmend_patch_free(struct kmend_patch *p);

#endif
