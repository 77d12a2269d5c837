/*
 * An image's inventory: its OS and every installed package, each with the layer (its
 * diff_id) that last wrote it.
 */
#ifndef KMEND_INVENTORY_H
#define KMEND_INVENTORY_H

#include <stdbool.h>

#include "error.h"
#include "image.h"
#include "osrelease.h"
#include "package.h"
#include "warning.h"

struct kmend_inventory {
	bool os_found;
	struct kmend_os os;
	struct kmend_package_list packages; /* sorted by name */
	size_t layers_from_cache;           /* how many layers the layer cache answered */
	struct kmend_warnings warnings;     /* what the user must know: no package database... */
};

/*
 * Read every layer of img once (or its cached findings), merge the files the
 * OS and package analyzers want, and list the packages. cache_dir (NULL: no
 * cache) holds one findings file per layer digest. Errors are the image's and
 * the layers' (digest mismatch, corrupt layer, path escaping the root) or a
 * package database that cannot be read at all.
 */
int kmend_inventory_build(struct kmend_image *img, const char *cache_dir,
                          struct kmend_inventory *out, struct kmend_error *err);

void kmend_inventory_free(struct kmend_inventory *inv);

/* The paths the analyzers read, for the layer walker. */
extern const struct kmend_want kmend_inventory_want;

#endif
