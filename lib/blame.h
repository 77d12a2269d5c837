/*
 * Layer blame: which of an image's layers are its base image's and which its application's,
 * which source told, and the layer that installed each finding's package version.
 */
#ifndef KMEND_BLAME_H
#define KMEND_BLAME_H

#include <stddef.h>

#include "error.h"
#include "image.h"
#include "match.h"
#include "package.h"
#include "warning.h"

/* What told the base's layers apart, most trusted first. */
enum kmend_blame_source {
	KMEND_BLAME_OPTION,     /* --base REF: its layers are a prefix of the image's */
	KMEND_BLAME_ANNOTATION, /* org.opencontainers.image.base.name/.digest: that image read
	                           and its layers compared */
	KMEND_BLAME_HISTORY,    /* the config's history (kmend_blame_history_boundary) */
	KMEND_BLAME_UNKNOWN,    /* nothing told: every layer's part is unknown */
};

/* "option", "annotation", "history", "unknown" (the JSON values). */
const char *kmend_blame_source_name(enum kmend_blame_source s);

enum kmend_layer_part {
	KMEND_PART_UNKNOWN,
	KMEND_PART_BASE,
	KMEND_PART_APPLICATION,
};

/* "unknown", "base", "application". */
const char *kmend_layer_part_name(enum kmend_layer_part p);

/* An image's layers split into base and application. Everything is owned. */
struct kmend_blame {
	enum kmend_blame_source source;
	size_t nlayers;
	size_t base_layers;                 /* layers 0..base_layers-1 are the base's */
	char *base_name;                    /* the base's reference, NULL when not known */
	char base_digest[KMEND_DIGEST_MAX]; /* its manifest digest, "" when not known */
	char (*diff_ids)[KMEND_DIGEST_MAX]; /* the image's, in order */
	struct kmend_warnings warnings;     /* why a source was passed over */
};

/* Where a package version came from. */
struct kmend_layer_blame {
	const char *diff_id; /* a view into the blame; NULL when the layer is not known */
	long index;          /* 0-based layer index, -1 when not known */
	enum kmend_layer_part part;
};

/*
 * Tell img's base layers. Tried in order: base (the image --base named, NULL when none),
 * whose diff_ids must be a prefix of img's; the base annotations, where opts is not NULL:
 * the image base.name@base.digest is opened with opts and compared the same way; the
 * history. A source that does not tell adds a warning to out and the next is tried; none
 * leaves KMEND_BLAME_UNKNOWN. Errors: -ENOMEM only (an unreadable annotated base is a
 * warning).
 */
int kmend_blame_image(const struct kmend_image *img, const struct kmend_image *base,
                      const struct kmend_image_options *opts, struct kmend_blame *out,
                      struct kmend_error *err);

/*
 * The history rule: the base ends with the last CMD or ENTRYPOINT instruction that is
 * followed by an instruction that made a layer (the base's own start command, which the
 * application's build inherits and then adds layers after). Returns the number of layers
 * made before it, or -1 when the history cannot tell (no such instruction, no layer before
 * it, or a history whose layer-making entries do not number nlayers); why says which.
 */
long kmend_blame_history_boundary(const struct kmend_history_entry *h, size_t n, size_t nlayers,
                                  char *why, size_t why_size);

/* The layer that installed p's version (p->layer) under b. */
void kmend_blame_package(const struct kmend_blame *b, const struct kmend_package *p,
                         struct kmend_layer_blame *out);

/* The same for a finding: its package found by name in pkgs (sorted by name). */
void kmend_blame_finding(const struct kmend_blame *b, const struct kmend_package_list *pkgs,
                         const struct kmend_finding *f, struct kmend_layer_blame *out);

/*
 * For people: "NAME (named by the image's annotations), layers 1-3 of 5; application: layers
 * 4-5", or "not known (5 layers, none attributed)". NAME comes from the image: escape it.
 */
void kmend_blame_describe(const struct kmend_blame *b, char *buf, size_t size);

/* For machines: {"source", "base", "base_digest", "base_layers", "layers"} (docs/harden.md). */
struct kmend_jb;
struct json_t;
struct json_t *kmend_blame_json(struct kmend_jb *jb, const struct kmend_blame *b);

void kmend_blame_free(struct kmend_blame *b);

#endif
