/*
 * One image's answer for the commands that report on images (scan, fix): opened once, its
 * inventory built, matched against the store; with what fix also needs (the platform and
 * how the image runs). Prints nothing: the caller says what went wrong, and when.
 */
#ifndef KMEND_IMAGE_SCAN_H
#define KMEND_IMAGE_SCAN_H

#include <stdbool.h>

#include "error.h"
#include "image.h"
#include "inventory.h"
#include "match.h"
#include "oci_manifest.h"
#include "vulndb.h"
#include "warning.h"

struct kmend_image_scan {
	bool failed;              /* the image could not be read or matched: error says why */
	struct kmend_error error; /* names the reference */
	char name[4600];          /* canonical; the reference as given when it failed to open */
	char digest[KMEND_DIGEST_MAX];
	char platform[96];
	char ecosystem[128]; /* the store key ("debian:12"), "" when the OS is not known */
	struct kmend_inventory inv;
	struct kmend_findings findings;
	struct kmend_warnings warnings;    /* the inventory's and the matcher's, and "no-os" */
	struct kmend_image_run_config run; /* User, Entrypoint, Cmd, Env, WorkingDir */
};

/*
 * Read the image ref names (opts as kmend_image_open takes them; layers cached under
 * cache_dir when not NULL) and match it with db, into out (emptied first). Returns 0, or
 * the negative code that out->error explains (out->failed set). Free out with
 * kmend_image_scan_free either way. keep NULL: the image is closed; else, on success, *keep
 * is the image still open for more reading (layer blame), for the caller to close (NULL on
 * failure).
 */
int kmend_image_scan(const char *ref, const struct kmend_image_options *opts, const char *cache_dir,
                     struct kmend_vulndb *db, struct kmend_image_scan *out,
                     struct kmend_image **keep);

void kmend_image_scan_free(struct kmend_image_scan *s);

#endif
