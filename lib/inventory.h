/*
 * An image's inventory: its OS and every installed package, each with the layer (its
 * diff_id) that last wrote it.
 */
#ifndef KMEND_INVENTORY_H
#define KMEND_INVENTORY_H

#include <stdbool.h>

#include "error.h"
#include "fix_files.h"
#include "image.h"
#include "layer.h"
#include "osrelease.h"
#include "package.h"
#include "warning.h"

struct kmend_inventory {
	bool os_found;
	struct kmend_os os;
	struct kmend_package_list packages; /* sorted by name */
	size_t layers_from_cache;           /* how many layers the layer cache answered */
	struct kmend_warnings warnings;     /* what the user must know: no package database... */
	struct kmend_fix_files fix_files;   /* the files kmend fix reads (lib/fix_files.h) */
};

/*
 * Read every layer of img once (or its cached findings), merge the files the OS and package
 * analyzers want, and list the packages. Links are followed wherever they lead inside the
 * image: when a wanted path leads through a link to a path the read did not keep and some
 * layer holds, the layers are read again keeping it. cache_dir (NULL: no cache) holds one
 * findings file per layer digest and want set. What makes the result incomplete is in
 * out->warnings (no package database, skipped entries). Errors are the image's and the
 * layers' (digest mismatch, corrupt layer, path escaping the root, kept bytes over the
 * limits of kmend_limits.h) or a package database that cannot be read at all.
 */
int kmend_inventory_build(struct kmend_image *img, const char *cache_dir,
                          struct kmend_inventory *out, struct kmend_error *err);

void kmend_inventory_free(struct kmend_inventory *inv);

/*
 * The paths the inventory reads in its pass over the layers (OS files, every package
 * database backend's paths), as a new want set to free. 0 or -ENOMEM.
 */
int kmend_inventory_want_init(struct kmend_want *w);

#endif
